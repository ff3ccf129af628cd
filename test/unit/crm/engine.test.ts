// @vitest-environment happy-dom
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BUILT_IN_RULES, activeProfiles, findProfileForUrl } from '../../../lib/crm/profiles';
import { applyTransforms, classify, splitFullName } from '../../../lib/crm/rules/classify';
import type { PageData } from '../../../lib/crm/rules/collect';
import { compileRule, compileRules } from '../../../lib/crm/rules/engine';
import { CrmRuleSchema } from '../../../lib/crm/rules/schema';
import { compileUrlPattern } from '../../../lib/crm/rules/url-pattern';
import { ConfigSchema } from '../../../lib/config/schema';
import { LeadSchema } from '../../../lib/messages';
import { bestPhoneE164 } from '../../../lib/phone';

const page = (html: string) => new DOMParser().parseFromString(html, 'text/html');

describe('URL patterns', () => {
  const match = (pattern: Parameters<typeof compileUrlPattern>[0], url: string) => compileUrlPattern(pattern)(new URL(url));

  it.each([
    ['https://crm.acme.test/leads/:id', 'https://crm.acme.test/leads/42', { id: '42' }],
    ['https://crm.acme.test/leads/:id', 'https://crm.acme.test/leads/42/', { id: '42' }],
    ['https://crm.acme.test/leads/:id', 'https://crm.acme.test:8443/leads/a%20b?tab=1#x', { id: 'a b' }],
    ['https://*.acme.test/leads/:id', 'https://eu.app.acme.test/leads/7', { id: '7' }],
    ['https://*.acme.test/leads/:id', 'https://acme.test/leads/7', { id: '7' }],
    ['https://*.crm*.dynamics.com/main.aspx?etn=lead&id=:id', 'https://x.crm4.dynamics.com/main.aspx?appid=1&etn=lead&id=G', { id: 'G' }],
    ['https://app*.hubspot.com/contacts/:portal/record/0-1/:id', 'https://app-eu1.hubspot.com/contacts/1/record/0-1/2', { portal: '1', id: '2' }],
    ['http://localhost/app#/leads/:id', 'http://localhost:4010/app#/leads/B', { id: 'B' }],
    ['*://:tenant.acme.test/l/:id', 'http://t1.acme.test/l/9', { tenant: 't1', id: '9' }],
    [{ regex: '^https://crm\\.acme\\.test/lead\\?id=(?<id>\\d+)' }, 'https://crm.acme.test/lead?id=55', { id: '55' }],
  ] as const)('%o matches %s', (pattern, url, params) => {
    expect(match(pattern, url)).toEqual(params);
  });

  it.each([
    ['https://crm.acme.test/leads/:id', 'https://crm.acme.test/leads'],
    ['https://crm.acme.test/leads/:id', 'https://crm.acme.test/leads/1/edit'],
    ['https://crm.acme.test/leads/:id', 'http://crm.acme.test/leads/1'],
    ['https://crm.acme.test/leads/:id', 'https://evil.test/crm.acme.test/leads/1'],
    ['https://*.acme.test/leads/:id', 'https://acme.test.evil.test/leads/1'],
    ['https://x.test/main.aspx?etn=lead&id=:id', 'https://x.test/main.aspx?etn=contact&id=1'],
    ['https://x.test/main.aspx?etn=lead&id=:id', 'https://x.test/main.aspx?etn=lead'],
    ['http://localhost/app#/leads/:id', 'http://localhost/app#/list'],
  ])('%s does not match %s', (pattern, url) => {
    expect(match(pattern, url)).toBeNull();
  });

  it('refuses a string that is no URL pattern', () => {
    expect(() => compileUrlPattern('crm.acme.test/leads/:id')).toThrow(/not a URL pattern/);
  });
});

