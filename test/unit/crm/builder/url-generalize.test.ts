import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { idKind } from '../../../../lib/crm/builder/id-like';
import { type ProposeOptions, proposeUrlPattern, type UrlProposal } from '../../../../lib/crm/builder/url-generalize';
import { BUILT_IN_PROFILES, findProfileForUrl } from '../../../../lib/crm/profiles';
import { demoProfile } from '../../../../lib/crm/profiles/demo';
import { compileUrlPattern } from '../../../../lib/crm/rules/url-pattern';
import { hostPermissionFor } from '../../../../lib/crm/rules/url-pattern-hosts';

const match = (pattern: UrlProposal['url'], url: string) => compileUrlPattern(pattern)(new URL(url));

const UUID = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const UUID2 = 'A1B2C3D4-0000-4000-8000-00000000BEEF';
const APP_ID = '0b1c2d3e-1111-2222-3333-444455556666';

interface Case {
  name: string;
  href: string;
  options?: ProposeOptions;
  url: UrlProposal['url'];
  where: UrlProposal['where'];
  recordId: string;
  /** Another record page of the same kind, and the id it must give. */
  sibling: [string, string];
  /** The CRM's list pages (and look-alikes): no match. */
  notRecords: string[];
}

const CASES: Case[] = [
  {
    name: 'path, numeric id',
    href: 'https://crm.acme.test/leads/42',
    url: 'https://crm.acme.test/leads/:id',
    where: 'path',
    recordId: '42',
    sibling: ['https://crm.acme.test/leads/1337?tab=notes#x', '1337'],
    notRecords: ['https://crm.acme.test/leads', 'https://crm.acme.test/leads/', 'https://crm.acme.test/contacts/42'],
  },
  {
    name: 'path, UUID (any case)',
    href: `https://crm.acme.test/contacts/${UUID}`,
    url: 'https://crm.acme.test/contacts/:id',
    where: 'path',
    recordId: UUID,
    sibling: [`https://crm.acme.test/contacts/${UUID2}`, UUID2],
    notRecords: ['https://crm.acme.test/contacts', `https://crm.acme.test/contacts/${UUID}/edit`],
  },
  {
    name: 'path, 24-hex (MongoDB) id after an API version',
    href: 'https://app.acme.test/api/v2/leads/507f1f77bcf86cd799439011',
    url: 'https://app.acme.test/api/v2/leads/:id',
    where: 'path',
    recordId: '507f1f77bcf86cd799439011',
    sibling: ['https://app.acme.test/api/v2/leads/65a1b2c3d4e5f60718293a4b', '65a1b2c3d4e5f60718293a4b'],
    notRecords: ['https://app.acme.test/api/v2/leads'],
  },
  {
    name: 'Salesforce Lightning',
    href: 'https://acme.lightning.force.com/lightning/r/Lead/00Q5e00000ABCDeEAX/view',
    url: 'https://acme.lightning.force.com/lightning/r/Lead/:id/view',
    where: 'path',
    recordId: '00Q5e00000ABCDeEAX',
    sibling: ['https://acme.lightning.force.com/lightning/r/Lead/00Q5e00000XYZ12/view', '00Q5e00000XYZ12'],
    notRecords: ['https://acme.lightning.force.com/lightning/o/Lead/list', 'https://acme.lightning.force.com/lightning/o/Lead/home'],
  },
  {
    // Decision: the portal (an id that is not the last one) becomes `*`, so the rule fits every portal.
    name: 'HubSpot: the portal id becomes *',
    href: 'https://app.hubspot.com/contacts/123456/record/0-1/987654',
    url: 'https://app.hubspot.com/contacts/*/record/0-1/:id',
    where: 'path',
    recordId: '987654',
    sibling: ['https://app.hubspot.com/contacts/7654321/record/0-1/55501', '55501'],
    notRecords: ['https://app.hubspot.com/contacts/123456/objects/0-1/views/all/list', 'https://app.hubspot.com/contacts/123456/record/0-2/987654'],
  },
  {
    name: 'Pipedrive',
    href: 'https://acme.pipedrive.com/person/123',
    url: 'https://acme.pipedrive.com/person/:id',
    where: 'path',
    recordId: '123',
    sibling: ['https://acme.pipedrive.com/person/98765', '98765'],
    notRecords: ['https://acme.pipedrive.com/persons/list', 'https://acme.pipedrive.com/person'],
  },
  {
    name: 'Zoho: the org segment is another id',
    href: 'https://crm.zoho.com/crm/org746753262/tab/Leads/4876876000000123456',
    url: 'https://crm.zoho.com/crm/*/tab/Leads/:id',
    where: 'path',
    recordId: '4876876000000123456',
    sibling: ['https://crm.zoho.com/crm/org1234567/tab/Leads/4876876000000987654', '4876876000000987654'],
    notRecords: ['https://crm.zoho.com/crm/org746753262/tab/Leads'],
  },
  {
    name: 'Dynamics: query id, route selectors kept, appid dropped',
    href: `https://org.crm4.dynamics.com/main.aspx?appid=${APP_ID}&pagetype=entityrecord&etn=lead&id=${UUID}`,
    url: 'https://org.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=lead&id=:id',
    where: 'query',
    recordId: UUID,
    sibling: [`https://org.crm4.dynamics.com/main.aspx?etn=lead&id=${UUID2}&pagetype=entityrecord&appid=${UUID}`, UUID2],
    notRecords: [
      `https://org.crm4.dynamics.com/main.aspx?appid=${APP_ID}&pagetype=entitylist&etn=lead`,
      `https://org.crm4.dynamics.com/main.aspx?appid=${APP_ID}&pagetype=entityrecord&etn=contact&id=${UUID}`,
    ],
  },
  {
    name: 'SuiteCRM-like PHP query: module and action kept, return_module dropped',
    href: `https://crm.acme.test/index.php?module=Leads&action=DetailView&record=${UUID}&return_module=Leads`,
    url: 'https://crm.acme.test/index.php?module=Leads&action=DetailView&record=:id',
    where: 'query',
    recordId: UUID,
    sibling: [`https://crm.acme.test/index.php?record=${UUID2}&action=DetailView&module=Leads`, UUID2],
    notRecords: ['https://crm.acme.test/index.php?module=Leads&action=index', `https://crm.acme.test/index.php?module=Leads&action=EditView&record=${UUID}`],
  },
  {
    // Decision: a hash route on `/` (or a single file such as /index.html) gets `/*` before the hash.
    name: 'hash route on the site root',
    href: 'https://app.acme.test/#/leads/42',
    url: 'https://app.acme.test/*#/leads/:id',
    where: 'hash',
    recordId: '42',
    sibling: ['https://app.acme.test/index.html#/leads/43?tab=info', '43'],
    notRecords: ['https://app.acme.test/#/leads', 'https://app.acme.test/#/', 'https://app.acme.test/leads/42'],
  },
  {
    name: 'hashbang route',
    href: 'https://app.acme.test/index.html#!/leads/42',
    url: 'https://app.acme.test/*#!/leads/:id',
    where: 'hash',
    recordId: '42',
    sibling: ['https://app.acme.test/#!/leads/4242', '4242'],
    notRecords: ['https://app.acme.test/#!/leads', 'https://app.acme.test/#/leads/42'],
  },
  {
    name: 'percent-encoded address in the hash → regex form',
    href: 'https://app.acme.test/main#page=%2Fleads%2F42%3Ftab%3Dinfo',
    url: { regex: '^https://app\\.acme\\.test(?::\\d+)?/main/?(?:\\?[^#]*)?#page=%2Fleads%2F(?<id>\\d+)(?:(?:[/?#&=;]|%[0-9A-Fa-f]{2}).*)?' },
    where: 'encoded-hash',
    recordId: '42',
    sibling: ['https://app.acme.test/main?lang=en#page=%2Fleads%2F43', '43'],
    notRecords: [
      'https://app.acme.test/main#page=%2Fleads',
      'https://app.acme.test/main#page=%2Fleads%3Ftab%3Dinfo',
      'https://app.acme.test/main#page=%2Fleads%2F42abc',
      'https://app.acme.test/main#page=%2Fcontacts%2F42',
    ],
  },
  {
    // SuiteCRM 7's Ajax UI: the record's classic address, percent-encoded, inside the hash.
    name: 'SuiteCRM Ajax UI: an encoded query inside the hash',
    href: `https://crm.acme.test/index.php?action=ajaxui#ajaxUILoc=index.php%3Fmodule%3DLeads%26action%3DDetailView%26record%3D${UUID}`,
    url: {
      regex: `^https://crm\\.acme\\.test(?::\\d+)?/index\\.php/?(?:\\?[^#]*)?#ajaxUILoc=index\\.php%3Fmodule%3DLeads%26action%3DDetailView%26record%3D(?<id>\\{?[0-9a-fA-F-]{36}\\}?)(?:(?:[/?#&=;]|%[0-9A-Fa-f]{2}).*)?`,
    },
    where: 'encoded-hash',
    recordId: UUID,
    sibling: [`https://crm.acme.test/index.php?action=ajaxui#ajaxUILoc=index.php%3Fmodule%3DLeads%26action%3DDetailView%26record%3D${UUID2}%26return_module%3DLeads`, UUID2],
    notRecords: ['https://crm.acme.test/index.php?action=ajaxui#ajaxUILoc=index.php%3Fmodule%3DLeads%26action%3Dindex'],
  },
  {
    name: 'percent-encoded address in a query value → regex form',
    href: 'https://crm.acme.test/leads/view?return_url=%2Fleads%2F42',
    url: {
      regex: '^https://crm\\.acme\\.test(?::\\d+)?/leads/view/?\\?(?:[^#]*?&)?return_url=%2Fleads%2F(?<id>\\d+)(?:(?:[/?=;]|%[0-9A-Fa-f]{2})[^&#]*)?(?:[&#].*)?',
    },
    where: 'query',
    recordId: '42',
    sibling: ['https://crm.acme.test/leads/view?x=1&return_url=%2Fleads%2F77%3Ftab%3Da&y=2', '77'],
    notRecords: ['https://crm.acme.test/leads/view?return_url=%2Fleads', 'https://crm.acme.test/leads/view'],
  },
  {
    name: 'a given record id; the port is dropped',
    href: 'https://localhost:4010/crm/leads/L-1001',
    options: { recordId: 'L-1001' },
    url: 'https://localhost/crm/leads/:id',
    where: 'path',
    recordId: 'L-1001',
    sibling: ['https://localhost:5000/crm/leads/L-1002', 'L-1002'],
    notRecords: ['https://localhost:4010/crm/leads', 'http://localhost:4010/crm/leads/L-1001'],
  },
  {
    name: 'more: a differing segment becomes *',
    href: 'https://crm.acme.test/orgs/7/leads/42',
    options: { more: ['https://crm.acme.test/orgs/9/leads/43'] },
    url: 'https://crm.acme.test/orgs/*/leads/:id',
    where: 'path',
    recordId: '42',
    sibling: ['https://crm.acme.test/orgs/5/leads/44', '44'],
    notRecords: ['https://crm.acme.test/orgs/7/leads', 'https://crm.acme.test/orgs/7'],
  },
  {
    name: 'sandbox demo CRM',
    href: 'http://localhost:4010/crm/leads/L-1001',
    url: 'http://localhost/crm/leads/:id',
    where: 'path',
    recordId: 'L-1001',
    sibling: ['http://localhost:4010/crm/leads/L-1003', 'L-1003'],
    notRecords: ['http://localhost:4010/crm/leads', 'http://localhost:4010/crm/leads/', 'http://localhost:4010/crm/search?q=ada'],
  },
  {
    name: 'sandbox Orbit CRM, path mode',
    href: 'http://localhost:4010/spa-crm/acme/leads/4711',
    url: 'http://localhost/spa-crm/acme/leads/:id',
    where: 'path',
    recordId: '4711',
    sibling: ['http://localhost:4010/spa-crm/acme/leads/4714', '4714'],
    notRecords: ['http://localhost:4010/spa-crm/acme/leads', 'http://localhost:4010/spa-crm/acme/', 'http://localhost:4010/spa-crm/api/acme/leads/4711'],
  },
  {
    name: 'sandbox Orbit CRM, hash mode (the tenant path is kept)',
    href: 'http://localhost:4010/spa-crm/acme/#/leads/4711',
    url: 'http://localhost/spa-crm/acme/#/leads/:id',
    where: 'hash',
    recordId: '4711',
    sibling: ['http://localhost:4010/spa-crm/acme/#/leads/4713', '4713'],
    notRecords: ['http://localhost:4010/spa-crm/acme/#/leads', 'http://localhost:4010/spa-crm/acme/#/', 'http://localhost:4010/spa-crm/globex/#/leads/4711'],
  },
  {
    name: 'sandbox Orbit CRM, hash mode, confirmed on another tenant',
    href: 'http://localhost:4010/spa-crm/acme/#/leads/4711',
    options: { more: ['http://localhost:4010/spa-crm/globex/#/leads/4720'] },
    url: 'http://localhost/spa-crm/*/#/leads/:id',
    where: 'hash',
    recordId: '4711',
    sibling: ['http://localhost:4010/spa-crm/initech/#/leads/12', '12'],
    notRecords: ['http://localhost:4010/spa-crm/acme/#/leads'],
  },
];

