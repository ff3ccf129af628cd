import { MatchPattern } from 'wxt/utils/match-patterns';

/**
 * The one Saleschat dashboard tab. The provider keeps only one dashboard tab active (opening another
 * deactivates the older), so Chat and Login navigate and focus an open dashboard tab instead of opening one.
 *
 * Every find-or-open runs under a lock, so Chat and Login clicked together (or two Chats on two leads) cannot
 * both see "no tab" and both open one. The tab we open or reuse is remembered by id in session storage: a
 * tab still loading (Chrome: only `pendingUrl` is set; Firefox: `url` is still `about:blank`) and a dashboard
 * on an origin the extension has no host permission for (`url` hidden, `tabs.query({ url })` matches
 * nothing) are found by that id.
 */

/** The slices of the browser APIs used here (structural, so tests can pass fakes and `browser` fits). */
export interface TabInfo {
  id?: number;
  /** Hidden (undefined) without a host permission for the page; '' in Chrome before the first commit. */
  url?: string;
  /** Chrome only: where a loading tab is going (also hidden without a host permission). */
  pendingUrl?: string;
  status?: string;
  windowId?: number;
  lastAccessed?: number;
}
export interface Tabs {
  get(tabId: number): Promise<TabInfo>;
  query(query: { url: string }): Promise<TabInfo[]>;
  update(tabId: number, change: { url: string; active: boolean }): Promise<unknown>;
  create(properties: { url: string; active: boolean }): Promise<TabInfo>;
}
export interface Windows {
  update(windowId: number, change: { focused: boolean }): Promise<unknown>;
}
export interface Permissions {
  contains(permissions: { origins: string[] }): Promise<boolean>;
}
/** Key/value store that lives as long as the browser session (production: `browser.storage.session`). */
export interface SessionStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
}
/** The `browser.storage` area shape adapted by {@link storageAreaSessionStore}. */
export interface StorageAreaLike {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}
/** Runs tasks one at a time. */
export interface Lock {
  run<T>(task: () => Promise<T>): Promise<T>;
}
/** The Web Locks API's `navigator.locks` shape. */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export type ShowOutcome = 'reused' | 'opened';
/** The shape ActionContext.showInDashboard expects. */
export type ShowInDashboard = (url: string, dashboardUrl: string) => Promise<ShowOutcome>;

/** Session-storage key holding the id of the tab we opened or reused for the dashboard. */
export const DASHBOARD_TAB_KEY = 'dashboardTabId';
/** When we last sent the remembered tab somewhere (epoch ms): see DashboardTab.isOurs. */
export const DASHBOARD_TAB_AT_KEY = 'dashboardTabAt';
/**
 * For this long after we open or navigate the tab, a URL the browser does not show yet is our navigation
 * still on its way (Firefox hides a tab's URL until the page commits, and may call it 'complete' meanwhile).
 */
export const NAVIGATION_GRACE_MS = 10_000;
export const DASHBOARD_LOCK_NAME = 'crm-chat-bridge:dashboard-tab';

/** True when `url` is a page of the dashboard: same origin, and under the dashboard's base path. */
export function isDashboardUrl(url: string | undefined, dashboardUrl: string): boolean {
  if (!url) return false;
  try {
    const page = new URL(url);
    const base = new URL(dashboardUrl);
    const basePath = base.pathname.replace(/\/+$/, '');
    return page.origin === base.origin && (page.pathname === basePath || page.pathname.startsWith(`${basePath}/`) || basePath === '');
  } catch {
    return false;
  }
}

/**
 * The host match pattern (`https://host/*`) for the dashboard's origin: what `tabs.query` is given, and the
 * optional host permission a dashboard outside the built-in hosts needs. Match patterns cannot carry a port
 * in every browser, so the port is left out (callers filter with {@link isDashboardUrl}). Undefined for an
 * invalid or non-http(s) URL.
 */
export function dashboardOriginPattern(dashboardUrl: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(dashboardUrl);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  return `${parsed.protocol}//${parsed.hostname}/*`;
}

/**
 * The dashboard's origin and whether the extension may see its tabs, when it is not one of the hosts the
 * manifest always grants (then undefined: nothing to ask). Without that access the dashboard tab is found
 * only by the id remembered when the extension opened it; a tab the agent opened by hand is not seen.
 */
