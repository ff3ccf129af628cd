import { render } from 'preact';
import { browser } from 'wxt/browser';
import { OptionsPage } from '../../components/options/OptionsPage';
import { PROFILE_EMAIL_PERMISSIONS } from '../../lib/config/browser-profile';
import { sendMessage } from '../../lib/messaging';

const api = {
  getSettings: () => sendMessage('getSettings'),
  saveSettings: (change: Record<string, unknown>) => sendMessage('saveSettings', change),
  testConnection: () => sendMessage('testConnection'),
  getRuleHosts: () => sendMessage('getRuleHosts'),
  getTeamStatus: () => sendMessage('getTeamStatus'),
  teamSignIn: () => sendMessage('teamSignIn'),
  teamSignOut: () => sendMessage('teamSignOut'),
  exportMappings: () => sendMessage('exportMappings'),
  importMappings: (json: string) => sendMessage('importMappings', { json }),
  requestHostAccess: (origin: string) => browser.permissions.request({ origins: [origin] }),
  requestProfileAccess: () => browser.permissions.request({ permissions: PROFILE_EMAIL_PERMISSIONS }),
  onPolicyChanged: (callback: () => void) =>
    browser.storage.onChanged.addListener((_changes, area) => {
      if (area === 'managed') callback();
    }),
};

render(<OptionsPage api={api} />, document.getElementById('app') as HTMLElement);
