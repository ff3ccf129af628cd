import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyTransforms, classify, type ClassifySpec, splitFullName } from '../../../lib/crm/rules/classify';
import type { PageData } from '../../../lib/crm/rules/collect';
import { compileRule, compileRules } from '../../../lib/crm/rules/engine';
import { RULE_FIELDS } from '../../../lib/crm/rules/fields';
import { CrmRuleSchema } from '../../../lib/crm/rules/schema';

/**
 * Property tests: admin rules come from policy files an admin typed by hand, and page text from any CRM.
 * Whatever arrives, the engine answers with a profile or a reason — it never throws past its boundary
 * (which would take the content script, or the background's config resolution, down with it).
 */

// FUZZ_RUNS=20000 for a longer hunt; the default keeps the unit suite fast.
const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 300) };

/** Strings that stress patterns and regexes: URL syntax, regex metacharacters, unicode, empties. */
const nasty = fc.oneof(
  fc.string(),
  fc.constantFrom('', ' ', ':id', ':', '*', '(', '[', '\\', '(?<id>', '^https://', 'https://*.x/:id/*', '.*', '(a+)+$', '\u0000', '💥'),
  fc.stringMatching(/^[a-z:/*.()?<>\\[\]{}+^$|-]{0,30}$/),
);

const source = fc.oneof(
  fc.record({ selector: nasty, attribute: fc.option(nasty, { nil: undefined }), regex: fc.option(nasty, { nil: undefined }) }, { requiredKeys: ['selector'] }),
  fc.record({ label: fc.oneof(nasty, fc.array(nasty, { maxLength: 3 })), split: fc.option(fc.constantFrom('first', 'last', 'bogus'), { nil: undefined }) }, { requiredKeys: ['label'] }),
  fc.record({ url: nasty }),
  fc.anything(),
);

/** Rule-shaped objects with random, often wrong, contents — plus anything at all. */
const ruleLike = fc.oneof(
  fc.record(
    {
      name: fc.oneof(nasty, fc.anything()),
      url: fc.oneof(nasty, fc.array(fc.oneof(nasty, fc.record({ regex: nasty })), { maxLength: 3 }), fc.anything()),
      fields: fc.oneof(fc.dictionary(fc.constantFrom(...RULE_FIELDS, 'bogus'), fc.oneof(source, fc.array(source, { maxLength: 3 }))), fc.anything()),
      anchor: fc.anything(),
      scope: fc.oneof(nasty, fc.anything()),
      frame: fc.oneof(nasty, fc.anything()),
      require: fc.anything(),
      enabled: fc.oneof(fc.boolean(), fc.anything()),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

const urls = fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.constantFrom('https://x.test/', 'http://localhost:8080/crm/leads/%E2%82%AC'));

describe('rule engine on random input', () => {
  it('compileRule returns a profile or an error for any input, and the schema never throws', () => {
    fc.assert(
      fc.property(ruleLike, (input) => {
        const compiled = compileRule(input, 'rule');
        expect('error' in compiled ? typeof compiled.error : typeof compiled.matchUrl).toMatch(/string|function/);
        const parsed = CrmRuleSchema.safeParse(input);
        expect(typeof parsed.success).toBe('boolean');
      }),
      RUNS,
    );
  });

  it('a compiled profile tests any URL without throwing', () => {
    fc.assert(
      fc.property(ruleLike, fc.array(urls, { minLength: 1, maxLength: 5 }), (input, samples) => {
        const { profiles, problems } = compileRules([input], 'rule');
        expect(profiles.length + problems.length).toBeGreaterThanOrEqual(profiles.length);
        for (const profile of profiles) {
          for (const url of samples) {
            const params = profile.matchUrl(new URL(url));
            expect(params === null || typeof params === 'object').toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it('classify turns any collected page data into a lead or a reason', () => {
    const reading = fc.record({ values: fc.array(fc.record({ text: fc.string(), label: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: ['text'] }), { maxLength: 4 }), problem: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: ['values'] });
    const pageData = fc.record(
      {
        params: fc.dictionary(fc.string(), fc.string()),
        host: fc.domain(),
        href: fc.webUrl(),
        fields: fc.dictionary(fc.constantFrom(...RULE_FIELDS), fc.array(reading, { maxLength: 3 })),
        problem: fc.option(fc.string(), { nil: undefined }),
      },
      { requiredKeys: ['params', 'host', 'href', 'fields'] },
    ) as fc.Arbitrary<PageData>;
    fc.assert(
      fc.property(ruleLike, pageData, fc.subarray(['name', 'phone', 'email'] as const), (input, data, require) => {
        const compiled = compileRule(input, 'rule');
        const fields = 'error' in compiled ? {} : compiled.rule.fields;
        const spec: ClassifySpec = { id: 'rule:fuzz', name: 'Fuzz', origin: 'rule', require, fields, crmIdTemplate: '{PROFILE}:{TENANT}:{ID}' };
        const result = classify(spec, data);
        if ('lead' in result) {
          expect(typeof result.lead.crmId).toBe('string');
          expect(result.lead.crmId.length).toBeGreaterThan(0);
        } else {
          expect(typeof result.reason).toBe('string');
        }
      }),
      RUNS,
    );
  });

  it('transforms and name splitting never throw, whatever the regex or text', () => {
    fc.assert(
      fc.property(fc.string(), nasty, fc.option(fc.constantFrom('first', 'last'), { nil: undefined }), (text, regex, split) => {
        const result = applyTransforms(text, { regex, ...(split ? { split } : {}) } as Parameters<typeof applyTransforms>[1]);
        expect('value' in result || 'problem' in result).toBe(true);
        const names = splitFullName(text);
        for (const part of [names.firstName, names.lastName]) if (part !== undefined) expect(part.trim()).toBe(part);
      }),
      RUNS,
    );
  });
});
