import { describe, expect, it } from 'vitest';
import { checkSender, type SenderCheckContext, UntrustedSenderError } from '../../../lib/background/senders';
import { BUILT_IN_PROFILES } from '../../../lib/crm/profiles';
import { type MessageName, SENDERS } from '../../../lib/messaging';

const ID = 'ooieimhjgcmfjkegddipaodhfncicipk';
const ORIGIN = `chrome-extension://${ID}/`;
const DASH = 'http://127.0.0.1:4010/app';
const CHAT = 'http://127.0.0.1:4010/app/chatrooms/cr_1';
const NOT_CONFIGURED = 'This request is only accepted from the Saleschat dashboard this browser is configured for.';
const NOT_A_TAB = 'This request is only accepted from the Saleschat dashboard.';

const context = (dashboardUrl: string | undefined): SenderCheckContext => ({
  runtimeId: ID,
  extensionOrigin: ORIGIN,
  profiles: async () => BUILT_IN_PROFILES,
  dashboardUrl: async () => dashboardUrl,
});

/** Our content script in a tab's top frame: `loadedAt` is the document's URL, `shows` what the tab shows now. */
const contentScript = (loadedAt: string, shows: string | undefined) => ({ id: ID, url: loadedAt, frameId: 0, tab: { id: 3, ...(shows ? { url: shows } : {}) } });

const DASHBOARD_MESSAGES: MessageName[] = ['getDashboardSetup', 'chatroomOpened', 'openCrmRecord', 'findInCrm', 'saveCardState'];

const fromDashboard = (sender: object, dashboardUrl: string | undefined = DASH, claimed?: string) =>
  checkSender(SENDERS.chatroomOpened, sender, context(dashboardUrl), claimed);

describe('sender checks: the dashboard content script’s messages (dashboard-page)', () => {
  it('every dashboard message is for dashboard pages only', () => {
    for (const name of DASHBOARD_MESSAGES) expect({ name, kinds: SENDERS[name] }).toEqual({ name, kinds: ['dashboard-page'] });
  });

  it('accepted from our content script in the top frame of a tab showing a page under the dashboard URL', async () => {
    for (const name of DASHBOARD_MESSAGES) await expect(checkSender(SENDERS[name], contentScript(CHAT, CHAT), context(DASH))).resolves.toBeUndefined();
    await expect(fromDashboard(contentScript(DASH, DASH))).resolves.toBeUndefined();
    await expect(fromDashboard(contentScript(CHAT, CHAT), `${DASH}/`)).resolves.toBeUndefined();
  });

  it('judged by what the tab shows now: a document loaded elsewhere on the dashboard counts', async () => {
    await expect(fromDashboard(contentScript(`${DASH}/`, CHAT))).resolves.toBeUndefined();
  });

  it.each([
    ['another origin', 'https://evil.example/app/chatrooms/cr_1'],
    ['another port of the same host', 'http://127.0.0.1:4011/app/chatrooms/cr_1'],
    ['another base path on the same origin (the CRM sandbox)', 'http://127.0.0.1:4010/crm/leads/1'],
    ['a path that only starts like the base path', 'http://127.0.0.1:4010/application/chatrooms/cr_1'],
    ['https where the dashboard is http', 'https://127.0.0.1:4010/app/chatrooms/cr_1'],
  ])('refused from %s, with the error message', async (_name, url) => {
    await expect(fromDashboard(contentScript(url, url))).rejects.toThrow(new UntrustedSenderError(NOT_CONFIGURED));
  });

  it('refused when the tab shows another page now, though the document was loaded on the dashboard', async () => {
    await expect(fromDashboard(contentScript(CHAT, 'https://evil.example/'))).rejects.toThrow(new UntrustedSenderError(NOT_CONFIGURED));
  });

  it('refused from a frame inside the page (our script runs in the top frame only)', async () => {
    await expect(fromDashboard({ ...contentScript(CHAT, CHAT), frameId: 5 })).rejects.toThrow(new UntrustedSenderError(NOT_A_TAB));
  });

  it('refused when the dashboard URL is not known (team mode before sign-in), or the context cannot tell', async () => {
    await expect(checkSender(SENDERS.chatroomOpened, contentScript(CHAT, CHAT), context(undefined))).rejects.toThrow(new UntrustedSenderError(NOT_CONFIGURED));
    const { dashboardUrl: _unknown, ...withoutDashboard } = context(DASH);
    await expect(checkSender(SENDERS.chatroomOpened, contentScript(CHAT, CHAT), withoutDashboard)).rejects.toThrow(new UntrustedSenderError(NOT_CONFIGURED));
  });

  it('refused from the extension’s own pages, from a sender without a tab, and from another extension', async () => {
    await expect(fromDashboard({ id: ID, url: `${ORIGIN}options.html` })).rejects.toThrow(new UntrustedSenderError(NOT_A_TAB));
    await expect(fromDashboard({ id: ID, url: CHAT })).rejects.toThrow(new UntrustedSenderError(NOT_A_TAB));
    await expect(fromDashboard({ ...contentScript(CHAT, CHAT), id: 'other' })).rejects.toThrow(
      new UntrustedSenderError('This request is only accepted from CRM Chat Bridge itself.'),
    );
  });

  it('a tab URL the browser hides: the page the content script names counts only within its document’s origin', async () => {
    await expect(fromDashboard(contentScript(`${DASH}/`, undefined), DASH, CHAT)).resolves.toBeUndefined();
    await expect(fromDashboard(contentScript('https://evil.example/app/', undefined), DASH, CHAT)).rejects.toThrow(new UntrustedSenderError(NOT_CONFIGURED));
    await expect(fromDashboard(contentScript(`${DASH}/`, undefined), DASH)).rejects.toThrow(new UntrustedSenderError(NOT_CONFIGURED));
  });

  it('a dashboard at its origin’s root: every page of that origin', async () => {
    await expect(fromDashboard(contentScript('https://app.saleschat.pro/chatrooms/1', 'https://app.saleschat.pro/chatrooms/1'), 'https://app.saleschat.pro')).resolves.toBeUndefined();
    await expect(fromDashboard(contentScript('https://www.saleschat.pro/', 'https://www.saleschat.pro/'), 'https://app.saleschat.pro')).rejects.toThrow(UntrustedSenderError);
  });

  it('a dashboard page is not a CRM page: openChat from it is refused', async () => {
    await expect(checkSender(SENDERS.openChat, contentScript(CHAT, CHAT), context(DASH))).rejects.toThrow(/which no active CRM profile or admin rule covers/);
  });
});
