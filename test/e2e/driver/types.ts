/**
 * What an end-to-end scenario needs from a browser with the extension installed, in terms both Chromium
 * (Playwright) and Firefox ESR (puppeteer-core over WebDriver BiDi) can provide. Reads return plain data
 * and never wait: scenarios wait with `expect.poll`, so one waiting rule covers both browsers.
 */

export type ExtensionBrowser = 'chromium' | 'firefox';
export const EXTENSION_BROWSERS: readonly ExtensionBrowser[] = ['chromium', 'firefox'];

export type LeadAction = 'chat' | 'login';

/** The extension's toast as the agent sees it, or null when none is shown. */
export interface ToastState {
  ok: boolean;
  errorCode: string | null;
  /** The message only (without the Dismiss / Retry controls). */
  text: string;
}

export interface DriverPage {
  /** The page's URL as the browser reports it now. */
  url(): string;
  goto(url: string): Promise<void>;
  bringToFront(): Promise<void>;
  /**
   * A real (trusted) click on the extension's Chat or Login button, on the tab in front as an agent's click
   * would be: the buttons ignore clicks whose event is not trusted. Waits for the button to be enabled.
   */
  clickLeadAction(action: LeadAction): Promise<void>;
  /** A real click on the first element matching `selector` (light DOM), once it is there and enabled. */
  click(selector: string): Promise<void>;
  /** A real click on `selector` inside the open shadow root of the extension's UI host `host`, once enabled. */
  clickInUi(host: string, selector: string): Promise<void>;
  /** Types `text` into the first input matching `selector` (replacing what is there), as a person types. */
  fill(selector: string, text: string): Promise<void>;
  /** A real click on the link whose text is exactly `text` (in the CRM page), as an agent opens a record. */
  clickLink(text: string): Promise<void>;
  /** The browser's own Back / Forward (not the page's history API). */
  goBack(): Promise<void>;
  goForward(): Promise<void>;
  /**
   * Where a real click on our Chat or Login button would land, in this tab, once the button is enabled:
   * `clickAt` clicks there without bringing the tab to the front, so two tabs can be clicked together.
   */
  clickAt(point: { x: number; y: number }): Promise<void>;
  leadActionPoint(action: LeadAction): Promise<{ x: number; y: number }>;
  toast(): Promise<ToastState | null>;
  /** Light-DOM reads for the CRM and dashboard pages; null while missing or while the page navigates. */
  textOf(selector: string): Promise<string | null>;
  attributeOf(selector: string, name: string): Promise<string | null>;
  count(selector: string): Promise<number>;
  /** Runs `fn` as a page script (main world, not the extension's content-script world). */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}

export interface ExtensionDriver {
  readonly browser: ExtensionBrowser;
  /**
   * The match patterns the extension registered its content script on for admin rules (lib/background/
   * rule-hosts.ts). A page loaded before that registration gets no content script, so scenarios that configure a
   * rule wait for it first, as an agent's browser has it long before the agent opens the CRM.
   */
  ruleScriptMatches(): Promise<string[]>;
  /**
   * The extension's popup as it describes `page` (popup.html?tabId=), loaded in a tab of its own. A tab id
   * instead of a page: for a page whose address the browser hides from the extension (a site it may not run on).
   */
  popupFor(page: DriverPage | number): Promise<DriverPage>;
  /** Replaces the agent's options in extension storage, as saving the options page does. */
  configure(options: Record<string, unknown>): Promise<void>;
  /** A new tab, loaded. */
  newPage(url: string): Promise<DriverPage>;
  /** Every open tab, including those the extension opened. */
  pages(): Promise<DriverPage[]>;
  /**
   * Every tab as the browser itself lists them (tabs.query), with the URL it shows or is loading: what the agent
   * sees in the tab strip. Automation's own page list can miss a tab created and navigated in the same instant.
   */
  browserTabs(): Promise<{ id: number; url: string }[]>;
  closeBrowserTab(id: number): Promise<void>;
  /**
   * Everything the extension stores, as one JSON text: storage.local, storage.session, storage.managed and every
   * IndexedDB database of the extension's origin with all its rows (read in an extension context).
   */
  storageDump(): Promise<string>;
  /** The URL of the tab in front (the one the agent sees), or null when the browser cannot say. */
  frontTabUrl(): Promise<string | null>;
  close(): Promise<void>;
}

/**
 * Test CRMs on their own host names: `crm-a.test`, `crm-b.test`, … resolve to this machine (Chromium's
 * --host-resolver-rules, Firefox's network.dns.localDomains), so an admin rule can name a site the extension has no
 * permission for until the agent allows it, as a company's own CRM host is.
 */
export const TEST_CRM_HOSTS = ['crm-a.test', 'crm-b.test'] as const;

/** The shadow-root host the content script mounts on lead pages (components/mount-in-shadow.tsx). */
export const UI_HOST = 'crm-chat-bridge';

/** Browser-side: the toast inside the extension's open shadow root. Self-contained (it is serialised). */
export function readToastInPage(host: string): ToastState | null {
  const toast = document.querySelector(host)?.shadowRoot?.querySelector('[data-ccb="toast"]');
  if (!toast) return null;
  return {
    ok: toast.getAttribute('data-ok') === 'true',
    errorCode: toast.getAttribute('data-error-code'),
    text: toast.querySelector('.ccb-toast-text')?.textContent ?? '',
  };
}

/**
 * Reads of a page that is navigating fail ("execution context destroyed" and the like); a read is retried
 * by the scenario's poll, so during navigation it reports "nothing there yet".
 */
export async function duringNavigation<T>(read: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await read();
  } catch {
    return fallback;
  }
}

/**
 * Extension-side (serialised, so self-contained): every storage area and every IndexedDB database of the
 * extension's origin, all rows of all object stores, as JSON.
 */
export async function dumpExtensionStorage(): Promise<string> {
  type Area = { get(keys: null): Promise<Record<string, unknown>> };
  const api = (globalThis as unknown as { browser?: { storage: Record<string, Area> }; chrome?: { storage: Record<string, Area> } });
  const storage = (api.browser ?? api.chrome)?.storage ?? {};
  const areas: Record<string, unknown> = {};
  for (const name of ['local', 'session', 'managed', 'sync']) {
    try {
      areas[name] = await storage[name]?.get(null);
    } catch (error) {
      areas[name] = `unreadable: ${String(error)}`;
    }
  }
  const databases: Record<string, Record<string, unknown[]>> = {};
  for (const info of await indexedDB.databases()) {
    if (!info.name) continue;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(info.name as string);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const tables: Record<string, unknown[]> = {};
    for (const storeName of Array.from(db.objectStoreNames)) {
      tables[storeName] = await new Promise<unknown[]>((resolve, reject) => {
        const request = db.transaction(storeName, 'readonly').objectStore(storeName).getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    db.close();
    databases[info.name] = tables;
  }
  return JSON.stringify({ areas, databases });
}
