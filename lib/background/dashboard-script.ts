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
  await syncScriptRegistration(scripting, { id: DASHBOARD_CONTENT_SCRIPT_ID, file: DASHBOARD_CONTENT_SCRIPT_FILE, matches, persistAcrossSessions: true });
  return matches;
}

/**
 * One registered script made to match exactly `matches`: registered, its matches updated, or removed when there
 * are none. Idempotent (no call when nothing changed). Used by the dashboard script and the rule builder.
 */
export async function syncScriptRegistration(
  scripting: RegistrationApi['scripting'],
  script: { id: string; file: string; matches: readonly string[]; persistAcrossSessions: boolean },
): Promise<void> {
  const [registered] = await scripting.getRegisteredContentScripts({ ids: [script.id] });
  if (script.matches.length === 0) {
    if (registered) await scripting.unregisterContentScripts({ ids: [script.id] });
  } else if (registered) {
    if (registered.matches?.join('\n') !== script.matches.join('\n')) await scripting.updateContentScripts([{ id: script.id, matches: [...script.matches] }]);
  } else {
    await scripting.registerContentScripts([
      { id: script.id, js: [script.file], matches: [...script.matches], runAt: 'document_idle', persistAcrossSessions: script.persistAcrossSessions },
    ]);
  }
}
