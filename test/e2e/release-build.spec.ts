import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CDPSession, Page, Route } from '@playwright/test';
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
    const ui = await closedUi(cdp);
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

    await expect.poll(async () => (await closedUi(cdp)).toast).toEqual({ ok: true, text: 'Chat with Jon Amos opened.' });
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
  } finally {
    await driver.close();
  }
});

function dashboardUrls(pages: Page[]): string[] {
  return pages.map((page) => page.url()).filter((url) => url.startsWith(DASHBOARD_URL));
}

interface CdpNode {
  nodeId: number;
  localName?: string;
  children?: CdpNode[];
  shadowRoots?: (CdpNode & { shadowRootType?: string })[];
  contentDocument?: CdpNode;
}

interface ClosedUi {
  /** The shadow root's mode as DevTools reports it ('open', 'closed'), or null when there is none. */
  mode: string | null;
  chatText: string | null;
  /** The Chat button's centre in viewport coordinates. */
  chatCenter: { x: number; y: number } | null;
  toast: { ok: boolean; text: string } | null;
}

/** Reads the extension's UI through the DevTools protocol, which sees closed shadow roots. */
async function closedUi(cdp: CDPSession): Promise<ClosedUi> {
  const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: CdpNode };
  const host = findNode(root, (node) => node.localName === 'crm-chat-bridge');
  const shadow = host?.shadowRoots?.find((candidate) => candidate.shadowRootType !== 'user-agent');
  if (!shadow) return { mode: null, chatText: null, chatCenter: null, toast: null };
  const inShadow = async (selector: string) => ((await cdp.send('DOM.querySelector', { nodeId: shadow.nodeId, selector })) as { nodeId: number }).nodeId;
  const html = async (nodeId: number) => ((await cdp.send('DOM.getOuterHTML', { nodeId })) as { outerHTML: string }).outerHTML;
  const textOf = (markup: string) => markup.replace(/<[^>]*>/g, '').trim();

  const chat = await inShadow('[data-ccb="chat"]');
  let chatCenter: ClosedUi['chatCenter'] = null;
  if (chat) {
    await cdp.send('DOM.scrollIntoViewIfNeeded', { nodeId: chat });
    const { model } = (await cdp.send('DOM.getBoxModel', { nodeId: chat })) as { model: { content: number[] } };
    const [x1 = 0, y1 = 0, , , x3 = 0, y3 = 0] = model.content;
    chatCenter = { x: (x1 + x3) / 2, y: (y1 + y3) / 2 };
  }
  const toastNode = await inShadow('[data-ccb="toast"]');
  const toastText = toastNode ? await inShadow('[data-ccb="toast"] .ccb-toast-text') : 0;
  return {
    mode: shadow.shadowRootType ?? null,
    chatText: chat ? textOf(await html(chat)) : null,
    chatCenter,
    toast: toastNode ? { ok: (await html(toastNode)).includes('data-ok="true"'), text: toastText ? textOf(await html(toastText)) : '' } : null,
  };
}

function findNode(node: CdpNode, match: (node: CdpNode) => boolean): CdpNode | undefined {
  if (match(node)) return node;
  for (const child of [...(node.children ?? []), ...(node.shadowRoots ?? []), ...(node.contentDocument ? [node.contentDocument] : [])]) {
    const found = findNode(child, match);
    if (found) return found;
  }
  return undefined;
}
