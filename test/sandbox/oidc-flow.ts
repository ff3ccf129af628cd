import { createHash, randomBytes } from 'node:crypto';

/**
 * Signs in at the sandbox's OpenID Connect provider (/oidc) the way a browser would, with plain fetch: follows
 * redirects by hand, keeps cookies per host and path, fills in the login form. For tests that need real tokens
 * or a real signed-in gateway session without a browser.
 *
 * - `signInWithPassword`: the whole authorization-code + PKCE flow as the client, tokens out.
 * - `followSignIn`: only the browser's part, from any start URL (e.g. a gateway's /auth/start, whose own
 *   callback then exchanges the code); the jar ends up with whatever cookies the chain set.
 */

export class OidcFlowError extends Error {
  constructor(
    message: string,
    /** The OAuth error code when there is one (from the redirect or the token endpoint). */
    readonly error?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'OidcFlowError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cookies

interface StoredCookie {
  name: string;
  value: string;
  /** Cookies ignore ports (RFC 6265): the sandbox and a gateway on 127.0.0.1 share them, as in a browser. */
  hostname: string;
  path: string;
  /** Sent over https only, as a browser does: a Secure cookie set over plain http breaks the flow here too. */
  secure: boolean;
  expiresAt?: number;
}

/** Just enough of RFC 6265 for these flows: host-only cookies, Path, Secure, Max-Age/Expires (deletion included). */
export class CookieJar {
  private cookies: StoredCookie[] = [];

  /** Takes the Set-Cookie headers of a response to a request for `url`. */
  store(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const cookie = parseSetCookie(line, url);
      if (!cookie) continue;
      this.cookies = this.cookies.filter(
        (old) => !(old.name === cookie.name && old.hostname === cookie.hostname && old.path === cookie.path),
      );
      if (cookie.expiresAt === undefined || cookie.expiresAt > Date.now()) this.cookies.push(cookie);
    }
  }

  /** The Cookie header a browser would send to `url`, longest path first; undefined when none applies. */
  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = this.cookies
      .filter((cookie) => cookie.hostname === url.hostname && pathMatches(url.pathname, cookie.path))
      .filter((cookie) => !cookie.secure || url.protocol === 'https:')
      .filter((cookie) => cookie.expiresAt === undefined || cookie.expiresAt > now)
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ') : undefined;
  }

  /** The cookies held for a host, for assertions. */
  list(hostname: string): { name: string; path: string; secure: boolean }[] {
    return this.cookies
      .filter((cookie) => cookie.hostname === hostname)
      .map(({ name, path, secure }) => ({ name, path, secure }));
  }
}

function parseSetCookie(line: string, url: URL): StoredCookie | undefined {
  const [pair = '', ...attributes] = line.split(';');
  const index = pair.indexOf('=');
  if (index <= 0) return undefined;
  const cookie: StoredCookie = {
    name: pair.slice(0, index).trim(),
    value: pair.slice(index + 1).trim(),
    hostname: url.hostname,
    path: defaultPath(url),
    secure: false,
  };
  for (const attribute of attributes) {
    const [key = '', value = ''] = attribute.split('=').map((part) => part.trim());
    const name = key.toLowerCase();
    if (name === 'path' && value.startsWith('/')) cookie.path = value;
    if (name === 'secure') cookie.secure = true;
    if (name === 'max-age') cookie.expiresAt = Date.now() + Number(value) * 1000;
    // Max-Age wins over Expires.
    if (name === 'expires' && !attributes.some((a) => a.trim().toLowerCase().startsWith('max-age'))) {
      cookie.expiresAt = Date.parse(value);
    }
  }
  return cookie;
}

function defaultPath(url: URL): string {
  const last = url.pathname.lastIndexOf('/');
  return last <= 0 ? '/' : url.pathname.slice(0, last);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

// ---------------------------------------------------------------------------------------------------------------
// The browser's part

export interface FollowSignInOptions {
  /** Where the browser starts: an /oidc/auth URL, or a client's own start URL that redirects there. */
  startUrl: string | URL;
  email: string;
  password: string;
  jar?: CookieJar;
  /**
   * Stop before requesting the first URL this accepts (e.g. the client's redirect_uri, to take the code without
   * running the client). Default: follow to the end.
   */
  stopAt?: (url: URL) => boolean;
  /** Redirects and form posts before giving up. Default 20. */
  maxSteps?: number;
}

export type SignInChain =
  | { stopped: true; url: URL; submittedLogin: boolean; jar: CookieJar }
  | {
      stopped: false;
      /** The URL of the page the chain ended on (not a redirect, not a login form still to fill in). */
      url: URL;
      status: number;
      headers: Headers;
      body: string;
      submittedLogin: boolean;
      jar: CookieJar;
    };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const LOGIN_FORM = /<form\b[^>]*\bid="oidc-login-form"[^>]*\baction="([^"]+)"/;
