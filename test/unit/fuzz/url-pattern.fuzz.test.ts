import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileUrlPattern } from '../../../lib/crm/rules/url-pattern';

/**
 * Property tests for rule URL patterns (lib/crm/rules/url-pattern.ts), the part of a rule that runs on every
 * navigation. Its contract: compiling throws an Error for a malformed pattern (the engine reports it by rule
 * name); a compiled matcher answers params or null for any URL and never throws; and a pattern written from
 * a page's own URL, with one path segment or query value replaced by `:id`, matches that page and yields
 * the replaced part.
 */

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 300) };

/** Real-world URLs: IP hosts, ports and user info included (a pattern never names the user info). */
const pageUrl = fc.webUrl({
  authoritySettings: { withIPv4: true, withIPv6: true, withIPv4Extended: true, withPort: true, withUserInfo: true },
  withQueryParameters: true,
  withFragments: true,
});

const urls = fc.oneof(
  pageUrl,
  fc.webUrl({ validSchemes: ['http', 'https', 'file'], withQueryParameters: true }),
  fc.constantFrom('https://x.test/', 'http://localhost:8080/crm/leads/%E2%82%AC', 'https://[::1]:4010/a/b?c=d#/e/f', 'file:///C:/crm/lead.html'),
);

/** Pattern-shaped strings: the syntax's own characters in random order, plus free text. */
const patterns = fc.oneof(
  fc.string(),
  fc.stringMatching(/^(\*|https?|file|ftp):\/\/[a-z0-9*.:[\]-]{0,20}(\/[a-z0-9:*()?$^.+|\\[\]{}-]{0,12}){0,4}(\?[a-z:=&*]{0,12})?(#[a-z/:*?=]{0,12})?$/),
  fc.constantFrom('', '*', 'https://', 'https://*', 'https://*.x/:id', 'https://x/:', 'https://x/:1', 'https://x:*/', 'https://x:99999/', 'https://x/#', 'https://x/?a'),
);

describe('URL patterns on random input', () => {
  it('compile to a matcher or throw an Error; a matcher answers any URL without throwing', () => {
    fc.assert(
      fc.property(patterns, fc.array(urls, { minLength: 1, maxLength: 4 }), (pattern, samples) => {
        let match: ReturnType<typeof compileUrlPattern>;
        try {
          match = compileUrlPattern(pattern);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          return;
        }
        for (const url of samples) {
          const params = match(new URL(url));
          if (params === null) continue;
          for (const value of Object.values(params)) expect(typeof value).toBe('string');
        }
      }),
      RUNS,
    );
  });

  it('regex patterns: an invalid regex throws a SyntaxError at compile time, never at match time', () => {
    const regexes = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('(?<id>\\d+)', '(?<id>', '[', '(?<a>x)|(?<b>y)', '%(?<id>.*)'));
    fc.assert(
      fc.property(regexes, urls, (regex, url) => {
        let match: ReturnType<typeof compileUrlPattern>;
        try {
          match = compileUrlPattern({ regex });
        } catch (error) {
          expect(error).toBeInstanceOf(SyntaxError);
          return;
        }
        const params = match(new URL(url));
        expect(params === null || typeof params === 'object').toBe(true);
      }),
      RUNS,
    );
  });

  it('a pattern written from a URL, one path segment replaced by :id, matches it and yields the segment', () => {
    fc.assert(
      fc.property(pageUrl, fc.nat(), (href, pick) => {
        const url = new URL(href);
        const segments = url.pathname.split('/');
        const candidates = segments.map((segment, index) => ({ segment, index })).filter(({ segment }) => segment !== '');
        fc.pre(candidates.length > 0);
        const chosen = candidates[pick % candidates.length] as { segment: string; index: number };
        // `*` and `:name` are pattern syntax; an admin copying such a URL would have to write them as such.
        fc.pre(!/[*]|:[A-Za-z_]/.test(url.pathname) && !/[*]/.test(url.host));
        const path = segments.map((segment, index) => (index === chosen.index ? ':id' : segment)).join('/');
        const params = compileUrlPattern(`${url.protocol}//${url.host}${path}`)(url);
        expect(params).not.toBeNull();
        expect(params?.id).toBe(safeDecode(chosen.segment));
      }),
      RUNS,
    );
  });

  it('a query value written as :id is read from any URL that has the parameter, whatever else it has', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
    const value = fc.string({ minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(pageUrl, key, value, (href, name, id) => {
        const url = new URL(href);
        url.searchParams.set(name, id);
        const params = compileUrlPattern(`${url.protocol}//${url.host}/*?${name}=:id`)(url);
        expect(params).toEqual({ id: url.searchParams.get(name) });
      }),
      RUNS,
    );
  });
});

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
