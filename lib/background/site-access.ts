import { MatchPattern } from 'wxt/utils/match-patterns';
import type { CrmProfile } from '../crm/profile';
import { findProfileIn } from '../crm/find-profile';
import type { TabAccess } from '../messages';
import type { HostAccess } from './rule-hosts';

/**
 * Whether the extension can really run on a rule's site. The browser's permission says too much: Chrome's
 * `permissions.contains` is true for a host that the administrator's ExtensionSettings policy blocks
 * (runtime_blocked_hosts), where no content script is injected and the tab's address is hidden from us.
 */

export type SiteState = 'allowed' | 'not-granted' | 'blocked' | 'unconfirmed';

/** What the policy blocks, Chrome refuses with this (scripting.executeScript on such a tab). */
const POLICY_BLOCK = /ExtensionsSettings policy|blocked by (?:the )?(?:administrator|policy)/i;

/**
 * A site the extension holds the permission for is checked with a request (siteAnswer); the popup's check on
 * a tab of the site (tabAccess) is definitive.
 */
export async function siteStates(
  access: readonly HostAccess[],
  answer: (site: string) => Promise<Exclude<SiteState, 'not-granted'>> = siteAnswer,
): Promise<(HostAccess & { state: SiteState })[]> {
  return Promise.all(
    access.map(async (host) => {
      if (!host.granted) return { ...host, state: 'not-granted' as const };
      return { ...host, state: host.site === undefined ? ('unconfirmed' as const) : await answer(host.site) };
    }),
  );
}

/**
 * How Chrome lets the extension's own request to the site through. With the site's permission in force the
 * request is privileged: a `basic` response. Where the administrator's policy blocks the site, Chrome sends it
 * as an ordinary cross-origin request: a `cors` response, or a failure when the site allows no other origins
 * (as when it does not answer at all). A redirect (e.g. to a login page) hides which it was: unconfirmed.
 * HEAD, no cookies, 3 s at most.
 */
export async function siteAnswer(site: string): Promise<'allowed' | 'blocked' | 'unconfirmed'> {
  try {
    const response = await fetch(site, { method: 'HEAD', credentials: 'omit', cache: 'no-store', redirect: 'manual', signal: AbortSignal.timeout(3000) });
    return response.type === 'basic' ? 'allowed' : response.type === 'opaqueredirect' ? 'unconfirmed' : 'blocked';
  } catch {
    return 'blocked';
  }
}

export interface TabAccessDeps {
  /** The tab as the browser shows it to the extension (its url hidden where the extension may not run). */
  getTab(tabId: number): Promise<{ url?: string }>;
  /** Runs a no-op in the tab: resolves where the extension may run, rejects with the browser's reason. */
  probe(tabId: number): Promise<void>;
  profiles(): Promise<readonly CrmProfile[]>;
  ruleAccess(): Promise<readonly HostAccess[]>;
}

/**
 * For the popup, on a tab where no content script answered: why, and what to do. Policy-blocked
 * (Chrome says so when asked to run there); a rule's site the agent has not allowed yet (the one the tab
 * shows, when the browser lets us see its address, e.g. after a toolbar click; else every such site); a
 * page a rule matches where the extension may run but was opened before it was set up (reload); or no CRM.
 */
export async function tabAccess(tabId: number, deps: TabAccessDeps): Promise<TabAccess> {
  const refusal = await deps.probe(tabId).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  if (refusal && POLICY_BLOCK.test(refusal)) return { state: 'blocked-by-policy' };
  const url = await deps
    .getTab(tabId)
    .then((tab) => tab.url)
    .catch(() => undefined);
  const notGranted = (await deps.ruleAccess()).filter((host) => !host.granted);
  const hosts = notGranted.map(({ origin, rules }) => ({ origin, rules }));
  if (!url) return hosts.length > 0 ? { state: 'needs-access', hosts } : { state: 'not-crm' };
  const profile = findProfileIn(url, await deps.profiles());
  if (!profile) return { state: 'not-crm' };
  const matching = hosts.filter((host) => matchesOrigin(host.origin, url));
  if (matching.length > 0) return { state: 'needs-access', hosts: matching };
  return refusal ? { state: 'not-crm' } : { state: 'reload', rule: profile.label };
}

function matchesOrigin(pattern: string, url: string): boolean {
  try {
    return new MatchPattern(pattern).includes(url);
  } catch {
    return false;
  }
}