/** oidc-provider's self-submitting page (form_post): e.g. ending the old session when another user signs in. */
const AUTO_SUBMIT = /<title>Submitting Callback<\/title>[\s\S]*?<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/;
const HIDDEN_INPUT = /<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g;

/**
 * Follows the chain like a browser: redirects (303 and POSTs after 301/302 become GETs), cookies, the login
 * form, which is submitted once, and oidc-provider's self-submitting forms (a browser's script submits them).
 * A login form that comes back (wrong password) ends the chain on that page.
 */
export async function followSignIn(options: FollowSignInOptions): Promise<SignInChain> {
  const jar = options.jar ?? new CookieJar();
  let url = new URL(options.startUrl);
  let request: { method: string; body?: URLSearchParams } = { method: 'GET' };
  let submittedLogin = false;

  for (let step = 0; step < (options.maxSteps ?? 20); step++) {
    if (options.stopAt?.(url)) return { stopped: true, url, submittedLogin, jar };
    const response = await fetchWithJar(url, request, jar);
    const location = response.headers.get('location');
    if (REDIRECT_STATUSES.has(response.status) && location) {
      await response.arrayBuffer();
      const keepsMethod = response.status === 307 || response.status === 308;
      request = keepsMethod ? request : { method: 'GET' };
      url = new URL(location, url);
      continue;
    }
    const body = await response.text();
    const action = LOGIN_FORM.exec(body)?.[1];
    if (action && !submittedLogin) {
      submittedLogin = true;
      url = new URL(decodeHtml(action), url);
      request = { method: 'POST', body: new URLSearchParams({ login: options.email, password: options.password }) };
      continue;
    }
    const autoSubmit = AUTO_SUBMIT.exec(body);
    if (autoSubmit) {
      url = new URL(decodeHtml(autoSubmit[1] ?? ''), url);
      const fields = [...(autoSubmit[2] ?? '').matchAll(HIDDEN_INPUT)].map(
        ([, name = '', value = '']): [string, string] => [name, decodeHtml(value)],
      );
      request = { method: 'POST', body: new URLSearchParams(fields) };
      continue;
    }
    return { stopped: false, url, status: response.status, headers: response.headers, body, submittedLogin, jar };
  }
  throw new OidcFlowError(`sign-in did not finish within ${options.maxSteps ?? 20} steps (last: ${url.href})`);
}

async function fetchWithJar(url: URL, request: { method: string; body?: URLSearchParams }, jar: CookieJar) {
  const headers: Record<string, string> = {};
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  if (request.body) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(url, { method: request.method, headers, body: request.body, redirect: 'manual' });
  jar.store(url, response);
  return response;
}

function decodeHtml(value: string): string {
  return value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

// ---------------------------------------------------------------------------------------------------------------
// The client's part

export interface OidcDiscovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  revocation_endpoint?: string;
  end_session_endpoint?: string;
  [key: string]: unknown;
}

export async function discover(issuer: string): Promise<OidcDiscovery> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new OidcFlowError(`discovery ${issuer} -> ${response.status}`);
  return (await response.json()) as OidcDiscovery;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface ClientCredentials {
  clientId: string;
  /** Absent: a public client (token_endpoint_auth_method none). */
  clientSecret?: string;
  /** Default client_secret_basic when there is a secret. */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
}

export interface TokenSet {
  idToken: string;
  accessToken: string;
  /** Present when offline_access was granted. */
  refreshToken?: string;
  expiresIn: number;
  scope: string;
  raw: Record<string, unknown>;
}

export interface AuthorizationRequest extends ClientCredentials {
  issuer: string;
  redirectUri: string;
  /** Default 'openid email profile offline_access'. */
  scope?: string;
  /** Extra authorization parameters (prompt, login_hint, …); a value of null removes a default one. */
  params?: Record<string, string | null>;
}

