import { createRemoteJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { call, control, useSandbox } from './helpers';
import {
  authorizeWithPassword,
  buildAuthorizationUrl,
  CookieJar,
  discover,
  exchangeCode,
  followSignIn,
  OidcFlowError,
  refreshTokens,
  signInWithPassword,
} from './oidc-flow';

const sb = useSandbox();
const CLIENT = { clientId: 'ccb-gateway', clientSecret: 'sandbox-oidc-secret' };
const REDIRECT_URI = 'http://127.0.0.1:4020/auth/callback';
const PASSWORD = 'sandbox-password';

function issuer(sandbox: { url: string } = sb) {
  return `${sandbox.url}/oidc`;
}

async function verifyIdToken(idToken: string, clientId = CLIENT.clientId, iss = issuer()): Promise<JWTPayload> {
  const discovery = await discover(iss);
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const { payload, protectedHeader } = await jwtVerify(idToken, jwks, { issuer: iss, audience: clientId });
  expect(protectedHeader.alg).toBe('RS256');
  return payload;
}

async function rejection(promise: Promise<unknown>): Promise<OidcFlowError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OidcFlowError);
  return error as OidcFlowError;
}

describe('discovery', () => {
  it('names the /oidc issuer and puts every endpoint under it', async () => {
    expect(sb.sandbox.oidcIssuer).toBe(issuer());
    const discovery = await discover(issuer());
    expect(discovery.issuer).toBe(issuer());
    const urls = Object.entries(discovery).filter(([key]) => key.endsWith('_endpoint') || key === 'jwks_uri');
    expect(urls.map(([key]) => key)).toEqual(
      expect.arrayContaining([
        'authorization_endpoint',
        'token_endpoint',
        'userinfo_endpoint',
        'jwks_uri',
        'revocation_endpoint',
        'end_session_endpoint',
      ]),
    );
    for (const [key, value] of urls) expect(value, key).toMatch(new RegExp(`^${issuer()}/`));
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.scopes_supported).toEqual(['openid', 'email', 'profile', 'offline_access']);
    expect(discovery.response_types_supported).toEqual(['code']);
  });

  it('publishes only the public half of the RS256 signing key', async () => {
    const jwks = (await (await fetch((await discover(issuer())).jwks_uri)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});

describe('authorization code + PKCE', () => {
  it('signs alice in and issues a verifiable ID token with email and name, plus a refresh token', async () => {
    const tokens = await signInWithPassword({ issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI, email: 'alice@example.com', password: PASSWORD });
    const claims = await verifyIdToken(tokens.idToken);
    expect(claims).toMatchObject({
      sub: 'idp|u_alice',
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Agent',
      nonce: tokens.nonce,
    });
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.scope.split(' ').sort()).toEqual(['email', 'offline_access', 'openid', 'profile']);

    const userinfo = await fetch(String(tokens.discovery.userinfo_endpoint), {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    expect(await userinfo.json()).toMatchObject({ sub: 'idp|u_alice', email: 'alice@example.com', name: 'Alice Agent' });
  });

  it('refreshes: a new ID token for the same user, a rotated refresh token, the old one refused', async () => {
    const first = await signInWithPassword({ issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI, email: 'BOB@example.com', password: PASSWORD });
    const refreshToken = first.refreshToken ?? '';
    const second = await refreshTokens({ issuer: issuer(), ...CLIENT, refreshToken });
    const claims = await verifyIdToken(second.idToken);
    expect(claims).toMatchObject({ sub: 'idp|u_bob', email: 'bob@example.com', name: 'Bob Agent' });
    expect(second.refreshToken).toEqual(expect.any(String));
    expect(second.refreshToken).not.toBe(refreshToken);

    const reused = await rejection(refreshTokens({ issuer: issuer(), ...CLIENT, refreshToken }));
    expect(reused.error).toBe('invalid_grant');
  });

  it('issues no refresh token without offline_access', async () => {
    const tokens = await signInWithPassword({
      issuer: issuer(),
      ...CLIENT,
      redirectUri: REDIRECT_URI,
      scope: 'openid email',
      email: 'alice@example.com',
      password: PASSWORD,
    });
    expect(tokens.refreshToken).toBeUndefined();
    expect((await verifyIdToken(tokens.idToken)).email).toBe('alice@example.com');
  });

  it('revokes a refresh token at the revocation endpoint', async () => {
    const tokens = await signInWithPassword({ issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI, email: 'alice@example.com', password: PASSWORD });
    const basic = Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64');
    const revoked = await fetch(String(tokens.discovery.revocation_endpoint), {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refreshToken ?? '', token_type_hint: 'refresh_token' }),
    });
    expect(revoked.status).toBe(200);
    const error = await rejection(refreshTokens({ issuer: issuer(), ...CLIENT, refreshToken: tokens.refreshToken ?? '' }));
    expect(error.error).toBe('invalid_grant');
  });

  it('keeps the IdP session: a second sign-in in the same cookie jar skips the login form', async () => {
    const jar = new CookieJar();
    const options = { issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI, email: 'alice@example.com', password: PASSWORD, jar };
    await signInWithPassword(options);
    expect(jar.list('127.0.0.1').map((cookie) => cookie.name)).toContain('_session');
    const again = await buildAuthorizationUrl(options);
    const chain = await followSignIn({ ...options, startUrl: again.url, stopAt: (url) => url.href.startsWith(REDIRECT_URI) });
    expect(chain).toMatchObject({ stopped: true, submittedLogin: false });
  });

  it('prompt=login shows the form despite a session, and another user can sign in with the same cookies', async () => {
    const jar = new CookieJar();
    const base = { issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI, password: PASSWORD, jar };
    await signInWithPassword({ ...base, email: 'alice@example.com' });
    const bob = await signInWithPassword({ ...base, email: 'bob@example.com', params: { prompt: 'login' } });
    expect(await verifyIdToken(bob.idToken)).toMatchObject({ email: 'bob@example.com', sub: 'idp|u_bob' });
    expect(bob.refreshToken).toEqual(expect.any(String));
    // prompt=consent is answered without a page (first-party clients).
    const consent = await buildAuthorizationUrl({ ...base, params: { prompt: 'consent' } });
    const chain = await followSignIn({ ...base, email: '', startUrl: consent.url, stopAt: (url) => url.href.startsWith(REDIRECT_URI) });
    expect(chain).toMatchObject({ stopped: true, submittedLogin: false });
  });

  it('signs out through the end_session endpoint (RP-initiated logout), back to the client', async () => {
    const jar = new CookieJar();
    const options = { issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI, email: 'alice@example.com', password: PASSWORD, jar };
    const tokens = await signInWithPassword(options);
    const endSession = new URL(String(tokens.discovery.end_session_endpoint));
    endSession.search = new URLSearchParams({
      id_token_hint: tokens.idToken,
      post_logout_redirect_uri: 'http://127.0.0.1:4020/',
    }).toString();
    const confirm = await fetch(endSession, { headers: { cookie: jar.header(endSession) ?? '' } });
    const html = await confirm.text();
    expect(html).toContain('<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>');
    const action = new URL(/<form id="op\.logoutForm" method="post" action="([^"]+)"/.exec(html)?.[1] ?? '');
    expect(action.href).toBe(`${issuer()}/session/end/confirm`);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const done = await fetch(action, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(action) ?? '', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }),
    });
    jar.store(action, done);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('http://127.0.0.1:4020/');

    // The IdP session is gone: the next sign-in shows the login form again.
    const again = await buildAuthorizationUrl(options);
    const chain = await followSignIn({ ...options, startUrl: again.url, stopAt: (url) => url.href.startsWith(REDIRECT_URI) });
    expect(chain).toMatchObject({ stopped: true, submittedLogin: true });
  });

  it('sets its cookies without Secure (plain http) and only under /oidc, the session cookie included', async () => {
    const { url } = await buildAuthorizationUrl({ issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI });
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/oidc\/interaction\/[\w-]+$/);
    for (const cookie of response.headers.getSetCookie()) expect(cookie.toLowerCase()).not.toContain('secure');

    const jar = new CookieJar();
    await signInWithPassword({ issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI, email: 'alice@example.com', password: PASSWORD, jar });
    const cookies = jar.list('127.0.0.1');
    expect(cookies).toContainEqual({ name: '_session', path: '/oidc', secure: false });
    for (const cookie of cookies) expect(cookie.path, cookie.name).toMatch(/^\/oidc(\/|$)/);
  });
});

