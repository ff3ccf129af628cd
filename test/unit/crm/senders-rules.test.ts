import { describe, expect, it } from 'vitest';
import { pageSetup } from '../../../lib/background/page-setup';
import { assertCrmContentScript, UntrustedSenderError } from '../../../lib/background/senders';
import { activeProfiles } from '../../../lib/crm/profiles';
import { PageSetupSchema } from '../../../lib/messaging';

const ID = 'ooieimhjgcmfjkegddipaodhfncicipk';
const page = (url: string) => ({ id: ID, url, tab: { url } });

describe('admin rules in the sender check and the page setup', () => {
  const rule = { name: 'Acme', url: 'https://crm.acme.test/leads/:id', fields: {} };

  it('accepts a page an active admin rule claims, refuses it without the rule', () => {
    const { profiles } = activeProfiles({ crmRules: [rule] });
    expect(() => assertCrmContentScript(page('https://crm.acme.test/leads/7'), ID, profiles)).not.toThrow();
    expect(() => assertCrmContentScript(page('https://crm.acme.test/leads/7'), ID)).toThrow(UntrustedSenderError);
    expect(() => assertCrmContentScript(page('https://crm.acme.test/settings'), ID, profiles)).toThrow(UntrustedSenderError);
  });

  it('a built-in left out of crmProfiles no longer vouches for its pages', () => {
    const { profiles } = activeProfiles({ crmProfiles: ['hubspot'] });
    expect(() => assertCrmContentScript(page('https://acme.pipedrive.com/person/1'), ID, profiles)).toThrow(UntrustedSenderError);
    expect(() => assertCrmContentScript(page('https://app.hubspot.com/contacts/1/record/0-1/2'), ID, profiles)).not.toThrow();
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
