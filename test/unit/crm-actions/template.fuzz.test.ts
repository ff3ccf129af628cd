import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CrmActionStep } from '../../../lib/crm-actions/schema';
import { renderStep, renderString, TemplateError } from '../../../lib/crm-actions/template';

/**
 * Property tests for the crmActions template engine (lib/crm-actions/template.ts): whatever a lead's values hold
 * (any unicode, lone surrogates, the syntax's own characters, URL and JSON metacharacters), a value arrives in the
 * request as itself: one path segment or query value of the URL, one JSON string of the body, and it never changes
 * the request's shape. Values are inserted once, so a value holding `{B}` or `=CONCAT_OR(` stays text.
 */

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 300) };

/** Characters the URL, JSON and the template syntax give a meaning to, lone surrogates included. */
const special = fc.constantFrom(
  ...['/', '?', '#', '&', '=', '+', '%', '%2e', '%2F', ' ', '.', '..', '"', "'", '\\', '{', '}', '{B}', '(', ')', ',', '=CONCAT_OR(', '~', ':', '@'],
  ...['\0', '\n', '\r', '\t', '\u2028', '\uFEFF', 'é', 'e\u0301', '€', '😀', '👩‍👩‍👧', '\uD800', '\uDFFF', '\uDC00\uD800'],
);
/** Any unicode scalar value, or one of the special characters. */
const unit = fc.oneof(special, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }));
/** A value a variable may hold: non-empty ('' is a missing variable). */
const value = fc.string({ unit, minLength: 1, maxLength: 12 });

/** What a URL can carry of a string: a lone surrogate becomes U+FFFD, as in encodeURIComponent's callers. */
const wellFormed = (text: string) => text.toWellFormed();

const get = (url: string): CrmActionStep => ({ method: 'GET', url });

describe('crmActions templates on random values', () => {
  it('a url template puts each value whole into its path segment and its query value', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const step = get('https://crm.test/x/{A}?q={B}');
        if (a === '.' || a === '..') {
          // No URL can carry such a segment: the parser would climb the path. Refused, naming the variable.
          expect(() => renderStep(step, { A: a, B: b }, { stepLabel: 'fuzz' })).toThrow(TemplateError);
          return;
        }
        const request = renderStep(step, { A: a, B: b }, { stepLabel: 'fuzz' });
        const url = new URL(request.url);
        expect(url.origin).toBe('https://crm.test');
        const segments = url.pathname.split('/');
        expect(segments).toHaveLength(3);
        expect(segments[1]).toBe('x');
        expect(decodeURIComponent(segments[2] ?? '')).toBe(wellFormed(a));
        expect([...url.searchParams.keys()]).toEqual(['q']);
        expect(url.searchParams.get('q')).toBe(wellFormed(b));
        expect(url.hash).toBe('');
        // The string form says the same.
        expect(renderString('https://crm.test/x/{A}?q={B}', { A: a, B: b }, { encode: 'url', where: 'fuzz' })).toBe(
          `https://crm.test/x/${encodeURIComponent(wellFormed(a))}?q=${encodeURIComponent(wellFormed(b))}`,
        );
      }),
      RUNS,
    );
  });

  it('query parameters carry each value whole, whatever the url already has', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const request = renderStep({ ...get('https://crm.test/find?fixed=1#frag'), query: { [a]: '{B}', b: 'x {B}' } }, { B: b }, { stepLabel: 'fuzz' });
        const url = new URL(request.url);
        expect([...url.searchParams.entries()]).toEqual(
          a === 'b'
            ? [['fixed', '1'], ['b', `x ${wellFormed(b)}`]]
            : [['fixed', '1'], [wellFormed(a), wellFormed(b)], ['b', `x ${wellFormed(b)}`]],
        );
        expect(url.hash).toBe('#frag');
      }),
      RUNS,
    );
  });

  it('a JSON body round-trips through JSON.parse to exactly the values', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const request = renderStep({ method: 'POST', url: 'https://crm.test/notes', body: { s: '{A}', n: ['{B}'] } }, { A: a, B: b }, { stepLabel: 'fuzz' });
        expect(request.contentType).toBe('application/json');
        expect(JSON.parse(request.body ?? '')).toEqual({ s: a, n: [b] });
      }),
      RUNS,
    );
  });

  it('a form body carries each value whole', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const request = renderStep(
          { method: 'POST', url: 'https://crm.test/notes', bodyFormat: 'form', body: { s: '{A}', t: 'pre {B}' } },
          { A: a, B: b },
          { stepLabel: 'fuzz' },
        );
        expect([...new URLSearchParams(request.body).entries()]).toEqual([
          ['s', wellFormed(a)],
          ['t', `pre ${wellFormed(b)}`],
        ]);
      }),
      RUNS,
    );
  });

  it("encode 'none' inserts a value as it is", () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(renderString('pre{A}post', { A: a, B: b }, { encode: 'none', where: 'fuzz' })).toBe(`pre${a}post`);
      }),
      RUNS,
    );
  });

  it("CONCAT_OR of k arguments is the present ones joined by ' or ', or undefined when none is", () => {
    const argument = fc.record({ label: fc.stringMatching(/^[a-z][a-z:]{0,8}$/), value: fc.option(value, { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(argument, { minLength: 1, maxLength: 6 }), (args) => {
        const template = `=CONCAT_OR(${args.map(({ label }, index) => `(${label}{V${index}})`).join(', ')})`;
        const vars = Object.fromEntries(args.map(({ value }, index) => [`V${index}`, value]));
        const present = args.filter(({ value }) => value !== undefined).map(({ label, value }) => `(${label}${value})`);
        expect(renderString(template, vars, { encode: 'none', where: 'fuzz' })).toBe(present.length > 0 ? present.join(' or ') : undefined);
      }),
      RUNS,
    );
  });

  it('any template text renders to a string or undefined, or throws a TemplateError: nothing else', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('{A}', '{MISSING}', '=', 'CONCAT_OR', 'DEFAULT_VALUE', '(', ')', ',', '{', '}', ' '), unit), maxLength: 20 });
    fc.assert(
      fc.property(text, value, (template, a) => {
        for (const encode of ['url', 'none'] as const) {
          try {
            const out = renderString(template, { A: a }, { encode, where: 'fuzz' });
            expect(out === undefined || typeof out === 'string').toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(TemplateError);
          }
        }
      }),
      RUNS,
    );
  });
});
