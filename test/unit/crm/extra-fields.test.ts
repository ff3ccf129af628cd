// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { buildManagedSchema } from '../../../lib/config/managed-schema';
import { ConfigSchema } from '../../../lib/config/schema';
import { classify } from '../../../lib/crm/rules/classify';
import type { PageData } from '../../../lib/crm/rules/collect';
import { type CompiledProfile, compileRule } from '../../../lib/crm/rules/engine';
import { CrmRuleSchema } from '../../../lib/crm/rules/schema';
import { LeadSchema } from '../../../lib/messages';
import { chromeNormalize } from '../config/chrome-policy-model';

const page = (html: string) => new DOMParser().parseFromString(html, 'text/html');
const URL_42 = new URL('https://crm.acme.test/leads/42');

function compiled(rule: unknown): CompiledProfile {
  const profile = compileRule(rule, 'rule');
  if ('error' in profile) throw new Error(profile.error);
  return profile;
}

const extraOf = (profile: CompiledProfile, html: string) => {
  const reading = profile.readLead(page(html), URL_42);
  if (!('lead' in reading)) throw new Error(reading.reason);
  return reading.lead.extra;
};

const RULE = {
  name: 'Acme CRM',
  url: 'https://crm.acme.test/leads/:id',
  fields: { fullName: { selector: 'h1' } },
  extraFields: {
    Company: { label: 'Company' },
    'Deal value': [{ selector: '.deal-missing' }, { label: 'Deal', regex: '(?<value>[\\d,.]+)' }],
    Region: { selector: '[data-region]', attribute: 'data-region', lowercase: true },
    Source: { label: 'Lead source' },
  },
};

/** The page shows the fields in another order than the rule lists them, and no lead source. */
const LEAD_PAGE = `<h1>Ada Lovelace</h1>
<div data-region="EMEA-North"></div>
<dl><dt>Deal</dt><dd>USD 12,500.00 (est.)</dd><dt>Company:</dt><dd> Analytical   Engines </dd></dl>`;

describe('extraFields on a page (the engine)', () => {
  it('reads each field in the rule’s order, applies its transforms, and leaves out what the page does not show', () => {
    expect(extraOf(compiled(RULE), LEAD_PAGE)).toEqual([
      { label: 'Company', value: 'Analytical Engines' },
      { label: 'Deal value', value: '12,500.00' },
      { label: 'Region', value: 'emea-north' },
    ]);
  });

  it('the lead names the rule that read it (profileLabel) and passes LeadSchema', () => {
    const reading = compiled(RULE).readLead(page(LEAD_PAGE), URL_42);
    expect(reading).toMatchObject({ lead: { profileId: 'rule:acme-crm', profileLabel: 'Acme CRM' } });
    if ('lead' in reading) expect(LeadSchema.safeParse(reading.lead).error?.issues).toBeUndefined();
  });

  it('no extra field shown, or none declared: the lead has no extra list', () => {
    const reading = compiled(RULE).readLead(page('<h1>Ada Lovelace</h1>'), URL_42);
    expect(reading).toEqual({
      lead: {
        profileId: 'rule:acme-crm',
        profileLabel: 'Acme CRM',
        crmId: 'rule:acme-crm:crm.acme.test:42',
        recordId: '42',
        pageUrl: URL_42.href,
        firstName: 'Ada',
        lastName: 'Lovelace',
      },
    });
    const { extraFields: _none, ...withoutExtra } = RULE;
    expect(compiled(withoutExtra).readLead(page(LEAD_PAGE), URL_42)).not.toHaveProperty('lead.extra');
  });

  it('a value the regex does not match is left out, not shown raw', () => {
    expect(extraOf(compiled(RULE), LEAD_PAGE.replace('USD 12,500.00 (est.)', 'to be agreed'))).toEqual([
      { label: 'Company', value: 'Analytical Engines' },
      { label: 'Region', value: 'emea-north' },
    ]);
  });

  it('reads at most 10 fields: the first 10 the rule lists', () => {
    const labels = Array.from({ length: 12 }, (_, index) => `Field ${index + 1}`);
    const rule = { ...RULE, extraFields: Object.fromEntries(labels.map((label) => [label, { label }])) };
    const html = `<h1>Ada Lovelace</h1><dl>${labels.map((label, index) => `<dt>${label}</dt><dd>value ${index + 1}</dd>`).join('')}</dl>`;
    const extra = extraOf(compiled(rule), html);
    expect(extra).toEqual(labels.slice(0, 10).map((label, index) => ({ label, value: `value ${index + 1}` })));
    expect(compiled(rule).rule.extraFields.map((field) => field.label)).toEqual(labels.slice(0, 10));
  });

  it('cuts a long value to the 1000 characters a lead carries', () => {
    const extra = extraOf(compiled(RULE), `<h1>Ada Lovelace</h1><dl><dt>Company</dt><dd>${'x'.repeat(1500)}</dd></dl>`);
    expect(extra).toEqual([{ label: 'Company', value: 'x'.repeat(1000) }]);
  });

  it('the record id from the URL can be an extra field too', () => {
    expect(extraOf(compiled({ ...RULE, extraFields: { 'Record': { url: 'id' } } }), '<h1>Ada</h1>')).toEqual([{ label: 'Record', value: '42' }]);
  });

  it('skips what it cannot use (a label without a usable source, a too-long label), never throws', () => {
    const profile = compiled({
      ...RULE,
      extraFields: { Broken: {}, Numbers: 42, [''.padEnd(101, 'L')]: { label: 'Company' }, Company: { label: 'Company' } },
    });
    expect(profile.rule.extraFields).toEqual([{ label: 'Company', sources: [{ label: ['Company'] }] }]);
    expect(extraOf(profile, LEAD_PAGE)).toEqual([{ label: 'Company', value: 'Analytical Engines' }]);
    for (const extraFields of [null, 'Company', ['Company'], 7]) expect(compiled({ ...RULE, extraFields }).rule.extraFields).toEqual([]);
  });
});

