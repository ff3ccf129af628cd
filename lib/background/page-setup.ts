import { loadConfig } from '../config/agent-options';
import type { PartialConfig } from '../config/schema';
import { activeProfiles, selectBuiltIns } from '../crm/profiles';
import type { CompiledProfile } from '../crm/rules/engine';
import type { PageSetup } from '../messaging';

/**
 * `getPageSetup`: the detection settings a content script needs (which built-ins, the admin rules, the
 * default country). Nothing secret is in them; still, only our own content scripts in a tab get them
 * (SENDERS in lib/messaging.ts), not another extension and not an extension page.
 */
export function pageSetup(values: PartialConfig): PageSetup {
  const { declarations, problems } = selectBuiltIns(values.crmProfiles);
  return {
    ...(values.crmProfiles ? { crmProfiles: [...values.crmProfiles] } : {}),
    crmRules: [...(values.crmRules ?? [])],
    builtIns: declarations,
    problems,
    defaultCountry: values.defaultCountry ?? 'US',
  };
}

/** The profiles in force now (admin rules + selected built-ins), for the sender check of CRM messages. */
export async function activeCrmProfiles(): Promise<CompiledProfile[]> {
  const { values } = await loadConfig();
  return activeProfiles({ crmProfiles: values.crmProfiles, crmRules: values.crmRules ?? [] }).profiles;
}
