// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MatchPattern } from 'wxt/utils/match-patterns';
import { ConfigSchema } from '../../../lib/config/schema';
import { BUILT_IN_MATCHES } from '../../../lib/crm/matches';
import type { CrmProfile } from '../../../lib/crm/profile';
import { activeProfiles, BUILT_IN_PROFILES } from '../../../lib/crm/profiles';
import { builtInMatches, readTenant, restrictToTenants, TENANT_EXAMPLES, tenantProblem } from '../../../lib/crm/tenants';

const ROOT = path.resolve(__dirname, '../../fixtures/crm');

/** A fixture page and the URL its first comment names. */
function fixture(name: string): { doc: Document; url: URL } {
  const html = readFileSync(path.join(ROOT, name), 'utf8');
  const url = /<!--\s*url:\s*(\S+)\s*-->/.exec(html)?.[1];
  if (!url) throw new Error(`${name} names no URL`);
  return { doc: new DOMParser().parseFromString(html, 'text/html'), url: new URL(url) };
}

const HOST_ONLY = (raw: string) => `"${raw}" is not a host name: write the host only, without https://, a path or a port (e.g. acme.pipedrive.com)`;
const BAD_LABEL = (raw: string) => `"${raw}" is not a host name (letters, digits and hyphens between dots; an international domain in its xn-- form)`;
const NOT_A_TENANT = (raw: string) =>
  `"${raw}" is not a tenant of a built-in CRM: write a host name such as acme.lightning.force.com (or acme.my.salesforce.com), acme.pipedrive.com, acme.crm4.dynamics.com or acme.myfreshworks.com, a HubSpot portal id such as 4151234, or a Zoho org such as org746753262`;

describe('readTenant / tenantProblem', () => {
  it.each([
    ['acme.lightning.force.com', 'acme.lightning.force.com'],
    ['acme.my.salesforce.com', 'acme.lightning.force.com'],
    ['acme--uat.sandbox.my.salesforce.com', 'acme--uat.sandbox.lightning.force.com'],
    ['acme--uat.sandbox.lightning.force.com', 'acme--uat.sandbox.lightning.force.com'],
    ['acme.pipedrive.com', 'acme.pipedrive.com'],
    ['acme.crm4.dynamics.com', 'acme.crm4.dynamics.com'],
    ['acme.myfreshworks.com', 'acme.myfreshworks.com'],
    ['acme.freshsales.io', 'acme.freshsales.io'],
    ['  Acme.Pipedrive.COM\t', 'acme.pipedrive.com'],
    ['ACME.My.Salesforce.com', 'acme.lightning.force.com'],
    // The sandbox's demo CRM: a site in this (dev-hosts) test build only.
    ['localhost', 'localhost'],
  ])('host %j → %s', (raw, host) => {
    expect(readTenant(raw)).toEqual({ kind: 'host', host });
    expect(tenantProblem(raw)).toBeUndefined();
  });

  it.each([
    ['4151234', { kind: 'hubspot-portal', portal: '4151234' }],
    [' 26012345 ', { kind: 'hubspot-portal', portal: '26012345' }],
    ['org746753262', { kind: 'zoho-org', org: 'org746753262' }],
    ['  ORG746753262\n', { kind: 'zoho-org', org: 'org746753262' }],
  ])('%j → %o', (raw, tenant) => {
    expect(readTenant(raw)).toEqual(tenant);
    expect(tenantProblem(raw)).toBeUndefined();
  });

  it.each([
    'https://acme.pipedrive.com',
    'acme.pipedrive.com/person/1',
    'acme.pipedrive.com:443',
    'admin@acme.pipedrive.com',
    'acme.pipedrive.com?x',
    'acme .pipedrive.com',
  ])('%j is refused: host only', (raw) => {
    expect(readTenant(raw)).toBeUndefined();
    expect(tenantProblem(raw)).toBe(HOST_ONLY(raw));
  });

  it.each(['acme_co.pipedrive.com', '-acme.pipedrive.com', 'acme-.pipedrive.com', 'acme..pipedrive.com', 'acme.pipedrive.com.', ''])(
    '%j is refused: bad label',
    (raw) => {
      expect(readTenant(raw)).toBeUndefined();
      expect(tenantProblem(raw)).toBe(BAD_LABEL(raw));
    },
  );

  it.each(['app.hubspot.com', 'App-EU1.HubSpot.com', 'app-na2.hubspot.com'])('%s is shared by every HubSpot account: use the portal id', (raw) => {
    expect(readTenant(raw)).toBeUndefined();
    expect(tenantProblem(raw)).toBe(
      `"${raw}" is shared by every HubSpot account: write your portal id instead (the number after /contacts/ in HubSpot's addresses, e.g. 4151234)`,
    );
  });

  it.each(['crm.zoho.com', 'crm.zoho.eu', 'CRM.zoho.com.au'])('%s is shared by every Zoho org: use the org', (raw) => {
    expect(readTenant(raw)).toBeUndefined();
    expect(tenantProblem(raw)).toBe(`"${raw}" is shared by every Zoho CRM org: write your org as Zoho's addresses show it instead (/crm/org746753262/… → org746753262)`);
  });

  it.each([
    'pipedrive.com',
    'evil.com',
    'lightning.force.com',
    'my.salesforce.com',
    'dynamics.com',
    'acme.salesforce.com',
    'acme.pipedrive.com.evil.com',
    'org',
    'orgabc',
    '1234567890123456', // 16 digits: longer than any portal id
  ])('%s names no tenant of a built-in CRM', (raw) => {
    expect(readTenant(raw)).toBeUndefined();
    expect(tenantProblem(raw)).toBe(NOT_A_TENANT(raw));
  });

  it('the examples in the message are themselves readable tenants', () => {
    for (const example of ['acme.lightning.force.com', 'acme.my.salesforce.com', 'acme.pipedrive.com', 'acme.crm4.dynamics.com', 'acme.myfreshworks.com', '4151234', 'org746753262']) {
      expect(TENANT_EXAMPLES).toContain(example);
      expect(readTenant(example)).toBeDefined();
    }
  });
});