describe('proposeUrlPattern on real-world record pages', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const proposal = proposeUrlPattern(c.href, c.options);
    expect(proposal.url).toEqual(c.url);
    expect(proposal.where).toBe(c.where);
    expect(proposal.recordId).toBe(c.recordId);
    expect(match(proposal.url, c.href)?.id).toBe(c.recordId);
    expect(match(proposal.url, c.sibling[0])?.id).toBe(c.sibling[1]);
    for (const list of c.notRecords) expect(match(proposal.url, list), list).toBeNull();
    for (const other of c.options?.more ?? []) expect(match(proposal.url, other)?.id).toBeTruthy();
    // Every proposal names a site the extension can ask access for.
    expect(hostPermissionFor(proposal.url)).toHaveProperty('matchPattern');
    expect(proposal.why.length).toBeGreaterThan(0);
  });

  it('explains each decision in a sentence', () => {
    expect(proposeUrlPattern('https://crm.acme.test/leads/42').why).toEqual(['42 looks like a record id (digits): replaced by :id']);
    const hubspot = proposeUrlPattern('https://app.hubspot.com/contacts/123456/record/0-1/987654').why;
    expect(hubspot[1]).toMatch(/^123456 in the path looks like another id \(digits\): replaced by \*/);
    expect(proposeUrlPattern('https://localhost:4010/crm/leads/L-1001', { recordId: 'L-1001' }).why).toEqual([
      'L-1001 is the record id you picked: replaced by :id',
      'Port 4010 left out: a pattern without a port matches any port',
    ]);
    const suite = proposeUrlPattern(`https://crm.acme.test/index.php?module=Leads&action=DetailView&record=${UUID}&return_module=Leads`).why;
    expect(suite.some((line) => line.startsWith('Kept module=Leads'))).toBe(true);
    expect(suite.some((line) => line.startsWith('Dropped return_module'))).toBe(true);
    const more = proposeUrlPattern('https://crm.acme.test/orgs/7/leads/42', { more: ['https://crm.acme.test/orgs/9/leads/43'] }).why;
    expect(more).toContain('To also match https://crm.acme.test/orgs/9/leads/43: path part 2 (7 / 9) differs, so replaced by *');
    const app = proposeUrlPattern('https://app.acme.test/#/leads/42').why;
    expect(app.some((line) => line.includes('app\'s shell: written /*'))).toBe(true);
  });

  it('the sandbox demo CRM proposal is the demo profile’s own pattern, and the Zoho one reads what the built-in reads', () => {
    const demoUrls = ([] as unknown[]).concat(demoProfile.url);
    expect(demoUrls).toContain(proposeUrlPattern('http://localhost:4010/crm/leads/L-1001').url);
    const zoho = 'https://crm.zoho.com/crm/org746753262/tab/Leads/4876876000000123456';
    expect(findProfileForUrl(zoho, BUILT_IN_PROFILES)?.id).toBe('zoho');
    expect(proposeUrlPattern(zoho).recordId).toBe('4876876000000123456');
  });
});

