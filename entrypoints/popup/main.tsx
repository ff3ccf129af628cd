import { render } from 'preact';
import { browser } from 'wxt/browser';
import { Popup } from '../../components/popup/Popup';
import { sendMessage } from '../../lib/messaging';

/** The tab the popup describes: the active one, or ?tabId= (used when the popup is opened as a page). */
async function targetTabId(): Promise<number | undefined> {
  const requested = Number(new URLSearchParams(location.search).get('tabId'));
  if (Number.isInteger(requested) && requested > 0) return requested;
  const [active] = await browser.tabs.query({ active: true, currentWindow: true });
  return active?.id;
}

const api = {
  getSettings: () => sendMessage('getSettings'),
  getDetectionStatus: async () => {
    const tabId = await targetTabId();
    return tabId === undefined ? undefined : sendMessage('getDetectionStatus', undefined, tabId);
  },
  getTabAccess: async () => {
    const tabId = await targetTabId();
    return tabId === undefined ? undefined : sendMessage('getTabAccess', { tabId });
  },
  requestHostAccess: (origin: string) => browser.permissions.request({ origins: [origin] }),
  reloadTab: async () => {
    const tabId = await targetTabId();
    if (tabId !== undefined) await browser.tabs.reload(tabId);
  },
  login: () => sendMessage('login', undefined),
  teachThisPage: async () => {
    // First, while the click is still the user's gesture (Firefox requires the call within the click itself).
    const asked = askForSite();
    const tabId = await targetTabId();
    if (tabId === undefined) return { ok: false, message: 'There is no tab to teach.' };
    await asked;
    const outcome = await sendMessage('builderStart', { tabId });
    // The popup would cover the page the admin now clicks on (opened as a page, ?tabId=, it stays).
    if (outcome.ok && !new URLSearchParams(location.search).has('tabId')) window.close();
    return outcome;
  },
  testConnection: () => sendMessage('testConnection'),
  getTeamStatus: () => sendMessage('getTeamStatus'),
  teamSignIn: () => sendMessage('teamSignIn'),
  teamSignOut: () => sendMessage('teamSignOut'),
  openOptions: () => void browser.runtime.openOptionsPage(),
  onSettingsChanged: (callback: () => void) => browser.storage.onChanged.addListener(() => callback()),
};

/**
 * Access to the tab's site lets the builder follow the admin to other records and the saved rule show its
 * buttons. Asked on the click of "Teach this page", the gesture browsers require, so the site is looked up when
 * the popup opens; refused, the builder still opens on this page (the popup's activeTab grant) and says it
 * cannot follow. A site already granted is not asked again (the browser answers at once).
 */
let tabSite: string[] | undefined;
void targetTabId()
  .then((tabId) => (tabId === undefined ? undefined : browser.tabs.get(tabId)))
  .then((tab) => {
    const parsed = new URL(tab?.url ?? '');
    if (/^https?:$/.test(parsed.protocol)) tabSite = [`${parsed.protocol}//${parsed.hostname}/*`];
  })
  .catch(() => undefined);

function askForSite(): Promise<unknown> {
  return tabSite ? browser.permissions.request({ origins: tabSite }).catch(() => false) : Promise.resolve(false);
}

render(<Popup api={api} />, document.getElementById('app') as HTMLElement);
