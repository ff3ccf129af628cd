import { describe, expect, it } from 'vitest';
import { effectiveTenants, pageSetup } from '../../../lib/background/page-setup';
import { checkSender, UntrustedSenderError } from '../../../lib/background/senders';
import { resolveConfig } from '../../../lib/config/resolve';
import type { CrmProfile } from '../../../lib/crm/profile';
import { activeProfiles, BUILT_IN_PROFILES } from '../../../lib/crm/profiles';
import { PageSetupSchema } from '../../../lib/messages';
import { SENDERS } from '../../../lib/messaging';

const ID = 'ooieimhjgcmfjkegddipaodhfncicipk';
const page = (url: string) => ({ id: ID, url, frameId: 0, tab: { url } });
const check = (url: string, profiles: readonly CrmProfile[] = BUILT_IN_PROFILES, allowed = SENDERS.openChat) =>
  checkSender(allowed, page(url), { runtimeId: ID, extensionOrigin: `chrome-extension://${ID}/`, profiles: async () => profiles });
const notCovered = (url: string) => `This tab shows ${url}, which no active CRM profile or admin rule covers, so the extension does not act on it.`;

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

describe('crmTenants in the sender check', () => {
  // The fixtures' tenants (test/fixtures/crm/pipedrive/person.html, hubspot/contact-record.html) and a free trial of each.
  const ACME = 'https://acme.pipedrive.com/person/1234';
  const TRIAL = 'https://trial.pipedrive.com/person/1234';
  const PORTAL = 'https://app.hubspot.com/contacts/4151234/record/0-1/51234567';
  const OTHER_PORTAL = 'https://app.hubspot.com/contacts/999/record/0-1/51234567';

  it.each([
    ['openChat', SENDERS.openChat],
    ['login', SENDERS.login],
  ])('%s: allowed from a listed tenant, refused from another tenant of the same CRM', async (_name, allowed) => {
    const { profiles } = activeProfiles({ crmTenants: ['acme.pipedrive.com', '4151234'] });
    await expect(check(ACME, profiles, allowed)).resolves.toBeUndefined();
    await expect(check(PORTAL, profiles, allowed)).resolves.toBeUndefined();
    await expect(check(TRIAL, profiles, allowed)).rejects.toThrow(new UntrustedSenderError(notCovered(TRIAL)));
    await expect(check(OTHER_PORTAL, profiles, allowed)).rejects.toThrow(new UntrustedSenderError(notCovered(OTHER_PORTAL)));
    // Without the list, the trial's pages are CRM pages like any other.
    await expect(check(TRIAL, activeProfiles({}).profiles, allowed)).resolves.toBeUndefined();
  });

  it('the tab’s URL decides, not the tenant the content script claims', async () => {
    const { profiles } = activeProfiles({ crmTenants: ['acme.pipedrive.com'] });
    const context = { runtimeId: ID, extensionOrigin: `chrome-extension://${ID}/`, profiles: async () => profiles };
    await expect(checkSender(SENDERS.openChat, page(TRIAL), context, ACME)).rejects.toThrow(UntrustedSenderError);
  });

  it('an unreadable crmTenants in policy refuses every built-in CRM page (fail closed)', async () => {
    const config = resolveConfig({ policy: { crmTenants: ['acme.pipedrive.com', 'https://acme.pipedrive.com/'] } });
    const { profiles } = activeProfiles({ crmTenants: effectiveTenants(config) });
    await expect(check(ACME, profiles)).rejects.toThrow(new UntrustedSenderError(notCovered(ACME)));
    await expect(check(PORTAL, profiles)).rejects.toThrow(new UntrustedSenderError(notCovered(PORTAL)));
  });
});