describe('which part is the record id', () => {
  it('the last id-like path segment wins; earlier ids become *', () => {
    expect(proposeUrlPattern('https://crm.acme.test/orgs/17/leads/42').url).toBe('https://crm.acme.test/orgs/*/leads/:id');
    expect(proposeUrlPattern('https://crm.acme.test/a1b2c3/leads/42/edit').url).toBe('https://crm.acme.test/*/leads/:id/edit');
  });

  it('a single digit is no id on its own (it stays literal until `more` says otherwise)', () => {
    expect(proposeUrlPattern('https://crm.acme.test/orgs/7/leads/42').url).toBe('https://crm.acme.test/orgs/7/leads/:id');
  });

  it('a query parameter named like an id beats the path and other parameters', () => {
    expect(proposeUrlPattern('https://crm.acme.test/portal/12345/lead.php?ref=998877&lead_id=42').url).toBe('https://crm.acme.test/portal/*/lead.php?lead_id=:id');
    expect(proposeUrlPattern('https://crm.acme.test/view?leadId=a1b2c3d4&page=3').url).toBe('https://crm.acme.test/view?leadId=:id');
    expect(proposeUrlPattern('https://crm.acme.test/lead.php?id=7').url).toBe('https://crm.acme.test/lead.php?id=:id');
    expect(proposeUrlPattern(`https://x.crm.dynamics.com/main.aspx?appid=${APP_ID}&id=${UUID}`).recordId).toBe(UUID);
  });

  it('a parameter not named like an id is used when nothing better is there; volatile ones never', () => {
    expect(proposeUrlPattern('https://crm.acme.test/show?p=12345&view=full').url).toBe('https://crm.acme.test/show?p=:id&view=full');
    expect(() => proposeUrlPattern('https://crm.acme.test/leads?_=1699999999999&utm_campaign=x12345')).toThrow(/No part of this address looks like a record id/);
  });

  it('drops volatile, data-like and long parameters, keeps route words', () => {
    const long = 'a'.repeat(41);
    const proposal = proposeUrlPattern(`https://crm.acme.test/index.php?module=Leads&record=42&_=1699999999999&token=abc&utm_source=mail&note=${long}&page=2&x=1&debug=true`);
    expect(proposal.url).toBe('https://crm.acme.test/index.php?module=Leads&record=:id');
  });

  it('a hash route beats ids in the path before it', () => {
    expect(proposeUrlPattern('https://app.acme.test/t/55501/#/leads/42').url).toBe('https://app.acme.test/t/*/#/leads/:id');
  });

  it('a given record id is found as a path segment, a query value, a hash part, also percent-encoded', () => {
    expect(proposeUrlPattern('https://crm.acme.test/leads/ada', { recordId: 'ada' }).url).toBe('https://crm.acme.test/leads/:id');
    const spaced = proposeUrlPattern('https://crm.acme.test/leads/Ada%20Lovelace/view', { recordId: 'Ada Lovelace' });
    expect(spaced).toMatchObject({ url: 'https://crm.acme.test/leads/:id/view', recordId: 'Ada Lovelace' });
    expect(proposeUrlPattern('https://crm.acme.test/lead?key=xyz', { recordId: ' xyz ' }).url).toBe('https://crm.acme.test/lead?key=:id');
    expect(proposeUrlPattern('https://app.acme.test/#/leads/ada', { recordId: 'ada' }).url).toBe('https://app.acme.test/*#/leads/:id');
  });

  it('never takes words, file names, versions or dates for ids', () => {
    for (const word of ['leads', 'view', 'edit', 'detail', 'index.php', 'v2', 'v10', 'api', 'oauth2', 'page12', '7', '0-1', '2024-05-01', 'main.aspx']) {
      expect(idKind(word), word).toBeUndefined();
    }
    expect(idKind('42')).toBe('digits');
    expect(idKind(UUID2)).toBe('uuid');
    expect(idKind(`{${UUID}}`)).toBe('uuid');
    expect(idKind('507f1f77bcf86cd799439011')).toBe('hex24');
    expect(idKind('00Q5e00000ABCDe')).toBe('salesforce');
    expect(idKind('00Q5e00000ABCDeEAX')).toBe('salesforce');
    expect(idKind('L-1001')).toBe('prefixed');
    expect(idKind('LEAD-1001')).toBe('prefixed');
    expect(idKind('a1b2c3')).toBe('opaque');
  });
});

