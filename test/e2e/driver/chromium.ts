import { existsSync } from 'node:fs';
import path from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from '@playwright/test';
import { type DriverPage, duringNavigation, type ExtensionDriver, type LeadAction, readToastInPage, type ToastState, UI_HOST } from './types';

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

  async newPage(url: string): Promise<DriverPage> {
    const page = await this.context.newPage();
    await page.goto(url);
    return new ChromiumPage(page);
  }

  async pages(): Promise<DriverPage[]> {
    return this.context.pages().map((page) => new ChromiumPage(page));
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
