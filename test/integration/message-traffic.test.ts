import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { startBackground } from '../../lib/background/main';
import { type Sandbox, startSandbox } from '../../sandbox/server';

/**
 * Secrets stay in the background (issue 5, security). The real background — its message handlers, sender
 * checks, provider client, store — runs under WXT's fake browser and talks to the real sandbox over HTTP.
 * Every message a content script may send is sent the way the browser delivers it (runtime.onMessage with a
 * sender), and every reply is serialised and searched for the token and for the magic link the provider
 * issued. Messages from the wrong sender are refused.
 */

const TOKEN = 'sandbox-token-demo';
const ORG = 'org_demo';

let sandbox: Sandbox;
let crmUrl: string;
/** Everything the background answered, as the receiving side would see it on the wire. */
const wire: string[] = [];
const toContentScripts: unknown[] = [];
/** Every address the background opened or navigated a tab to. */
const tabAddresses: string[] = [];

async function send(type: string, data: unknown, sender: Record<string, unknown>): Promise<{ res?: unknown; err?: { message?: string } }> {
  let reply: unknown;
  const answered = new Promise<void>((resolve) => {
    const sendResponse = (response: unknown) => {
      reply = response;
      resolve();
    };
    void fakeBrowser.runtime.onMessage.trigger({ id: wire.length + 1, type, data, timestamp: Date.now() }, sender, sendResponse);
  });
  await answered;
  wire.push(JSON.stringify(reply));
  return reply as { res?: unknown; err?: { message?: string } };
}

const contentScript = () => ({ id: fakeBrowser.runtime.id, url: crmUrl, tab: { id: 7, url: crmUrl }, frameId: 0 });
const optionsPage = () => ({ id: fakeBrowser.runtime.id, url: fakeBrowser.runtime.getURL('/options.html') });

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, quiet: true });
  crmUrl = `${sandbox.url.replace('127.0.0.1', 'localhost')}/crm/leads/L-1001`;
  fakeBrowser.reset();
  // @webext-core/messaging listens on the global `chrome`; in the extension that is the browser's.
  vi.stubGlobal('chrome', fakeBrowser);
  // Chromium hides storage.local (which holds the token) from content scripts when asked: see the test below.
  vi.spyOn(fakeBrowser.storage.local, 'setAccessLevel').mockResolvedValue(undefined);
  // Admin-rule host registration is not under test here (test/unit/background/rule-hosts.test.ts).
  vi.spyOn(fakeBrowser.scripting, 'getRegisteredContentScripts').mockImplementation(async () => []);
  vi.spyOn(fakeBrowser.permissions.onAdded, 'addListener').mockImplementation(() => undefined);
  vi.spyOn(fakeBrowser.permissions.onRemoved, 'addListener').mockImplementation(() => undefined);
  // The background may message tabs; nothing it sends there may carry a secret either.
  vi.spyOn(fakeBrowser.tabs, 'sendMessage').mockImplementation(async (_tabId: number, message: unknown) => {
    toContentScripts.push(message);
    return undefined;
  });
  const create = fakeBrowser.tabs.create.bind(fakeBrowser.tabs);
  vi.spyOn(fakeBrowser.tabs, 'create').mockImplementation(async (properties) => {
    tabAddresses.push(properties.url ?? '');
    return create(properties);
  });
  const update = fakeBrowser.tabs.update.bind(fakeBrowser.tabs) as (id: number, properties: { url?: string }) => ReturnType<typeof fakeBrowser.tabs.update>;
  vi.spyOn(fakeBrowser.tabs, 'update').mockImplementation((async (id: number, properties: { url?: string }) => {
    tabAddresses.push(properties.url ?? '');
    return update(id, properties);
  }) as never);
  await fakeBrowser.storage.local.set({
    agentOptions: {
      providerApiUrl: sandbox.url,
      providerDashboardUrl: `${sandbox.url}/app`,
      orgId: ORG,
      apiToken: TOKEN,
      agents: [{ email: 'alice@example.com', providerUserId: 'u_alice', name: 'Alice Agent' }],
      agentEmail: 'alice@example.com',
    },
  });
  startBackground();
});

