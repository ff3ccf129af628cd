import type { CrmProfile } from '../profile';
import { findProfileIn } from '../find-profile';
import { type CompiledProfile, compileRules } from '../rules/engine';
import type { CrmRule } from '../rules/schema';
import { restrictToTenants } from '../tenants';
import { demoProfile } from './demo';
import { dynamicsProfile } from './dynamics';
import { freshsalesProfile } from './freshsales';
import { hubspotProfile } from './hubspot';
import { DEMO_PROFILE_BUILT } from './ids';
import { pipedriveProfile } from './pipedrive';
import { salesforceProfile } from './salesforce';
import { zohoProfile } from './zoho';

/**
 * Every built-in declaration, in the admin rule format (so an admin can copy one into policy and adapt it).
 * The demo profile only in dev-hosts builds: DEMO_PROFILE_BUILT is a build-time constant, so the bundler drops
 * demo.ts from release and fleet bundles (test/e2e/release-build.spec.ts checks the built files).
 */
export const BUILT_IN_RULES: readonly (CrmRule & { id: string })[] = [
  salesforceProfile,
  hubspotProfile,
  zohoProfile,
  pipedriveProfile,
  dynamicsProfile,
  freshsalesProfile,
  ...(DEMO_PROFILE_BUILT ? [demoProfile] : []),
];

export const BUILT_IN_PROFILE_IDS = BUILT_IN_RULES.map((rule) => rule.id);

/** Every built-in profile, compiled by the same engine as admin rules. */
export const BUILT_IN_PROFILES: readonly CompiledProfile[] = compileRules(BUILT_IN_RULES, 'built-in').profiles;

export interface ActiveProfiles {
  profiles: CompiledProfile[];
  /** Admin rules that could not be used, and unknown ids in crmProfiles: shown in diagnostics. */
  problems: string[];
}

/**
 * The profiles in force: admin rules first (they win over a built-in that claims the same URL), then the
 * built-ins `crmProfiles` selects (absent = all), each limited to the company's tenants (`crmTenants`, absent =
 * all; lib/crm/tenants.ts).
 */
export function activeProfiles(setup: {
  crmProfiles?: readonly string[] | undefined;
  crmRules?: readonly unknown[] | undefined;
  crmTenants?: readonly string[] | undefined;
}): ActiveProfiles {
  const rules = compileRules(Array.isArray(setup.crmRules) ? setup.crmRules : [], 'rule');
  const { declarations, problems } = selectBuiltIns(setup.crmProfiles);
  const ids = new Set(declarations.map((rule) => rule.id));
  const builtIns = restrictToTenants(
    BUILT_IN_PROFILES.filter((profile) => ids.has(profile.id)),
    setup.crmTenants,
  );
  return { profiles: [...rules.profiles, ...builtIns], problems: [...rules.problems, ...problems] };
}

/** The built-in declarations `crmProfiles` selects (absent = all), and ids it names that do not exist. */
export function selectBuiltIns(crmProfiles: readonly string[] | undefined): { declarations: (CrmRule & { id: string })[]; problems: string[] } {
  const selected = Array.isArray(crmProfiles) ? new Set(crmProfiles) : undefined;
  const problems: string[] = [];
  if (selected) {
    for (const id of selected) if (!BUILT_IN_PROFILE_IDS.includes(id)) problems.push(`crmProfiles names an unknown built-in profile "${id}"`);
  }
  return { declarations: BUILT_IN_RULES.filter((rule) => !selected || selected.has(rule.id)), problems };
}

/** The first profile that claims the URL (the built-ins when no list is given), or undefined. URL tests only. */
export function findProfileForUrl<P extends CrmProfile>(url: string | URL, profiles: readonly P[]): P | undefined;
export function findProfileForUrl(url: string | URL): CompiledProfile | undefined;
export function findProfileForUrl(url: string | URL, profiles: readonly CrmProfile[] = BUILT_IN_PROFILES): CrmProfile | undefined {
  return findProfileIn(url, profiles);
}

export { BUILT_IN_MATCHES } from '../matches';
