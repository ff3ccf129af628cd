/**
 * What looks like a record id in a URL, for the rule builder's URL generalisation (url-generalize.ts). Kept
 * apart so the heuristics (which tokens are ids, which query parameters are route selectors, which are
 * volatile) can be read and tuned in one place. Pure functions, no DOM.
 */

export type IdKind = 'digits' | 'uuid' | 'hex24' | 'salesforce' | 'prefixed' | 'opaque';

/** First match wins: the order makes `123456789012345678901234` digits, not hex. */
const KINDS: readonly (readonly [IdKind, RegExp])[] = [
  ['digits', /^\d{2,}$/],
  // Dynamics writes GUIDs braced in classic links.
  ['uuid', /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i],
  ['hex24', /^[0-9a-f]{24}$/i],
  ['salesforce', /^(?=.*\d)(?=.*[a-z])[a-z0-9]{15}(?:[a-z0-9]{3})?$/i],
  // `L-1001`, `LEAD_42`: a short letter prefix, a separator, a number (the sandbox's demo CRM uses these).
  ['prefixed', /^[a-z]{1,10}[-_]\d{2,}$/i],
  // `a1b2c3`, `org746753262`: at least two digits, so that `oauth2` or `utf8mb4`-like words stay words.
  ['opaque', /^(?=.*\d.*\d)(?=.*[a-z])[a-z0-9_-]{6,64}$/i],
];

/** Tokens an id pattern would take but that name a route, not a record. */
const NOT_IDS: readonly RegExp[] = [
  /^v\d+(?:\.\d+)*$/i, // API versions: v2, v10
  /^[a-z]{3,}\d{1,2}$/, // words with a small number: page12, oauth2, step3
];

/** The id kind of a (percent-decoded) URL token, or undefined for words, file names, versions, dates. */
export function idKind(token: string): IdKind | undefined {
  if (NOT_IDS.some((re) => re.test(token))) return undefined;
  return KINDS.find(([, re]) => re.test(token))?.[0];
}

const DESCRIPTIONS: Record<IdKind, string> = {
  digits: 'digits',
  uuid: 'a UUID',
  hex24: '24 hex digits, like a MongoDB id',
  salesforce: '15 or 18 letters and digits, like a Salesforce id',
  prefixed: 'letters, a separator, then digits',
  opaque: 'letters and digits mixed',
};

export const describeKind = (kind: IdKind | undefined): string => (kind ? DESCRIPTIONS[kind] : 'the value you picked');

/**
 * Text between the delimiters the builder splits on, in a path, a hash or an encoded address: `/ ? # & = ;`
 * and any `%XX` (an encoded delimiter such as `%2F`).
 */
export const TOKEN_CLASS = '[^/?#&=;%]';

/** The regex for an id of that kind as it appears in a raw URL (regex form only; string patterns use `:id`). */
export function idRegex(kind: IdKind | undefined): string {
  switch (kind) {
    case 'digits':
      return '\\d+';
    case 'uuid':
      return '\\{?[0-9a-fA-F-]{36}\\}?';
    case 'hex24':
      return '[0-9a-fA-F]{24}';
    case 'salesforce':
      return '[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?';
    default:
      return `${TOKEN_CLASS}+`;
  }
}

/** `record_id`, `leadId`, `Contact-ID` → `recordid`, `leadid`, `contactid`. */
const normalizeKey = (key: string) => key.toLowerCase().replace(/[-_]/g, '');

const ENTITIES = 'lead|contact|person|account|deal|company|customer|opportunity|ticket|case|item|object|entity';

/**
 * How strongly a query parameter's name says "record id": 0 for `id`, 1 for `record`/`recordId`, 2 for
 * `uid`, `lead_id`, `contactId`, `lead`…; undefined for any other name (`appid` is the app, not the record).
 */
export function idParamRank(key: string): number | undefined {
  const name = normalizeKey(key);
  if (name === 'id') return 0;
  if (name === 'record' || name === 'recordid') return 1;
  if (new RegExp(`^(?:uid|guid|oid|eid|(?:${ENTITIES})(?:id|uid|guid)?)$`).test(name)) return 2;
  return undefined;
}

/** Parameters that change between visits of the same record: return addresses, tracking, tokens, UI state. */
const VOLATILE_PARAM =
  /^(?:_.*|return.*|ret|redirect.*|back.*|next|from|ref|referr?er|source|utm.*|fbclid|gclid|.*token.*|.*session.*|sid|nonce|state|code|t|ts|time|timestamp|cache.*|nocache|rand.*|r|ver|version|tab|lang|locale|hl|q|query|search|filter|sort|order|page|offset|limit|debug|callback|cb)$/;

export const isVolatileParam = (key: string): boolean => VOLATILE_PARAM.test(key.toLowerCase());

const BOOLEAN = /^(?:true|false|on|off|yes|no|null|undefined|none)$/i;

/** `Leads`, `DetailView`, `entityrecord`: a word (no digits), short enough to name a route rather than carry data. */
export const isSelectorValue = (value: string): boolean => /^[a-z][a-z_.-]{0,39}$/i.test(value) && !BOOLEAN.test(value);
