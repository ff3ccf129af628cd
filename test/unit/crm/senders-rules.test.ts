import { describe, expect, it } from 'vitest';
import { pageSetup } from '../../../lib/background/page-setup';
import { checkSender, UntrustedSenderError } from '../../../lib/background/senders';
import type { CrmProfile } from '../../../lib/crm/profile';
import { activeProfiles, BUILT_IN_PROFILES } from '../../../lib/crm/profiles';
import { PageSetupSchema } from '../../../lib/messages';
import { SENDERS } from '../../../lib/messaging';

const ID = 'ooieimhjgcmfjkegddipaodhfncicipk';
const page = (url: string) => ({ id: ID, url, frameId: 0, tab: { url } });
const check = (url: string, profiles: readonly CrmProfile[] = BUILT_IN_PROFILES) =>
  checkSender(SENDERS.openChat, page(url), { runtimeId: ID, extensionOrigin: `chrome-extension://${ID}/`, profiles: async () => profiles });

describe('admin rules in the sender check and the page setup', () => {
  const rule = { name: 'Acme', url: 'https://crm.acme.test/leads/:id', fields: {} };

  it('accepts a page an active admin rule claims, refuses it without the rule', async () => {
    const { profiles } = activeProfiles({ crmRules: [rule] });
    await expect(check('https://crm.acme.test/leads/7', profiles)).resolves.toBeUndefined();
    await expect(check('https://crm.acme.test/leads/7')).rejects.toThrow(UntrustedSenderError);
    await expect(check('https://crm.acme.test/settings', profiles)).rejects.toThrow(UntrustedSenderError);
  });

  it('a built-in left out of crmProfiles no longer vouches for its pages', async () => {
    const { profiles } = activeProfiles({ crmProfiles: ['hubspot'] });
    await expect(check('https://acme.pipedrive.com/person/1', profiles)).rejects.toThrow(UntrustedSenderError);
    await expect(check('https://app.hubspot.com/contacts/1/record/0-1/2', profiles)).resolves.toBeUndefined();
  });

  it('the page setup carries rules, the selected built-ins and problems, and no secret', () => {
    const setup = pageSetup({ apiToken: 'secret-token', orgId: 'org', crmProfiles: ['zoho', 'nope'] as never, crmRules: [rule as never], defaultCountry: 'DE' });
    expect(PageSetupSchema.safeParse(setup).success).toBe(true);
    expect(setup.builtIns.map((r) => (r as { id: string }).id)).toEqual(['zoho']);
    expect(setup.problems).toEqual(['crmProfiles names an unknown built-in profile "nope"']);
    expect(JSON.stringify(setup)).not.toContain('secret-token');
    expect(setup.defaultCountry).toBe('DE');
  });
});
