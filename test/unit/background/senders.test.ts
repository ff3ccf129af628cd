import { describe, expect, it } from 'vitest';
import { checkSender, pageShown, type SenderCheckContext, UntrustedSenderError } from '../../../lib/background/senders';
import { BUILT_IN_PROFILES } from '../../../lib/crm/profiles';
import { SENDERS } from '../../../lib/messaging';

const ID = 'ooieimhjgcmfjkegddipaodhfncicipk';
const ORIGIN = `chrome-extension://${ID}/`;
const LEAD = 'http://localhost:4010/crm/leads/L-1';
const LIST = 'http://localhost:4010/crm/leads';
const context: SenderCheckContext = { runtimeId: ID, extensionOrigin: ORIGIN, profiles: async () => BUILT_IN_PROFILES };

/** Our content script in a tab's top frame: `loadedAt` is the document's URL, `shows` what the tab shows now. */
const contentScript = (loadedAt: string, shows: string | undefined) => ({ id: ID, url: loadedAt, frameId: 0, tab: { id: 3, ...(shows ? { url: shows } : {}) } });

const crmPage = (sender: object, claimed?: string) => checkSender(SENDERS.openChat, sender, context, claimed);

describe('sender checks: a CRM page is judged by what the tab shows now', () => {
  it('entered from the list: the document was loaded on the list, the tab shows a lead → accepted', async () => {
    await expect(crmPage(contentScript(LIST, LEAD))).resolves.toBeUndefined();
  });

  it('the flip side: loaded on a lead, the tab now shows the list → refused, saying what it shows', async () => {
    await expect(crmPage(contentScript(LEAD, LIST))).rejects.toThrow(new UntrustedSenderError(`This tab shows ${LIST}, which no active CRM profile or admin rule covers, so the extension does not act on it.`));
  });

  it('a tab URL the browser hides: the content script’s reading counts only within its document’s origin', async () => {
    await expect(crmPage(contentScript(LIST, undefined), LEAD)).resolves.toBeUndefined();
    await expect(crmPage(contentScript(LIST, undefined), 'http://127.0.0.1:4010/crm/leads/L-1')).rejects.toThrow(/cannot tell which page/);
    await expect(crmPage(contentScript(LIST, undefined))).rejects.toThrow(/cannot tell which page/);
  });

  it('the tab’s own URL wins over what the message claims', async () => {
    await expect(crmPage(contentScript(LEAD, LIST), LEAD)).rejects.toThrow(UntrustedSenderError);
  });

  it.each([
    ['another extension', { ...contentScript(LEAD, LEAD), id: 'other' }, /only accepted from CRM Chat Bridge itself/],
    ['no tab (not a content script)', { id: ID, url: LEAD }, /only accepted from a CRM page/],
    ['a frame inside the page (our script runs in the top frame only)', { ...contentScript(LEAD, LEAD), frameId: 7 }, /only accepted from a CRM page/],
    ['a page no profile claims', contentScript('https://evil.example/crm/leads/L-1', 'https://evil.example/crm/leads/L-1'), /which no active CRM profile/],
  ])('refuses %s', async (_name, sender, message) => {
    await expect(crmPage(sender)).rejects.toThrow(message);
  });

  it('pageShown: the tab’s URL for the top frame, nothing for frames or senders without a tab', () => {
    expect(pageShown(contentScript(LIST, LEAD), undefined)).toBe(LEAD);
    expect(pageShown({ ...contentScript(LIST, LEAD), frameId: 2 }, undefined)).toBeUndefined();
    expect(pageShown({ id: ID, url: LEAD }, LEAD)).toBeUndefined();
  });
});

