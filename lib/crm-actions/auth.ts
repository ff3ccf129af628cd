import type { CrmActionAuth } from './schema';

/**
 * Authenticates crmActions requests the way each CRM expects: a header or query token, basic auth, or an OAuth 2.0
 * access token (client credentials: Salesforce, Dataverse; refresh-token grant: Zoho). Access tokens are cached
 * until shortly before they expire (or, when the token endpoint names no lifetime, until the CRM answers 401), and
 * fetched once however many write-backs need one at the same time.
 */

export interface CachedToken {
  accessToken: string;
  /** Epoch ms after which the token is not used; absent: until the CRM refuses it. */
  expiresAt?: number;
}

/** Where access tokens are kept between write-backs (the background: session storage, never a page's reach). */
export interface TokenStore {
  get(key: string): Promise<CachedToken | undefined>;
  set(key: string, token: CachedToken): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface AuthDeps {
  fetch: typeof fetch;
  now(): number;
  tokens: TokenStore;
  timeoutMs: number;
}

/** A token endpoint's failure: `transient` when trying again later may help (5xx, 429, no connection). */
export class AuthFailure extends Error {
  override readonly name = 'AuthFailure';
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Used this long before a token's stated expiry: a request must not arrive with a token that expired on the way. */
const EXPIRY_MARGIN_MS = 60_000;
const pending = new Map<string, Promise<CachedToken>>();

export interface Authenticator {
  /** Adds the credentials to a request about to be sent. */
  apply(request: Outgoing): Promise<Outgoing>;
  /** After a 401: forget the cached access token and get a new one; false when new credentials cannot help. */
  renew(): Promise<boolean>;
  /** The secrets to mask in anything shown or logged. */
  secrets: string[];
}

export function authenticator(auth: CrmActionAuth | undefined, deps: AuthDeps): Authenticator {
  if (!auth) return { apply: async (request) => request, renew: async () => false, secrets: [] };
  switch (auth.type) {
    case 'header':
      return staticAuth((request) => ({ ...request, headers: { ...request.headers, [auth.header]: auth.value.replaceAll('{SECRET}', auth.secret) } }), [auth.secret]);
    case 'query':
      return staticAuth((request) => ({ ...request, url: withQuery(request.url, auth.parameter, auth.secret) }), [auth.secret]);
    case 'basic': {
      const basic = `Basic ${base64(`${auth.username}:${auth.password}`)}`;
      return staticAuth((request) => ({ ...request, headers: { ...request.headers, Authorization: basic } }), [auth.password, basic]);
    }
    default:
      return oauth(auth, deps);
  }
}

type Outgoing = { url: string; headers: Record<string, string> };

function staticAuth(apply: (request: Outgoing) => Outgoing, secrets: string[]): Authenticator {
  return { apply: async (request) => apply(request), renew: async () => false, secrets };
}

type OAuth = Extract<CrmActionAuth, { type: 'oauth-client-credentials' | 'oauth-refresh-token' }>;

function oauth(auth: OAuth, deps: AuthDeps): Authenticator {
  const key = `${auth.type}\u0000${auth.tokenUrl}\u0000${auth.clientId}`;
  const scheme = auth.scheme ?? 'Bearer';
  const current = async (): Promise<CachedToken> => {
    const cached = await deps.tokens.get(key).catch(() => undefined);
    if (cached && (cached.expiresAt === undefined || cached.expiresAt > deps.now())) return cached;
    return fetchOnce();
  };
  const fetchOnce = (): Promise<CachedToken> => {
    let request = pending.get(key);
    if (!request) {
      request = requestToken(auth, deps)
        .then(async (token) => {
          await deps.tokens.set(key, token).catch(() => undefined);
          return token;
        })
        .finally(() => pending.delete(key));
      pending.set(key, request);
    }
    return request;
  };
  let renewed: Promise<CachedToken> | undefined;
  return {
    secrets: [auth.clientSecret, ...(auth.type === 'oauth-refresh-token' ? [auth.refreshToken] : [])],
    async apply(request) {
      const token = renewed ? await renewed : await current();
      return { ...request, headers: { ...request.headers, Authorization: `${scheme} ${token.accessToken}` } };
    },
    async renew() {
      await deps.tokens.delete(key).catch(() => undefined);
      renewed = fetchOnce();
      await renewed;
      return true;
    },
  };
}

async function requestToken(auth: OAuth, deps: AuthDeps): Promise<CachedToken> {
  const form = new URLSearchParams(
    auth.type === 'oauth-client-credentials'
      ? { grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret, ...(auth.scope ? { scope: auth.scope } : {}), ...(auth.extra ?? {}) }
      : { grant_type: 'refresh_token', refresh_token: auth.refreshToken, client_id: auth.clientId, client_secret: auth.clientSecret },
  );
  let response: Response;
  try {
    response = await deps.fetch(auth.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    throw new AuthFailure(timedOut ? `its token endpoint did not answer within ${deps.timeoutMs / 1000} s` : 'its token endpoint cannot be reached', true);
  }
  const body = (await response.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } | undefined;
  if (!response.ok || typeof body?.access_token !== 'string' || body.access_token === '') {
    // Not cut here: the caller masks secrets in the whole text before it shortens anything.
    const said = typeof body?.error === 'string' ? `${body.error}${typeof body.error_description === 'string' ? ` (${body.error_description})` : ''}` : 'no access token';
    throw new AuthFailure(`its token endpoint answered ${response.status}: ${said}`, response.status >= 500 || response.status === 429, response.status);
  }
  const lifetime = Number(body.expires_in);
  return { accessToken: body.access_token, ...(Number.isFinite(lifetime) && lifetime > 0 ? { expiresAt: deps.now() + lifetime * 1000 - EXPIRY_MARGIN_MS } : {}) };
}

function withQuery(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.href;
}

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}
