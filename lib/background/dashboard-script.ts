import type { RegistrationApi } from './rule-hosts';

/** The dashboard content script (entrypoints/dashboard.content) in every build, and its registration's id. */
export const DASHBOARD_CONTENT_SCRIPT_FILE = 'content-scripts/dashboard.js';
export const DASHBOARD_CONTENT_SCRIPT_ID = 'crm-chat-bridge-dashboard';

/**
 * Where the dashboard content script runs: the dashboard's pages only (its host and base path; match patterns
 * cannot carry a port in every browser, so the script itself checks the exact origin before anything else). None
 * when the dashboard URL is unknown (team mode before the first sign-in) or not a web address.
 */
export function dashboardScriptMatches(dashboardUrl: string | undefined): string[] {
  if (!dashboardUrl) return [];
  try {
    const url = new URL(dashboardUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return [];
    return [`${url.protocol}//${url.hostname}${url.pathname.replace(/\/+$/, '')}/*`];
  } catch {
    return [];
  }
}

/**
 * Registers the dashboard content script for the configured dashboard, updates it when the dashboard moved, and
 * removes it when there is none. Persisted across browser restarts like the CRM script (rule-hosts.ts says why).
 */
export async function syncDashboardScript(dashboardUrl: string | undefined, scripting: RegistrationApi['scripting']): Promise<string[]> {
  const matches = dashboardScriptMatches(dashboardUrl);
  const [registered] = await scripting.getRegisteredContentScripts({ ids: [DASHBOARD_CONTENT_SCRIPT_ID] });
  if (matches.length === 0) {
    if (registered) await scripting.unregisterContentScripts({ ids: [DASHBOARD_CONTENT_SCRIPT_ID] });
  } else if (registered) {
    if (registered.matches?.join('\n') !== matches.join('\n')) await scripting.updateContentScripts([{ id: DASHBOARD_CONTENT_SCRIPT_ID, matches }]);
  } else {
    await scripting.registerContentScripts([
      { id: DASHBOARD_CONTENT_SCRIPT_ID, js: [DASHBOARD_CONTENT_SCRIPT_FILE], matches, runAt: 'document_idle', persistAcrossSessions: true },
    ]);
  }
  return matches;
}
