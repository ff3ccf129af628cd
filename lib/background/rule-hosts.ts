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

export const RULES_CONTENT_SCRIPT_ID = 'crm-chat-bridge-admin-rules';

export interface RegistrationApi {
  permissions: { contains(permissions: { origins: string[] }): Promise<boolean> };
  scripting: {
    getRegisteredContentScripts(filter: { ids: string[] }): Promise<{ id: string }[]>;
    registerContentScripts(scripts: object[]): Promise<unknown>;
    updateContentScripts(scripts: object[]): Promise<unknown>;
    unregisterContentScripts(filter: { ids: string[] }): Promise<unknown>;
  };
}

export interface HostAccess extends RuleHost {
  granted: boolean;
}

/**
 * Makes the registered content script match exactly the rule hosts the agent has granted (and that the
 * manifest does not already cover). Idempotent: call it at start-up, on config change and on permission
 * change.
 */
export async function syncRuleContentScripts(
  rules: readonly RuleHostsInput[],
  staticMatches: readonly string[],
  contentScriptFile: string,
  api: RegistrationApi,
): Promise<{ access: HostAccess[]; unresolved: RuleHosts['unresolved'] }> {
  const { hosts, unresolved } = ruleHosts(rules);
  const dynamic = hosts.filter((host) => !coveredByStaticMatches(host.origin, staticMatches));
  const access = await Promise.all(
    dynamic.map(async (host) => ({ ...host, granted: await api.permissions.contains({ origins: [host.origin] }) })),
  );
  const matches = access.filter((host) => host.granted).map((host) => host.origin);
  const registered = (await api.scripting.getRegisteredContentScripts({ ids: [RULES_CONTENT_SCRIPT_ID] })).length > 0;
  if (matches.length === 0) {
    if (registered) await api.scripting.unregisterContentScripts({ ids: [RULES_CONTENT_SCRIPT_ID] });
  } else if (registered) {
    await api.scripting.updateContentScripts([{ id: RULES_CONTENT_SCRIPT_ID, matches }]);
  } else {
    await api.scripting.registerContentScripts([
      { id: RULES_CONTENT_SCRIPT_ID, js: [contentScriptFile], matches, runAt: 'document_idle', persistAcrossSessions: true },
    ]);
  }
  return { access, unresolved };
}

/**
 * One sync at a time. Start-up, a policy change and the options page asking for the list all trigger a
 * sync, often together (Chromium delivers policy a moment after the worker starts); two overlapping syncs
 * both see "not registered" and the second registerContentScripts fails with a duplicate id.
 */
export function serializedRuleSync<T>(sync: () => Promise<T>): () => Promise<T> {
  let previous: Promise<unknown> = Promise.resolve();
  return () => {
    const next = previous.then(sync, sync);
    previous = next.catch(() => undefined);
    return next;
  };
}