describe('restrictToTenants', () => {
  const TENANTS = ['acme.pipedrive.com', '4151234', 'org746753262', 'acme.my.salesforce.com', 'contoso.crm4.dynamics.com', 'acme.myfreshworks.com'];
  const restricted = restrictToTenants(BUILT_IN_PROFILES, TENANTS);
  const claimedBy = (url: string, profiles: readonly CrmProfile[] = restricted) => profiles.find((profile) => profile.matchesUrl(new URL(url)))?.id;

  it.each([
    ['pipedrive/person.html', 'pipedrive'],
    ['hubspot/contact-record.html', 'hubspot'],
    ['zoho/lead.html', 'zoho'],
    ['salesforce/lead.html', 'salesforce'],
    ['dynamics/lead-form.html', 'dynamics'],
    ['freshsales/contact.html', 'freshsales'],
  ])('the allowed tenant: %s is still claimed by %s and reads the same lead', (name, id) => {
    const { doc, url } = fixture(name);
    expect(claimedBy(url.href)).toBe(id);
    const profile = restricted.find((candidate) => candidate.id === id);
    const original = BUILT_IN_PROFILES.find((candidate) => candidate.id === id);
    expect(profile?.matchUrl(url)).toEqual(original?.matchUrl(url));
    const reading = profile?.readLead(doc, url);
    expect(reading && 'lead' in reading).toBe(true);
    expect(reading).toEqual(original?.readLead(doc, url));
  });

  it.each([
    ['https://trial.pipedrive.com/person/1234', 'pipedrive'],
    ['https://sales-team.pipedrive.com/person/77', 'pipedrive'], // the person-plain fixture's tenant
    ['https://app.hubspot.com/contacts/999/record/0-1/51234567', 'hubspot'],
    ['https://app.hubspot.com/contacts/41512345/record/0-1/51234567', 'hubspot'], // a longer id with the allowed one as prefix
    ['https://app-eu1.hubspot.com/contacts/26012345/record/0-1/98765', 'hubspot'], // the EU fixture's portal
    ['https://crm.zoho.com/crm/org111111111/tab/Leads/4876876000000123456', 'zoho'],
    ['https://crm.zoho.com/crm/org7467532620/tab/Leads/4876876000000123456', 'zoho'], // longer org
    ['https://crm.zoho.eu/crm/tab/Contacts/52000000098765', 'zoho'], // no org segment: the tenant is unknown
    ['https://trial.lightning.force.com/lightning/r/Lead/00Q5e00000AbCdEFGH/view', 'salesforce'],
    ['https://contoso.crm.dynamics.com/main.aspx?appid=1&etn=contact&pagetype=entityrecord&id=%7B8A0C3C1E-0000-0000-0000-000000000001%7D', 'dynamics'],
    ['https://acme.freshsales.io/leads/5001234', 'freshsales'], // a Freshsales host not listed (only acme.myfreshworks.com is)
  ])('another tenant: %s is claimed by no built-in, though %s claims it without the list', (url, id) => {
    expect(claimedBy(url, BUILT_IN_PROFILES)).toBe(id);
    expect(claimedBy(url)).toBeUndefined();
    const profile = restricted.find((candidate) => candidate.id === id);
    expect(profile?.matchUrl(new URL(url))).toBeNull();
    expect(profile?.matchesUrl(new URL(url))).toBe(false);
  });

  it('readLead on a page of another tenant gives the crmTenants reason, without reading the page', () => {
    const { doc } = fixture('pipedrive/person.html');
    const pipedrive = restricted.find((profile) => profile.id === 'pipedrive');
    expect(pipedrive?.readLead(doc, new URL('https://trial.pipedrive.com/person/1234'))).toEqual({
      reason: "profile 'Pipedrive': this account is not one of the company's tenants (crmTenants)",
    });
    const zoho = restricted.find((profile) => profile.id === 'zoho');
    expect(zoho?.readLead(doc, new URL('https://crm.zoho.eu/crm/tab/Contacts/52000000098765'))).toEqual({
      reason: "profile 'Zoho CRM': this account is not one of the company's tenants (crmTenants)",
    });
  });

  it('the portal of a HubSpot page on another HubSpot host (EU) is allowed too', () => {
    expect(claimedBy('https://app-eu1.hubspot.com/contacts/4151234/record/0-1/98765')).toBe('hubspot');
  });

  it('the Salesforce sandbox form names the sandbox, not the production org', () => {
    const profiles = restrictToTenants(BUILT_IN_PROFILES, ['acme--uat.sandbox.my.salesforce.com']);
    expect(claimedBy('https://acme--uat.sandbox.lightning.force.com/lightning/r/Lead/00Q5e00000AbCdEFGH/view', profiles)).toBe('salesforce');
    expect(claimedBy('https://acme.lightning.force.com/lightning/r/Lead/00Q5e00000AbCdEFGH/view', profiles)).toBeUndefined();
  });

  it('no list: the profiles unchanged (a copy)', () => {
    const profiles = restrictToTenants(BUILT_IN_PROFILES, undefined);
    expect(profiles).toEqual([...BUILT_IN_PROFILES]);
    expect(profiles).not.toBe(BUILT_IN_PROFILES);
    expect(profiles.every((profile, index) => profile === BUILT_IN_PROFILES[index])).toBe(true);
    expect(claimedBy('https://trial.pipedrive.com/person/1234', profiles)).toBe('pipedrive');
  });

  it('an empty list: no built-in profile claims any page (the profiles stay, for diagnostics)', () => {
    const profiles = restrictToTenants(BUILT_IN_PROFILES, []);
    expect(profiles.map((profile) => profile.id)).toEqual(BUILT_IN_PROFILES.map((profile) => profile.id));
    for (const name of ['salesforce/lead.html', 'hubspot/contact-record.html', 'zoho/lead.html', 'pipedrive/person.html', 'dynamics/lead-form.html', 'freshsales/contact.html']) {
      expect(claimedBy(fixture(name).url.href, BUILT_IN_PROFILES)).toBeDefined();
      expect(claimedBy(fixture(name).url.href, profiles)).toBeUndefined();
    }
    expect(claimedBy('http://localhost/crm/leads/1', BUILT_IN_PROFILES)).toBe('demo');
    expect(claimedBy('http://localhost/crm/leads/1', profiles)).toBeUndefined();
  });

  it('a built-in profile with no site in the table runs nowhere once a list is set', () => {
    const noSites = restrictToTenants(BUILT_IN_PROFILES, ['acme.pipedrive.com'], []);
    expect(noSites).toEqual([]);
    expect(restrictToTenants(BUILT_IN_PROFILES, undefined, [])).toHaveLength(BUILT_IN_PROFILES.length);
  });

  it('a list of unreadable entries allows nothing either', () => {
    const profiles = restrictToTenants(BUILT_IN_PROFILES, ['https://acme.pipedrive.com', 'app.hubspot.com', 'pipedrive.com']);
    expect(profiles.map((profile) => profile.id)).toEqual(BUILT_IN_PROFILES.map((profile) => profile.id));
    for (const name of ['pipedrive/person.html', 'hubspot/contact-record.html']) {
      expect(claimedBy(fixture(name).url.href, profiles)).toBeUndefined();
    }
  });

  it('admin rules pass through untouched, in their place', () => {
    const { profiles } = activeProfiles({ crmRules: [{ name: 'Acme', url: 'https://crm.acme.test/leads/:id', fields: {} }] });
    const rule = profiles[0];
    expect(rule?.origin).toBe('rule');
    const out = restrictToTenants(profiles, []);
    expect(out).toHaveLength(1 + BUILT_IN_PROFILES.length);
    expect(out[0]).toBe(rule);
    expect(out.slice(1).every((profile, index) => profile !== profiles[index + 1])).toBe(true);
    expect(out[0]?.matchesUrl(new URL('https://crm.acme.test/leads/7'))).toBe(true);
  });

  it('activeProfiles applies crmTenants to the built-ins only', () => {
    const { profiles } = activeProfiles({
      crmRules: [{ name: 'Trial', url: 'https://trial.pipedrive.com/person/:id', fields: {} }],
      crmTenants: ['acme.pipedrive.com'],
    });
    expect(profiles.map((profile) => profile.id)).toEqual(['rule:trial', ...BUILT_IN_PROFILES.map((profile) => profile.id)]);
    // The admin wrote the rule's URL: it still applies; the built-in does not there.
    expect(claimedBy('https://trial.pipedrive.com/person/1', profiles)).toBe('rule:trial');
    expect(claimedBy('https://acme.pipedrive.com/person/1', profiles)).toBe('pipedrive');
    expect(claimedBy('https://other.pipedrive.com/person/1', profiles)).toBeUndefined();
  });
});