/** The authorization URL a client would build, with fresh PKCE, state and nonce. */
export async function buildAuthorizationUrl(request: AuthorizationRequest) {
  const discovery = await discover(request.issuer);
  const pkce = pkcePair();
  const state = randomBytes(12).toString('base64url');
  const nonce = randomBytes(12).toString('base64url');
  const url = new URL(discovery.authorization_endpoint);
  const params: Record<string, string | null> = {
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    scope: request.scope ?? 'openid email profile offline_access',
    state,
    nonce,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...request.params,
  };
  for (const [key, value] of Object.entries(params)) if (value !== null) url.searchParams.set(key, value);
  return { url, discovery, codeVerifier: pkce.verifier, state, nonce };
}

export interface SignInWithPasswordOptions extends AuthorizationRequest {
  email: string;
  password: string;
  jar?: CookieJar;
}

/**
 * Authorization code + PKCE as a confidential (or public) client: authorize, sign in with the form, take the code
 * from the redirect to redirectUri (not fetched), exchange it. Throws OidcFlowError when no code comes back
 * (`error` is the OAuth error of the redirect, or 'login_failed' when the chain ended on a page).
 */
export async function signInWithPassword(options: SignInWithPasswordOptions) {
  const { url, discovery, codeVerifier, state, nonce } = await buildAuthorizationUrl(options);
  const code = await authorizeWithPassword({ ...options, authorizationUrl: url, state });
  const tokens = await exchangeCode({ ...options, discovery, code, codeVerifier });
  return { ...tokens, nonce, discovery };
}

/** Runs the browser's part from an authorization URL and returns the code the redirect to redirectUri carries. */
export async function authorizeWithPassword(options: {
  authorizationUrl: string | URL;
  redirectUri: string;
  email: string;
  password: string;
  /** When given, the redirect's state must equal it. */
  state?: string;
  jar?: CookieJar;
}): Promise<string> {
  const target = new URL(options.redirectUri);
  const chain = await followSignIn({
    startUrl: options.authorizationUrl,
    email: options.email,
    password: options.password,
    jar: options.jar,
    stopAt: (url) => url.origin === target.origin && url.pathname === target.pathname,
  });
  if (!chain.stopped) {
    throw new OidcFlowError(`sign-in ended on ${chain.url.pathname} (${chain.status}), no code`, 'login_failed', chain);
  }
  const query = chain.url.searchParams;
  const error = query.get('error');
  if (error) throw new OidcFlowError(`authorization error ${error}: ${query.get('error_description')}`, error, chain);
  if (options.state !== undefined && query.get('state') !== options.state) {
    throw new OidcFlowError('state mismatch in the redirect', 'state_mismatch', chain);
  }
  const code = query.get('code');
  if (!code) throw new OidcFlowError(`redirect without code: ${chain.url.href}`);
  return code;
}

export async function exchangeCode(
  options: ClientCredentials & { issuer: string; redirectUri: string; code: string; codeVerifier?: string; discovery?: OidcDiscovery },
): Promise<TokenSet> {
  const discovery = options.discovery ?? (await discover(options.issuer));
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: options.code, redirect_uri: options.redirectUri });
  if (options.codeVerifier !== undefined) form.set('code_verifier', options.codeVerifier);
  return tokenRequest(discovery.token_endpoint, form, options);
}

export async function refreshTokens(
  options: ClientCredentials & { issuer: string; refreshToken: string; discovery?: OidcDiscovery },
): Promise<TokenSet> {
  const discovery = options.discovery ?? (await discover(options.issuer));
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: options.refreshToken });
  return tokenRequest(discovery.token_endpoint, form, options);
}

async function tokenRequest(endpoint: string, form: URLSearchParams, client: ClientCredentials): Promise<TokenSet> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.clientSecret === undefined) {
    form.set('client_id', client.clientId);
  } else if (client.authMethod === 'client_secret_post') {
    form.set('client_id', client.clientId);
    form.set('client_secret', client.clientSecret);
  } else {
    // RFC 6749 2.3.1: id and secret are form-urlencoded before base64.
    const basic = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  }
  const response = await fetch(endpoint, { method: 'POST', headers, body: form });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    throw new OidcFlowError(`token endpoint ${response.status}: ${JSON.stringify(body)}`, String(body.error), body);
  }
  return {
    idToken: String(body.id_token ?? ''),
    accessToken: String(body.access_token ?? ''),
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    expiresIn: Number(body.expires_in),
    scope: String(body.scope ?? ''),
    raw: body,
  };
}
