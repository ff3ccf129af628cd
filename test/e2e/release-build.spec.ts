import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page, Route } from '@playwright/test';
import { readClosedCard, readClosedUi } from './closed-ui';
import { ChromiumDriver } from './driver/chromium';
import { demoOptions, expect, test } from './fixtures';

/**
 * The RELEASE build (what agents install), not the dev-hosts test flavour the other specs use: its injected
 * UI sits in a CLOSED shadow root, and a real click still works through it.
 *
 * A release build has no localhost permission and injects only on the built-in CRMs' domains, so the browser
 * context routes those hosts: the Salesforce Lightning URL serves the Salesforce fixture page, and the
 * Saleschat API and dashboard hosts are forwarded to the local sandbox (Playwright routes the extension
 * service worker's requests too). The page cannot see inside a closed root, and neither can Playwright's
 * locators; the test reads it the way DevTools does (CDP DOM with `pierce`), which no page script can.
 */

const RELEASE_DIR = path.resolve(process.env.CCB_RELEASE_DIR ?? '.output/chrome-mv3');
const FIXTURE = path.resolve('test/fixtures/crm/salesforce/lead.html');
/** The fixture's own URL (its first comment) and the lead it shows (test/unit/crm/fixtures.test.ts). */
const LEAD_URL = 'https://acme.lightning.force.com/lightning/r/Lead/00Q5e00000AbCdEFGH/view';
/** The lead's identity: the Salesforce profile's id, the org's My Domain host, the record id. */
const CRM_ID = 'salesforce:acme.lightning.force.com:00Q5e00000AbCdEFGH';
const API_URL = 'https://apis.saleschat.pro';
const DASHBOARD_URL = 'https://app.saleschat.pro/app';

test.skip(
  !existsSync(path.join(RELEASE_DIR, 'manifest.json')),
  `No release build at ${RELEASE_DIR}: run "npx wxt build" (npm test does) or set CCB_RELEASE_DIR.`,
);