describe('transforms', () => {
  it('trims, captures, splits', () => {
    expect(applyTransforms('  Ada \n Lovelace ', {})).toEqual({ value: 'Ada Lovelace' });
    expect(applyTransforms('tel:+1 555 0100', { regex: '^tel:(.+)$' })).toEqual({ value: '+1 555 0100' });
    expect(applyTransforms('id=42;x', { regex: 'id=(?<value>\\d+)' })).toEqual({ value: '42' });
    expect(applyTransforms('Mr. Ada King Lovelace', { split: 'first' })).toEqual({ value: 'Ada King' });
    expect(applyTransforms('Lovelace, Ada', { split: 'last' })).toEqual({ value: 'Lovelace' });
    expect(applyTransforms('abc', { regex: '\\d+' })).toEqual({ problem: 'regex /\\d+/ did not match "abc"' });
    expect(applyTransforms('abc', { regex: '(' })).toEqual({ problem: 'regex /(/ is not valid' });
  });

  it('splits full names', () => {
    expect(splitFullName('Dr Grace Brewster Hopper')).toEqual({ firstName: 'Grace Brewster', lastName: 'Hopper' });
    expect(splitFullName('Madonna')).toEqual({ lastName: 'Madonna' });
    expect(splitFullName('  ')).toEqual({});
  });
});

describe('classify (pure: no DOM)', () => {
  const spec = {
    id: 'rule:acme',
    name: 'Acme',
    origin: 'rule' as const,
    require: ['phone'] as const,
    crmIdTemplate: '{PROFILE}:{TENANT}:{ID}',
    fields: {
      recordId: [{ url: 'id' }],
      fullName: [{ selector: '.name' }],
      phones: [{ label: 'Work' }, { label: 'Mobile', kind: 'mobile' }],
      lastName: [{ selector: '.x' }],
    },
  };
  const data = (fields: PageData['fields']): PageData => ({ params: { id: '42' }, host: 'crm.acme.test', href: 'https://crm.acme.test/leads/42', fields });

  it('builds the lead: full name split, mobile preferred, duplicates dropped', () => {
    const reading = classify(spec, data({
      recordId: [{ values: [{ text: '42' }] }],
      fullName: [{ values: [{ text: 'Ada Lovelace' }] }],
      lastName: [{ values: [], problem: 'selector `.x` not found' }],
      phones: [{ values: [{ text: '+1 415 555 0100', label: 'Work' }] }, { values: [{ text: '+1 415 555 0199', label: 'Mobile' }, { text: '(415) 555-0100' }] }],
    }));
    expect(reading).toEqual({
      lead: {
        profileId: 'rule:acme',
        profileLabel: 'Acme',
        crmId: 'rule:acme:crm.acme.test:42',
        recordId: '42',
        pageUrl: 'https://crm.acme.test/leads/42',
        firstName: 'Ada',
        lastName: 'Lovelace',
        phone: '+1 415 555 0199',
        phones: [{ number: '+1 415 555 0100', label: 'Work' }, { number: '+1 415 555 0199', label: 'mobile' }],
      },
    });
  });

  it('says exactly why there is no lead', () => {
    const reading = classify(spec, data({
      recordId: [{ values: [{ text: '42' }] }],
      phones: [{ values: [], problem: "label 'Work' not found" }, { values: [{ text: 'n/a', label: 'Mobile' }] }],
    }));
    expect(reading).toEqual({ reason: "rule 'Acme' matched the URL; field phones: label 'Work' not found; label 'Mobile': \"n/a\" is not a phone number" });
    expect(classify(spec, { params: {}, host: 'crm.acme.test', href: 'https://crm.acme.test/leads/42', fields: {}, problem: 'record container `.r` not found' })).toEqual({
      reason: "rule 'Acme' matched the URL; record container `.r` not found",
    });
  });
});

