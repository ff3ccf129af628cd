// @vitest-environment happy-dom
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROFILES, findProfileForUrl } from '../../../lib/crm/profiles';
import type { Lead } from '../../../lib/messaging';

/**
 * Every page under test/fixtures/crm/<crm>/ runs through the built-in profiles: a lead page gives the expected
 * lead and an anchor, any other page gives no lead and the expected reason. Each fixture names its URL in its
 * first comment (`<!-- url: … -->`) and where its structure comes from in the second.
 */

const ROOT = path.resolve(__dirname, '../../fixtures/crm');

type Expected = { lead: Lead; anchor: string } | { reason: RegExp };

const EXPECTED: Record<string, Expected> = {
  'salesforce/lead.html': {
    lead: {
      profileId: 'salesforce',
      profileLabel: 'Salesforce',
      crmId: 'salesforce:acme.lightning.force.com:00Q5e00000AbCdEFGH',
      recordId: '00Q5e00000AbCdEFGH',
      firstName: 'Jon',
      lastName: 'Amos',
      phone: '(415) 555-0100',
      phones: [{ number: '(415) 555-0100', label: 'Phone' }],
      email: 'jon.amos@example.com',
      // From the owner link, not the field's whole text (its "Preview" / "Change Owner" buttons); not the cached copy's Bob.
      ownerName: 'Alice Agent',
      ownerId: '0055e000003AlcEAAS',
      status: 'Working - Contacted',
    },
    anchor: 'UL',
  },
  'salesforce/contact-mobile.html': {
    lead: {
      profileId: 'salesforce',
      profileLabel: 'Salesforce',
      crmId: 'salesforce:acme.lightning.force.com:0035e00000XyZ12AAB',
      recordId: '0035e00000XyZ12AAB',
      firstName: 'Rose',
      lastName: 'Gonzalez',
      phone: '(512) 757-9340',
      phones: [
        { number: '(512) 757-9340', label: 'mobile' },
        { number: '(512) 757-6000', label: 'Phone' },
      ],
      email: 'rose@edge.com',
      ownerName: 'Bob Agent',
      ownerId: '0055e000003BobXAAS',
    },
    anchor: 'UL',
  },
  'salesforce/lead-no-phone.html': { reason: /^profile 'Salesforce' matched the URL; field phones: label 'Mobile' \/ 'Mobile Phone' not found; .*selector `records-highlights2 a\[href\^="tel:"\]` not found$/ },
  'salesforce/list-view.html': { reason: /^No CRM profile/ },
  'hubspot/contact-record.html': {
    lead: {
      profileId: 'hubspot',
      profileLabel: 'HubSpot',
      crmId: 'hubspot:4151234:51234567',
      recordId: '51234567',
      firstName: 'Maria',
      lastName: 'Johnson',
      phone: '+1 (617) 555-0199',
      phones: [{ number: '+1 (617) 555-0199', label: 'Phone number' }],
      email: 'maria@hubspot.example',
      ownerName: 'Alice Agent',
    },
    anchor: 'BUTTON',
  },
  'hubspot/contact-eu-mobile.html': {
    lead: {
      profileId: 'hubspot',
      profileLabel: 'HubSpot',
      crmId: 'hubspot:26012345:98765',
      recordId: '98765',
      firstName: 'Lukas',
      lastName: 'Schmidt',
      phone: '+49 151 23456789',
      phones: [
        { number: '+49 151 23456789', label: 'mobile' },
        { number: '030 901820', label: 'Phone number' },
      ],
      email: 'lukas@example.de',
    },
    anchor: 'BUTTON',
  },
  'hubspot/contacts-list.html': { reason: /^No CRM profile/ },
  'hubspot/settings.html': { reason: /^No CRM profile/ },
  'zoho/lead.html': {
    lead: {
      profileId: 'zoho',
      profileLabel: 'Zoho CRM',
      crmId: 'zoho:crm.zoho.com:4876876000000123456',
      recordId: '4876876000000123456',
      firstName: 'Christopher',
      lastName: 'Maclead',
      phone: '555-555-1234',
      phones: [
        { number: '555-555-1234', label: 'mobile' },
        { number: '555-555-5555', label: 'phone' },
      ],
      email: 'christopher-maclead@noemail.invalid',
      ownerName: 'Alice Agent',
      status: 'Contacted',
    },
    anchor: 'DIV',
  },
  'zoho/contact-eu-labels.html': {
    lead: {
      profileId: 'zoho',
      profileLabel: 'Zoho CRM',
      crmId: 'zoho:crm.zoho.eu:52000000098765',
      recordId: '52000000098765',
      firstName: 'Kris',
      lastName: 'Marrier',
      phone: '+44 20 7946 0000',
      phones: [{ number: '+44 20 7946 0000', label: 'Phone' }],
      email: 'kris@example.co.uk',
    },
    anchor: 'DIV',
  },
  'zoho/leads-list.html': { reason: /^No CRM profile/ },
  'pipedrive/person.html': {
    lead: {
      profileId: 'pipedrive',
      profileLabel: 'Pipedrive',
      crmId: 'pipedrive:acme.pipedrive.com:1234',
      recordId: '1234',
      firstName: 'Tiina',
      lastName: 'Tamm',
      phone: '+372 5555 1234',
      phones: [
        { number: '+372 5555 1234', label: 'mobile' },
        { number: '+372 5123 4567' },
      ],
      email: 'tiina@example.ee',
      ownerName: 'Alice Agent',
    },
    anchor: 'DIV',
  },
  'pipedrive/person-plain.html': {
    lead: {
      profileId: 'pipedrive',
      profileLabel: 'Pipedrive',
      crmId: 'pipedrive:sales-team.pipedrive.com:77',
      recordId: '77',
      firstName: 'Omar',
      lastName: 'Haddad',
      phone: '+971 50 123 4567',
      phones: [{ number: '+971 50 123 4567', label: 'Phone' }],
      email: 'omar@example.ae',
    },
    anchor: 'SPAN',
  },
  'pipedrive/deals-pipeline.html': { reason: /^No CRM profile/ },
  'dynamics/lead-form.html': {
    lead: {
      profileId: 'dynamics',
      profileLabel: 'Dynamics 365',
      crmId: 'dynamics:contoso.crm4.dynamics.com:7d2b9f2e-3a51-ee11-be6f-000d3a3a1b2c',
      recordId: '7d2b9f2e-3a51-ee11-be6f-000d3a3a1b2c',
      firstName: 'Nancy',
      lastName: 'Anderson (sample)',
      phone: '+1 425 555 0199',
      phones: [
        { number: '+1 425 555 0199', label: 'mobile' },
        { number: '555-0127', label: 'business' },
      ],
      email: 'someone_c@example.com',
    },
    anchor: 'UL',
  },
  'dynamics/contact-form.html': {
    lead: {
      profileId: 'dynamics',
      profileLabel: 'Dynamics 365',
      crmId: 'dynamics:contoso.crm.dynamics.com:8a0c3c1e-0000-0000-0000-000000000001',
      recordId: '8a0c3c1e-0000-0000-0000-000000000001',
      firstName: 'Yvonne',
      lastName: 'McKay',
      phone: '(206) 555-0100',
      phones: [{ number: '(206) 555-0100', label: 'business' }],
    },
    anchor: 'UL',
  },
  'dynamics/lead-grid.html': { reason: /^No CRM profile/ },
  'freshsales/contact.html': {
    lead: {
      profileId: 'freshsales',
      profileLabel: 'Freshsales',
      crmId: 'freshsales:acme.myfreshworks.com:16001234567',
      recordId: '16001234567',
      firstName: 'Jane',
      lastName: 'Sampleton',
      phone: '+1 (650) 555-0199',
      phones: [
        { number: '+1 (650) 555-0199', label: 'mobile' },
        { number: '+1 (650) 555-0111', label: 'Work' },
      ],
      email: 'jane.sampleton@example.com',
      ownerName: 'Alice Agent',
    },
    anchor: 'BUTTON',
  },
  'freshsales/classic-lead.html': {
    lead: {
      profileId: 'freshsales',
      profileLabel: 'Freshsales',
      crmId: 'freshsales:acme.freshsales.io:5001234',
      recordId: '5001234',
      firstName: 'Sam',
      lastName: 'Lee',
      phone: '020 7946 0123',
      phones: [{ number: '020 7946 0123', label: 'Work' }],
    },
    anchor: 'BUTTON',
  },
  'freshsales/contacts-view.html': { reason: /^No CRM profile/ },
};