describe('builtInMatches', () => {
  const ALL = [
    'https://*.lightning.force.com/*',
    'https://app.hubspot.com/*',
    'https://app-eu1.hubspot.com/*',
    'https://app-na2.hubspot.com/*',
    'https://crm.zoho.com/*',
    'https://crm.zoho.eu/*',
    'https://crm.zoho.in/*',
    'https://crm.zoho.com.au/*',
    'https://crm.zoho.jp/*',
    'https://*.pipedrive.com/*',
    'https://*.dynamics.com/*',
    'https://*.myfreshworks.com/*',
    'https://*.freshsales.io/*',
  ];

  it('no crmTenants: every built-in CRM domain (and the demo CRM in this dev-hosts build)', () => {
    expect(builtInMatches({})).toEqual([...ALL, 'http://localhost/crm/*', 'http://127.0.0.1/crm/*']);
    // The manifest's host permissions: the same CRM domains, never the demo's.
    expect(BUILT_IN_MATCHES).toEqual(ALL);
  });

  it('a list: exactly the listed tenants (HubSpot on each of its hosts, Zoho on each domain)', () => {
    expect(builtInMatches({ crmTenants: ['acme.pipedrive.com', '4151234', 'org746753262'] })).toEqual([
      'https://app.hubspot.com/*/4151234*',
      'https://app-eu1.hubspot.com/*/4151234*',
      'https://app-na2.hubspot.com/*/4151234*',
      'https://crm.zoho.com/crm/org746753262/*',
      'https://crm.zoho.eu/crm/org746753262/*',
      'https://crm.zoho.in/crm/org746753262/*',
      'https://crm.zoho.com.au/crm/org746753262/*',
      'https://crm.zoho.jp/crm/org746753262/*',
      'https://acme.pipedrive.com/*',
    ]);
  });

  it('host tenants of every kind, normalised, once each', () => {
    expect(
      builtInMatches({
        crmTenants: ['ACME.my.salesforce.com', 'acme.lightning.force.com', 'acme.crm4.dynamics.com', 'acme.myfreshworks.com', 'acme.freshsales.io', 'localhost'],
      }),
    ).toEqual([
      'https://acme.lightning.force.com/*',
      'https://acme.crm4.dynamics.com/*',
      'https://acme.myfreshworks.com/*',
      'https://acme.freshsales.io/*',
      'http://localhost/crm/*',
    ]);
  });

  it('the patterns match the allowed tenant’s fixture pages and not another tenant’s', () => {
    const patterns = builtInMatches({ crmTenants: ['acme.pipedrive.com', '4151234', 'org746753262'] }).map((pattern) => new MatchPattern(pattern));
    const matched = (url: string) => patterns.some((pattern) => pattern.includes(url));
    for (const name of ['pipedrive/person.html', 'hubspot/contact-record.html', 'hubspot/contacts-list.html', 'zoho/lead.html', 'zoho/leads-list.html']) {
      expect(matched(fixture(name).url.href)).toBe(true);
    }
    expect(matched('https://trial.pipedrive.com/person/1234')).toBe(false);
    expect(matched('https://app.hubspot.com/contacts/999/record/0-1/51234567')).toBe(false);
    expect(matched('https://crm.zoho.com/crm/org111111111/tab/Leads/1')).toBe(false);
    expect(matched(fixture('zoho/contact-eu-labels.html').url.href)).toBe(false);
  });

  it('crmProfiles narrows the sites, with and without a tenant list', () => {
    expect(builtInMatches({ crmProfiles: ['pipedrive', 'zoho'] })).toEqual([
      'https://crm.zoho.com/*',
      'https://crm.zoho.eu/*',
      'https://crm.zoho.in/*',
      'https://crm.zoho.com.au/*',
      'https://crm.zoho.jp/*',
      'https://*.pipedrive.com/*',
    ]);
    expect(builtInMatches({ crmProfiles: ['pipedrive'], crmTenants: ['acme.pipedrive.com', '4151234', 'org746753262'] })).toEqual(['https://acme.pipedrive.com/*']);
    expect(builtInMatches({ crmProfiles: [], crmTenants: ['acme.pipedrive.com'] })).toEqual([]);
  });

  it('unreadable entries contribute nothing; an empty list registers nothing', () => {
    expect(builtInMatches({ crmTenants: [] })).toEqual([]);
    expect(builtInMatches({ crmTenants: ['https://acme.pipedrive.com', 'app.hubspot.com', 'crm.zoho.com', 'pipedrive.com', 'evil.com', 'acme_co.pipedrive.com'] })).toEqual([]);
    expect(builtInMatches({ crmTenants: ['evil.com', 'acme.pipedrive.com', 'app.hubspot.com'] })).toEqual(['https://acme.pipedrive.com/*']);
  });
});

