import type { CrmProfile } from './profile';
import { type CompiledProfile, compileRules } from './rules/engine';

/** The first profile that claims the URL, or undefined. Cheap: URL tests only. */
export function findProfileIn<P extends CrmProfile>(url: string | URL, profiles: readonly P[]): P | undefined {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return undefined;
  }
  return profiles.find((profile) => profile.matchesUrl(parsed));
}

/**
 * The profiles a page setup puts in force: admin rules first (they win over a built-in that claims the same
 * URL), then the built-in declarations the background selected (crmProfiles).
 */
export function compileSetup(setup: { crmRules?: readonly unknown[]; builtIns?: readonly unknown[] }): { profiles: CompiledProfile[]; problems: string[] } {
  const rules = compileRules(Array.isArray(setup.crmRules) ? setup.crmRules : [], 'rule');
  const builtIns = compileRules(Array.isArray(setup.builtIns) ? setup.builtIns : [], 'built-in');
  return { profiles: [...rules.profiles, ...builtIns.profiles], problems: [...rules.problems, ...builtIns.problems] };
}
