import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';
import { buildManagedSchema } from './lib/config/managed-schema';
import { GECKO_ID } from './lib/extension-ids';

/** Where the generated policy schema lands in the extension (manifest storage.managed_schema). */
const MANAGED_SCHEMA_FILE = 'managed_schema.json';

/**
 * Base64 DER *public* key: it pins the Chrome extension id (CHROME_EXTENSION_ID in lib/extension-ids.ts,
 * checked by a test) so admins can address it in policy before it is installed.
 * The matching private key is not in this repository.
 */
const CHROME_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApkZf7U5IwjQS3IG970ueBrpR6+HnfqucSXUI3udfSUgz6xwxRq9kd9raRiIrWBNu9MG0HvyoScArVkiBb53SLKSAf3ZlIoaFzj5Q1aQmHyzp28LRPrCBr1EZxZnE0GC9kEHojdjRkFjULe46Dd4o81VvJr2ytajmRKQlQ9ASWuFPSbt/79o0elG1ndyWUHoAVQQAyE3c8TFu9qH25cF0LKaqO2iAb7AGArU+DiG0WCkRyVHQtzEDop9JxjIDzeUtJKbCBCTuS4sa+llmcoVJKgm4+2ywX6oN3TtVBA/FS2RfabUCX/jHrcbU3/d2qHmpp29ghpFHFOUN9ScRBmhDKwIDAQAB';

/**
 * `CCB_DEV_HOSTS=1` builds the flavour used by the end-to-end tests and `npm run demo`: it adds
 * localhost/127.0.0.1 host permissions and the demo CRM profile for the sandbox's pages (CCB_DEMO_PROFILE).
 * Release and fleet builds leave them out so agents never see a "localhost" permission or a demo CRM.
 */
const devHosts = process.env.CCB_DEV_HOSTS === '1';
export const DEV_HOST_PATTERNS = ['http://localhost/*', 'http://127.0.0.1/*'];

/**
 * `CCB_FLEET=1` (npm run build:fleet / zip:fleet) builds the flavour for self-hosted force-install: it
 * requires access to every site, so an admin-rule CRM host works with no click per agent (a force-install
 * grants required permissions, never optional ones), and the admin narrows it back to the company's hosts
 * with ExtensionSettings runtime_blocked_hosts / runtime_allowed_hosts (docs/admin-guide.md). The store
 * build keeps optional host permissions: the store shows "all sites" as a warning agents would rightly
 * question.
 */
const fleet = process.env.CCB_FLEET === '1';
const ALL_SITES = ['https://*/*', 'http://*/*'];
const PROFILE_PERMISSIONS = ['identity', 'identity.email'];

