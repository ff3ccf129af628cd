import { existsSync } from 'node:fs';
import path from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from '@playwright/test';
import { type DriverPage, dumpExtensionStorage, duringNavigation, type ExtensionDriver, type LeadAction, readToastInPage, TEST_CRM_HOSTS, type ToastState, UI_HOST } from './types';

/** The dev-hosts build; CCB_OUT_DIR matches the build's own override (see wxt.config.ts). */
export const CHROME_EXTENSION_DIR = path.resolve(process.env.CCB_OUT_DIR ?? '.output/dev-hosts', 'chrome-mv3');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface LaunchedChromium {
  context: BrowserContext;
  /** The MV3 background service worker. */
  worker: Worker;
  id: string;
}

/** `extensionDir`: the dev-hosts build unless a spec tests another (e.g. the release build). */
export async function launchWithExtension(extensionDir = CHROME_EXTENSION_DIR): Promise<LaunchedChromium> {
  if (!existsSync(path.join(extensionDir, 'manifest.json'))) {
    throw new Error(`No built extension at ${extensionDir}: run "CCB_DEV_HOSTS=1 npx wxt build" (npm test does).`);
  }
  const context = await chromium.launchPersistentContext('', {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=${TEST_CRM_HOSTS.map((host) => `MAP ${host} 127.0.0.1`).join(', ')}`,
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  return { context, worker, id: new URL(worker.url()).host };
}

/** Chromium through Playwright's persistent context; the extension's background is an MV3 service worker. */
export class ChromiumDriver implements ExtensionDriver {
  readonly browser = 'chromium';

  private constructor(readonly launched: LaunchedChromium) {}

  static async launch(extensionDir?: string): Promise<ChromiumDriver> {
    return new ChromiumDriver(await launchWithExtension(extensionDir));
  }

  get context(): BrowserContext {
    return this.launched.context;
  }

  async configure(options: Record<string, unknown>): Promise<void> {
    // The worker is an extension context, so it may write storage.local directly.
    await this.launched.worker.evaluate(async (value) => {
      const api = (globalThis as unknown as { chrome: { storage: { local: { set(items: object): Promise<void> } } } }).chrome;
      await api.storage.local.set({ agentOptions: value });
    }, options);
  }

  storageDump(): Promise<string> {
    return this.launched.worker.evaluate(dumpExtensionStorage);
  }

  async newPage(url: string): Promise<DriverPage> {
    const page = await this.context.newPage();
    await page.goto(url);
    return new ChromiumPage(page);
  }

  async pages(): Promise<DriverPage[]> {
    return this.context.pages().map((page) => new ChromiumPage(page));
  }

  async browserTabs(): Promise<{ id: number; url: string }[]> {
    return this.launched.worker.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<{ id?: number; url?: string; pendingUrl?: string }[]> } } }).chrome;
      return (await api.tabs.query({})).map((tab) => ({ id: tab.id ?? -1, url: tab.pendingUrl || tab.url || '' }));
    });
  }

  async closeBrowserTab(id: number): Promise<void> {
    await this.launched.worker.evaluate(async (tabId) => {
      const api = (globalThis as unknown as { chrome: { tabs: { remove(id: number): Promise<void> } } }).chrome;
      await api.tabs.remove(tabId);
    }, id);
  }

  async ruleScriptMatches(): Promise<string[]> {
    return this.launched.worker.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: { scripting: { getRegisteredContentScripts(filter: { ids: string[] }): Promise<{ matches?: string[] }[]> } } }).chrome;
      return (await api.scripting.getRegisteredContentScripts({ ids: ['crm-chat-bridge-admin-rules'] })).flatMap((script) => script.matches ?? []);
    });
  }

  async popupFor(target: DriverPage | number): Promise<DriverPage> {
    const url = typeof target === 'number' ? undefined : target.url();
    const tabId = typeof target === 'number' ? target : (await this.browserTabs()).find((tab) => tab.url === url)?.id;
    if (tabId === undefined) throw new Error(`no tab shows ${url}`);
    return this.newPage(`chrome-extension://${this.launched.id}/popup.html?tabId=${tabId}`);
  }

  async frontTabUrl(): Promise<string | null> {
    // Headless Chromium reports every tab as visible, so ask the tabs API (from the worker) which is active.
    return this.launched.worker.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<{ url?: string }[]> } } }).chrome;
      const [tab] = await api.tabs.query({ active: true, lastFocusedWindow: true });
      return tab?.url ?? null;
    });
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

export class ChromiumPage implements DriverPage {
  constructor(readonly page: Page) {}

  url(): string {
    return this.page.url();
  }
  async goto(url: string): Promise<void> {
    await this.page.goto(url);
  }
  bringToFront(): Promise<void> {
    return this.page.bringToFront();
  }
  async clickLeadAction(action: LeadAction): Promise<void> {
    await this.page.bringToFront();
    // Playwright's locators pierce open shadow roots, wait for an enabled button, and click with real input.
    await this.page.locator(`${UI_HOST} [data-ccb="${action}"]`).click();
  }
  async clickLink(text: string): Promise<void> {
    await this.page.bringToFront();
    await this.page.getByRole('link', { name: text, exact: true }).click();
  }
  async click(selector: string): Promise<void> {
    await this.page.bringToFront();
    await this.page.locator(selector).first().click();
  }
  async clickInUi(host: string, selector: string): Promise<void> {
    await this.page.bringToFront();
    await this.page.locator(`${host} ${selector}`).first().click();
  }
  async fill(selector: string, text: string): Promise<void> {
    await this.page.bringToFront();
    await this.page.locator(selector).first().fill(text);
  }
  async goBack(): Promise<void> {
    await this.page.goBack();
  }
  async goForward(): Promise<void> {
    await this.page.goForward();
  }
  async leadActionPoint(action: LeadAction): Promise<{ x: number; y: number }> {
    const button = this.page.locator(`${UI_HOST} [data-ccb="${action}"]:not([disabled])`);
    await button.waitFor();
    const box = await button.boundingBox();
    if (!box) throw new Error(`the ${action} button has no box`);
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }
  async clickAt({ x, y }: { x: number; y: number }): Promise<void> {
    await this.page.mouse.click(x, y);
  }
  toast(): Promise<ToastState | null> {
    return duringNavigation(() => this.page.evaluate(readToastInPage, UI_HOST), null);
  }
  textOf(selector: string): Promise<string | null> {
    return duringNavigation(() => this.page.evaluate((css) => document.querySelector(css)?.textContent ?? null, selector), null);
  }
  attributeOf(selector: string, name: string): Promise<string | null> {
    return duringNavigation(
      () => this.page.evaluate(([css, attribute]) => document.querySelector(css)?.getAttribute(attribute) ?? null, [selector, name] as const),
      null,
    );
  }
  count(selector: string): Promise<number> {
    return duringNavigation(() => this.page.evaluate((css) => document.querySelectorAll(css).length, selector), 0);
  }
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    // Playwright's overloads cannot infer through a generic argument; the call itself is the same.
    return this.page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg as unknown);
  }
  close(): Promise<void> {
    return this.page.close();
  }
}