describe('login form', () => {
  it('shows the fields browser tests fill in', async () => {
    const { url } = await buildAuthorizationUrl({ issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI, params: { login_hint: 'bob@example.com' } });
    const jar = new CookieJar();
    const start = await fetch(url, { redirect: 'manual' });
    jar.store(url, start);
    const loginUrl = new URL(start.headers.get('location') ?? '', url);
    const login = await fetch(loginUrl, { headers: { cookie: jar.header(loginUrl) ?? '' } });
    const html = await login.text();
    expect(login.status).toBe(200);
    expect(html).toMatch(/<form id="oidc-login-form" method="post" action="\/oidc\/interaction\/[\w-]+\/login"/);
    expect(html).toContain('<input type="text" name="login" value="bob@example.com"');
    expect(html).toContain('<input type="password" name="password"');
    expect(html).toContain('<button type="submit">Sign in</button>');
    expect(html).not.toContain('id="login-error"');

    // Without the interaction cookie (another browser, or expired): an error page, not a crash.
    const cookieless = await fetch(loginUrl);
    expect(cookieless.status).toBe(400);
    expect(await cookieless.text()).toContain('id="oidc-error"');
  });

  it('Cancel sends the user back to the client with error=access_denied', async () => {
    const { url } = await buildAuthorizationUrl({ issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI });
    const jar = new CookieJar();
    const start = await fetch(url, { redirect: 'manual' });
    jar.store(url, start);
    const loginUrl = new URL(start.headers.get('location') ?? '', url);
    const html = await (await fetch(loginUrl, { headers: { cookie: jar.header(loginUrl) ?? '' } })).text();
    const cancel = new URL(/<a href="([^"]+\/abort)">Cancel<\/a>/.exec(html)?.[1] ?? '', url);
    const chain = await followSignIn({ startUrl: cancel, email: '', password: '', jar, stopAt: (next) => next.href.startsWith(REDIRECT_URI) });
    expect(chain.stopped).toBe(true);
    expect(chain.url.searchParams.get('error')).toBe('access_denied');
    expect(chain.url.searchParams.get('code')).toBeNull();
  });

  it('answers a wrong password or an unknown email with the form again, an error and no code', async () => {
    for (const [email, password] of [
      ['alice@example.com', 'wrong-password'],
      ['mallory@example.com', PASSWORD],
    ]) {
      const { url } = await buildAuthorizationUrl({ issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI });
      const chain = await followSignIn({
        startUrl: url,
        email: email ?? '',
        password: password ?? '',
        stopAt: (next) => next.href.startsWith(REDIRECT_URI),
      });
      expect(chain.stopped).toBe(false);
      if (chain.stopped) return;
      expect(chain.submittedLogin).toBe(true);
      expect(chain.status).toBe(401);
      expect(chain.body).toContain('<p class="error" id="login-error" role="alert">Wrong email or password.</p>');
      expect(chain.body).toContain('id="oidc-login-form"');
      expect(chain.body).toContain(`value="${email}"`);
    }
    const error = await rejection(
      signInWithPassword({ issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI, email: 'alice@example.com', password: 'nope' }),
    );
    expect(error.error).toBe('login_failed');
  });
});