export async function dashboardAccess(
  dashboardUrl: string | undefined,
  api: { permissions: Permissions; manifestHosts: readonly string[] },
): Promise<{ origin: string; granted: boolean } | undefined> {
  const origin = dashboardUrl ? dashboardOriginPattern(dashboardUrl) : undefined;
  if (!dashboardUrl || !origin) return undefined;
  const built = api.manifestHosts.some((pattern) => {
    try {
      return new MatchPattern(pattern).includes(dashboardUrl);
    } catch {
      return false;
    }
  });
  if (built) return undefined;
  return { origin, granted: await api.permissions.contains({ origins: [origin] }).catch(() => false) };
}

/** In-process lock: tasks run in call order, each after the previous settled. */
export function promiseChainLock(): Lock {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const result = tail.then(task);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}

/** Lock over the Web Locks API: also serialises callers in other extension pages (options, popup). */
export function webLock(locks: LockManagerLike, name = DASHBOARD_LOCK_NAME): Lock {
  return { run: (task) => locks.request(name, task) };
}

/** Web Locks when the context has them (MV3 service worker, Firefox background page), else a promise chain. */
export function defaultLock(locks: LockManagerLike | undefined = webLocks(), name = DASHBOARD_LOCK_NAME): Lock {
  return locks ? webLock(locks, name) : promiseChainLock();
}

export function webLocks(): LockManagerLike | undefined {
  return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
}

export function storageAreaSessionStore(area: StorageAreaLike): SessionStore {
  return {
    get: async (key) => (await area.get(key))[key],
    set: (key, value) => area.set({ [key]: value }),
    remove: (key) => area.remove(key),
  };
}

export function memorySessionStore(): SessionStore {
  const items = new Map<string, unknown>();
  return {
    get: async (key) => items.get(key),
    set: async (key, value) => void items.set(key, value),
    remove: async (key) => void items.delete(key),
  };
}

export interface DashboardTabParts {
  tabs: Tabs;
  /** Absent on Firefox for Android: reuse then only activates the tab. */
  windows?: Windows;
  session: SessionStore;
  lock: Lock;
  /** Tells whether the dashboard's origin is visible to us (see {@link DashboardTab} on hidden URLs). */
  permissions?: Permissions;
  now?(): number;
}

/**
 * Opens URLs in the single dashboard tab. `show` is an arrow property so it can be handed over as
 * ActionContext.showInDashboard as it is. Create one per background context, so every caller shares its lock.
 */
export class DashboardTab {
  constructor(private readonly parts: DashboardTabParts) {}

  readonly show: ShowInDashboard = (url, dashboardUrl) => this.parts.lock.run(() => this.findOrOpen(url, dashboardUrl));

  private async findOrOpen(url: string, dashboardUrl: string): Promise<ShowOutcome> {
    const remembered = await this.rememberedTab(dashboardUrl);
    if (remembered && (await this.reuse(remembered, url))) return 'reused';
    const found = await this.queryDashboardTab(dashboardUrl, remembered?.id);
    if (found && (await this.reuse(found, url))) return 'reused';
    const created = await this.parts.tabs.create({ url, active: true });
    if (created.id !== undefined) await this.remember(created.id);
    else await this.forget();
    return 'opened';
  }

  /** The remembered tab when it still shows (or loads) the dashboard; forgets it otherwise. */
  private async rememberedTab(dashboardUrl: string): Promise<TabInfo | undefined> {
    let id: unknown;
    // Read together: the agent waits for this lookup between the provider's answer and the tab's navigation.
    const sentAt = this.parts.session.get(DASHBOARD_TAB_AT_KEY).catch(() => undefined);
    try {
      id = await this.parts.session.get(DASHBOARD_TAB_KEY);
    } catch {
      return undefined;
    }
    if (typeof id !== 'number' || !Number.isInteger(id)) return undefined;
    const at = await sentAt;
    const sentRecently = typeof at === 'number' && this.now() - at < NAVIGATION_GRACE_MS;
    let tab: TabInfo;
    try {
      tab = await this.parts.tabs.get(id);
    } catch {
      await this.forget(); // closed
      return undefined;
    }
    if (await this.isOurs(tab, dashboardUrl, sentRecently)) return { ...tab, id };
    await this.forget(); // the agent took the tab elsewhere
    return undefined;
  }

