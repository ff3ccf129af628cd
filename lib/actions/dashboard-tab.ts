/** The slices of the tabs/windows APIs used here (structural, so tests can pass fakes). */
export interface TabInfo {
  id?: number;
  url?: string;
  windowId?: number;
  lastAccessed?: number;
}
export interface Tabs {
  query(query: { url: string }): Promise<TabInfo[]>;
  update(tabId: number, change: { url: string; active: boolean }): Promise<unknown>;
  create(properties: { url: string; active: boolean }): Promise<unknown>;
}
export interface Windows {
  update(windowId: number, change: { focused: boolean }): Promise<unknown>;
}

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
 * Opens `url` in the agent's Saleschat dashboard tab. The provider keeps only one dashboard tab active, so an
 * existing one is navigated and focused instead of opening another. Match patterns cannot carry a port in
 * every browser, so tabs are queried by host and filtered here.
 */
export async function showInDashboardTab(
  url: string,
  dashboardUrl: string,
  tabs: Tabs,
  windows: Windows,
): Promise<'reused' | 'opened'> {
  const { protocol, hostname } = new URL(dashboardUrl);
  const candidates = (await tabs.query({ url: `${protocol}//${hostname}/*` })).filter(
    (tab) => tab.id !== undefined && isDashboardUrl(tab.url, dashboardUrl),
  );
  const existing = candidates.sort((a, b) => (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0))[0];
  if (existing?.id !== undefined) {
    await tabs.update(existing.id, { url, active: true });
    if (existing.windowId !== undefined) await windows.update(existing.windowId, { focused: true });
    return 'reused';
  }
  await tabs.create({ url, active: true });
  return 'opened';
}