describe('sender checks: extension pages and content scripts', () => {
  const optionsPage = { id: ID, url: `${ORIGIN}options.html` };
  const popupInATab = { id: ID, url: `${ORIGIN}popup.html?tabId=4`, tab: { id: 9, url: `${ORIGIN}popup.html?tabId=4` } };

  it('extension-page messages: our pages only (also when opened in a tab)', async () => {
    await expect(checkSender(SENDERS.getSettings, optionsPage, context)).resolves.toBeUndefined();
    await expect(checkSender(SENDERS.getSettings, popupInATab, context)).resolves.toBeUndefined();
    await expect(checkSender(SENDERS.getSettings, contentScript(LEAD, LEAD), context)).rejects.toThrow(/the extension’s own pages/);
    await expect(checkSender(SENDERS.getSettings, { ...optionsPage, id: 'other' }, context)).rejects.toThrow(UntrustedSenderError);
  });

  it('login: from a CRM page or an extension page, not from another page', async () => {
    await expect(checkSender(SENDERS.login, optionsPage, context)).resolves.toBeUndefined();
    await expect(checkSender(SENDERS.login, contentScript(LIST, LEAD), context)).resolves.toBeUndefined();
    await expect(checkSender(SENDERS.login, contentScript(LEAD, LIST), context)).rejects.toThrow(UntrustedSenderError);
  });

  it('wakeUp: only from a CRM page, as openChat (a page no profile claims cannot make the worker start)', async () => {
    expect(SENDERS.wakeUp).toEqual(SENDERS.openChat);
    await expect(checkSender(SENDERS.wakeUp, contentScript(LIST, LEAD), context)).resolves.toBeUndefined();
    await expect(checkSender(SENDERS.wakeUp, contentScript(LEAD, LIST), context)).rejects.toThrow(/which no active CRM profile/);
    const elsewhere = 'https://evil.example/crm/leads/L-1';
    await expect(checkSender(SENDERS.wakeUp, contentScript(elsewhere, elsewhere), context)).rejects.toThrow(UntrustedSenderError);
    await expect(checkSender(SENDERS.wakeUp, optionsPage, context)).rejects.toThrow(/only accepted from a CRM page/);
    await expect(checkSender(SENDERS.wakeUp, { ...contentScript(LEAD, LEAD), id: 'other' }, context)).rejects.toThrow(/only accepted from CRM Chat Bridge itself/);
  });

  it('getPageSetup: our content script on any page of a tab, not an extension page', async () => {
    await expect(checkSender(SENDERS.getPageSetup, contentScript(LIST, LIST), context)).resolves.toBeUndefined();
    await expect(checkSender(SENDERS.getPageSetup, optionsPage, context)).rejects.toThrow(UntrustedSenderError);
    await expect(checkSender(SENDERS.getPageSetup, popupInATab, context)).rejects.toThrow(UntrustedSenderError);
  });
});

describe('sender checks: the rule builder (builder-tab)', () => {
  const builderTabs = new Set([3]);
  const withBuilder: SenderCheckContext = { ...context, builderTab: async (tabId) => builderTabs.has(tabId) };
  const page = 'https://crm.acme.test/leads/42';

  it('accepts the top frame of the tab the popup opened the builder in', async () => {
    await expect(checkSender(SENDERS.builderSaveRule, contentScript(page, page), withBuilder)).resolves.toBeUndefined();
  });

  it.each([
    ['another tab of the same site', { ...contentScript(page, page), tab: { id: 4, url: page } }],
    ['a frame inside the builder’s tab', { ...contentScript(page, page), frameId: 2 }],
    ['an extension page', { id: ID, url: `${ORIGIN}options.html` }],
    ['another extension in the builder’s tab', { ...contentScript(page, page), id: 'other' }],
  ])('refuses %s', async (_name, sender) => {
    await expect(checkSender(SENDERS.builderSaveRule, sender, withBuilder)).rejects.toThrow(UntrustedSenderError);
  });

  it('refuses every builder message when no builder is open (no builderTab answer)', async () => {
    for (const name of ['builderState', 'builderSaveDraft', 'builderSaveRule', 'builderEnd'] as const) {
      await expect(checkSender(SENDERS[name], contentScript(page, page), context)).rejects.toThrow(/Only the rule builder/);
    }
  });

  it('only the extension’s own pages open a builder', async () => {
    await expect(checkSender(SENDERS.builderStart, { id: ID, url: `${ORIGIN}popup.html` }, withBuilder)).resolves.toBeUndefined();
    await expect(checkSender(SENDERS.builderStart, contentScript(page, page), withBuilder)).rejects.toThrow(/the extension’s own pages/);
  });
});