describe('the engine on a DOM', () => {
  const rule = {
    name: 'Acme',
    url: 'https://crm.acme.test/leads/:id',
    fields: {
      firstName: { label: 'First name' },
      lastName: { selector: '.x' },
      phones: [{ label: ['Mobile', 'Cell'] }],
      email: { label: 'E-mail' },
    },
    anchor: [{ selector: '.nope' }, { label: 'Call', position: 'after' }],
  };
  const url = new URL('https://crm.acme.test/leads/42');

  it('reads labels in dt/dd, tables, <label for>, and sibling spans', () => {
    const profile = compileRule(rule, 'rule');
    if ('error' in profile) throw new Error(profile.error);
    const doc = page(`<button>Call</button>
      <dl><dt>First name:</dt><dd>Ada</dd></dl><table><tr><th>Mobile *</th><td>+44 20 7946 0000</td></tr></table>
      <label for="m">E-mail</label><input id="m" value="ada@example.com"><span class="x"> Lovelace </span>`);
    expect(profile.readLead(doc, url)).toEqual({
      lead: { profileId: 'rule:acme', profileLabel: 'Acme', crmId: 'rule:acme:crm.acme.test:42', recordId: '42', pageUrl: url.href, firstName: 'Ada', lastName: 'Lovelace', phone: '+44 20 7946 0000', phones: [{ number: '+44 20 7946 0000', label: 'Mobile' }], email: 'ada@example.com' },
    });
    expect(profile.findAnchor(doc)).toMatchObject({ position: 'after' });
    expect(profile.findAnchor(doc)?.element.tagName).toBe('BUTTON');
  });

  it('reports a bad selector and a missing field by rule and field name', () => {
    const profile = compileRule({ ...rule, require: ['name'], fields: { lastName: { selector: '.x' }, firstName: { selector: '[[' } } }, 'rule');
    if ('error' in profile) throw new Error(profile.error);
    expect(profile.readLead(page('<p>nothing</p>'), url)).toEqual({
      reason: "rule 'Acme' matched the URL; field name: selector `[[` is not valid CSS; selector `.x` not found",
    });
  });

  it('reads inside a same-origin iframe when the rule names one', () => {
    const profile = compileRule({ ...rule, frame: 'iframe#record', fields: { lastName: { selector: '.x' } } }, 'rule');
    if ('error' in profile) throw new Error(profile.error);
    expect(profile.readLead(page('<p class="x">Outside</p>'), url)).toEqual({ reason: "rule 'Acme' matched the URL; frame `iframe#record` not found" });
  });

  it('admin rules win over built-ins; crmProfiles selects built-ins; unusable rules are reported', () => {
    const salesforceUrl = 'https://acme.lightning.force.com/lightning/r/Lead/00Q5e00000AbCdEFGH/view';
    const override = { name: 'Our Salesforce', url: 'https://acme.lightning.force.com/lightning/r/Lead/:id/view', fields: {} };
    const { profiles, problems } = activeProfiles({ crmProfiles: ['hubspot', 'nope'], crmRules: [override, { name: 'Broken', url: 'not a url' }, 42] });
    expect(findProfileForUrl(salesforceUrl, profiles)?.id).toBe('rule:our-salesforce');
    expect(findProfileForUrl('https://other.lightning.force.com/lightning/r/Lead/00Q5e00000AbCdEFGH/view', profiles)).toBeUndefined();
    expect(findProfileForUrl('https://app.hubspot.com/contacts/1/record/0-1/2', profiles)?.id).toBe('hubspot');
    expect(problems).toEqual([
      expect.stringMatching(/^rule 'Broken': URL pattern "not a url" is not usable/),
      'a rule must be an object',
      'crmProfiles names an unknown built-in profile "nope"',
    ]);
    expect(activeProfiles({}).profiles.map((p) => p.id)).toEqual(BUILT_IN_RULES.map((r) => r.id));
  });
});