describe('extraFields in classify (pure: no DOM)', () => {
  const spec = {
    id: 'rule:acme',
    name: 'Acme',
    origin: 'rule' as const,
    require: [] as const,
    crmIdTemplate: '{PROFILE}:{TENANT}:{ID}',
    fields: { recordId: [{ url: 'id' }] },
    extraFields: [
      { label: 'Company', sources: [{ selector: '.company' }, { label: 'Company' }] },
      { label: 'Owner team', sources: [{ selector: '.team', regex: 'Team: (.+)' }] },
    ],
  };
  const data = (extra: PageData['extra']): PageData => ({
    params: { id: '42' },
    host: 'crm.acme.test',
    href: 'https://crm.acme.test/leads/42',
    fields: { recordId: [{ values: [{ text: '42' }] }] },
    extra,
  });

  it('takes the first source that shows a value, then the next field', () => {
    const reading = classify(spec, data([
      [{ values: [], problem: 'selector `.company` not found' }, { values: [{ text: 'Analytical Engines', label: 'Company' }] }],
      [{ values: [{ text: 'Team: EMEA' }] }],
    ]));
    expect(reading).toMatchObject({ lead: { profileLabel: 'Acme', extra: [{ label: 'Company', value: 'Analytical Engines' }, { label: 'Owner team', value: 'EMEA' }] } });
  });

  it('page data without extra readings (an older collector) gives no extra list', () => {
    expect(classify(spec, data(undefined))).not.toHaveProperty('lead.extra');
  });

  it('cuts a long rule name to the 200 characters of profileLabel', () => {
    expect(classify({ ...spec, name: 'N'.repeat(250) }, data([]))).toMatchObject({ lead: { profileLabel: 'N'.repeat(200) } });
  });
});

describe('extraFields in the rule schema', () => {
  it('CrmRuleSchema accepts extraFields as label → source or list of sources', () => {
    expect(CrmRuleSchema.safeParse(RULE).error?.issues).toBeUndefined();
    expect(ConfigSchema.shape.crmRules.safeParse([RULE]).success).toBe(true);
  });

  it('refuses an empty label and a source with a typo, with the path', () => {
    expect(CrmRuleSchema.safeParse({ ...RULE, extraFields: { '': { label: 'Company' } } }).error?.issues[0]?.path).toEqual(['extraFields', '']);
    const typo = CrmRuleSchema.safeParse({ ...RULE, extraFields: { Company: { lable: 'Company' } } });
    expect(typo.success).toBe(false);
    expect(typo.error?.issues[0]?.path).toEqual(['extraFields', 'Company']);
  });
});


describe('extraFields through the managed-policy schema', () => {
  it('the managed schema still builds, and declares extraFields as an object in crmRules and dashboardRule', () => {
    const schema = buildManagedSchema();
    expect(schema.properties?.crmRules?.items?.properties?.extraFields?.type).toBe('object');
    expect(schema.properties?.dashboardRule?.properties?.extraFields?.type).toBe('object');
    expect(schema.properties?.crmLookupUrlTemplates).toMatchObject({
      type: 'array',
      items: { type: 'object', properties: { label: { type: 'string' }, url: { type: 'string' } } },
    });
    expect(schema.properties?.screenPop?.type).toBe('string');
  });

  it('a rule with extraFields set in Chrome policy (list forms, as for every field) reaches the extension with its extra fields', () => {
    const schema = buildManagedSchema();
    const rule = { name: 'Acme CRM', url: ['https://crm.acme.test/leads/:id'], fields: {}, extraFields: { Company: [{ label: ['Company'] }] } };
    expect(chromeNormalize(schema, { crmRules: [rule] })).toEqual({ crmRules: [rule] });
  });
});