  private async isOurs(tab: TabInfo, dashboardUrl: string, sentRecently: boolean): Promise<boolean> {
    const shown = tab.pendingUrl || tab.url;
    // The blank placeholder of the tab we just created, before its page commits: Firefox reports '' or
    // about:blank (and no pendingUrl), and its status may already say 'complete'; Chrome reports '' briefly.
    if (shown === '' || shown === 'about:blank') return true;
    // Our own navigation of it, not committed yet: Firefox hides the URL meanwhile.
    if (shown === undefined && sentRecently) return true;
    if (shown === undefined) {
      // We cannot see the tab's URL: its page is on an origin we hold no host permission for. A dashboard on
      // such an origin (a company's own dashboard URL) always looks like this, so the tab we opened for it
      // is reused. The trade-off: if the agent navigated it to another such site, that page is replaced (it
      // stays in the tab's history). Where we do hold the dashboard's permission, a hidden URL means the tab
      // left the dashboard, unless it is still loading.
      if (tab.status === 'loading') return true;
      return !(await this.holdsPermission(dashboardUrl));
    }
    return isDashboardUrl(shown, dashboardUrl);
  }

  private async holdsPermission(dashboardUrl: string): Promise<boolean> {
    const pattern = dashboardOriginPattern(dashboardUrl);
    if (!pattern || !this.parts.permissions) return false;
    try {
      return await this.parts.permissions.contains({ origins: [pattern] });
    } catch {
      return false;
    }
  }

  /** The most recently used open dashboard tab, other than `skip` (already tried). */
  private async queryDashboardTab(dashboardUrl: string, skip: number | undefined): Promise<TabInfo | undefined> {
    const pattern = dashboardOriginPattern(dashboardUrl);
    if (!pattern) return undefined;
    let tabs: TabInfo[];
    try {
      tabs = await this.parts.tabs.query({ url: pattern });
    } catch {
      return undefined; // a pattern this browser rejects: no candidates
    }
    return tabs
      .filter((tab) => tab.id !== undefined && tab.id !== skip && isDashboardUrl(visibleUrl(tab), dashboardUrl))
      .sort((a, b) => (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0))[0];
  }

  /** Navigates and focuses `tab`; false (and forgotten) when it closed in the meantime. */
  private async reuse(tab: TabInfo, url: string): Promise<boolean> {
    if (tab.id === undefined) return false;
    try {
      await this.parts.tabs.update(tab.id, { url, active: true });
    } catch {
      await this.forget();
      return false;
    }
    await this.remember(tab.id);
    if (tab.windowId !== undefined && this.parts.windows) {
      // Focus is a courtesy: the tab already shows the page.
      await this.parts.windows.update(tab.windowId, { focused: true }).catch(() => undefined);
    }
    return true;
  }

  private now(): number {
    return (this.parts.now ?? Date.now)();
  }

  private async remember(id: number): Promise<void> {
    await Promise.all([this.parts.session.set(DASHBOARD_TAB_KEY, id).catch(() => undefined), this.parts.session.set(DASHBOARD_TAB_AT_KEY, this.now()).catch(() => undefined)]);
  }

  private async forget(): Promise<void> {
    await this.parts.session.remove(DASHBOARD_TAB_KEY).catch(() => undefined);
  }
}

/** Where the tab is going if it is loading, else where it is; undefined when hidden from us (or not committed). */
function visibleUrl(tab: TabInfo): string | undefined {
  return tab.pendingUrl || tab.url || undefined;
}

/** The parts of the extension's `browser` object {@link createDashboardTab} uses. */
export interface DashboardBrowser {
  tabs: Tabs;
  windows?: Windows;
  permissions?: Permissions;
  storage: { session?: StorageAreaLike };
}

/**
 * The background's dashboard tab: `createDashboardTab(browser)` once per background context, then
 * `showInDashboard: dashboardTab.show`. Session storage (Chrome ≥102, Firefox ≥115) keeps the remembered tab
 * across service-worker restarts; without it an in-memory store is used.
 */
export function createDashboardTab(browser: DashboardBrowser, lock: Lock = defaultLock()): DashboardTab {
  return new DashboardTab({
    tabs: browser.tabs,
    ...(browser.windows ? { windows: browser.windows } : {}),
    ...(browser.permissions ? { permissions: browser.permissions } : {}),
    session: browser.storage.session ? storageAreaSessionStore(browser.storage.session) : memorySessionStore(),
    lock,
  });
}