describe('errors an admin can act on', () => {
  it('no id in the address', () => {
    expect(() => proposeUrlPattern('https://crm.acme.test/leads')).toThrow('No part of this address looks like a record id; pick the record id on the page instead');
  });

  it('a picked id that is not in the address', () => {
    expect(() => proposeUrlPattern('https://crm.acme.test/leads/42', { recordId: 'L-1001' })).toThrow(/"L-1001" is not a whole part of this address/);
    expect(() => proposeUrlPattern('https://crm.acme.test/leads/L-1001-ada', { recordId: 'L-1001' })).toThrow(/not a whole part/);
  });

  it('a confirming page that does not fit says which and why', () => {
    expect(() => proposeUrlPattern('https://crm.acme.test/leads/42', { more: ['https://crm.acme.test/leads/43/edit'] })).toThrow(
      'https://crm.acme.test/leads/43/edit does not fit the pattern proposed from https://crm.acme.test/leads/42: its path has 3 part(s) where the first address has 2',
    );
    expect(() => proposeUrlPattern('https://crm.acme.test/leads/42', { more: ['https://other.test/leads/43/x'] })).toThrow(/its host has 2 part\(s\)/);
    expect(() => proposeUrlPattern('https://crm.acme.test/lead.php?id=42', { more: ['https://crm.acme.test/lead.php?record=43'] })).toThrow(/it has no id parameter/);
    expect(() => proposeUrlPattern('https://app.acme.test/#/leads/42', { more: ['https://app.acme.test/leads/43'] })).toThrow(/its hash is not a route/);
  });

  it('a regex proposal for an address with a user name in it (the regex could not name the site)', () => {
    expect(() => proposeUrlPattern('https://agent:pw@app.acme.test/main#page=%2Fleads%2F42')).toThrow(
      'https://agent:pw@app.acme.test/main#page=%2Fleads%2F42 has a user name before its host, which a regex pattern cannot allow for; open the page without it (as https://app.acme.test/…) and try again',
    );
    // A string pattern matches the host whatever comes before it.
    expect(proposeUrlPattern('https://agent:pw@crm.acme.test/leads/42').url).toBe('https://crm.acme.test/leads/:id');
  });

  it('not a web address', () => {
    expect(() => proposeUrlPattern('not a url')).toThrow(/is not the address of a web page/);
    expect(() => proposeUrlPattern('ftp://crm.acme.test/leads/42')).toThrow(/is not the address of a web page/);
  });
});

