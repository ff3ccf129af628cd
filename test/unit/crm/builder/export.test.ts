import { describe, expect, it } from 'vitest';
import { buildManagedSchema } from '../../../../lib/config/managed-schema';
import { CHROME_EXTENSION_ID, GECKO_ID } from '../../../../lib/extension-ids';
import { builderExport } from '../../../../lib/crm/builder/export';
import { withRuleReplaced } from '../../../../lib/crm/builder/replace-rule';
import { BUILT_IN_RULES } from '../../../../lib/crm/profiles';
import { compileRule } from '../../../../lib/crm/rules/engine';
import { toChromeListForm } from '../../../../lib/crm/rules/list-form';
import { type CrmRule, CrmRuleSchema } from '../../../../lib/crm/rules/schema';
import { chromeNormalize } from '../../config/chrome-policy-model';

const schema = buildManagedSchema();

/** A rule as the builder writes it: the short forms. */
const BUILT: CrmRule = {
  name: 'Orbit CRM',
  url: 'http://localhost/spa-crm/*/leads/:id',
  scope: '#record',
  require: ['name', 'phone'],
  fields: {
    firstName: { selector: '.first-name' },
    phones: [{ label: 'Mobile' }, { selector: '[data-field="phone"]' }],
    shownRecordId: { selector: ':scope', attribute: 'data-record-id' },
  },
  anchor: { label: 'Call', position: 'after' },
  extraFields: { Company: { label: ['Company', 'Account'] } },
};

const engineView = (rule: unknown) => {
  const compiled = compileRule(rule, 'rule');
  if ('error' in compiled) throw new Error(compiled.error);
  return compiled.rule;
};

describe('rules in the list forms Chrome policy carries', () => {
  const stringUrls = (rule: CrmRule) => [rule.url].flat().every((pattern) => typeof pattern === 'string');

  it.each([BUILT, ...BUILT_IN_RULES.filter(stringUrls)])('$name: survives Chrome’s schema unchanged, passes the rule schema, and reads the same', (rule) => {
    const { rule: listed, problems } = toChromeListForm(rule);
    expect(problems).toEqual([]);
    expect(CrmRuleSchema.safeParse(listed).success).toBe(true);
    expect(chromeNormalize(schema, { crmRules: [listed] })).toEqual({ crmRules: [listed] });
    expect(engineView(listed)).toEqual(engineView(rule));
  });

  it('a built-in with a regex URL (Zoho) is named as not carried by Chrome policy', () => {
    const regexBuiltIns = BUILT_IN_RULES.filter((rule) => !stringUrls(rule));
    expect(regexBuiltIns.map((rule) => rule.id)).toEqual(['zoho']);
    for (const rule of regexBuiltIns) expect(toChromeListForm(rule).problems.length).toBeGreaterThan(0);
  });

  it('the short forms are what Chrome would drop (why the export converts)', () => {
    expect(chromeNormalize(schema, { crmRules: [BUILT] })).not.toEqual({ crmRules: [BUILT] });
  });

  it('a regex URL pattern cannot go into Chrome policy: said, and left out of the list', () => {
    const rule: CrmRule = { name: 'Hash CRM', url: ['https://a.test/x/:id', { regex: '^https://a\\.test/#p=(?<id>\\d+)' }], fields: {} };
    const { rule: listed, problems } = toChromeListForm(rule);
    expect(listed.url).toEqual(['https://a.test/x/:id']);
    expect(problems).toEqual([expect.stringMatching(/^rule 'Hash CRM': the URL pattern .* regex form, which Chrome \/ Edge policy cannot carry/)]);
  });
});

describe('the builder’s export', () => {
  const draft = { rule: BUILT, notes: {}, checked: [] };
  const policyRule = { name: 'Acme', url: ['https://crm.acme.test/leads/:id'], fields: { phones: [{ label: ['Mobile'] }] } };

  it('Chrome JSON: the policy’s rules plus this one, in list forms, under the extension id', () => {
    const { text, problems } = builderExport([policyRule], draft, 'chrome-json');
    expect(problems).toEqual([]);
    expect(JSON.parse(text)['3rdparty'].extensions[CHROME_EXTENSION_ID].crmRules).toEqual([policyRule, toChromeListForm(BUILT).rule]);
  });

  it('replaces the rule it edits, or one with its id, rather than adding a second', () => {
    const edited = { ...draft, rule: { ...BUILT, name: 'Orbit CRM (new)' }, editing: 'Orbit CRM' };
    const rules = JSON.parse(builderExport([policyRule, BUILT], edited, 'firefox-json').text).policies['3rdparty'].Extensions[GECKO_ID].crmRules;
    expect(rules.map((rule: CrmRule) => rule.name)).toEqual(['Acme', 'Orbit CRM (new)']);
    const sameId = { ...draft, rule: { ...BUILT, id: 'acme', name: 'Acme 2' } };
    expect(JSON.parse(builderExport([{ ...policyRule, id: 'acme' }], sameId, 'firefox-json').text).policies['3rdparty'].Extensions[GECKO_ID].crmRules).toHaveLength(1);
  });

  it('Firefox keeps the rule as written (its policies.json takes every form, the regex one too)', () => {
    const withRegex = { ...draft, rule: { ...BUILT, url: { regex: '^https://a\\.test/(?<id>\\d+)' } } };
    const { text, problems } = builderExport([], withRegex, 'firefox-json');
    expect(problems).toEqual([]);
    expect(JSON.parse(text).policies['3rdparty'].Extensions[GECKO_ID].crmRules).toEqual([withRegex.rule]);
    expect(builderExport([], withRegex, 'windows-reg').problems).toHaveLength(1);
  });
});

describe('one rule list, one version of a rule (Save and Export)', () => {
  const rule: CrmRule = { name: 'Orbit CRM', url: 'http://localhost/spa-crm/*/leads/:id', fields: {} };
  it('replaces the rule it edits in place and drops further versions; adds a rule it does not know', () => {
    const old = { name: 'Orbit (old)', url: 'x', fields: {} };
    const list = [{ name: 'Acme', url: 'a', fields: {} }, old, { name: 'Orbit CRM', url: 'dup', fields: {} }];
    expect(withRuleReplaced(list, rule, 'Orbit (old)')).toEqual({ rules: [list[0], rule], replaced: true });
    expect(withRuleReplaced([list[0]], rule)).toEqual({ rules: [list[0], rule], replaced: false });
  });
  it('matches by id too, and passes over entries that are not rules', () => {
    expect(withRuleReplaced([null, 'x', { id: 'orbit', name: 'Other name' }], { ...rule, id: 'orbit' })).toEqual({ rules: [null, 'x', { ...rule, id: 'orbit' }], replaced: true });
  });
});