describe('crmTenants in the configuration schema', () => {
  it('accepts tenants of every kind and normalises case and whitespace', () => {
    const parsed = ConfigSchema.partial().safeParse({ crmTenants: [' Acme.Pipedrive.com ', '4151234', 'ORG746753262', 'acme.my.salesforce.com'] });
    expect(parsed.success).toBe(true);
    // Kept as written (normalised), not rewritten to the Lightning host: the admin recognises their entry.
    expect(parsed.data?.crmTenants).toEqual(['acme.pipedrive.com', '4151234', 'org746753262', 'acme.my.salesforce.com']);
    expect(ConfigSchema.shape.crmTenants.safeParse([]).data).toEqual([]);
  });

  it('rejects a bad entry with the admin’s message, at its position', () => {
    const parsed = ConfigSchema.shape.crmTenants.safeParse(['acme.pipedrive.com', 'https://Acme.pipedrive.com', 'app.hubspot.com']);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => ({ path: issue.path, message: issue.message }))).toEqual([
      { path: [1], message: HOST_ONLY('https://acme.pipedrive.com') },
      {
        path: [2],
        message: '"app.hubspot.com" is shared by every HubSpot account: write your portal id instead (the number after /contacts/ in HubSpot\'s addresses, e.g. 4151234)',
      },
    ]);
  });

  it('rejects what is not a list of strings', () => {
    expect(ConfigSchema.shape.crmTenants.safeParse('acme.pipedrive.com').success).toBe(false);
    expect(ConfigSchema.shape.crmTenants.safeParse([4151234]).success).toBe(false);
  });
});
