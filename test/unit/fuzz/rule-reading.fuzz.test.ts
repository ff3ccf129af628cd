// @vitest-environment happy-dom
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../../lib/crm/rules/engine';
import { RULE_FIELDS } from '../../../lib/crm/rules/fields';

/**
 * Property test for reading a page with a rule (collect → transforms → classify) in a real DOM. readLead
 * catches anything thrown inside and reports "rule '…' failed: …" so one broken rule cannot take the content
 * script down; this test asserts that catch is never needed: for random selectors, labels, regexes, splits
 * and page text, reading ends in a lead or in a reason the engine wrote on purpose.
 */

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 200) };

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A record page in the shape CRMs use: label/value pairs, a header, inputs; the values are random text. */
function page(values: string[], labels: string[]): Document {
  const rows = labels.map((label, i) => `<div class="row"><label>${escapeHtml(label)}</label><span class="v${i}">${escapeHtml(values[i] ?? '')}</span></div>`);
  const html = `<main class="record" data-id="${escapeHtml(values[0] ?? '')}">
    <h1 class="name">${escapeHtml(values[1] ?? '')}</h1>
    <dl><dt>Phone</dt><dd class="phone">${escapeHtml(values[2] ?? '')}</dd><dt>Email:</dt><dd><a href="mailto:${escapeHtml(values[3] ?? '')}">${escapeHtml(values[3] ?? '')}</a></dd></dl>
    <table><tr><th>Owner *</th><td><input value="${escapeHtml(values[4] ?? '')}"></td></tr></table>
    ${rows.join('')}
  </main>`;
  return new DOMParser().parseFromString(html, 'text/html');
}

const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', ' ', 'Ada Lovelace', 'Lovelace, Ada', '+1 (415) 555-0132', 'ada@example.com', 'Mr.', '💥', '\u0000'));
const selector = fc.oneof(
  fc.string({ maxLength: 15 }),
  fc.constantFrom(':scope', '.name', '.phone', 'dd', 'input', 'a[href^="mailto:"]', '[data-id]', '.v0', 'main >>> x', '::before', '#', ':has(', 'tr:nth-child(2n+1) td'),
);
const regex = fc.option(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('(?<value>\\d+)', '(\\w+)@', '^(.*),', '(', '[', '\\')), { nil: undefined });
const source = fc.oneof(
  fc.record(
    { selector, attribute: fc.option(fc.constantFrom('data-id', 'href', 'value', 'title', ''), { nil: undefined }), all: fc.option(fc.boolean(), { nil: undefined }), regex, split: fc.option(fc.constantFrom('first', 'last'), { nil: undefined }) },
    { requiredKeys: ['selector'] },
  ),
  fc.record({ label: fc.oneof(text, fc.array(text, { maxLength: 3 })), regex, split: fc.option(fc.constantFrom('first', 'last'), { nil: undefined }) }, { requiredKeys: ['label'] }),
  fc.record({ url: fc.constantFrom('id', 'other', 'x y') }),
);
const rule = fc.record({
  name: fc.constant('Fuzz'),
  url: fc.constant('https://crm.test/leads/:id'),
  scope: fc.option(fc.oneof(selector, fc.array(selector, { maxLength: 2 })), { nil: undefined }),
  require: fc.subarray(['name', 'phone', 'email']),
  fields: fc.dictionary(fc.constantFrom(...RULE_FIELDS), fc.oneof(source, fc.array(source, { maxLength: 3 })), { maxKeys: 5 }),
});

describe('reading a page with a random rule', () => {
  it('ends in a lead or a deliberate reason, never in a caught exception', () => {
    fc.assert(
      fc.property(rule, fc.array(text, { minLength: 5, maxLength: 5 }), fc.array(text, { maxLength: 3 }), fc.string({ maxLength: 12 }), (input, values, labels, id) => {
        const compiled = compileRule(input, 'rule');
        if ('error' in compiled) return;
        const result = compiled.readLead(page(values, labels), new URL(`https://crm.test/leads/${encodeURIComponent(id) || 'x'}`));
        if ('lead' in result) {
          expect(result.lead.crmId.length).toBeGreaterThan(0);
        } else {
          expect(typeof result.reason).toBe('string');
          expect(result.reason).not.toMatch(/^rule '.*' failed: /);
        }
      }),
      RUNS,
    );
  });
});
