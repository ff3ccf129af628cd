import { browser } from 'wxt/browser';
import type { ActionContext } from '../actions/context';
import { openChat, resumeJournal } from '../actions/chat';
import { CRM_TAB_LOCK_NAME, crmTabs } from '../actions/crm-tab';
import { createDashboardTab, dashboardAccess, defaultLock, webLocks, memorySessionStore, type ShowInDashboard, storageAreaSessionStore } from '../actions/dashboard-tab';
import { login } from '../actions/login';
import { loginLinkStore } from '../actions/login-links';
import { testConnection } from '../actions/test-connection';
import { exportMappings, importMappings } from '../actions/transfer';
import { browserProfile, keepConfigLoaded, loadConfig, saveAgentOptions, tidyStoredToken } from '../config/agent-options';
import type { BrowserProfileState } from '../config/browser-profile';
import { agentMayNotSet, ConfigError, isTeamMode, type ProviderConfig, requireProviderConfig, type ResolvedConfig, resolveAgent } from '../config/resolve';
import { CONFIG_DEFAULTS } from '../config/schema';
import { EmptyRequestSchema, LeadSchema, LoginRequestSchema, MappingImportRequestSchema, SettingsChangeSchema, TabAccessRequestSchema } from '../messages';
import type { ActionOutcome, SettingsView } from '../messaging';
import { ACTION_RETRY, SaleschatClient } from '../provider/client';
import { redact } from '../redact';
import { BridgeDatabase } from '../store/db';
import { MappingStore } from '../store/mappings';
import { injectIntoOpenTabs, type RegistrationApi, type RuleHostsInput, syncRuleContentScripts } from './rule-hosts';
import { syncDashboardScript } from './dashboard-script';
import { serialized } from '../single-flight';
import { lastProviderContactItem, type ProviderContact, recordProviderContact } from './provider-status';
import { serveRoutes } from './routes';
import { wakeUpRoute } from './wake';
import { siteStates, tabAccess } from './site-access';
import { closeStorageToContentScripts, type StorageAreaName, storageAccessItem } from './storage-access';
import { activeCrmProfiles, effectiveTenants, pageSetup } from './page-setup';
import { builtInMatches } from '../crm/tenants';
import { teamBackground } from './team';
import { maskActionSecrets } from '../crm-actions/validate';
import { crmWriteBack } from './crm-actions';
import { crmActionHosts } from '../crm-actions/hosts';
import { cardStateItem, dashboardBackground } from './dashboard';
import { recentlyShown } from './recently-shown';
import { BUILDER_SCRIPT_FILE, builderBackground, syncBuilderScript } from './builder';

/**
 * The background worker: the only place that holds the token, calls the provider and opens the database.
 * Every message is checked for its sender and validated before anything runs (routes.ts, one table).
 */