describe('rule schema', () => {
  it('every built-in profile is a valid admin rule (so admins can copy one)', () => {
    for (const rule of BUILT_IN_RULES) expect(CrmRuleSchema.safeParse(rule).error?.issues).toBeUndefined();
  });

  it('is JSON-Schema representable, inside the config schema too', () => {
    const json = z.toJSONSchema(CrmRuleSchema) as { required?: string[] };
    expect(json.required).toEqual(['name', 'url', 'fields']);
    expect(() => z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' })).not.toThrow();
  });

  it('rejects typos (unknown keys) and malformed values with a path', () => {
    const result = CrmRuleSchema.safeParse({ name: 'A', url: 'https://a.test/:id', fields: { phone: { label: 'Mobile' } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['fields']);
  });
});

describe('never throws past its boundary (property)', () => {
  const anyJson = fc.anything({ withObjectString: true, withNullPrototype: true, maxDepth: 4 });
  const ruleLike = fc.record(
    {
      name: fc.oneof(fc.string(), anyJson),
      url: fc.oneof(fc.string(), fc.array(fc.oneof(fc.string(), fc.record({ regex: fc.string() }))), anyJson),
      fields: fc.dictionary(fc.constantFrom('recordId', 'firstName', 'lastName', 'fullName', 'phones', 'email', 'x'), fc.oneof(
        fc.record({ selector: fc.string(), attribute: fc.option(fc.string(), { nil: undefined }), regex: fc.option(fc.string(), { nil: undefined }) }),
        fc.record({ label: fc.oneof(fc.string(), fc.array(fc.string())), split: fc.constantFrom('first', 'last', 'x') }),
        fc.record({ url: fc.string() }),
        anyJson,
      )),
      anchor: fc.oneof(fc.record({ selector: fc.string(), position: fc.string() }), fc.record({ label: fc.string() }), anyJson),
      scope: fc.oneof(fc.string(), anyJson),
      frame: fc.oneof(fc.string(), anyJson),
      require: fc.oneof(fc.array(fc.constantFrom('name', 'phone', 'email', 'x')), anyJson),
    },
    { requiredKeys: [] },
  );
  const doc = page('<main><h1>Ada Lovelace</h1><dl><dt>Mobile</dt><dd>+1 415 555 0100</dd></dl><button>Call</button></main>');

  it('compile, readLead, findAnchor and the schema on random input', () => {
    fc.assert(
      fc.property(fc.oneof(ruleLike, anyJson), fc.webUrl({ withQueryParameters: true, withFragments: true }), (input, href) => {
        expect(() => CrmRuleSchema.safeParse(input)).not.toThrow();
        const compiled = compileRule(input, 'rule');
        if ('error' in compiled) {
          expect(typeof compiled.error).toBe('string');
          return;
        }
        const url = new URL(href);
        expect(typeof compiled.matchesUrl(url)).toBe('boolean');
        const reading = compiled.readLead(doc, url);
        if ('lead' in reading) expect(LeadSchema.safeParse(reading.lead).success).toBe(true);
        else expect(typeof reading.reason).toBe('string');
        compiled.findAnchor(doc);
      }),
      { numRuns: 400 },
    );
    expect(() => compileRules('nope' as unknown as unknown[], 'rule')).not.toThrow();
    // 400 runs take ~4 s alone; on two busy CI cores the default 5 s is too tight for a correctness test.
  }, 30_000);
});

describe('bestPhoneE164 (background)', () => {
  it('prefers a mobile label, then a mobile number type, then the first; skips unreadable ones', () => {
    expect(bestPhoneE164({ phones: [{ number: '030 901820', label: 'Work' }, { number: '0151 23456789', label: 'Handy' }] }, 'DE')).toBe('+4915123456789');
    expect(bestPhoneE164({ phones: [{ number: '030 901820' }, { number: '0151 23456789' }] }, 'DE')).toBe('+4915123456789');
    expect(bestPhoneE164({ phones: [{ number: 'n/a 12' }, { number: '(415) 555-0132' }] }, 'US')).toBe('+14155550132');
    expect(bestPhoneE164({ phone: '(415) 555-0132' }, 'US')).toBe('+14155550132');
    expect(bestPhoneE164({}, 'US')).toBeUndefined();
    expect(() => bestPhoneE164({ phones: [{ number: '12' }] }, 'US')).toThrow(/could not be read/);
  });
});
