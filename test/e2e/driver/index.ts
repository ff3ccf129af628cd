import { ChromiumDriver } from './chromium';
import { FirefoxDriver } from './firefox';
import type { ExtensionBrowser, ExtensionDriver } from './types';

export * from './types';

/** A fresh browser (new profile: empty extension storage, IndexedDB and cookies) with the extension. */
export function launchDriver(browser: ExtensionBrowser): Promise<ExtensionDriver> {
  return browser === 'firefox' ? FirefoxDriver.launch() : ChromiumDriver.launch();
}