test('release build: the buttons live in a closed shadow root, and a trusted click on them still reaches the provider', async ({ sandbox }) => {
  const manifest = JSON.parse(readFileSync(path.join(RELEASE_DIR, 'manifest.json'), 'utf8')) as { host_permissions?: string[] };
  // Proves this is the release flavour: the dev-hosts one adds localhost.
  expect(manifest.host_permissions?.some((host) => host.includes('localhost') || host.includes('127.0.0.1'))).toBe(false);

  await sandbox.call('POST', 'reset', {});
  await sandbox.forgetContactFor(CRM_ID);
  const driver = await ChromiumDriver.launch(RELEASE_DIR);
  try {
    const { context } = driver.launched;
    const providerRequests: string[] = [];
    const toSandbox = async (route: Route) => {
      const url = new URL(route.request().url());
      if (url.origin === API_URL) providerRequests.push(`${route.request().method()} ${url.pathname}`);
      const response = await route.fetch({ url: `${sandbox.apiUrl}${url.pathname}${url.search}` });
      await route.fulfill({ response });
    };
    await context.route(`${API_URL}/**`, toSandbox);
    await context.route('https://app.saleschat.pro/**', toSandbox);
    await context.route('https://acme.lightning.force.com/**', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: readFileSync(FIXTURE, 'utf8') }),
    );
    await driver.configure(demoOptions(sandbox, { providerApiUrl: API_URL, providerDashboardUrl: DASHBOARD_URL }));

    const page = await context.newPage();
    await page.goto(LEAD_URL);
    await expect.poll(() => page.locator('crm-chat-bridge').count()).toBe(1);

    // What a page script sees: the host element, laid out, and nothing inside it.
    const fromPage = await page.evaluate(() => {
      const host = document.querySelector('crm-chat-bridge');
      const box = host?.getBoundingClientRect();
      return {
        shadowRoot: host?.shadowRoot === null ? 'null' : typeof host?.shadowRoot,
        width: box?.width ?? 0,
        height: box?.height ?? 0,
        ccbElements: document.querySelectorAll('[data-ccb]').length,
      };
    });
    expect(fromPage).toMatchObject({ shadowRoot: 'null', ccbElements: 0 });
    expect(fromPage.width).toBeGreaterThan(0);
    expect(fromPage.height).toBeGreaterThan(0);

    // What DevTools sees: a closed root holding the Chat button.
    const cdp = await context.newCDPSession(page);
    const ui = await readClosedUi(cdp);
    expect(ui.mode).toBe('closed');
    expect(ui.chatText).toBe('Chat');

    // A script clicking the host (all it can reach) does nothing.
    await page.evaluate(() => (document.querySelector('crm-chat-bridge') as HTMLElement | null)?.click());
    expect(providerRequests).toEqual([]);

    // A trusted mouse click at the Chat button's position, which lies inside the host's box.
    const host = await page.locator('crm-chat-bridge').boundingBox();
    if (!host || !ui.chatCenter) throw new Error('the UI has no layout');
    expect(ui.chatCenter.x).toBeGreaterThan(host.x);
    expect(ui.chatCenter.x).toBeLessThan(host.x + host.width);
    expect(ui.chatCenter.y).toBeGreaterThan(host.y);
    expect(ui.chatCenter.y).toBeLessThan(host.y + host.height);
    await page.mouse.click(ui.chatCenter.x, ui.chatCenter.y);

    await expect.poll(async () => (await readClosedUi(cdp)).toast).toEqual({ ok: true, text: 'Chat with Jon Amos opened.' });
    expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
    expect(providerRequests).toEqual([
      expect.stringMatching(/^POST \/v2\/org\/org_demo\/contact$/),
      expect.stringMatching(/^POST \/v3\/orgs\/org_demo\/contacts\/[^/]+\/assign$/),
    ]);
    const state = await sandbox.state();
    const contacts = state.contacts.filter((contact) => contact.crm_id === CRM_ID);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({ first_name: 'Jon', last_name: 'Amos', phone_number: '+14155550100' });
    await expect.poll(() => dashboardUrls(driver.launched.context.pages())).toEqual([expect.stringMatching(/^https:\/\/app\.saleschat\.pro\/app\/chatrooms\/./)]);

    // The dashboard's CRM card, in the same release build: it shows the lead, and the dashboard's own scripts
    // see only an empty host (a closed root), so a dashboard page cannot read the CRM data in it.
    const dashboard = driver.launched.context.pages().find((candidate) => candidate.url().startsWith(`${DASHBOARD_URL}/chatrooms/`)) as Page;
    const dashboardCdp = await context.newCDPSession(dashboard);
    await expect.poll(async () => readClosedCard(dashboardCdp)).toEqual({ mode: 'closed', name: 'Jon Amos' });
    const cardFromPage = await dashboard.evaluate(() => {
      const host = document.querySelector('crm-chat-bridge-card');
      return { present: host !== null, shadowRoot: host?.shadowRoot === null ? 'null' : typeof host?.shadowRoot, text: host?.textContent ?? null };
    });
    expect(cardFromPage).toEqual({ present: true, shadowRoot: 'null', text: '' });
  } finally {
    await driver.close();
  }
});

/**
 * The demo CRM profile (the sandbox's pages on localhost) is for the demo and these tests only: a release bundle
 * that carried it would treat any local page shaped like the demo as a CRM. Checked on the built files, in both
 * browsers' release builds, against the dev-hosts build, which must carry it (else this check could not fail).
 */
test('release builds contain no demo CRM profile; the dev-hosts build does', () => {
  const firefoxRelease = path.resolve(process.env.CCB_RELEASE_FIREFOX_DIR ?? '.output/firefox-mv2');
  const devHosts = path.resolve('.output/dev-hosts/chrome-mv3');
  test.skip(!existsSync(firefoxRelease) || !existsSync(devHosts), 'needs the Firefox release and dev-hosts builds (npm test builds both)');
  expect(demoMarkers(devHosts)).toEqual(DEMO_MARKERS);
  expect(demoMarkers(RELEASE_DIR)).toEqual([]);
  expect(demoMarkers(firefoxRelease)).toEqual([]);
});

/** Strings only the demo profile has: its label, its page shape, its address. */
const DEMO_MARKERS = ['Demo CRM', 'main.crm-record[data-record-type', '/crm/leads/:id'];

function demoMarkers(dir: string): string[] {
  const text = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(js|json|html)$/.test(file))
    .map((file) => readFileSync(path.join(dir, file), 'utf8'))
    .join('\n');
  return DEMO_MARKERS.filter((marker) => text.includes(marker));
}

function dashboardUrls(pages: Page[]): string[] {
  return pages.map((page) => page.url()).filter((url) => url.startsWith(DASHBOARD_URL));
}