export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  // Explicit imports everywhere: a reader can see where every name comes from.
  imports: false,
  // CCB_OUT_DIR lets parallel builds (e.g. two test runs) keep apart.
  outDir: process.env.CCB_OUT_DIR ?? (devHosts ? '.output/dev-hosts' : fleet ? '.output/fleet' : '.output'),
  vite: () => ({
    plugins: [preact()],
    // The injected UI's shadow root is closed in release builds and open only in this test flavour, so the
    // e2e automation can read inside it (components/mount-in-shadow.tsx explains).
    // CCB_ALLOW_LOOPBACK: provider URLs may be plain http on loopback (the local sandbox) in the test flavour and
    // when a build is made for a test of its own (CCB_ALLOW_LOOPBACK=1, e.g. the fleet e2e); release builds send
    // the token over https only (lib/config/schema.ts).
    define: {
      'import.meta.env.CCB_SHADOW_MODE': JSON.stringify(devHosts ? 'open' : 'closed'),
      'import.meta.env.CCB_ALLOW_LOOPBACK': JSON.stringify(String(devHosts || process.env.CCB_ALLOW_LOOPBACK === '1')),
      // The demo CRM profile (lib/crm/profiles/demo.ts) and its localhost pages: a build-time constant, so release
      // and fleet bundles drop them (lib/crm/profiles/ids.ts DEMO_PROFILE_BUILT).
      'import.meta.env.CCB_DEMO_PROFILE': JSON.stringify(String(devHosts)),
    },
  }),
  manifest: ({ browser }) => ({
    name: 'CRM Chat Bridge',
    description: 'Chat and Login buttons on CRM lead pages that open the right Saleschat chatroom.',
    // scripting: registers the content script on the company's tenants of the built-in CRMs and on admin-rule
    // hosts the agent granted (see rule-hosts.ts), and tells the popup whether the browser lets it run on a tab.
    // activeTab: the popup may read the address of the tab the agent clicked the toolbar button on, to say which
    // rule matches it (no install warning).
    // identity + identity.email (Chrome): the signed-in account's e-mail says who the agent is, when the admin
    // turns agentFromBrowserProfile on (lib/config/browser-profile.ts). Required in the fleet build, where the
    // force-install grants it; optional in the store build, granted by one click in the options page.
    // alarms: a CRM write-back waiting to be retried wakes the worker when it is due (no install warning).
    permissions: ['storage', 'scripting', 'activeTab', 'alarms', ...(fleet && browser !== 'firefox' ? PROFILE_PERMISSIONS : [])],
    ...(!fleet && browser !== 'firefox' ? { optional_permissions: PROFILE_PERMISSIONS } : {}),
    // Admin rules name CRMs the manifest cannot know: the store build asks per host, never for all sites.
    // (MV2 keeps optional hosts in optional_permissions; WXT does not convert this key for Firefox.)
    ...(fleet
      ? {}
      : browser === 'firefox'
        ? { optional_permissions: ALL_SITES }
        : { optional_host_permissions: ALL_SITES }),
    host_permissions: [
      'https://apis.saleschat.pro/*',
      'https://*.saleschat.pro/*',
      ...(devHosts ? DEV_HOST_PATTERNS : []),
      ...(fleet ? ALL_SITES : []),
    ],
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              // 140 is the ESR that introduced data_collection_permissions (Android got it in 142).
              strict_min_version: '140.0',
              // What Chat sends to the company's Saleschat: the lead's name and phone number (and, in Test
              // connection, the agent's e-mail), read from the CRM page's content. docs/security.md lists it all.
              data_collection_permissions: { required: ['personallyIdentifyingInfo', 'websiteContent'] },
            },
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : {
          key: CHROME_PUBLIC_KEY,
          minimum_chrome_version: '116',
          // Chrome reads admin policy for the extension through this schema; Firefox reads policies.json's
          // 3rdparty section without one.
          storage: { managed_schema: MANAGED_SCHEMA_FILE },
        }),
    content_security_policy:
      browser === 'firefox'
        ? "script-src 'self'; object-src 'none';"
        : { extension_pages: "script-src 'self'; object-src 'none';" },
  }),
  hooks: {
    // Content scripts run on every CRM page all day: they get the browser's own API object (Chrome's promise-based
    // `chrome`, Firefox's `browser`) instead of webextension-polyfill, which would be an eighth of their size. What they
    // call (runtime id and URL, messaging) is the same in both without it; extension pages and the worker keep it.
    'vite:build:extendConfig': (entrypoints, config) => {
      if (!entrypoints.every((entrypoint) => entrypoint.type === 'content-script')) return;
      const alias = config.resolve?.alias;
      if (Array.isArray(alias)) {
        config.resolve = { ...config.resolve, alias: alias.filter((entry: { find: unknown }) => entry.find !== 'wxt/browser') };
      } else if (alias && typeof alias === 'object') {
        delete (alias as Record<string, string>)['wxt/browser'];
      }
    },
    // Generated from the config schema on every build, so the policy schema can never drift from it.
    'build:publicAssets': (wxt, files) => {
      if (wxt.config.browser === 'firefox') return;
      files.push({ relativeDest: MANAGED_SCHEMA_FILE, contents: `${JSON.stringify(buildManagedSchema(), null, 2)}\n` });
    },
  },
});
