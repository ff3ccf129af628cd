import { MatchPattern } from 'wxt/utils/match-patterns';
import { hostPermissionFor, siteOf } from '../crm/rules/url-pattern-hosts';

/**
 * Admin rules describe CRMs on domains the manifest cannot know. Rather than asking for every site
 * (<all_urls>), the extension asks for exactly the rules' hosts (optional host permissions, granted by one
 * click in the options page where the browser needs a user gesture) and registers its content script there
 * at run time.
 */

export type RuleUrl = string | { regex: string };

/** The part of an admin rule that says where it applies (a type alias, so any rule object fits it). */
export type RuleHostsInput = {
  name: string;
  enabled?: boolean;
  url: RuleUrl | RuleUrl[];
};

export interface RuleHost {
  /** A match pattern such as https://crm.acme.test/* or https://*.acme.test/* */
  origin: string;
  rules: string[];
  /** A concrete address of the site (with the pattern's port), when the pattern names one: see site-access.ts. */
  site?: string;
}

export interface RuleHosts {
  hosts: RuleHost[];
  /** Rules whose URL gives no host to ask for (e.g. a regex without a literal host), with the reason. */
  unresolved: { rule: string; reason: string }[];
}

export function ruleHosts(rules: readonly RuleHostsInput[]): RuleHosts {
  const byOrigin = new Map<string, Set<string>>();
  const sites = new Map<string, string>();
  const unresolved: RuleHosts['unresolved'] = [];
  for (const rule of rules) {
    if (rule.enabled === false) continue;
    for (const url of Array.isArray(rule.url) ? rule.url : [rule.url]) {
      const host = hostPermissionFor(url);
      if ('reason' in host) {
        unresolved.push({ rule: rule.name, reason: host.reason });
        continue;
      }
      byOrigin.set(host.matchPattern, (byOrigin.get(host.matchPattern) ?? new Set()).add(rule.name));
      const site = siteOf(url);
      if (site && !sites.has(host.matchPattern)) sites.set(host.matchPattern, site);
    }
  }
  return {
    hosts: [...byOrigin].map(([origin, names]) => {
      const site = sites.get(origin);
      return { origin, rules: [...names], ...(site ? { site } : {}) };
    }),
    unresolved,
  };
}

/** True when a static content-script pattern already covers the host (no second injection there). */
export function coveredByStaticMatches(origin: string, staticMatches: readonly string[]): boolean {
  const sample = origin.replace('*://', 'https://').replace('://*.', '://x.').replace(/\/\*$/, '/');
  return staticMatches.some((pattern) => new MatchPattern(pattern).includes(sample));
}

/**
 * The one registration of the content script: the built-in CRMs' pages (for the company's tenants only, see
 * lib/crm/tenants.ts) and the admin rules' granted hosts. The name and id predate the built-ins joining it; the
 * id is kept so that a registration a browser kept from an earlier version is this one, updated, not a second.
 *
 * Why the built-ins are registered here at run time rather than listed in the manifest: a manifest entry cannot
 * follow `crmTenants`, so it would inject the script into every tenant of every built-in CRM, an attacker's
 * free trial included. What that costs, and how it is covered:
 * - Persistence: registered with persistAcrossSessions (Chromium; Firefox since 105), so a browser restart
 *   keeps it before any page loads; an extension update clears it in both browsers, and the background
 *   re-registers at its start (startBackground) before the agent can open a page in practice.
 * - Tabs already open at install or update: Firefox injected manifest scripts there, registered scripts it
 *   does not, so the background injects into them itself (injectIntoOpenTabs, on runtime.onInstalled).
 * - Host access: the built-in CRMs' domains stay required host permissions (WXT lists a runtime-registered
 *   script's `matches` there), the same sites the manifest's content script covered, so no new install warning.
 * - A second line regardless: the built-in profiles accept only the allowed tenants' URLs in the content script
 *   and in the background's sender check (restrictToTenants), for what a match pattern cannot say exactly
 *   (HubSpot portals share one host) and for the moment before a policy arrives.
 */
export const RULES_CONTENT_SCRIPT_ID = 'crm-chat-bridge-admin-rules';

