import { render } from 'preact';
import { OptionsPage } from '../../components/options/OptionsPage';
import { sendMessage } from '../../lib/messaging';

const api = {
  getSettings: () => sendMessage('getSettings'),
  saveSettings: (change: Record<string, unknown>) => sendMessage('saveSettings', change),
  testConnection: () => sendMessage('testConnection'),
};

render(<OptionsPage api={api} />, document.getElementById('app') as HTMLElement);
