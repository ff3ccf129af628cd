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
  testConnection: () => sendMessage('testConnection'),
  getTeamStatus: () => sendMessage('getTeamStatus'),
  teamSignIn: () => sendMessage('teamSignIn'),
  teamSignOut: () => sendMessage('teamSignOut'),
  openOptions: () => void browser.runtime.openOptionsPage(),
  onSettingsChanged: (callback: () => void) => browser.storage.onChanged.addListener(() => callback()),
};

render(<Popup api={api} />, document.getElementById('app') as HTMLElement);
