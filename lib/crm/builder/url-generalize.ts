import { compileUrlPattern } from '../rules/url-pattern';
import { describeKind, type IdKind, idKind, idParamRank, idRegex, isSelectorValue, isVolatileParam, TOKEN_CLASS } from './id-like';

/**
 * URL generalisation for the rule builder (issue 18): from the address of the record page the admin is on,
 * propose the rule's `url` pattern (docs/crm-rules.md, "URL patterns") — the record id found and replaced by
 * `:id`, the rest kept literal where it names the route and opened up where it changes between records.
 * The regex form only when a string pattern cannot say it (an id inside a percent-encoded address, a hash
 * that is not a route). Every proposal is checked with the rules' own matcher before it is returned.
 *
 * Pure functions, no DOM: the builder loads this on demand; the content script must not import it.
 *
 * Decisions (also in the tests):
 * - the port is dropped (a pattern without a port matches any port; site access ignores ports);
 * - other id-like path parts (an org, a portal, a tenant number) become `*`: the rule then also fits records
 *   under another one;
 * - a hash route on the site root or on a single file (`/`, `/index.html`) gets `/*` before the hash: the app
 *   is the same at `/` and at `/index.html`, and the hash alone says which record. Any other path is kept;
 * - query parameters: the id's, plus those whose value is a plain word (route selectors such as
 *   `module=Leads`), kept; return addresses, tracking, tokens, UI state and data-like values dropped, since a
 *   listed parameter must be present on every page the rule is for.
 */

export type IdWhere = 'path' | 'query' | 'hash' | 'encoded-hash';
export type UrlPatternSource = string | { regex: string };

export interface UrlProposal {
  /** A pattern in the rules' syntax. */
  url: UrlPatternSource;
  /** The id the pattern captures as `id` from the address it was proposed from. */
  recordId: string;
  where: IdWhere;
  /** One short sentence per decision, for the admin (e.g. "42 looks like a record id (digits): replaced by :id"). */
  why: string[];
}

export interface ProposeOptions {
  /** The record id the admin picked on the page; the builder finds it in the address. Without it, the id is recognised. */
  recordId?: string;
  /** Other record pages of the same CRM (of other records) the proposal must also match. */
  more?: string[];
}

/** A piece of a pattern: literal text (raw, as in the address), anything (`*`), or the record id. */
type Part = { text: string } | 'wild' | 'id';

/** A query parameter: raw as in the address, and decoded as URLSearchParams (and so the matcher) reads it. */
interface QueryParam {
  rawKey: string;
  raw: string;
  key: string;
  value: string;
}

/** Where the record id is, and which form of pattern can say so. */
interface Found {
  form: 'path' | 'query' | 'hash' | 'regex';
  where: IdWhere;
  /** Segment index (path, hash route) or token index (regex form). */
  index: number;
  /** query: the id's parameter; regex form: the parameter holding the encoded address (none: the hash does). */
  param?: QueryParam;
  raw: string;
  value: string;
  /** Lower wins: [place, strength within the place, -position] (later wins). */
  rank: number[];
}

