import { type Lock, promiseChainLock, type SessionStore, type TabInfo, type Windows } from './dashboard-tab';

/**
 * The lead's CRM tab, for the dashboard's CRM card ("Open in CRM", screen pop): brought forward when it is open,
 * opened when it is not (and the caller allows it), and never twice for one lead. Every find-or-open runs under
 * one lock, so a screen pop and a click on "Open in CRM" together still open one tab. The tab opened for a page
 * is remembered by id in session storage, so it is found again while it loads (its URL not shown yet) or after
 * the worker restarted.
 */

export interface CrmTabs {
  get(tabId: number): Promise<TabInfo>;
  query(query: Record<string, never>): Promise<TabInfo[]>;
  update(tabId: number, change: { active: boolean }): Promise<unknown>;
  create(properties: { url: string; active: boolean }): Promise<TabInfo>;
}

export interface CrmTabParts {
  tabs: CrmTabs;
  windows?: Windows;
  session: SessionStore;
  lock?: Lock;
}

export type CrmTabOutcome = 'focused' | 'opened' | 'not-open';

const OPENED_KEY = 'crmTabsOpened';
const MAX_REMEMBERED = 50;
export const CRM_TAB_LOCK_NAME = 'crm-chat-bridge:crm-tab';

export function crmTabs(parts: CrmTabParts) {
  const lock = parts.lock ?? promiseChainLock();
  return {
    /** Focus the tab that shows `url`; with `open`, open it when none does. */
    show: (url: string, open: boolean): Promise<CrmTabOutcome> => lock.run(() => focusOrOpen(url, open, parts)),
  };
}

async function focusOrOpen(url: string, open: boolean, parts: CrmTabParts): Promise<CrmTabOutcome> {
  const tab = (await rememberedTab(url, parts)) ?? (await openTab(url, parts));
  if (tab?.id !== undefined && (await focus(tab, parts))) return 'focused';
  if (!open) return 'not-open';
  const created = await parts.tabs.create({ url, active: true });
  if (created.id !== undefined) await remember(url, created.id, parts);
  return 'opened';
}

/** The tab we opened for this page, while it still shows it (or still loads it). */
async function rememberedTab(url: string, parts: CrmTabParts): Promise<TabInfo | undefined> {
  const opened = await openedTabs(parts);
  const id = opened[pageKey(url)];
  if (id === undefined) return undefined;
  const tab = await parts.tabs.get(id).catch(() => undefined);
  const shown = tab?.pendingUrl || tab?.url;
  if (tab && (!shown || shown === 'about:blank' || samePage(shown, url))) return tab;
  return undefined;
}

/** Any open tab that shows the page (the agent's own, opened from the CRM's list), most recently used first. */
async function openTab(url: string, parts: CrmTabParts): Promise<TabInfo | undefined> {
  const tabs = await parts.tabs.query({}).catch(() => [] as TabInfo[]);
  return tabs
    .filter((tab) => tab.id !== undefined && samePage(tab.pendingUrl || tab.url, url))
    .sort((a, b) => (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0))[0];
}

async function focus(tab: TabInfo, parts: CrmTabParts): Promise<boolean> {
  if (tab.id === undefined) return false;
  try {
    await parts.tabs.update(tab.id, { active: true });
  } catch {
    return false; // closed meanwhile
  }
  if (tab.windowId !== undefined) await parts.windows?.update(tab.windowId, { focused: true }).catch(() => undefined);
  return true;
}

async function openedTabs(parts: CrmTabParts): Promise<Record<string, number>> {
  const stored = await parts.session.get(OPENED_KEY).catch(() => undefined);
  return stored && typeof stored === 'object' ? (stored as Record<string, number>) : {};
}

async function remember(url: string, id: number, parts: CrmTabParts): Promise<void> {
  const opened = { ...(await openedTabs(parts)), [pageKey(url)]: id };
  const kept = Object.fromEntries(Object.entries(opened).slice(-MAX_REMEMBERED));
  await parts.session.set(OPENED_KEY, kept).catch(() => undefined);
}

/** One page, whatever trailing slash the CRM or the browser adds. */
export function samePage(shown: string | undefined, url: string): boolean {
  return shown !== undefined && pageKey(shown) === pageKey(url);
}

function pageKey(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.pathname = parsed.pathname.replace(/\/+$/, '') || '/';
    return parsed.href;
  } catch {
    return url;
  }
}