/**
 * As the document starts: the script asks for its page setup while the page parses, so the buttons follow the
 * anchor instead of waiting for Chrome's document_idle (30–50 ms after DOMContentLoaded). The bench measured
 * anchor → buttons p95 56–65 ms against 162–205 at document_idle, with the same storm cost (docs/performance.md).
 */
export const CONTENT_SCRIPT_RUN_AT = 'document_start';

export interface RegistrationApi {
  permissions: { contains(permissions: { origins: string[] }): Promise<boolean> };
  scripting: {
    getRegisteredContentScripts(filter: { ids: string[] }): Promise<{ id: string; matches?: string[]; runAt?: string }[]>;
    registerContentScripts(scripts: object[]): Promise<unknown>;
    updateContentScripts(scripts: object[]): Promise<unknown>;
    unregisterContentScripts(filter: { ids: string[] }): Promise<unknown>;
  };
}

export interface HostAccess extends RuleHost {
  granted: boolean;
}

/**
 * Makes the registered content script match exactly the built-in CRMs' `builtInMatches` plus the rule hosts
 * the agent has granted (and that neither the manifest nor the built-ins already cover). Idempotent: call it
 * at start-up, on config change and on permission change.
 */
export async function syncRuleContentScripts(
  rules: readonly RuleHostsInput[],
  staticMatches: readonly string[],
  contentScriptFile: string,
  api: RegistrationApi,
  builtInMatches: readonly string[] = [],
): Promise<{ access: HostAccess[]; unresolved: RuleHosts['unresolved']; matches: string[] }> {
  const { hosts, unresolved } = ruleHosts(rules);
  const covering = [...staticMatches, ...builtInMatches];
  const dynamic = hosts.filter((host) => !coveredByStaticMatches(host.origin, covering));
  const access = await Promise.all(
    dynamic.map(async (host) => ({ ...host, granted: await api.permissions.contains({ origins: [host.origin] }) })),
  );
  const matches = [...new Set([...builtInMatches, ...access.filter((host) => host.granted).map((host) => host.origin)])];
  const [registered] = await api.scripting.getRegisteredContentScripts({ ids: [RULES_CONTENT_SCRIPT_ID] });
  if (matches.length === 0) {
    if (registered) await api.scripting.unregisterContentScripts({ ids: [RULES_CONTENT_SCRIPT_ID] });
  } else if (registered) {
    if (!sameList(registered.matches, matches) || (registered.runAt !== undefined && registered.runAt !== CONTENT_SCRIPT_RUN_AT)) {
      await api.scripting.updateContentScripts([{ id: RULES_CONTENT_SCRIPT_ID, matches, runAt: CONTENT_SCRIPT_RUN_AT }]);
    }
  } else {
    await api.scripting.registerContentScripts([
      { id: RULES_CONTENT_SCRIPT_ID, js: [contentScriptFile], matches, runAt: CONTENT_SCRIPT_RUN_AT, persistAcrossSessions: true },
    ]);
  }
  return { access, unresolved, matches };
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((item, index) => item === b[index]);
}

export interface OpenTabsApi {
  tabs: { query(query: { url: string[] }): Promise<{ id?: number }[]> };
  scripting: { executeScript(injection: { target: { tabId: number }; files: string[] }): Promise<unknown> };
}

/**
 * After an install or update: runs the content script in the tabs already showing a page it is registered for
 * (a registration only applies to pages loaded after it). A copy left from the previous version stands down
 * when the new one starts (WXT's ContentScriptContext). A tab that refuses (policy-blocked, discarded) is skipped.
 */
export async function injectIntoOpenTabs(matches: readonly string[], contentScriptFile: string, api: OpenTabsApi): Promise<number> {
  if (matches.length === 0) return 0;
  const tabs = await api.tabs.query({ url: [...matches] });
  const results = await Promise.allSettled(
    tabs.flatMap((tab) => (tab.id === undefined ? [] : [api.scripting.executeScript({ target: { tabId: tab.id }, files: [contentScriptFile] })])),
  );
  return results.filter((result) => result.status === 'fulfilled').length;
}