function fixtures(): string[] {
  return readdirSync(ROOT).flatMap((crm) =>
    readdirSync(path.join(ROOT, crm))
      .filter((file) => file.endsWith('.html'))
      .map((file) => `${crm}/${file}`),
  );
}

function load(name: string): { doc: Document; url: URL } {
  const html = readFileSync(path.join(ROOT, name), 'utf8');
  const url = /<!--\s*url:\s*(\S+)\s*-->/.exec(html)?.[1];
  if (!url) throw new Error(`${name} names no URL`);
  return { doc: new DOMParser().parseFromString(html, 'text/html'), url: new URL(url) };
}

describe('CRM fixtures through the built-in profiles', () => {
  it('every fixture has an expectation, each CRM at least two lead pages and a negative page', () => {
    expect(fixtures().sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const crm of ['salesforce', 'hubspot', 'zoho', 'pipedrive', 'dynamics', 'freshsales']) {
      const mine = Object.entries(EXPECTED).filter(([name]) => name.startsWith(`${crm}/`));
      expect(mine.filter(([, e]) => 'lead' in e).length, crm).toBeGreaterThanOrEqual(2);
      expect(mine.filter(([, e]) => 'reason' in e).length, crm).toBeGreaterThanOrEqual(1);
    }
  });

  it.each(Object.entries(EXPECTED))('%s', (name, expected) => {
    const { doc, url } = load(name);
    expect(readFileSync(path.join(ROOT, name), 'utf8')).toMatch(/<!--\s*Evidence:/);
    const profile = findProfileForUrl(url, BUILT_IN_PROFILES);
    const reading = profile ? profile.readLead(doc, url) : { reason: `No CRM profile or rule applies to ${url.origin}${url.pathname}` };
    if ('lead' in expected) {
      expect(reading).toEqual({ lead: { ...expected.lead, pageUrl: url.href } });
      expect(profile?.findAnchor(doc)?.element.tagName).toBe(expected.anchor);
    } else {
      expect('reason' in reading && reading.reason).toMatch(expected.reason);
    }
  });
});
