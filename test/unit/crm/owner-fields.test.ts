// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROFILES, findProfileForUrl } from '../../../lib/crm/profiles';
import { compileRule } from '../../../lib/crm/rules/engine';
import type { Lead } from '../../../lib/messaging';

/**
 * The lead owner as the built-in profiles read it, on variants of the fixture pages (test/fixtures/crm): what
 * the fixtures themselves give is in fixtures.test.ts. The owner decides whether Chat may take a lead over
 * (lib/actions/chat.ts), so a wrong owner is worse than none.
 */

const ROOT = path.resolve(__dirname, '../../fixtures/crm');
const SF_LEAD_URL = new URL('https://acme.lightning.force.com/lightning/r/Lead/00Q5e00000AbCdEFGH/view');
const HS_CONTACT_URL = new URL('https://app.hubspot.com/contacts/4151234/record/0-1/51234567');

function read(url: URL, html: string): Lead {
  const profile = findProfileForUrl(url, BUILT_IN_PROFILES);
  const reading = profile?.readLead(new DOMParser().parseFromString(html, 'text/html'), url);
  if (!reading || !('lead' in reading)) throw new Error(`no lead: ${JSON.stringify(reading)}`);
  return reading.lead;
}

const owner = (lead: Lead) => ({ ownerName: lead.ownerName, ownerId: lead.ownerId });
const fixture = (name: string) => readFileSync(path.join(ROOT, name), 'utf8');
const ALICE_HREF = '/lightning/r/User/0055e000003AlcEAAS/view';

describe('Salesforce owner', () => {
  it('reads the id from the short link form /lightning/r/{id}/view, 15 characters as well as 18', () => {
    const html = fixture('salesforce/lead.html').replace(ALICE_HREF, '/lightning/r/0055e000003AlcE/view');
    expect(owner(read(SF_LEAD_URL, html))).toEqual({ ownerName: 'Alice Agent', ownerId: '0055e000003AlcE' });
  });

  it('an absolute link works too', () => {
    const html = fixture('salesforce/lead.html').replace(ALICE_HREF, `https://acme.lightning.force.com${ALICE_HREF}`);
    expect(owner(read(SF_LEAD_URL, html))).toEqual({ ownerName: 'Alice Agent', ownerId: '0055e000003AlcEAAS' });
  });

  it.each(['/lightning/r/Group/00G5e000001WebQEAS/view', '/lightning/r/00G5e000001WebQEAS/view'])('a queue owns the lead (%s): its name is the owner, and no user id is read', (href) => {
    const html = fixture('salesforce/lead.html').replace(ALICE_HREF, href).replaceAll('Alice Agent', 'Web Leads');
    expect(owner(read(SF_LEAD_URL, html))).toEqual({ ownerName: 'Web Leads', ownerId: undefined });
  });

  it("another record's owner on the page (the Account's, on a related-record card) is not the lead's owner", () => {
    const html = fixture('salesforce/contact-mobile.html').replaceAll('sfdc:RecordField.Contact.OwnerId', 'sfdc:RecordField.Account.OwnerId');
    const url = new URL('https://acme.lightning.force.com/lightning/r/Contact/0035e00000XyZ12AAB/view');
    // Only the label is left to read, and it reads the whole field, buttons' assistive text included: that
    // name matches no agent, which Chat treats as "another person" (the safe side), never as this agent.
    expect(owner(read(url, html))).toEqual({ ownerName: expect.stringMatching(/^Bob Agent.+Change Owner$/), ownerId: undefined });
  });

  it('a page without an owner field gives no owner', () => {
    const html = fixture('salesforce/lead.html').replace(/<records-highlights-details-item><p class="slds-text-title" title="Lead Owner">.*?<\/records-highlights-details-item>/gs, '');
    expect(owner(read(SF_LEAD_URL, html))).toEqual({ ownerName: undefined, ownerId: undefined });
  });
});

describe('HubSpot owner', () => {
  it.each(['No owner', 'Unassigned', '--'])('"%s" is no owner', (placeholder) => {
    const html = fixture('hubspot/contact-record.html').replace('<span>Alice Agent</span>', `<span>${placeholder}</span>`);
    expect(read(HS_CONTACT_URL, html).ownerName).toBeUndefined();
  });

  it('a name is the owner, whatever words it holds', () => {
    const html = fixture('hubspot/contact-record.html').replace('<span>Alice Agent</span>', '<span>Noah Owner</span>');
    expect(read(HS_CONTACT_URL, html).ownerName).toBe('Noah Owner');
  });
});

describe('ownerId in admin rules', () => {
  const compiled = compileRule(
    { name: 'Acme', url: 'https://crm.acme.test/leads/:id', fields: { lastName: { selector: '.name' }, ownerId: { selector: '.owner', attribute: 'data-user-id' } } },
    'rule',
  );
  const rule = (id: string) => {
    if ('error' in compiled) throw new Error(compiled.error);
    const doc = new DOMParser().parseFromString(`<p class="name">Lovelace</p><p class="owner" data-user-id="${id}">Bob</p>`, 'text/html');
    return compiled.readLead(doc, new URL('https://crm.acme.test/leads/7'));
  };

  it('is read like any field', () => {
    expect(rule(' u-42 ')).toMatchObject({ lead: { ownerId: 'u-42' } });
  });

  it('is never cut short: a longer id than the lead message takes counts as not shown', () => {
    expect(rule('x'.repeat(128))).toMatchObject({ lead: { ownerId: 'x'.repeat(128) } });
    const reading = rule('x'.repeat(129));
    expect('lead' in reading && reading.lead.ownerId).toBe(undefined);
  });
});
