import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MatchPattern } from 'wxt/utils/match-patterns';
import { compileUrlPattern } from '../../../lib/crm/rules/url-pattern';
import { hostPermissionFor } from '../../../lib/crm/rules/url-pattern-hosts';

/**
 * Property tests for rule URL patterns (lib/crm/rules/url-pattern.ts), the part of a rule that runs on every
 * navigation. Its contract: compiling throws an Error for a malformed pattern (the engine reports it by rule
 * name); a compiled matcher answers params or null for any URL and never throws; and a pattern written from
 * a page's own URL, with one path segment or query value replaced by `:id`, matches that page and yields
 * the replaced part. And the host the extension asks access for (hostPermissionFor) covers every URL the
 * matcher matches, or there is a reason why no host can be asked for.
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

/**
 * Host labels from a small alphabet, so that patterns and URLs built from it often meet. No numeric labels:
 * `crm.10` is no valid URL host. No co, com…: `*.com.eu` is refused on purpose (a public suffix).
 */
const LITERALS = ['crm', 'acme', 'test', 'eu', 'app', 'example', 'io', 'localhost'];
const fill = fc.array(fc.constantFrom(...LITERALS, 'crm-eu', 'app-eu1', 'x', 'eu-app'), { minLength: 6, maxLength: 6 });

/** A host the pattern's host could stand for: a leading `*.` becomes `subdomains` labels, other wildcards and named labels come from `fillers`. */
function hostInstance(labels: readonly string[], fillers: readonly string[], subdomains: number): string {
  let next = 0;
  const take = () => fillers[next++ % fillers.length] as string;
  return labels
    .flatMap((label, index) => {
      if (label === '*' && index === 0) return Array.from({ length: subdomains }, take);
      if (label.startsWith(':')) return [take()];
      return [label.replace(/\*/g, () => take())];
    })
    .join('.');
}

function expectCovered(pattern: string | { regex: string }, url: URL): void {
  const host = hostPermissionFor(pattern);
  if ('reason' in host) return;
  // A string: includes() checks `instanceof Location` on anything else, which fails outside a browser.
  expect(new MatchPattern(host.matchPattern).includes(url.href), `${host.matchPattern} should include ${url.href}`).toBe(true);
}