afterAll(async () => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  await sandbox.close();
});

describe('what reaches content scripts and pages', () => {
  it('asks the browser to keep storage.local (the token) away from content scripts', () => {
    expect(fakeBrowser.storage.local.setAccessLevel).toHaveBeenCalledWith({ accessLevel: 'TRUSTED_CONTEXTS' });
  });

  it('never contains the token or a magic link, across every message a content script may send', async () => {
    const lead = { profileId: 'demo', crmId: 'L-1001', firstName: 'Ada', lastName: 'Lovelace', phone: '(415) 555-0132', email: 'ada@example.com' };

    const setup = await send('getPageSetup', undefined, contentScript());
    expect(setup.res).toMatchObject({ defaultCountry: 'US' });
    const chat = await send('openChat', lead, contentScript());
    expect(chat.res).toMatchObject({ ok: true });
    const again = await send('openChat', lead, contentScript());
    expect(again.res).toMatchObject({ ok: true });
    const login = await send('login', undefined, contentScript());
    expect(login.res).toMatchObject({ ok: true });
    const loginAgain = await send('login', undefined, contentScript());
    expect(loginAgain.res).toMatchObject({ ok: true });
    // The options page is ours, but it gets a masked token too.
    const settings = await send('getSettings', undefined, optionsPage());
    // The demo token is short, so the hint shows none of it.
    expect(settings.res).toMatchObject({ apiTokenHint: '••••••••' });
    const exported = await send('exportMappings', undefined, optionsPage());
    expect(exported.res).toMatchObject({ ok: true });

    // The magic link the provider issued went to the browser's tab (to log the dashboard in), nowhere else.
    const counts = (await (await fetch(`${sandbox.url}/__sandbox/counts`)).json()) as Record<string, number>;
    expect(counts).toMatchObject({ createContact: 1, assign: 2, magicLink: 2 });
    // The sandbox's magic links look like <base>/app/magic/<secret>. Two requests (by default no link is kept
    // between Logins), one link: the sandbox hands out the same link while it is valid.
    const magicLinks = [...new Set(tabAddresses.filter((url) => url.includes('/app/magic/')))];
    expect(magicLinks).toHaveLength(1);
    const secrets = magicLinks.map((link) => link.split('/app/magic/')[1] ?? '');
    for (const secret of secrets) expect(secret.length).toBeGreaterThan(10);

    const traffic = [...wire, ...toContentScripts.map((message) => JSON.stringify(message))].join('\n');
    expect(wire.length).toBe(7);
    expect(traffic).not.toContain(TOKEN);
    for (const secret of secrets) expect(traffic).not.toContain(secret);
    expect(traffic).not.toMatch(/magic[_-]?link"?\s*:\s*"http/i);
  });

  it('the dashboard content script gets the CRM card of the chat, and nothing secret, across every message it may send', async () => {
    const state = (await (await fetch(`${sandbox.url}/__sandbox/state`)).json()) as { contacts: { id: string; crm_id: string }[]; chatrooms: { id: string; contact_id: string }[] };
    const contact = state.contacts.find((candidate) => candidate.crm_id === 'L-1001');
    const room = state.chatrooms.find((candidate) => candidate.contact_id === contact?.id);
    const pageUrl = `${sandbox.url}/app/chatrooms/${room?.id}`;
    const dashboardPage = () => ({ id: fakeBrowser.runtime.id, url: pageUrl, tab: { id: 11, url: pageUrl }, frameId: 0 });
    const before = wire.length;

    const setup = await send('getDashboardSetup', { pageUrl }, dashboardPage());
    expect(setup.res).toMatchObject({ collapsed: false, rule: { id: 'saleschat-dashboard', url: `${sandbox.url}/app/chatrooms/:id` } });
    const opened = await send('chatroomOpened', { chatroomId: room?.id, pageUrl }, dashboardPage());
    expect(opened.res).toMatchObject({ card: { crmId: 'L-1001', firstName: 'Ada', lastName: 'Lovelace', phone: '(415) 555-0132' }, lookups: [] });
    const open = await send('openCrmRecord', { chatroomId: room?.id, pageUrl }, dashboardPage());
    expect(open.res).toMatchObject({ ok: false, message: 'This chat has no CRM page on record: it was not opened from the CRM.' });
    const find = await send('findInCrm', { chatroomId: room?.id, pageUrl, lookup: 0, shown: { profileId: 'saleschat-dashboard', crmId: 'x' } }, dashboardPage());
    expect(find.res).toMatchObject({ ok: false, message: 'This search is no longer configured; reload the page.' });
    const state2 = await send('saveCardState', { collapsed: true }, dashboardPage());
    expect(state2.res).toEqual({ collapsed: true });

    const traffic = wire.slice(before).join('\n');
    expect(wire.length - before).toBe(5);
    expect(traffic).not.toContain(TOKEN);
    expect(traffic).not.toContain('/app/magic/');
  });

  it.each([
    ['a CRM page asking for a chatroom’s CRM card', 'chatroomOpened', contentScript],
    ['a page on another origin asking for the dashboard setup', 'getDashboardSetup', () => ({ id: fakeBrowser.runtime.id, url: 'https://evil.example/app/chatrooms/1', tab: { id: 12, url: 'https://evil.example/app/chatrooms/1' }, frameId: 0 })],
  ])('refuses %s', async (_name, type, sender) => {
    const reply = await send(type, { chatroomId: 'cr_1' }, sender());
    expect(reply.res).toBeUndefined();
    expect(reply.err?.message).toBe('This request is only accepted from the Saleschat dashboard this browser is configured for.');
  });

  it.each([
    ['another extension', 'openChat', () => ({ ...contentScript(), id: 'some-other-extension' })],
    ['a tab no CRM profile claims', 'openChat', () => ({ id: fakeBrowser.runtime.id, url: 'https://evil.example/leads/1', tab: { id: 9, url: 'https://evil.example/leads/1' } })],
    ['a content script asking for the settings', 'getSettings', contentScript],
    ['a content script asking to export the mappings', 'exportMappings', contentScript],
    ['a content script asking to save settings', 'saveSettings', contentScript],
  ])('refuses %s', async (_name, type, sender) => {
    const reply = await send(type, type === 'openChat' ? { profileId: 'demo', crmId: 'L-1002' } : { apiToken: 'x' }, sender());
    expect(reply.res).toBeUndefined();
    expect(reply.err?.message ?? '').toMatch(/only|not|refus|untrusted/i);
    expect(JSON.stringify(reply)).not.toContain(TOKEN);
  });

  it('failure replies carry neither: a provider echoing the token, a browser quoting the link it could not open', async () => {
    const start = wire.length;
    const echo = `token ${TOKEN} (Bearer ${TOKEN}) may not create contacts`;
    const fault = { endpoint: 'createContact', status: 403, body: { error_code: 4030001, error_message: 'FORBIDDEN', error_description: echo, payload: {} } };
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
    const lead = { profileId: 'demo', crmId: 'L-1003', firstName: 'Eve', lastName: 'Echo', phone: '(415) 555-0133' };
    const chat = await send('openChat', lead, contentScript());
    expect(chat.res).toMatchObject({ ok: false, errorCode: 4030001, message: expect.stringContaining('may not create contacts') });

    // Login with the cached link, and the browser refusing to open it, quoting it (as Firefox's tabs.create does).
    const link = (await fakeBrowser.tabs.query({})).map((tab) => tab.url ?? '').find((url) => url.includes('/app/magic/')) ?? '';
    expect(link).not.toBe('');
    const refuse = async (...args: unknown[]) => {
      throw new Error(`Illegal URL: ${JSON.stringify(args)}`);
    };
    const update = vi.spyOn(fakeBrowser.tabs, 'update').mockImplementation(refuse as never);
    const create = vi.spyOn(fakeBrowser.tabs, 'create').mockImplementation(refuse as never);
    const login = await send('login', undefined, contentScript());
    update.mockRestore();
    create.mockRestore();
    expect(login.res).toMatchObject({ ok: false, message: expect.stringContaining('Illegal URL') });

    const replies = wire.slice(start).join('\n');
    expect(replies).not.toContain(TOKEN);
    expect(replies).not.toContain(link.split('/app/magic/')[1]);
  });
});
