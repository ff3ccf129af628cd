import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type LaunchOptions, type Page } from 'puppeteer-core';
import { type DriverPage, dumpExtensionStorage, duringNavigation, type ExtensionDriver, type LeadAction, readToastInPage, TEST_CRM_HOSTS, type ToastState, UI_HOST } from './types';

/** The dev-hosts Firefox build; CCB_OUT_DIR matches the build's own override (see wxt.config.ts). */
export const FIREFOX_EXTENSION_DIR = path.resolve(process.env.CCB_OUT_DIR ?? '.output/dev-hosts', 'firefox-mv2');
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

const WAIT_MS = 10_000;
const POLL_MS = 100;

/**
 * Puppeteer's own waits do not fit here: waitForSelector watches the document with a MutationObserver,
 * which never sees changes inside the extension's shadow root, and its visibility checks tick on
 * requestAnimationFrame, which Firefox pauses in background tabs (the CRM tab is one while the dashboard
 * has focus). So waits poll from Node.
 */
async function until<T>(what: string, read: () => Promise<T | null | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await duringNavigation(read, null);
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Firefox: timed out after ${WAIT_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The add-on id the build declares (wxt.config.ts), read from what is actually installed. */
function geckoId(extensionDir: string): string {
  const manifest = JSON.parse(readFileSync(path.join(extensionDir, 'manifest.json'), 'utf8')) as {
    browser_specific_settings?: { gecko?: { id?: string } };
  };
  const id = manifest.browser_specific_settings?.gecko?.id;
  if (!id) throw new Error(`${extensionDir}/manifest.json names no gecko id`);
  return id;
}

const LAUNCH: LaunchOptions = {
  browser: 'firefox',
  protocol: 'webDriverBiDi',
  executablePath: FIREFOX,
  headless: true,
  // WebDriver BiDi refuses to navigate to moz-extension: pages without it (test-only flag).
  args: ['--remote-allow-system-access'],
};

let template: Promise<string> | undefined;

/**
 * A new Firefox profile for each test, copied from one this worker's Firefox has already initialised (without
 * the extension): it starts in ~3.5 s instead of ~5 s, and each test still has a profile of its own.
 */
async function freshProfile(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccb-firefox-template-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await (await puppeteer.launch({ ...LAUNCH, userDataDir: dir })).close();
    return dir;
  })();
  const profile = mkdtempSync(path.join(tmpdir(), 'ccb-firefox-'));
  cpSync(await template, profile, { recursive: true });
  return profile;
}

/**
 * Debian's Firefox ESR through puppeteer-core over WebDriver BiDi, the extension installed as a temporary
 * add-on. Its background is an MV2 event page that no automation protocol exposes, so storage is written
 * from the extension's own options page instead.
 */
export class FirefoxDriver implements ExtensionDriver {
  readonly browser = 'firefox';

  private constructor(
    readonly puppeteerBrowser: Browser,
    /** moz-extension://<uuid>; the uuid is fixed at launch so the extension's pages have a known address. */
    readonly extensionOrigin: string,
    private readonly profileDir: string,
  ) {}

  static async launch(extensionDir = FIREFOX_EXTENSION_DIR): Promise<FirefoxDriver> {
    if (!existsSync(path.join(extensionDir, 'manifest.json'))) {
      throw new Error(`No built extension at ${extensionDir}: run "CCB_DEV_HOSTS=1 npx wxt build -b firefox" (npm test does).`);
    }
    const uuid = randomUUID();
    const profile = await freshProfile();
    const browser = await puppeteer.launch({
      ...LAUNCH,
      userDataDir: profile,
      extraPrefsFirefox: {
        'extensions.webextensions.uuids': JSON.stringify({ [geckoId(extensionDir)]: uuid }),
        'network.dns.localDomains': TEST_CRM_HOSTS.join(','),
        // Firefox's own switch for answering optional-permission requests without the doorhanger, which no
        // automation protocol can click: the agent's "Allow" click in our popup is then the whole grant.
        'extensions.webextOptionalPermissionPrompts': false,
      },
    });
    const driver = new FirefoxDriver(browser, `moz-extension://${uuid}`, profile);
    try {
      await browser.installExtension(extensionDir);
    } catch (error) {
      await driver.close();
      throw error;
    }
    return driver;
  }

  /** One of the extension's own pages (options.html, popup.html…), loaded and with its scripts running. */
  async openExtensionPage(pathAndQuery: string): Promise<FirefoxPage> {
    const url = `${this.extensionOrigin}/${pathAndQuery.replace(/^\//, '')}`;
    const page = await this.puppeteerBrowser.newPage();
    // The navigation happens, but BiDi reports no load for an extension page: wait for the page itself.
    page.goto(url, { timeout: 0 }).catch(() => undefined);
    await until(url, () =>
      page.evaluate(
        (expected) =>
          location.href === expected && document.readyState === 'complete' && typeof (globalThis as { browser?: unknown }).browser === 'object'
            ? true
            : null,
        url,
      ),
    );
    return new FirefoxPage(page);
  }

  async configure(options: Record<string, unknown>): Promise<void> {
    const optionsPage = await this.openExtensionPage('options.html');
    try {
      await optionsPage.evaluate(async (value) => {
        const api = (globalThis as unknown as { browser: { storage: { local: { set(items: object): Promise<void> } } } }).browser;
        await api.storage.local.set({ agentOptions: value });
      }, options);
    } finally {
      await optionsPage.close();
    }
  }

  storageDump(): Promise<string> {
    return this.inExtensionPage(dumpExtensionStorage, undefined);
  }

