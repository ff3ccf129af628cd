import { loadConfig } from '../config/agent-options';
import type { PartialConfig } from '../config/schema';
import { activeProfiles, selectBuiltIns } from '../crm/profiles';
import type { CompiledProfile } from '../crm/rules/engine';
import { onMessage, type PageSetup } from '../messaging';
import { UntrustedSenderError, type MessageSender } from './senders';

/**
 * `getPageSetup`: the detection settings a content script needs (which built-ins, the admin rules, the
 * default country). Nothing secret is in them; still, only our own content scripts in a tab get them, not
 * another extension and not an extension page pretending to be a tab.
 */
export function registerPageSetup(runtimeId: string): void {
  onMessage('getPageSetup', async ({ sender }) => {
    if (sender.id !== runtimeId || !sender.tab) throw new UntrustedSenderError('Only the extension’s content scripts may ask for the page setup.');
    return pageSetup((await loadConfig()).values);
  });
}

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

export type { MessageSender };
