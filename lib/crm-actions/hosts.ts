import { MatchPattern } from 'wxt/utils/match-patterns';
import type { CrmAction } from './schema';

/**
 * The CRM API hosts the write-back calls (each step's URL and the token endpoint), as host match patterns: the
 * store build must be allowed to reach them (the options page lists them with an Allow button, as for admin-rule
 * sites), the fleet build reaches every site. A host written as a variable cannot be known ahead: it is reported.
 */
export interface ActionHosts {
  hosts: { origin: string; rules: string[] }[];
  unresolved: { rule: string; reason: string }[];
}

export function crmActionHosts(actions: readonly CrmAction[], covered: readonly string[] = []): ActionHosts {
  const byOrigin = new Map<string, Set<string>>();
  const unresolved: ActionHosts['unresolved'] = [];
  for (const action of actions) {
    const label = `CRM write-back: ${action.name}`;
    const urls = [...action.steps.map((step) => step.url), ...(action.auth && 'tokenUrl' in action.auth ? [action.auth.tokenUrl] : [])];
    for (const url of urls) {
      const origin = originPattern(url);
      if (!origin) {
        unresolved.push({ rule: label, reason: `the host of ${url.slice(0, 200)} is not fixed, so it cannot be allowed ahead` });
        continue;
      }
      if (isCovered(origin, covered)) continue;
      byOrigin.set(origin, (byOrigin.get(origin) ?? new Set()).add(label));
    }
  }
  return { hosts: [...byOrigin].map(([origin, rules]) => ({ origin, rules: [...rules] })), unresolved };
}

/** `https://host/*` for a URL template whose scheme and host are written out; undefined when the host is a variable. */
function originPattern(template: string): string | undefined {
  const [, scheme, host] = /^(https?):\/\/([^/?#{}]+)(?:[/?#]|$)/i.exec(template) ?? [];
  if (!scheme || !host) return undefined;
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  return `${scheme.toLowerCase()}://${hostname}/*`;
}

function isCovered(origin: string, covered: readonly string[]): boolean {
  const sample = origin.replace(/\/\*$/, '/');
  return covered.some((pattern) => {
    try {
      return new MatchPattern(pattern).includes(sample);
    } catch {
      return false;
    }
  });
}