  async newPage(url: string): Promise<DriverPage> {
    const page = await this.puppeteerBrowser.newPage();
    await page.goto(url);
    return new FirefoxPage(page);
  }

  /**
   * Runs `fn` in one of the extension's own pages (the extension APIs live there; Firefox's background page is
   * out of reach of automation), then closes it.
   */
  private async inExtensionPage<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    const page = await this.openExtensionPage('options.html');
    try {
      return await page.evaluate(fn, arg);
    } finally {
      await page.close();
    }
  }

  async browserTabs(): Promise<{ id: number; url: string }[]> {
    const tabs = await this.inExtensionPage(async () => {
      const api = (globalThis as unknown as { browser: { tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> } } }).browser;
      return (await api.tabs.query({})).map((tab) => ({ id: tab.id ?? -1, url: tab.url ?? '' }));
    }, undefined);
    // Not the extension page opened to ask.
    return tabs.filter((tab) => !tab.url.startsWith(this.extensionOrigin));
  }

  async closeBrowserTab(id: number): Promise<void> {
    await this.inExtensionPage(async (tabId) => {
      const api = (globalThis as unknown as { browser: { tabs: { remove(id: number): Promise<void> } } }).browser;
      await api.tabs.remove(tabId);
    }, id);
  }

  ruleScriptMatches(): Promise<string[]> {
    return this.inExtensionPage(async () => {
      const api = (globalThis as unknown as { browser: { scripting: { getRegisteredContentScripts(filter: { ids: string[] }): Promise<{ matches?: string[] }[]> } } }).browser;
      return (await api.scripting.getRegisteredContentScripts({ ids: ['crm-chat-bridge-admin-rules'] })).flatMap((script) => script.matches ?? []);
    }, undefined);
  }

  async popupFor(target: DriverPage | number): Promise<DriverPage> {
    const url = typeof target === 'number' ? undefined : target.url();
    const tabId = typeof target === 'number' ? target : (await this.browserTabs()).find((tab) => tab.url === url)?.id;
    if (tabId === undefined) throw new Error(`no tab shows ${url}`);
    return this.openExtensionPage(`popup.html?tabId=${tabId}`);
  }

  async pages(): Promise<DriverPage[]> {
    return (await this.puppeteerBrowser.pages()).map((page) => new FirefoxPage(page));
  }

  async frontTabUrl(): Promise<string | null> {
    // No automation access to the tabs API here; headless Firefox shows only the selected tab, and the page
    // itself knows whether it is the one shown.
    const visible: string[] = [];
    for (const page of await this.puppeteerBrowser.pages()) {
      if ((await duringNavigation(() => page.evaluate(() => document.visibilityState), 'hidden')) === 'visible') visible.push(page.url());
    }
    return visible.length === 1 ? (visible[0] ?? null) : null;
  }

  async close(): Promise<void> {
    try {
      await this.puppeteerBrowser.close();
    } finally {
      rmSync(this.profileDir, { recursive: true, force: true });
    }
  }
}

export class FirefoxPage implements DriverPage {
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
    // `>>>` descends into open shadow roots; ElementHandle.click sends real input (BiDi input.performActions).
    const button = await until(`the ${action} button`, () =>
      this.page.$(`${UI_HOST} >>> [data-ccb="${action}"]:not([disabled])`),
    );
    try {
      await (button as ElementHandle<Element>).click();
    } finally {
      await button.dispose();
    }
  }
  async clickInUi(host: string, selector: string): Promise<void> {
    await this.click(`${host} >>> ${selector}`);
  }
  async click(selector: string): Promise<void> {
    await this.page.bringToFront();
    const element = await until(selector, () => this.page.$(`${selector}:not([disabled])`));
    try {
      await (element as ElementHandle<Element>).click();
    } finally {
      await element.dispose();
    }
  }
  async fill(selector: string, text: string): Promise<void> {
    await this.page.bringToFront();
    const element = await until(selector, () => this.page.$(`${selector}:not([disabled])`));
    try {
      await element.click({ count: 3 });
      await element.type(text);
    } finally {
      await element.dispose();
    }
  }
  async clickLink(text: string): Promise<void> {
    await this.page.bringToFront();
    const link = await until(`the link "${text}"`, () =>
      this.page.evaluateHandle((wanted) => [...document.querySelectorAll('a')].find((a) => a.textContent?.trim() === wanted) ?? null, text).then(async (handle) => {
        const element = handle.asElement();
        if (element) return element as ElementHandle<Element>;
        await handle.dispose();
        return null;
      }),
    );
    try {
      await link.click();
    } finally {
      await link.dispose();
    }
  }
  async goBack(): Promise<void> {
    await this.page.goBack();
  }
  async goForward(): Promise<void> {
    await this.page.goForward();
  }
  async leadActionPoint(action: LeadAction): Promise<{ x: number; y: number }> {
    const button = await until(`the ${action} button`, () => this.page.$(`${UI_HOST} >>> [data-ccb="${action}"]:not([disabled])`));
    try {
      const box = await (button as ElementHandle<Element>).boundingBox();
      if (!box) throw new Error(`the ${action} button has no box`);
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    } finally {
      await button.dispose();
    }
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
      () => this.page.evaluate((css, attribute) => document.querySelector(css)?.getAttribute(attribute) ?? null, selector, name),
      null,
    );
  }
  count(selector: string): Promise<number> {
    return duringNavigation(() => this.page.evaluate((css) => document.querySelectorAll(css).length, selector), 0);
  }
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return this.page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg as unknown) as Promise<R>;
  }
  close(): Promise<void> {
    return this.page.close();
  }
}
