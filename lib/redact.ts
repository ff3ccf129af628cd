import type { ActionOutcome } from './messaging';

/**
 * Masks credentials in text that leaves the background worker: outcome messages shown on CRM pages, and
 * anything logged to the console (which page-side tooling, screenshots and bug reports may capture).
 *
 * Two layers, because neither alone is enough:
 * - Known values: the background remembers every credential it handles (`rememberSecret`: the configured
 *   token when the config is loaded, each magic link when Login gets it), so an error that quotes one
 *   verbatim — a provider echoing the token, a browser error quoting the URL it could not open — is masked
 *   wherever the text was written. The Saleschat docs do not say what a magic link looks like, so its exact
 *   value is the only sure way to recognise it.
 * - Shapes: `Bearer …`, Authorization values, credentials in URLs (user:pass@, credential-like
 *   query or fragment parameters, magic-link paths) and JSON fields named like credentials, for secrets
 *   this worker never saw (e.g. another agent's link inside a provider payload).
 *
 * Over-masking a diagnostic is cheap; leaking a token is not.
 */

export const REDACTED = '[redacted]';

/** Shorter strings are not masked by value: they are not credentials and would mangle ordinary words. */
const MIN_SECRET_LENGTH = 8;
/** The background sees one token and a magic link every few minutes; this bounds the set for long sessions. */
const MAX_SECRETS = 64;

const known = new Set<string>();

/**
 * Registers a credential to mask by value from now on. Magic links also register their long path segments
 * and parameter values (the part that is the secret), in case a message quotes only that.
 */
export function rememberSecret(value: unknown): void {
  if (typeof value !== 'string') return;
  for (const part of [value, ...secretPartsOfUrl(value)]) {
    if (part.length < MIN_SECRET_LENGTH) continue;
    known.delete(part);
    known.add(part);
    if (known.size > MAX_SECRETS) known.delete(known.values().next().value as string);
  }
}

/** For tests: forget every remembered credential. */
export function forgetSecrets(): void {
  known.clear();
}

/** `text` with every known credential (plus `secrets`) and every credential-shaped part masked. */
export function redact(text: string, secrets: readonly (string | undefined | null)[] = []): string {
  let result = text;
  const values = [...known, ...secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH)];
  // Longest first, so a magic link is masked whole before the secret segment inside it.
  for (const secret of [...new Set(values)].sort((a, b) => b.length - a.length)) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) result = result.split(form).join(REDACTED);
  }
  return result
    .replace(AUTH_HEADER, (match, name: string, separator: string, value: string) =>
      /^bearer$/i.test(value) ? match : `${name}${separator}${REDACTED}`,
    )
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(URL_PATTERN, redactUrl)
    .replace(JSON_CREDENTIAL, `$1"${REDACTED}"`)
    .replace(ASSIGNED_CREDENTIAL, `$1${REDACTED}`);
}

/** An action's outcome with its texts redacted (it is shown on the CRM page). */
export function redactOutcome(outcome: ActionOutcome): ActionOutcome {
  if (outcome.ok) return { ...outcome, message: redact(outcome.message) };
  return {
    ...outcome,
    message: redact(outcome.message),
    ...(outcome.errorMessage !== undefined ? { errorMessage: redact(outcome.errorMessage) } : {}),
  };
}

/** Names of fields that hold credentials (also matches e.g. apiToken, access_token, x-api-key, magic_link, link). */
const CREDENTIAL_NAME = String.raw`[\w.-]*(?:token|secret|passw(?:or)?d|api[_-]?key|apikey|signature|authorization|jwt|link)[\w.-]*`;
/** URL parameters add the short names OAuth and signed URLs use (code, sig, key, otp …). */
const PARAMETER_NAME = String.raw`(?:${CREDENTIAL_NAME}|[\w.-]*(?:code|sig|key|auth|session|otp)[\w.-]*)`;

/** `Authorization: xyz`, `"authorization":"xyz"` (a Bearer value is handled by the next pattern). */
const AUTH_HEADER = /\b(authorization)(["']?\s*[:=]\s*["']?)([^\s"',;}]+)/gi;
/** Eight characters at least: every real token is longer, and "Bearer token" is prose. */
const BEARER = /\b(Bearer)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{8,}/gi;
const URL_PATTERN = /\bhttps?:\/\/[^\s"'<>`]+/gi;
/** `"apiToken": "…"`, `"magic_link":"…"`: JSON a provider or an error may dump. */
const JSON_CREDENTIAL = new RegExp(String.raw`("${CREDENTIAL_NAME}"\s*:\s*)"(?:[^"\\]|\\.)*"`, 'gi');
/** `token=…` outside URLs (URLs are handled whole above). */
const ASSIGNED_CREDENTIAL = new RegExp(String.raw`(\b${CREDENTIAL_NAME}=)(?!\[redacted\])[^\s&#"',;)]+`, 'gi');
const QUERY_CREDENTIAL = new RegExp(`([?&#;]${PARAMETER_NAME}=)[^&#]*`, 'gi');

function redactUrl(url: string): string {
  // Trailing punctuation belongs to the sentence, not the URL.
  const [, body = url, tail = ''] = /^(.*?)([.,;:!?)\]]*)$/.exec(url) ?? [];
  let result = body.replace(/^(https?:\/\/)[^/?#@]*@/i, `$1${REDACTED}@`);
  const origin = /^https?:\/\/[^/?#]*/i.exec(result)?.[0] ?? '';
  const rest = result.slice(origin.length);
  // A magic-link path (…/magic/<secret>, /magic-login?…): everything after the origin is the credential.
  if (/magic/i.test(rest)) return `${origin}/${REDACTED}${tail}`;
  result = origin + rest.replace(QUERY_CREDENTIAL, `$1${REDACTED}`);
  return result + tail;
}

/** The parts of a URL that can be the secret: long path segments and parameter values. */
function secretPartsOfUrl(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return [];
  const parts = url.pathname.split('/').map(safeDecode);
  for (const [, parameter] of url.searchParams) parts.push(parameter);
  for (const [, parameter] of new URLSearchParams(url.hash.slice(1))) parts.push(parameter);
  // Long enough to be a credential, not a word like "chatrooms".
  return parts.filter((part) => part.length >= 16);
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
