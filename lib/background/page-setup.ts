import { loadConfig } from '../config/agent-options';
import type { ResolvedConfig } from '../config/resolve';
import type { PartialConfig } from '../config/schema';
import { activeProfiles, selectBuiltIns } from '../crm/profiles';
import type { CompiledProfile } from '../crm/rules/engine';
import type { PageSetup } from '../messaging';

/**
 * `getPageSetup`: the detection settings a content script needs (which built-ins and on which tenants, the
 * admin rules, the default country). Nothing secret is in them; still, only our own content scripts in a tab
 * get them (SENDERS in lib/messaging.ts), not another extension and not an extension page.
 */
export function pageSetup(values: PartialConfig, crmTenants: readonly string[] | undefined = values.crmTenants): PageSetup {
  // A malformed crmTenants never gets here as a list (effectiveTenants): its problem is the config's, shown
  // with the others in the options page and the popup.
  const { declarations, problems } = selectBuiltIns(values.crmProfiles);
  return {
    ...(values.crmProfiles ? { crmProfiles: [...values.crmProfiles] } : {}),
    ...(crmTenants ? { crmTenants: [...crmTenants] } : {}),
    crmRules: [...(values.crmRules ?? [])],
    builtIns: declarations,
    problems,
    defaultCountry: values.defaultCountry ?? 'US',
  };
}

/**
 * The tenant list in force. A `crmTenants` the extension could not read (the admin meant to limit the built-in
 * CRMs, but one entry is malformed, so the key failed validation) allows no tenant at all, whatever another
 * layer says: an admin's typo must not quietly open the built-ins to every tenant (fail closed). The problem
 * is shown in the options page and the popup's diagnostics.
 */
export function effectiveTenants(config: Pick<ResolvedConfig, 'values' | 'problems' | 'sources'>): string[] | undefined {
  const unreadable = config.problems.some((problem) => problem.key === 'crmTenants');
  if (unreadable && config.sources.crmTenants !== 'policy') return [];
  return config.values.crmTenants ? [...config.values.crmTenants] : undefined;
}

/** The profiles in force now (admin rules + selected built-ins on the allowed tenants), for the sender check of CRM messages. */
export async function activeCrmProfiles(): Promise<CompiledProfile[]> {
  const config = await loadConfig();
  let profiles = compiledFor.get(config);
  if (!profiles) {
    const { values } = config;
    profiles = activeProfiles({ crmProfiles: values.crmProfiles, crmRules: values.crmRules ?? [], crmTenants: effectiveTenants(config) }).profiles;
    compiledFor.set(config, profiles);
  }
  return profiles;
}

/** Compiled once per config read: the background keeps a read config until it changes (keepConfigLoaded). */
const compiledFor = new WeakMap<ResolvedConfig, CompiledProfile[]>();
