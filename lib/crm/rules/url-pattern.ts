/**
 * URL patterns for rules: `https://*.acme.test/leads/:id`, optional `?name=value&id=:id` (listed query
 * parameters must be present, order free) and `#/path/:id` (matched against the hash), or `{ regex }` with
 * named groups, matched against the whole raw URL. Compiled once per rule; matching is a few regex tests, cheap
 * enough to run on every navigation.
 *
 * The pattern is parsed once (parseUrlPattern) and both the matcher here and the host the background asks
 * access for (url-pattern-hosts.ts, kept apart so the content script does not bundle it) are derived from that
 * one parse: two parsers once disagreed, and a rule matched pages whose host could never be granted.
 */

export type UrlParams = Record<string, string>;
export type UrlMatcher = (url: URL) => UrlParams | null;

/** One dot-separated label of a pattern's host. */
export type HostLabel =
  | { literal: string }
  /** `:tenant`: any one label, captured. */
  | { name: string }
  /** `crm-*`: the literal pieces around each `*`, within one label. */
  | { wildcard: string[] }
  /** A leading `*.`: any number of labels, none included (`*.acme.test` matches acme.test). */
  | 'subdomains';

export interface StringUrlPattern {
  scheme: '*' | 'http' | 'https' | 'file';
  /** null: any host (`*` or none). Literals are lower-cased. */
  host: HostLabel[] | null;
  /** Digits or `*`; undefined: any port. */
  port: string | undefined;
  path: string;
  query: string;
  hash: string;
}

export type ParsedUrlPattern = StringUrlPattern | { regex: string };

const NAME = /^:([A-Za-z_]\w*)$/;

const escapeRegex = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Throws on a malformed pattern (the engine reports it by rule name). */
export function parseUrlPattern(pattern: string | { regex: string }): ParsedUrlPattern {
  if (typeof pattern !== 'string') {
    // Compiled alone first: the matcher wraps the source in a group, and an unbalanced source such as
    // `a)|(.*` would otherwise close that group and match every URL.
    new RegExp(pattern.regex);
    return { regex: pattern.regex };
  }
  const parsed = /^(\*|https?|file):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(pattern.trim());
  if (!parsed) throw new Error(`"${pattern}" is not a URL pattern such as https://crm.example.com/leads/:id`);
  const [, scheme = '', hostPort = '', path = '', query = '', hash = ''] = parsed;
  const hostMatch = /^(.*?)(?::(\d+|\*))?$/.exec(hostPort);
  const host = hostMatch?.[1] ?? '';
  return {
    scheme: scheme.toLowerCase() as StringUrlPattern['scheme'],
    host:
      host === '*' || host === ''
        ? null
        : host.split('.').map((label, index): HostLabel => {
            const name = NAME.exec(label)?.[1];
            if (name) return { name };
            if (label === '*' && index === 0) return 'subdomains';
            return label.includes('*') ? { wildcard: label.toLowerCase().split('*') } : { literal: label.toLowerCase() };
          }),
    port: hostMatch?.[2],
    path,
    query,
    hash,
  };
}

/** `/leads/:id/*` → a regex over a path; `:name` is one segment, `*` anything. */
function pathRegex(path: string, names: string[]): string {
  let out = '';
  const token = /:([A-Za-z_][A-Za-z0-9_]*)|\*/g;
  let last = 0;
  for (let match = token.exec(path); match; match = token.exec(path)) {
    out += escapeRegex(path.slice(last, match.index));
    if (match[1]) {
      names.push(match[1]);
      out += '([^/?#]+)';
    } else {
      out += '.*';
    }
    last = match.index + match[0].length;
  }
  out += escapeRegex(path.slice(last));
  return `${out.replace(/\/$/, '')}\\/?`;
}

function hostRegex(labels: HostLabel[], names: string[]): RegExp {
  const body = labels
    .map((label) => {
      if (label === 'subdomains') return '(?:[^./]+\\.)*';
      if ('name' in label) {
        names.push(label.name);
        return '([^./]+)\\.';
      }
      return `${'literal' in label ? escapeRegex(label.literal) : label.wildcard.map(escapeRegex).join('[^./]*')}\\.`;
    })
    .join('');
  return new RegExp(`^${body.slice(0, body.endsWith('\\.') ? -2 : undefined)}$`, 'i');
}

/** Throws on a malformed pattern (the engine reports it by rule name). */
export function compileUrlPattern(pattern: string | { regex: string }): UrlMatcher {
  const parsed = parseUrlPattern(pattern);
  if ('regex' in parsed) {
    // Anchored: an unanchored regex once claimed another CRM's page because it matched mid-URL.
    const regex = new RegExp(`^(?:${parsed.regex})$`);
    return (url) => {
      const match = regex.exec(url.href);
      if (!match) return null;
      const params: UrlParams = {};
      for (const [name, value] of Object.entries(match.groups ?? {})) if (value !== undefined) params[name] = decode(value);
      return params;
    };
  }
  const { scheme, host, port, path, query, hash } = parsed;
  const schemeOk = scheme === '*' ? (s: string) => s === 'http:' || s === 'https:' : (s: string) => s === `${scheme}:`;
  const hostNames: string[] = [];
  const hostTest = host ? hostRegex(host, hostNames) : null;
  const pathNames: string[] = [];
  const pathTest = new RegExp(`^${pathRegex(path || '/', pathNames)}$`, 'i');
  const hashNames: string[] = [];
  const hashTest = hash ? new RegExp(`^${pathRegex(hash.slice(1).split('?')[0] ?? '', hashNames)}(?:\\?.*)?$`, 'i') : null;
  // forEach, not [...params.entries()]: in a Firefox content script URLSearchParams is the page's (seen
  // through an Xray wrapper) and its iterators are not iterable there ("entries() is not iterable").
  const queryRules: { key: string; param: string | undefined; value: string }[] = [];
  new URLSearchParams(query.slice(1)).forEach((value, key) => {
    queryRules.push({ key, param: NAME.exec(value)?.[1], value });
  });

  return (url) => {
    if (!schemeOk(url.protocol)) return null;
    const hostMatch = hostTest ? hostTest.exec(url.hostname) : null;
    if (hostTest && !hostMatch) return null;
    if (port !== undefined && port !== '*' && url.port !== port) return null;
    const pathMatch = pathTest.exec(url.pathname);
    if (!pathMatch) return null;
    const params: UrlParams = {};
    hostNames.forEach((name, i) => {
      params[name] = hostMatch?.[i + 1] ?? '';
    });
    pathNames.forEach((name, i) => {
      params[name] = decode(pathMatch[i + 1] ?? '');
    });
    if (hashTest) {
      const hashMatch = hashTest.exec(url.hash.slice(1));
      if (!hashMatch) return null;
      hashNames.forEach((name, i) => {
        params[name] = decode(hashMatch[i + 1] ?? '');
      });
    }
    for (const rule of queryRules) {
      const actual = url.searchParams.get(rule.key);
      if (actual === null || actual === '') return null;
      if (rule.param) params[rule.param] = actual;
      else if (rule.value !== '*' && actual.toLowerCase() !== rule.value.toLowerCase()) return null;
    }
    return params;
  };
}