describe('PKCE', () => {
  it('refuses an authorization request without a code challenge', async () => {
    const { url } = await buildAuthorizationUrl({
      issuer: issuer(),
      ...CLIENT,
      redirectUri: REDIRECT_URI,
      params: { code_challenge: null, code_challenge_method: null },
    });
    const error = await rejection(
      authorizeWithPassword({ authorizationUrl: url, redirectUri: REDIRECT_URI, email: 'alice@example.com', password: PASSWORD }),
    );
    expect(error.error).toBe('invalid_request');
    expect(error.message).toContain('PKCE');
  });

  it('refuses a code exchange with a wrong or missing code_verifier', async () => {
    for (const codeVerifier of ['x'.repeat(43), undefined]) {
      const { url, state } = await buildAuthorizationUrl({ issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI });
      const code = await authorizeWithPassword({
        authorizationUrl: url,
        redirectUri: REDIRECT_URI,
        state,
        email: 'alice@example.com',
        password: PASSWORD,
      });
      const error = await rejection(exchangeCode({ issuer: issuer(), ...CLIENT, redirectUri: REDIRECT_URI, code, codeVerifier }));
      expect(error.error).toBe('invalid_grant');
    }
  });
});

describe('clients registered at run time', () => {
  it('registers a confidential client whose redirect URI then works; others are refused', async () => {
    const client = { client_id: 'test-gateway', client_secret: 'test-secret-123', redirect_uris: ['http://127.0.0.1:5999/cb'] };
    expect(await control(sb.url, 'POST', '/__sandbox/oidc/clients', client)).toEqual({ registered: 'test-gateway', issuer: issuer() });
    const credentials = { clientId: client.client_id, clientSecret: client.client_secret };
    const tokens = await signInWithPassword({ issuer: issuer(), ...credentials, redirectUri: 'http://127.0.0.1:5999/cb', email: 'bob@example.com', password: PASSWORD });
    expect((await verifyIdToken(tokens.idToken, 'test-gateway')).email).toBe('bob@example.com');

    const { url } = await buildAuthorizationUrl({ issuer: issuer(), ...credentials, redirectUri: 'http://127.0.0.1:5999/elsewhere' });
    const chain = await followSignIn({ startUrl: url, email: 'bob@example.com', password: PASSWORD, stopAt: (next) => next.port === '5999' });
    expect(chain).toMatchObject({ stopped: false, status: 400, submittedLogin: false });
    if (!chain.stopped) expect(chain.body).toContain('redirect_uri did not match any of the client');
  });

  it('replaces a client: the new redirect URI works, the old one no longer does', async () => {
    const base = { client_id: 'swap', client_secret: 'swap-secret-123' };
    await control(sb.url, 'POST', '/__sandbox/oidc/clients', { ...base, redirect_uris: ['http://127.0.0.1:6001/cb'] });
    await control(sb.url, 'POST', '/__sandbox/oidc/clients', { ...base, redirect_uris: ['http://127.0.0.1:6002/cb'] });
    const credentials = { issuer: issuer(), clientId: 'swap', clientSecret: 'swap-secret-123', email: 'alice@example.com', password: PASSWORD };
    await signInWithPassword({ ...credentials, redirectUri: 'http://127.0.0.1:6002/cb' });
    const error = await rejection(signInWithPassword({ ...credentials, redirectUri: 'http://127.0.0.1:6001/cb' }));
    expect(error.error).toBe('login_failed'); // ended on the provider's error page, no redirect at all
  });

  it('registers a public client (PKCE, no secret)', async () => {
    await control(sb.url, 'POST', '/__sandbox/oidc/clients', {
      client_id: 'public-app',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1:6003/cb'],
    });
    const tokens = await signInWithPassword({ issuer: issuer(), clientId: 'public-app', redirectUri: 'http://127.0.0.1:6003/cb', email: 'alice@example.com', password: PASSWORD });
    expect((await verifyIdToken(tokens.idToken, 'public-app')).email).toBe('alice@example.com');
  });

  it('answers 400 with payload.field to an invalid client', async () => {
    const cases: [unknown, string][] = [
      [{ client_id: 'x', redirect_uris: [] }, 'redirect_uris'],
      [{ client_id: 'x', redirect_uris: ['not a url'] }, 'redirect_uris.0'],
      [{ client_id: 'x', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['http://127.0.0.1:1/cb'] }, 'client_secret'],
      [{ client_id: 'x', redirect_uris: ['http://127.0.0.1:1/cb'], extra: 1 }, ''],
    ];
    for (const [body, field] of cases) {
      const result = await call(sb.url, 'POST', '/__sandbox/oidc/clients', { body, token: null });
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(result.body.payload.field).toBe(field);
    }
    // oidc-provider's own validation: a fragment is not allowed in a redirect URI.
    const fragment = await call(sb.url, 'POST', '/__sandbox/oidc/clients', {
      body: { client_id: 'x', redirect_uris: ['http://127.0.0.1:1/cb#frag'] },
      token: null,
    });
    expect(fragment.status).toBe(400);
    expect(fragment.body.error_description).toContain('fragment');
    expect((await call(sb.url, 'GET', '/__sandbox/oidc/clients', { token: null })).status).toBe(404);
  });
});