describe('parts a string pattern cannot say', () => {
  it('* and :name in the address become * (pattern syntax); when a * beside the id would misread it, a regex', () => {
    expect(proposeUrlPattern('https://crm.acme.test/a:b/leads/42').url).toBe('https://crm.acme.test/*/leads/:id');
    const proposal = proposeUrlPattern('https://crm.acme.test/:x/a1b2c3/*/');
    expect(proposal.url).toEqual({ regex: '^https://crm\\.acme\\.test(?::\\d+)?/[^/?#]*/(?<id>[^/?#]+)/[^/?#]*/?(?:[?#].*)?' });
    expect(proposal.why.at(-1)).toBe('A * beside the id would leave open which part is the id, so this is a regex where each * stands for exactly one part');
    expect(match(proposal.url, 'https://crm.acme.test/:x/a1b2c3/*/')?.id).toBe('a1b2c3');
    expect(match(proposal.url, 'https://crm.acme.test/y/d4e5f6/z?tab=1')?.id).toBe('d4e5f6');
  });

  it('a hash that is not a route: a regex, as a last resort', () => {
    const proposal = proposeUrlPattern('https://crm.acme.test/app#lead=42&tab=info');
    expect(proposal).toMatchObject({ where: 'hash', recordId: '42' });
    expect(proposal.url).toEqual({ regex: '^https://crm\\.acme\\.test(?::\\d+)?/app/?(?:\\?[^#]*)?#lead=(?<id>\\d+)(?:(?:[/?#&=;]|%[0-9A-Fa-f]{2}).*)?' });
    expect(match(proposal.url, 'https://crm.acme.test/app#lead=43')?.id).toBe('43');
    // Not when the path has an id: a hash such as #comment-123456 does not name the record.
    expect(proposeUrlPattern('https://crm.acme.test/leads/42#comment-123456').url).toBe('https://crm.acme.test/leads/:id');
  });
});