describe('the host asked for covers every URL the pattern matches', () => {
  const stringCase = fc.record({
    scheme: fc.constantFrom('https', 'http', '*', 'file', 'HTTPS'),
    labels: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...LITERALS, 'CRM') }, fc.constantFrom('*', ':tenant', ':region', 'crm-*', 'app*', '*-eu')), {
      minLength: 1,
      maxLength: 4,
    }),
    port: fc.constantFrom('', ':8443', ':*'),
    path: fc.constantFrom('/leads/:id', '/*', '', '/x/'),
    query: fc.constantFrom('', '?id=:id'),
    hash: fc.constantFrom('', '#/lead/:id'),
    fill,
    subdomains: fc.nat(2),
    urlScheme: fc.constantFrom('https', 'http', 'file'),
    userInfo: fc.constantFrom('', 'agent:pw@'),
    urlPort: fc.constantFrom('', ':8443', ':9'),
    urlPath: fc.constantFrom('/leads/7', '/x', '/', '/x/?id=5#/lead/3', '/leads/7?id=5#/lead/3'),
  });

  it('string patterns: a match pattern that includes each matched URL, or a reason; a reason only for a too broad host', () => {
    fc.assert(
      fc.property(stringCase, fc.array(pageUrl, { maxLength: 2 }), (c, randomUrls) => {
        const pattern = `${c.scheme}://${c.labels.join('.')}${c.port}${c.path}${c.query}${c.hash}`;
        const match = compileUrlPattern(pattern);
        const host = hostInstance(c.labels, c.fill, c.subdomains);
        // One URL made to match (each wildcard filled in), one from random parts, and any web URL.
        const scheme = c.scheme === '*' ? (c.urlScheme === 'file' ? 'https' : c.urlScheme) : c.scheme.toLowerCase();
        const path = `${(c.path || '/').replace(':id', '7').replace('*', 'a/b')}${c.query.replace(':id', '5')}${c.hash.replace(':id', '3')}`;
        const made = `${scheme}://${c.userInfo}${host}${c.port === ':*' ? c.urlPort : c.port}${path}`;
        const mixed = `${c.urlScheme}://${c.userInfo}${host}${c.urlPort}${c.urlPath}`;
        // Not vacuous: the made URL is one the pattern matches (a lone `*` host has nothing to fill in).
        if (c.scheme !== 'file' && c.labels.join('.') !== '*') expect(match(new URL(made))).not.toBeNull();
        for (const href of [made, mixed, ...randomUrls]) {
          const url = URL.canParse(href) ? new URL(href) : undefined;
          if (url && match(url)) expectCovered(pattern, url);
        }
        // Wildcards only left of the last two labels: a real domain can be named, so one must be asked for.
        const [last, secondLast] = [...c.labels].reverse();
        const literal = (label: string | undefined) => label !== undefined && !/[*:]/.test(label);
        if (c.scheme !== 'file' && literal(last) && literal(secondLast)) expect(hostPermissionFor(pattern)).toHaveProperty('matchPattern');
      }),
      RUNS,
    );
  });

  /** Each makes the whole regex an alternative: what follows the `|` may match any host. */
  const TOP_LEVEL_ALTERNATIVES = ['|.*', 'x|https://evil\\.test/.*', '\\(|.*', ')|(.*'];
  const regexCase = fc.record({
    caret: fc.constantFrom('^', ''),
    scheme: fc.constantFrom('https', 'http', 'https?'),
    colon: fc.constantFrom(':', '\\:'),
    slashes: fc.constantFrom('//', '\\/\\/'),
    labels: fc.array(fc.constantFrom(...LITERALS), { minLength: 1, maxLength: 3 }),
    dot: fc.constantFrom('\\.', '\\.', '.'),
    port: fc.constantFrom('', ':8443', ':\\d+', '(?::\\d+)?'),
    // What may follow a literal host: most of these let the match run on into another host.
    noise: fc.constantFrom('', '', '', '(?:\\.evil\\.test)?', '.*', '\\.?', '-?', ':.*', '[.-]x'),
    slash: fc.constantFrom('/', '/', '\\/', '/?', '/*'),
    tail: fc.constantFrom('.*', '(?<id>\\d+)', 'leads/(?<id>\\d+)(?:[/?#].*)?', '', '(?:a|.*)', '[|(]*.*', '\\|.*', ...TOP_LEVEL_ALTERNATIVES),
  });

  it('regex patterns from a literal host: a match pattern that includes each matched URL, or a reason', () => {
    fc.assert(
      fc.property(regexCase, fc.array(pageUrl, { maxLength: 2 }), (c, randomUrls) => {
        const host = c.labels.join('.');
        const regex = `${c.caret}${c.scheme}${c.colon}${c.slashes}${c.labels.join(c.dot)}${c.port}${c.noise}${c.slash}${c.tail}`;
        let match: ReturnType<typeof compileUrlPattern>;
        try {
          match = compileUrlPattern({ regex });
        } catch {
          expect(hostPermissionFor({ regex })).toHaveProperty('reason');
          return;
        }
        const samples = [
          `https://${host}/leads/42`,
          `http://${host}:8443/`,
          `https://${host}.evil.test/leads/42`,
          `https://${host}x.evil.test/`,
          `https://${host}-x.test/`,
          `https://${c.labels.join('-')}/`,
          `https://${host}:1@evil.test/`,
          'https://evil.test/',
          `https://evil.test/?u=https://${host}/leads/42`,
          ...randomUrls,
        ];
        for (const href of samples) {
          const url = new URL(href);
          if (match(url)) expectCovered({ regex }, url);
        }
        // A clean literal prefix always names its host.
        if (c.dot === '\\.' && c.noise === '' && (c.slash === '/' || c.slash === '\\/') && !TOP_LEVEL_ALTERNATIVES.includes(c.tail)) {
          expect(hostPermissionFor({ regex })).toHaveProperty('matchPattern');
        }
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
