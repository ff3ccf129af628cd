/**
 * URL patterns for rules: `https://*.acme.test/leads/:id`, optional `?name=value&id=:id` (listed query
 * parameters must be present, order free) and `#/path/:id` (matched against the hash), or `{ regex }` with
 * named groups. Compiled once per rule; matching is a few regex tests, cheap enough to run on every navigation.
 */

export type UrlParams = Record<string, string>;
export type UrlMatcher = (url: URL) => UrlParams | null;

const escapeRegex = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
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

function hostRegex(host: string): RegExp {
  const body = host
    .split('.')
    .map((label, index) =>
      label === '*' && index === 0
        ? '(?:[^./]+\\.)*'
        : // ":tenant.acme.test": a named host part is any one label.
          `${/^:[A-Za-z_]\w*$/.test(label) ? '[^./]+' : label.split('*').map(escapeRegex).join('[^./]*')}\\.`,
    )
    .join('');
  return new RegExp(`^${body.slice(0, body.endsWith('\\.') ? -2 : undefined)}$`, 'i');
}

/** Throws on a malformed pattern (the engine reports it by rule name). */
export function compileUrlPattern(pattern: string | { regex: string }): UrlMatcher {
  if (typeof pattern !== 'string') {
    const regex = new RegExp(pattern.regex);
    return (url) => {
      const match = regex.exec(url.href);
      if (!match) return null;
      const params: UrlParams = {};
      for (const [name, value] of Object.entries(match.groups ?? {})) if (value !== undefined) params[name] = decode(value);
      return params;
    };
  }
  const parsed = /^(\*|https?|file):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(pattern.trim());
  if (!parsed) throw new Error(`"${pattern}" is not a URL pattern such as https://crm.example.com/leads/:id`);
  const [, scheme = '', hostPort = '', path = '', query = '', hash = ''] = parsed;
  const hostMatch = /^(.*?)(?::(\d+|\*))?$/.exec(hostPort);
  const host = hostMatch?.[1] ?? '';
  const port = hostMatch?.[2];
  const schemeOk = scheme === '*' ? (s: string) => s === 'http:' || s === 'https:' : (s: string) => s === `${scheme.toLowerCase()}:`;
  const hostTest = host === '*' || host === '' ? null : hostRegex(host);
  const pathNames: string[] = [];
  const pathTest = new RegExp(`^${pathRegex(path || '/', pathNames)}$`, 'i');
  const hashNames: string[] = [];
  const hashTest = hash ? new RegExp(`^${pathRegex(hash.slice(1).split('?')[0] ?? '', hashNames)}(?:\\?.*)?$`, 'i') : null;
  // forEach, not [...params.entries()]: in a Firefox content script URLSearchParams is the page's (seen
  // through an Xray wrapper) and its iterators are not iterable there ("entries() is not iterable").
  const queryRules: { key: string; param: string | undefined; value: string }[] = [];
  new URLSearchParams(query.slice(1)).forEach((value, key) => {
    queryRules.push({ key, param: /^:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value)?.[1], value });
  });

  return (url) => {
    if (!schemeOk(url.protocol)) return null;
    if (hostTest && !hostTest.test(url.hostname)) return null;
    if (port !== undefined && port !== '*' && url.port !== port) return null;
    const pathMatch = pathTest.exec(url.pathname);
    if (!pathMatch) return null;
    const params: UrlParams = {};
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