/** A proposal being built: rendered to a string or regex pattern, widened by `more`. */
interface Model {
  form: Found['form'];
  kind: IdKind | undefined;
  scheme: string;
  host: Part[];
  path: Part[];
  slash: boolean;
  /** Hash form: the path before the hash is an app shell, written `/*`. */
  shell: boolean;
  query: { key: string; value: Part }[];
  hash: { prefix: string; parts: Part[]; slash: boolean };
  /** Regex form: the parameter whose value holds the id (undefined: the hash holds it). */
  carrier: QueryParam | undefined;
  /** Regex form: the tokens before the id, alternately text and delimiter. */
  before: Part[];
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Not url-pattern.ts's: that one leaves `*` alone (it handles `*` itself). */
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const short = (text: string) => (text.length > 40 ? `${text.slice(0, 37)}…` : text);

function parseAddress(href: string): URL {
  const url = URL.canParse(href) ? new URL(href) : undefined;
  if (!url || !/^(?:https?|file):$/.test(url.protocol)) throw new Error(`"${short(href)}" is not the address of a web page (http or https)`);
  return url;
}

/** `/a/b/` → a, b and a trailing slash. */
function splitPath(path: string): { segs: string[]; slash: boolean } {
  const body = path.replace(/^\//, '');
  if (body === '') return { segs: [], slash: false };
  const slash = body.endsWith('/');
  return { segs: (slash ? body.slice(0, -1) : body).split('/'), slash };
}

/** `#/leads/42?tab=x` or `#!/leads/42`: a route the string syntax can match (its `?…` is ignored). */
function hashRoute(hash: string): { prefix: string; segs: string[]; slash: boolean } | undefined {
  const route = /^(!?\/)([^?]*)/.exec(hash);
  if (!route) return undefined;
  return { prefix: route[1] ?? '/', ...splitPath(`/${route[2] ?? ''}`) };
}

/** The first occurrence of each parameter: the matcher reads a parameter with searchParams.get, the first. */
function queryParams(url: URL): QueryParam[] {
  const raws = url.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '');
  const params: QueryParam[] = [];
  const seen = new Set<string>();
  let i = 0;
  // forEach, as the matcher does; URLSearchParams drops the same empty pairs, so raws[i] is this pair.
  new URLSearchParams(url.search).forEach((value, key) => {
    const pair = raws[i++] ?? '';
    if (seen.has(key) || key === '') return;
    seen.add(key);
    const eq = pair.indexOf('=');
    params.push({ rawKey: eq < 0 ? pair : pair.slice(0, eq), raw: eq < 0 ? '' : pair.slice(eq + 1), key, value });
  });
  return params;
}

/** Text and delimiters alternately (even indexes text, odd delimiters), in a hash or a query value; `%2F` counts as `/`. */
const tokenize = (raw: string) => raw.split(/(%[0-9A-Fa-f]{2}|[/?#&=;])/);

/** An encoded `/` or `?`: the text holds an address (`%2Fleads%2F42`, `index.php%3Fmodule%3DLeads…`). */
const ENCODED_ADDRESS = /%2F|%3F/i;

/** Within an encoded address: after `record=` or `id=` first, then in its path (before any `?`), then the rest. */
function tokenRank(tokens: string[], i: number): number {
  const key = tokens[i - 2];
  if (key !== undefined && /^(?:=|%3D)$/i.test(tokens[i - 1] ?? '') && idParamRank(key) !== undefined) return 0;
  return tokens.slice(0, i).some((token, j) => j % 2 === 1 && /^(?:\?|%3F)$/i.test(token)) ? 2 : 1;
}

/** Every place the id could be, best first once sorted: a hash route, an encoded hash, an id-named parameter, the path… */
function candidates(url: URL): Found[] {
  const found: Found[] = [];
  const hash = url.hash.slice(1);
  hashRoute(hash)?.segs.forEach((raw, i) => {
    // A hash may hold a second `#`; a hash pattern's `:id` stops there.
    if (!raw.includes('#')) found.push({ form: 'hash', where: 'hash', index: i, raw, value: decode(raw), rank: [0, 0, -i] });
  });
  // A hash that is not a route: only worth a regex when it holds an encoded address; otherwise a last resort.
  const encoded = ENCODED_ADDRESS.test(hash);
  const hashTokens = tokenize(hash);
  hashTokens.forEach((raw, i) => {
    if (i % 2 === 1 || raw === '') return;
    const rank = [encoded ? 1 : 6, tokenRank(hashTokens, i), -i];
    found.push({ form: 'regex', where: encoded ? 'encoded-hash' : 'hash', index: i, raw, value: decode(raw), rank });
  });
  queryParams(url).forEach((param, i) => {
    const named = idParamRank(param.key);
    const rank = named === undefined ? [5, 0, -i] : [2, named, -i];
    found.push({ form: 'query', where: 'query', index: i, param, raw: param.raw, value: param.value, rank });
    if (!ENCODED_ADDRESS.test(param.raw) && !param.raw.includes('/')) return;
    const tokens = tokenize(param.raw);
    tokens.forEach((raw, j) => {
      if (j % 2 === 0 && raw !== '') found.push({ form: 'regex', where: 'query', index: j, param, raw, value: decode(raw), rank: [4, tokenRank(tokens, j), -j] });
    });
  });
  splitPath(url.pathname).segs.forEach((raw, i) => {
    found.push({ form: 'path', where: 'path', index: i, raw, value: decode(raw), rank: [3, 0, -i] });
  });
  // A lone `%` (not `%XX`) is text no id class of the regex form takes.
  return found.filter((c) => c.form !== 'regex' || !c.raw.includes('%'));
}

function looksLikeId(c: Found): boolean {
  if (c.form === 'query' && c.param) {
    // A parameter named like an id: any short token with a digit (`id=7` too); others: a real id shape.
    if (idParamRank(c.param.key) !== undefined) return /\d/.test(c.value) && /^[\w.:{}-]{1,64}$/.test(c.value);
    return !isVolatileParam(c.param.key) && idKind(c.value) !== undefined;
  }
  return idKind(c.value) !== undefined;
}

const byRank = (a: Found, b: Found) => {
  for (let i = 0; i < a.rank.length; i++) {
    const d = (a.rank[i] ?? 0) - (b.rank[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

function findRecordId(url: URL, recordId: string | undefined): Found {
  const all = candidates(url);
  const matching = recordId === undefined ? all.filter(looksLikeId) : all.filter((c) => c.value === recordId || c.raw === recordId);
  const best = matching.sort(byRank)[0];
  if (best) return best;
  if (recordId === undefined) throw new Error('No part of this address looks like a record id; pick the record id on the page instead');
  throw new Error(
    `"${short(recordId)}" is not a whole part of this address (a path segment, a query value or a part of the hash), so the address cannot say which record this is; check that you picked the record id, or write this rule's URL by hand`,
  );
}

/** A literal part of the address, unless it is another id (then `*`) or pattern syntax a string pattern cannot escape. */
function literal(raw: string, place: string, form: Found['form'], why: string[]): Part {
  const value = decode(raw);
  const kind = idKind(value);
  const star = form === 'regex' ? 'left open (any value)' : 'replaced by *';
  if (kind) {
    why.push(`${value} in the ${place} looks like another id (${describeKind(kind)}): ${star}, so the rule also fits records under another one (another account, org or portal)`);
    return 'wild';
  }
  if (form !== 'regex' && /\*|:[A-Za-z_]/.test(raw)) {
    why.push(`"${value}" in the ${place} cannot be written literally in a pattern (* and :name are pattern syntax): ${star}`);
    return 'wild';
  }
  return { text: raw };
}

/** `/`, `/index.html`, `/main.aspx`: the page a hash-routed app is served from. */
const isShell = (path: string) => path === '/' || /^\/[^/]+\.[a-z0-9]+$/i.test(path);

function queryParts(url: URL, id: Found, why: string[]): Model['query'] {
  return queryParams(url).flatMap(({ key, value }): Model['query'] => {
    if (key === id.param?.key) return [{ key, value: 'id' }];
    if (isVolatileParam(key)) {
      why.push(`Dropped ${key}: it changes from visit to visit (a return address, tracking, a token or UI state)`);
      return [];
    }
    if (value.length > 40) {
      why.push(`Dropped ${key}: its value is long (${value.length} characters), data rather than a route`);
      return [];
    }
    if (!isSelectorValue(value)) {
      why.push(`Dropped ${key}: its value "${value}" is not a plain word, so it likely differs between records`);
      return [];
    }
    why.push(`Kept ${key}=${value}: a plain word, likely the route every record page of this kind has`);
    return [{ key, value: { text: value } }];
  });
}

function buildModel(url: URL, id: Found, picked: boolean, why: string[]): Model {
  const kind = idKind(id.value);
  const verb = id.form === 'regex' ? 'captured as id' : 'replaced by :id';
  why.push(picked ? `${id.value} is the record id you picked: ${verb}` : `${id.value} looks like a record id (${describeKind(kind)}): ${verb}`);
  if (url.port) why.push(`Port ${url.port} left out: a pattern without a port matches any port`);
  const model: Model = {
    form: id.form,
    kind,
    scheme: url.protocol.slice(0, -1),
    host: url.hostname.split('.').map((text) => ({ text })),
    path: [],
    slash: false,
    shell: false,
    query: [],
    hash: { prefix: '', parts: [], slash: false },
    carrier: undefined,
    before: [],
  };
  if (id.form === 'hash' && isShell(url.pathname)) {
    model.shell = true;
    why.push(`The address before the hash (${url.pathname}) is the app's shell: written /* since the hash alone says which record`);
  } else {
    const { segs, slash } = splitPath(url.pathname);
    model.path = segs.map((raw, i) => (id.form === 'path' && i === id.index ? 'id' : literal(raw, 'path', id.form, why)));
    model.slash = slash;
  }
  if (id.form === 'query') model.query = queryParts(url, id, why);
  if (id.form === 'hash') {
    const route = hashRoute(url.hash.slice(1)) ?? { prefix: '/', segs: [], slash: false };
    model.hash = { prefix: route.prefix, slash: route.slash, parts: route.segs.map((raw, i) => (i === id.index ? 'id' : literal(raw, 'hash', id.form, why))) };
  }
  if (id.form === 'regex') {
    model.carrier = id.param;
    const tokens = tokenize(id.param ? id.param.raw : url.hash.slice(1));
    model.before = tokens.slice(0, id.index).map((raw, i) => (i % 2 === 1 ? { text: raw } : literal(raw, 'address', id.form, why)));
    const inside = id.param ? `the ${id.param.key} parameter holds` : 'the hash holds';
    why.push(
      id.where === 'hash'
        ? 'The hash is not a route (#/…): a string pattern cannot say where the id is in it, so this is a regex; anything may follow the id'
        : `The id is inside a percent-encoded address (${inside} one): a string pattern cannot say that, so this is a regex; anything may follow the id`,
    );
    if (!id.param && url.search) why.push('The query before the hash is left open: the record is named in the hash');
  }
  return model;
}

const HASH_TAIL = '(?:(?:[/?#&=;]|%[0-9A-Fa-f]{2}).*)?';
/** In a query value: the rest of the value, then the rest of the address. */
const QUERY_TAIL = '(?:(?:[/?=;]|%[0-9A-Fa-f]{2})[^&#]*)?(?:[&#].*)?';

function renderString(m: Model): string {
  const part = (p: Part) => (p === 'id' ? ':id' : p === 'wild' ? '*' : p.text);
  const path = m.shell ? '/*' : `/${m.path.map(part).join('/')}${m.slash ? '/' : ''}`;
  const query =
    m.form === 'query'
      ? `?${m.query.map(({ key, value }) => `${encodeURIComponent(key)}=${typeof value === 'object' ? encodeURIComponent(value.text) : part(value)}`).join('&')}`
      : '';
  const hash = m.form === 'hash' ? `#${m.hash.prefix}${m.hash.parts.map(part).join('/')}${m.hash.slash ? '/' : ''}` : '';
  return `${m.scheme}://${m.host.map(part).join('.')}${path}${query}${hash}`;
}

/**
 * `^https://host(?::\d+)?/path/?` + the hash or the carrying parameter up to the id + `(?<id>…)` + any tail.
 * It starts with the literal scheme and host, dots escaped, so the extension can name the site to ask access
 * for (url-pattern-hosts.ts); the matcher anchors it at both ends itself. Path and hash forms come here only
 * when their string pattern would misread the id (see proposeUrlPattern): here a `*` is exactly one part.
 */
function renderRegex(m: Model): string {
  const text = (p: Part, wild: string) => (p === 'wild' ? wild : p === 'id' ? '(?<id>[^/?#]+)' : escapeRegex(p.text));
  const segment = (p: Part) => text(p, '[^/?#]*');
  const head = `^${m.scheme === '*' ? 'https?' : m.scheme}://${m.host.map((p) => text(p, '[^./]+')).join('\\.')}${m.scheme === 'file' ? '' : '(?::\\d+)?'}`;
  const path = m.shell ? '/[^?#]*' : m.path.length > 0 ? `/${m.path.map(segment).join('/')}/?` : '/';
  if (m.form === 'path') return `${head}${path}(?:[?#].*)?`;
  if (m.form === 'hash') return `${head}${path}(?:\\?[^#]*)?#${escapeRegex(m.hash.prefix)}${m.hash.parts.map(segment).join('/')}/?(?:\\?.*)?`;
  const before = m.before.map((p) => text(p, `${TOKEN_CLASS}*`)).join('');
  const id = `(?<id>${idRegex(m.kind)})`;
  if (m.carrier) return `${head}${path}\\?(?:[^#]*?&)?${escapeRegex(m.carrier.rawKey)}=${before}${id}${QUERY_TAIL}`;
  return `${head}${path}(?:\\?[^#]*)?#${before}${id}${HASH_TAIL}`;
}

const render = (m: Model): UrlPatternSource => (m.form === 'regex' ? { regex: renderRegex(m) } : renderString(m));

const show = (pattern: UrlPatternSource) => (typeof pattern === 'string' ? pattern : pattern.regex);

/**
 * Widens `parts` where `others` (the same parts of another record page) differ; answers that page's id part.
 * Case-insensitive for string patterns (their matcher is), exact for regexes.
 */
function mergeParts(parts: Part[], others: string[], what: string, exact: boolean, changes: string[], misfit: (reason: string) => Error): string | undefined {
  if (others.length !== parts.length) throw misfit(`its ${what} has ${others.length} part(s) where the first address has ${parts.length}`);
  let id: string | undefined;
  parts.forEach((p, i) => {
    const other = others[i] ?? '';
    if (p === 'id') id = other;
    else if (p !== 'wild' && (exact ? p.text !== other : p.text.toLowerCase() !== other.toLowerCase())) {
      parts[i] = 'wild';
      changes.push(`${what} part ${i + 1} (${decode(p.text)} / ${decode(other)})`);
    }
  });
  return id;
}

/** Widens the model so that it also matches `other`, or throws saying why that page does not fit. */
function fitOther(m: Model, first: URL, other: URL, why: string[]): void {
  if (compileUrlPattern(render(m))(other)?.id) return;
  const misfit = (reason: string) =>
    new Error(`${other.href} does not fit the pattern proposed from ${first.href}: ${reason}. Open another record page of the same kind, or teach that page as a rule of its own`);
  const changes: string[] = [];
  const scheme = other.protocol.slice(0, -1);
  if (m.scheme !== '*' && scheme !== m.scheme) {
    if (!/^https?$/.test(scheme) || !/^https?$/.test(m.scheme)) throw misfit(`it is ${scheme}:, not ${m.scheme}:`);
    changes.push(`the scheme (${m.scheme} / ${scheme})`);
    m.scheme = '*';
  }
  const exact = m.form === 'regex';
  mergeParts(m.host, other.hostname.split('.'), 'host', exact, changes, misfit);
  const pathId = m.shell ? undefined : mergeParts(m.path, splitPath(other.pathname).segs, 'path', exact, changes, misfit);
  let id: string | undefined = m.form === 'path' ? pathId : undefined;
  if (m.form === 'query') {
    const params = new Map(queryParams(other).map((param) => [param.key, param]));
    const idKey = m.query.find((q) => q.value === 'id')?.key ?? '';
    id = params.get(idKey)?.value;
    if (!id) throw misfit(`it has no ${idKey} parameter`);
    m.query = m.query.filter((q) => {
      const value = params.get(q.key)?.value;
      if (!value) why.push(`Dropped ${q.key}: ${other.href} does not have it`);
      else if (typeof q.value === 'object' && q.value.text.toLowerCase() !== value.toLowerCase()) {
        changes.push(`the ${q.key} parameter (${q.value.text} / ${value})`);
        q.value = 'wild';
      }
      return Boolean(value);
    });
  }
  if (m.form === 'hash') {
    const route = hashRoute(other.hash.slice(1));
    if (!route || route.prefix !== m.hash.prefix) throw misfit(`its hash is not a route like #${m.hash.prefix}…`);
    id = mergeParts(m.hash.parts, route.segs, 'hash', exact, changes, misfit);
  }
  if (m.form === 'regex') {
    const tokens = tokenize(m.carrier ? (queryParams(other).find((p) => p.key === m.carrier?.key)?.raw ?? '') : other.hash.slice(1));
    const at = m.before.length;
    if (tokens.length <= at) throw misfit(`its ${m.carrier ? `${m.carrier.key} parameter` : 'hash'} is shorter than the first address's`);
    m.before.forEach((p, i) => {
      const token = tokens[i] ?? '';
      if (i % 2 === 1 && typeof p === 'object' && p.text !== token) throw misfit(`its ${m.carrier ? `${m.carrier.key} parameter` : 'hash'} is built differently (${token} where the first has ${p.text})`);
      if (i % 2 === 0 && typeof p === 'object' && p.text !== token) {
        m.before[i] = 'wild';
        changes.push(`"${p.text}" / "${token}" in the address`);
      }
    });
    id = tokens[at];
    if (id && m.kind && idKind(decode(id)) !== m.kind) {
      why.push(`${decode(id)} in ${other.href} is not ${describeKind(m.kind)}: the id may be any text`);
      m.kind = undefined;
    }
  }
  if (!id) throw misfit('it has no record id where the first address has one');
  if (changes.length > 0) why.push(`To also match ${other.href}: ${changes.join(', ')} ${changes.length === 1 ? 'differs' : 'differ'}, so ${exact ? 'left open' : 'replaced by *'}`);
  if (!compileUrlPattern(render(m))(other)?.id) throw misfit('it still does not match once the differing parts are opened up');
}

/** Rule 7 of the builder: a pattern that does not read the id it was made from is a bug, never a proposal. */
function selfCheck(pattern: UrlPatternSource, first: URL, recordId: string, more: URL[]): void {
  const bug = (what: string) => new Error(`Bug in the URL generalisation: the proposed pattern ${show(pattern)} ${what}; write this rule's URL by hand and report the address`);
  const match = compileUrlPattern(pattern);
  const got = match(first)?.id;
  if (got !== recordId) throw bug(`reads ${got === undefined ? 'no id' : `"${got}"`} from ${first.href} instead of "${recordId}"`);
  for (const other of more) if (!match(other)?.id) throw bug(`reads no id from ${other.href}`);
}

/**
 * Proposes the `url` pattern of a rule from the address of a record page (and, in `more`, other record pages
 * of the same CRM). Throws an Error an admin can act on when no record id can be found, or when a page in
 * `more` does not fit.
 */
export function proposeUrlPattern(href: string, options: ProposeOptions = {}): UrlProposal {
  const url = parseAddress(href);
  const more = (options.more ?? []).map(parseAddress);
  const picked = options.recordId?.trim() || undefined;
  const found = findRecordId(url, picked);
  const why: string[] = [];
  const model = buildModel(url, found, picked !== undefined, why);
  for (const other of more) fitOther(model, url, other, why);
  let pattern = render(model);
  // `*` is any text, even across `/`: `/*/:id/*` can take the wrong part for the id. Then a regex, where a `*` is one part.
  if (typeof pattern === 'string' && model.form !== 'query' && compileUrlPattern(pattern)(url)?.id !== found.value) {
    pattern = { regex: renderRegex(model) };
    why.push(`A * beside the id would leave open which part is the id, so this is a regex where each * stands for exactly one part`);
  }
  // The regex form sees the whole href, user name included, and must start with the host (site access).
  const withUser = [url, ...more].find((page) => page.username || page.password);
  if (typeof pattern !== 'string' && withUser) {
    throw new Error(`${withUser.href} has a user name before its host, which a regex pattern cannot allow for; open the page without it (as ${withUser.protocol}//${withUser.host}/…) and try again`);
  }
  selfCheck(pattern, url, found.value, more);
  return { url: pattern, recordId: found.value, where: found.where, why };
}