describe('options: TTLs and clients', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      quiet: true,
      oidcTtlSeconds: { idToken: 2, accessToken: 5 },
      oidcClients: [{ client_id: 'from-options', client_secret: 'options-secret', redirect_uris: ['http://127.0.0.1:6004/cb'] }],
    });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('issues ID tokens with the configured lifetime, access tokens too', async () => {
    const tokens = await signInWithPassword({
      issuer: issuer(sandbox),
      clientId: 'from-options',
      clientSecret: 'options-secret',
      redirectUri: 'http://127.0.0.1:6004/cb',
      email: 'alice@example.com',
      password: PASSWORD,
    });
    const claims = decodeJwt(tokens.idToken);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(2);
    expect(tokens.expiresIn).toBe(5);
    // The default client is there too, next to the configured one.
    const defaults = await signInWithPassword({ issuer: issuer(sandbox), ...CLIENT, redirectUri: REDIRECT_URI, email: 'bob@example.com', password: PASSWORD });
    expect((await verifyIdToken(defaults.idToken, CLIENT.clientId, issuer(sandbox))).email).toBe('bob@example.com');
  });

  it('refuses to start with an invalid client', async () => {
    await expect(
      startSandbox({ port: 0, quiet: true, oidcClients: [{ client_id: 'bad', redirect_uris: ['http://127.0.0.1:1/cb#x'] }] }),
    ).rejects.toThrow(/fragment/);
  });
});
