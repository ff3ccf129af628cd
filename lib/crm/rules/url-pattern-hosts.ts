import { type HostLabel, parseUrlPattern } from './url-pattern';

/**
 * The host access a rule URL pattern needs: the narrowest browser match pattern (scheme http, https or *,
 * host exact or `*.domain`, no port, path `/*`) covering every URL the pattern's matcher can match, derived
 * from the same parse as the matcher so the two cannot disagree. Background only: the content script never
 * asks for hosts.
 */

export type HostPermission = { matchPattern: string } | { reason: string };

/** What a browser accepts as a host label (IDN hosts must be written in their xn-- form). */
const LABEL = /^[a-z0-9_-]+$/;

/** Second-level public suffixes common enough to refuse without a full public-suffix list (co.uk, com.au…). */
const SECOND_LEVEL_SUFFIX = /^(?:co|com|net|org|gov|edu|ac|ne|or|go)\.[a-z]{2}$/;

/**
 * `^https://crm\.acme\.test` (a literal scheme and host, dots escaped), then an optional port of digits only
 * (`:8443`, `:\d+`, `(?::\d+)?`), then an unquantified `/` or the end. Anything looser lets the match run on
 * into another host: `/?.*` into crm.acme.test.evil.example, `:.*` into user info (crm.acme.test:x@evil.example).
 */
const PORT = String.raw`\\?:(?:\d+|\\d(?:[+*]|\{\d+(?:,\d*)?\})\??)`;
const REGEX_PREFIX = new RegExp(
  String.raw`^\^?(https\?|https|http)\\?:(?:\\?\/){2}((?:[a-z0-9_-]|\\[.-])+)(?:${PORT}|\((?:\?:|\?<[A-Za-z_]\w*>)?${PORT}\)\??)?(?:\\?\/(?![*+?{])|$)`,
  'i',
);

export function hostPermissionFor(pattern: string | { regex: string }): HostPermission {
  const shown = typeof pattern === 'string' ? `"${pattern}"` : `the regex ${pattern.regex}`;
  let parsed: ReturnType<typeof parseUrlPattern>;
  try {
    parsed = parseUrlPattern(pattern);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { reason: typeof pattern === 'string' ? message : `${shown} is not a valid regex (${message})` };
  }
  if ('regex' in parsed) return regexHost(parsed.regex, shown);
  if (parsed.scheme === 'file') return { reason: `${shown} is a file:// pattern; the extension asks for access to http and https sites only` };
  if (!parsed.host) return { reason: `${shown} would need access to every site; name the CRM's own domain` };
  const host = coverHost(parsed.host);
  if (typeof host !== 'string') {
    return { reason: `${shown} would need access to every site${host.under ? ` under .${host.under}` : ''}; name the CRM's own domain` };
  }
  return hostPattern(parsed.scheme, host, shown);
}

const isLiteral = (label: HostLabel): label is { literal: string } => typeof label === 'object' && 'literal' in label;

/** Exact host, or `*.` + the literal labels right of the last wildcard; `{ under }` when that is a public suffix. */
function coverHost(labels: HostLabel[]): string | { under: string } {
  const lastWild = labels.findLastIndex((label) => !isLiteral(label));
  const suffix = labels
    .slice(lastWild + 1)
    .map((label) => (isLiteral(label) ? label.literal : ''))
    .join('.');
  if (lastWild < 0) return suffix;
  if (labels.length - lastWild - 1 < 2 || SECOND_LEVEL_SUFFIX.test(suffix)) return { under: suffix };
  return `*.${suffix}`;
}

function hostPattern(scheme: string, host: string, shown: string): HostPermission {
  if (!host.replace(/^\*\./, '').split('.').every((label) => LABEL.test(label))) {
    return { reason: `${shown} names no host the extension can ask access for (a host is letters, digits and hyphens, e.g. crm.acme.test; write an international domain in its xn-- form)` };
  }
  return { matchPattern: `${scheme}://${host}/*` };
}

function regexHost(source: string, shown: string): HostPermission {
  const prefix = REGEX_PREFIX.exec(source);
  if (!prefix?.[1] || !prefix[2] || hasTopLevelAlternative(source)) {
    return {
      reason: `${shown} does not start with a literal scheme and host (e.g. ^https://crm\\.acme\\.test/, dots escaped, no alternatives), so the extension cannot tell which site to ask access for`,
    };
  }
  const scheme = prefix[1].endsWith('?') ? '*' : prefix[1].toLowerCase();
  return hostPattern(scheme, prefix[2].replace(/\\/g, '').toLowerCase(), shown);
}

/** `a|b` outside any group: the anchored regex then matches whatever `b` matches, whatever host `a` names. */
function hasTopLevelAlternative(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '|' && depth === 0) return true;
  }
  return false;
}

/**
 * A concrete address of the site a string pattern names (`https://crm.acme.test:8443/`), to check whether
 * the extension can reach it; undefined when the host has a wildcard or a named part, or for regex patterns.
 */
export function siteOf(pattern: string | { regex: string }): string | undefined {
  let parsed: ReturnType<typeof parseUrlPattern>;
  try {
    parsed = parseUrlPattern(pattern);
  } catch {
    return undefined;
  }
  if ('regex' in parsed || !parsed.host || parsed.scheme === 'file' || !parsed.host.every(isLiteral)) return undefined;
  const scheme = parsed.scheme === '*' ? 'https' : parsed.scheme;
  const port = parsed.port && parsed.port !== '*' ? `:${parsed.port}` : '';
  return `${scheme}://${parsed.host.map((label) => label.literal).join('.')}${port}/`;
}