export function startBackground(): void {
  keepConfigLoaded();
  const storageClosed = closeStorageToContentScripts(chromeStorageAreas())
    .then((access) => storageAccessItem.setValue(access))
    .catch((error) => console.warn(redact(`CRM Chat Bridge: could not close storage to content scripts: ${String(error)}`)));
  const db = new BridgeDatabase();
  const store = new MappingStore(db);
  // The CRM write-back (crmActions): rows a stopped worker left are run at its start.
  const writeBack = crmWriteBack(db, loadConfig);
  writeBack.resume();
  // One per background context: Chat and Login share its lock, so together they open one tab.
  const dashboardTab = createDashboardTab(browser);
  const sessionStore = browser.storage.session ? storageAreaSessionStore(browser.storage.session) : memorySessionStore();
  const shownByChat = recentlyShown(sessionStore, Date.now);
  const loginLinks = loginLinkStore(browser.storage.session);
  // Chat and Login show their page through here: the dashboard's screen pop skips a chatroom our Chat just showed.
  // The note is written while the tab opens (storage keeps its order, so it is there before the page can ask).
  const showInDashboard: ShowInDashboard = async (url, dashboardUrl) => {
    const noted = shownByChat.note(url);
    const outcome = await dashboardTab.show(url, dashboardUrl);
    await noted;
    return outcome;
  };
  const team = teamBackground({ store, showInDashboard, onSessionChange: () => resyncDashboard() });
  const dashboard = dashboardBackground({
    loadConfig,
    storedCard: (orgId, chatroomId) => store.cardForChatroom(orgId, chatroomId),
    teamCard: team.card,
    teamDashboardUrl: team.dashboardUrl,
    showCrmTab: crmTabs({ tabs: browser.tabs, windows: browser.windows, session: sessionStore, lock: defaultLock(webLocks(), CRM_TAB_LOCK_NAME) }).show,
    openTab: (url) => browser.tabs.create({ url, active: true }),
    shownByChatRecently: (url) => shownByChat.recently(url),
    cardState: cardStateItem(),
  });

  // The config is read once per click: it decides the mode (team or direct) and is the direct action's context.
  const context = (config: ResolvedConfig): ActionContext => {
    return {
      config,
      createClient: (provider) => createClient(provider, config),
      store,
      loginLinks,
      showInDashboard,
      now: Date.now,
    };
  };

  // Chats a stopped worker left unfinished (lib/actions/chat.ts): reconciled from the database alone at every
  // start, before this worker runs any Chat. A failure is logged and never blocks a Chat: the click on the
  // lead resumes its own entry anyway, so a Chat waits for it only a bounded time.
  const journalResumed = resumeJournal({ store, now: Date.now })
    .then((report) => {
      if (report.differs > 0) {
        console.warn(`CRM Chat Bridge: ${report.differs} interrupted chat(s) knew another contact than the stored mapping; the mapping was kept.`);
      }
    })
    .catch((error) => console.warn(redact(`CRM Chat Bridge: could not read the chat journal: ${String(error)}`)));

  // The content script is registered at run time, for the built-in CRMs on the company's tenants only
  // (crmTenants) and the admin rules' granted hosts: why, and what covers the gaps, in rule-hosts.ts.
  // One sync at a time: start-up, policy changes and the options page trigger syncs together, and two
  // overlapping ones both see "not registered", the second registration then failing with a duplicate id.
  const syncRules = serialized(async () => {
    const config = await loadConfig();
    const rules = (config.values.crmRules ?? []).filter(hasUrl);
    const builtIns = builtInMatches({ crmTenants: effectiveTenants(config), crmProfiles: config.values.crmProfiles });
    return syncRuleContentScripts(rules, [], CONTENT_SCRIPT_FILE, browser as unknown as Parameters<typeof syncRuleContentScripts>[3], builtIns);
  });
  const resync = () => {
    syncRules().catch((error) => console.warn(redact(`CRM Chat Bridge: could not register the content script: ${String(error)}`)));
  };
  resync();
  // The dashboard's content script follows the dashboard URL (policy, options, or the team's sign-in).
  const syncDashboard = serialized(async () => syncDashboardScript(await dashboard.dashboardUrl(), browser.scripting as unknown as RegistrationApi['scripting']));
  const resyncDashboard = () => {
    syncDashboard().catch((error) => console.warn(redact(`CRM Chat Bridge: could not register the dashboard script: ${String(error)}`)));
  };
  resyncDashboard();
  // A token left in storage.local moves to IndexedDB; in team mode every stored token goes (lib/config/agent-options.ts).
  const tidyToken = serialized(async () => tidyStoredToken({ forget: (await loadConfig()).values.gatewayUrl !== undefined }));
  const tidy = () => {
    tidyToken().catch((error) => console.warn(redact(`CRM Chat Bridge: could not tidy the stored API token: ${String(error)}`)));
  };
  tidy();
  browser.runtime.onInstalled.addListener(({ reason }) => {
    if (reason !== 'install' && reason !== 'update') return;
    syncRules()
      .then(({ matches }) => injectIntoOpenTabs(matches, CONTENT_SCRIPT_FILE, browser as unknown as Parameters<typeof injectIntoOpenTabs>[2]))
      .catch((error) => console.warn(redact(`CRM Chat Bridge: could not start in the tabs already open: ${String(error)}`)));
  });
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'managed' || (area === 'local' && 'agentOptions' in changes)) {
      resync();
      resyncDashboard();
      tidy();
    }
  });
  browser.permissions.onAdded.addListener(resync);
  browser.permissions.onAdded.addListener(resyncDashboard);
  browser.permissions.onRemoved.addListener(resync);

  const builder = builderBackground({
    loadConfig,
    tabUrl: (tabId) => browser.tabs.get(tabId).then((tab) => tab.url ?? '', () => undefined),
    inject: async (tabId) => {
      await browser.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: [BUILDER_SCRIPT_FILE] });
    },
    follow: (matches) => syncBuilderScript(matches, browser.scripting as unknown as RegistrationApi['scripting']),
    afterSave: async () => {
      await syncRules();
    },
  });

  const orgId = async () => (await loadConfig()).values.orgId;
  serveRoutes(
    {
      openChat: {
        schema: LeadSchema,
        pageUrl: (lead) => lead.pageUrl,
        run: async (lead, from) => {
          const config = await loadConfig();
          if (config.values.gatewayUrl) return team.chat(config.values.gatewayUrl, lead, from?.tabId);
          await settledWithin(journalResumed, JOURNAL_WAIT_MS);
          const outcome = await recorded(await openChat(lead, context(config)));
          writeBack.after(outcome.ok ? 'chat-opened' : 'chat-failed', config, outcome, { lead, ...from });
          return outcome;
        },
      },
      // What the openChat route above loads first, loaded ahead of the click.
      wakeUp: wakeUpRoute({ loadConfig, openDatabase: () => db.open(), startUpSettled: () => settledWithin(journalResumed, JOURNAL_WAIT_MS) }),
      login: {
        schema: LoginRequestSchema,
        pageUrl: (request) => request?.pageUrl,
        run: async (_request, from) => {
          const config = await loadConfig();
          if (config.values.gatewayUrl) return team.login(config.values.gatewayUrl, from?.tabId);
          const outcome = await recorded(await login(context(config)));
          if (outcome.ok) writeBack.after('login', config, outcome, { ...from });
          return outcome;
        },
      },
      ...team.routes,
      ...dashboard.routes,
      ...builder.routes,
      getPageSetup: {
        schema: EmptyRequestSchema,
        run: async () => {
          const config = await loadConfig();
          return pageSetup(config.values, effectiveTenants(config));
        },
      },
      testConnection: {
        schema: EmptyRequestSchema,
        run: async () => {
          const config = await loadConfig();
          const report = await testConnection(config, (provider) => createClient(provider, config));
          const summary = report.checks.find((check) => !check.ok) ?? { detail: 'Connected' };
          await lastProviderContactItem.setValue({ ok: report.ok, message: summary.detail, at: Date.now() });
          return report;
        },
      },
      getSettings: {
        schema: EmptyRequestSchema,
        run: async () => {
          await storageClosed;
          const config = await loadConfig();
          const profile = config.values.agentFromBrowserProfile === true ? await browserProfile() : null;
          return settingsView(config, await lastProviderContactItem.getValue(), await storageAccessItem.getValue(), profile);
        },
      },
      getRuleHosts: {
        schema: EmptyRequestSchema,
        run: async () => {
          const manifestHosts = browser.runtime.getManifest().host_permissions ?? [];
          const { values } = await loadConfig();
          const dashboard = await dashboardAccess(values.providerDashboardUrl, { permissions: browser.permissions, manifestHosts });
          const { access, unresolved } = await syncRules();
          // The CRM APIs the write-back calls need the same one-time permission as rule sites (no content script there).
          const apis = crmActionHosts(values.crmActions ?? [], manifestHosts);
          const apiAccess = await Promise.all(
            apis.hosts.map(async (host) => {
              const granted = await browser.permissions.contains({ origins: [host.origin] }).catch(() => false);
              return { ...host, granted, state: granted ? ('allowed' as const) : ('not-granted' as const) };
            }),
          );
          return { access: [...(await siteStates(access)), ...apiAccess], unresolved: [...unresolved, ...apis.unresolved], ...(dashboard ? { dashboard } : {}) };
        },
      },
      getTabAccess: {
        schema: TabAccessRequestSchema,
        run: ({ tabId }) =>
          tabAccess(tabId, {
            getTab: (id) => browser.tabs.get(id),
            probe: async (id) => {
              await browser.scripting.executeScript({ target: { tabId: id }, func: () => true });
            },
            profiles: activeCrmProfiles,
            ruleAccess: async () => (await syncRules()).access,
          }),
      },
      exportMappings: { schema: EmptyRequestSchema, run: async () => exportMappings({ orgId: await orgId(), store, now: Date.now }) },
      importMappings: {
        schema: MappingImportRequestSchema,
        invalid: () => ({ ok: false, message: 'Not imported: the options page sent no file text the extension can read.' }),
        run: async (request) => {
          const { values } = await loadConfig();
          return importMappings(request.json, { orgId: values.orgId, store, now: Date.now, importAllowed: values.allowMappingImport === true });
        },
      },
      saveSettings: {
        schema: SettingsChangeSchema,
        invalid: () => ({ ok: false, problems: [{ key: '*', message: 'malformed settings change' }] }),
        run: async (change) => {
          const problems = await saveAgentOptions(change, agentMayNotSet(await loadConfig()));
          return { ok: problems.length === 0, problems };
        },
      },
    },
    { runtimeId: browser.runtime.id, extensionOrigin: browser.runtime.getURL('/'), profiles: activeCrmProfiles, dashboardUrl: dashboard.dashboardUrl, builderTab: builder.isBuilderTab },
  );
}