describe('more: other record pages widen the proposal', () => {
  it('query selectors that differ become *, missing ones are dropped', () => {
    const proposal = proposeUrlPattern(`https://org.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=lead&forms=main&id=${UUID}`, {
      more: [`https://org.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=contact&id=${UUID2}`],
    });
    expect(proposal.url).toBe('https://org.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=*&id=:id');
    expect(proposal.why).toContain(`Dropped forms: https://org.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=contact&id=${UUID2} does not have it`);
  });

  it('a host label and the scheme', () => {
    const proposal = proposeUrlPattern('https://acme.pipedrive.com/person/123', { more: ['http://globex.pipedrive.com/person/456'] });
    expect(proposal.url).toBe('*://*.pipedrive.com/person/:id');
  });

  it('regex form: a differing token is left open, an id of another kind widens the id', () => {
    const proposal = proposeUrlPattern('https://app.acme.test/main#page=%2Fleads%2F42', { more: ['https://app.acme.test/main#page=%2Fcontacts%2Fc-77'] });
    expect(proposal.url).toEqual({ regex: '^https://app\\.acme\\.test(?::\\d+)?/main/?(?:\\?[^#]*)?#page=%2F[^/?#&=;%]*%2F(?<id>[^/?#&=;%]+)(?:(?:[/?#&=;]|%[0-9A-Fa-f]{2}).*)?' });
    expect(match(proposal.url, 'https://app.acme.test/main#page=%2Fcontacts%2Fc-77')?.id).toBe('c-77');
  });

  it('pages the first proposal already matches change nothing', () => {
    const alone = proposeUrlPattern('https://crm.acme.test/leads/42');
    expect(proposeUrlPattern('https://crm.acme.test/leads/42', { more: ['https://crm.acme.test/leads/43', 'https://crm.acme.test:8443/leads/44/'] })).toEqual(alone);
  });
});

describe('loading', () => {
  /** The files the content script entry imports, statically and transitively (an `import()` is on demand: not followed). */
  function staticImports(entry: string): Set<string> {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, spec] of source.matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from\s+'(\.[^']+)'/gm)) {
        const base = resolve(dirname(file), spec ?? '');
        const found = ['', '.ts', '.tsx', '/index.ts', '/index.tsx'].map((ext) => base + ext).find((path) => existsSync(path) && !path.endsWith('/'));
        if (found && /\.tsx?$/.test(found)) visit(found);
      }
    };
    visit(entry);
    return seen;
  }

  it('the content script does not import the builder (it is loaded on demand)', () => {
    const files = [...staticImports(resolve(__dirname, '../../../../entrypoints/crm.content/index.tsx'))];
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((file) => file.includes('/lib/crm/builder/') || file.includes('/components/builder/'))).toEqual([]);
  });
});