/**
 * How long a Chat waits for the start-up reconciliation of the journal. It reads one small table, so this is
 * only reached when IndexedDB itself hangs; the click's own run then reads its lead's entry anyway.
 */
const JOURNAL_WAIT_MS = 2000;

function settledWithin(promise: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);
}

async function recorded(outcome: ActionOutcome): Promise<ActionOutcome> {
  await recordProviderContact(outcome);
  return outcome;
}

function hasUrl(rule: object): rule is RuleHostsInput {
  return 'url' in rule && 'name' in rule;
}

/** The content script's path in every build (WXT names it after entrypoints/crm.content). */
const CONTENT_SCRIPT_FILE = 'content-scripts/crm.js';

function createClient(provider: ProviderConfig, config: ResolvedConfig): SaleschatClient {
  const { values } = config;
  return new SaleschatClient({
    apiUrl: provider.providerApiUrl,
    orgId: provider.orgId,
    apiToken: provider.apiToken,
    requestTimeoutMs: values.requestTimeoutMs ?? CONFIG_DEFAULTS.requestTimeoutMs,
    magicLinkLifetimeMs: (values.magicLinkLifetimeSeconds ?? CONFIG_DEFAULTS.magicLinkLifetimeSeconds) * 1000,
    retry: ACTION_RETRY,
  });
}

/** The settings as the options page may see them: the token replaced by a hint of its last characters. */
export function settingsView(
  config: ResolvedConfig,
  lastProviderContact: ProviderContact | null = null,
  storageAccess: SettingsView['storageAccess'] | null = null,
  browserProfile: BrowserProfileState | null = null,
): SettingsView {
  const { apiToken, crmActions, ...rest } = config.values;
  // The CRM's credentials in crmActions are the company's, not the agent's: the options page gets them masked.
  const values = crmActions ? { ...rest, crmActions: maskActionSecrets(crmActions) } : rest;
  const agent = resolveAgent(config.values);
  let notReady: string | undefined;
  try {
    // Team mode: the gateway holds the provider settings; the popup's team section says what is missing.
    if (!isTeamMode(config)) requireProviderConfig(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    notReady = error.message;
  }
  return {
    values,
    sources: config.sources,
    locked: config.locked,
    adminOnly: agentMayNotSet(config),
    ignored: config.ignored,
    problems: config.problems,
    ...(apiToken ? { apiTokenHint: tokenHint(apiToken) } : {}),
    ...(agent ? { agent } : {}),
    ...(notReady ? { notReady } : {}),
    ...(lastProviderContact ? { lastProviderContact } : {}),
    ...(storageAccess ? { storageAccess } : {}),
    ...(browserProfile ? { browserProfile } : {}),
  };
}

/**
 * Enough to tell two tokens apart, never enough to matter: the last 4 characters only of a token long enough
 * that they are a small part of it; a fixed mask for a short one (its last 4 would be a real share of it).
 */
export const TOKEN_HINT_MIN_LENGTH = 32;
export function tokenHint(token: string): string {
  return token.length >= TOKEN_HINT_MIN_LENGTH ? `••••${token.slice(-4)}` : '••••••••';
}

/** The browser's storage areas as Chrome exposes them (the polyfill hides setAccessLevel in Firefox, which has none). */
function chromeStorageAreas(): Partial<Record<StorageAreaName, object | undefined>> {
  const chromeStorage = (globalThis as { chrome?: { storage?: Record<string, object | undefined> } }).chrome?.storage;
  const areas = chromeStorage ?? (browser.storage as unknown as Record<string, object | undefined>);
  return { local: areas.local, sync: areas.sync, session: areas.session, managed: areas.managed };
}
