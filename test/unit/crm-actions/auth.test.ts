import { describe, expect, it } from 'vitest';
import { AuthFailure, type AuthDeps, authenticator, type CachedToken, type TokenStore } from '../../../lib/crm-actions/auth';
import type { CrmActionAuth } from '../../../lib/crm-actions/schema';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const REQUEST = { url: 'https://crm.test/api/notes?x=1', headers: { Accept: 'application/json' } };

/** A token store in memory that counts what it is asked. */
function memoryTokens(initial: Record<string, CachedToken> = {}): TokenStore & { map: Map<string, CachedToken>; deleted: string[] } {
  const map = new Map(Object.entries(initial));
  const deleted: string[] = [];
  return {
    map,
    deleted,
    get: async (key) => map.get(key),
    set: async (key, token) => {
      map.set(key, token);
    },
    delete: async (key) => {
      deleted.push(key);
      map.delete(key);
    },
  };
}

interface TokenCall {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  form: Record<string, string>;
}

/** A token endpoint answering from a script (one answer per request; the last one repeats). */
function tokenEndpoint(...answers: (() => Response | Promise<Response>)[]) {
  const calls: TokenCall[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({
      url: String(input),
      method: init?.method,
      headers: init?.headers as Record<string, string>,
      form: Object.fromEntries(new URLSearchParams(String(init?.body))),
    });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (!answer) throw new Error('no answer scripted');
    return answer();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (status: number, body: unknown) => () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const token = (accessToken: string, expiresIn?: number) => json(200, { access_token: accessToken, token_type: 'Bearer', ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) });

let unique = 0;
/** Each test its own client id: the authenticator shares pending token requests by endpoint and client. */
function clientCredentials(fields: Partial<Extract<CrmActionAuth, { type: 'oauth-client-credentials' }>> = {}): CrmActionAuth {
  unique += 1;
  return { type: 'oauth-client-credentials', tokenUrl: 'https://login.crm.test/oauth/token', clientId: `client-${unique}`, clientSecret: 'client-secret-0123456789', ...fields };
}
function refreshToken(fields: Partial<Extract<CrmActionAuth, { type: 'oauth-refresh-token' }>> = {}): CrmActionAuth {
  unique += 1;
  return {
    type: 'oauth-refresh-token',
    tokenUrl: 'https://accounts.zoho.test/oauth/v2/token',
    clientId: `zoho-client-${unique}`,
    clientSecret: 'zoho-secret-0123456789',
    refreshToken: '1000.refresh-token-abcdef',
    ...fields,
  };
}

function deps(fetch: typeof globalThis.fetch, tokens: TokenStore = memoryTokens(), now: () => number = () => NOW): AuthDeps {
  return { fetch, now, tokens, timeoutMs: 8000 };
}

/** The AuthFailure `promise` rejects with (fails the test when it resolves or rejects with something else). */
async function authFailure(promise: Promise<unknown>): Promise<{ message: string; transient: boolean; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthFailure);
    const failure = error as AuthFailure;
    return { message: failure.message, transient: failure.transient, status: failure.status };
  }
  throw new Error('expected an AuthFailure');
}

const noFetch = (async () => {
  throw new Error('fetch must not be called');
}) as typeof globalThis.fetch;

describe('static credentials', () => {
  it('no auth: the request goes as it is, renew cannot help, no secrets', async () => {
    const auth = authenticator(undefined, deps(noFetch));
    expect(await auth.apply(REQUEST)).toEqual(REQUEST);
    expect(await auth.renew()).toBe(false);
    expect(auth.secrets).toEqual([]);
  });

  it('header: the value with {SECRET} replaced, beside the headers already there', async () => {
    const auth = authenticator({ type: 'header', header: 'Authorization', value: 'Token token={SECRET}', secret: 'pd-secret-0123456789' }, deps(noFetch));
    expect(await auth.apply(REQUEST)).toEqual({
      url: REQUEST.url,
      headers: { Accept: 'application/json', Authorization: 'Token token=pd-secret-0123456789' },
    });
    expect(await auth.renew()).toBe(false);
    expect(auth.secrets).toEqual(['pd-secret-0123456789']);
  });

  it('header: every {SECRET} in the value is replaced', async () => {
    const auth = authenticator({ type: 'header', header: 'X-Keys', value: '{SECRET}/{SECRET}', secret: 'abc' }, deps(noFetch));
    expect((await auth.apply(REQUEST)).headers).toEqual({ Accept: 'application/json', 'X-Keys': 'abc/abc' });
  });

  it('query: the secret is added as a URL-encoded parameter after the URL’s own', async () => {
    const auth = authenticator({ type: 'query', parameter: 'api_token', secret: 'a b&c=d' }, deps(noFetch));
    expect(await auth.apply(REQUEST)).toEqual({ url: 'https://crm.test/api/notes?x=1&api_token=a+b%26c%3Dd', headers: REQUEST.headers });
    expect(await auth.renew()).toBe(false);
    expect(auth.secrets).toEqual(['a b&c=d']);
  });

  it('basic: user:password in UTF-8, base64; the password and the whole header are secrets', async () => {
    const auth = authenticator({ type: 'basic', username: 'api@acme.test', password: 'pässwörd-123' }, deps(noFetch));
    const expected = `Basic ${Buffer.from('api@acme.test:pässwörd-123', 'utf8').toString('base64')}`;
    expect(await auth.apply(REQUEST)).toEqual({ url: REQUEST.url, headers: { Accept: 'application/json', Authorization: expected } });
    expect(await auth.renew()).toBe(false);
    expect(auth.secrets).toEqual(['pässwörd-123', expected]);
  });
});

describe('OAuth 2.0 access tokens', () => {
  it('client credentials: one form POST to the token endpoint with scope and extra fields; Bearer by default', async () => {
    const endpoint = tokenEndpoint(token('access-1', 3600));
    const config = clientCredentials({ scope: 'api', extra: { resource: 'https://org.crm.dynamics.test' } });
    const auth = authenticator(config, deps(endpoint.fetch));
    expect(await auth.apply(REQUEST)).toEqual({ url: REQUEST.url, headers: { Accept: 'application/json', Authorization: 'Bearer access-1' } });
    expect(endpoint.calls).toEqual([
      {
        url: 'https://login.crm.test/oauth/token',
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        form: {
          grant_type: 'client_credentials',
          client_id: (config as { clientId: string }).clientId,
          client_secret: 'client-secret-0123456789',
          scope: 'api',
          resource: 'https://org.crm.dynamics.test',
        },
      },
    ]);
    expect(auth.secrets).toEqual(['client-secret-0123456789']);
  });

  it('refresh token (Zoho): the refresh_token grant, and the configured scheme', async () => {
    const endpoint = tokenEndpoint(token('zoho-access', 3600));
    const config = refreshToken({ scheme: 'Zoho-oauthtoken' });
    const auth = authenticator(config, deps(endpoint.fetch));
    expect((await auth.apply(REQUEST)).headers).toEqual({ Accept: 'application/json', Authorization: 'Zoho-oauthtoken zoho-access' });
    expect(endpoint.calls.map((call) => call.form)).toEqual([
      {
        grant_type: 'refresh_token',
        refresh_token: '1000.refresh-token-abcdef',
        client_id: (config as { clientId: string }).clientId,
        client_secret: 'zoho-secret-0123456789',
      },
    ]);
    expect(auth.secrets).toEqual(['zoho-secret-0123456789', '1000.refresh-token-abcdef']);
  });

  it('the token is cached until a minute before its stated expiry, then fetched again', async () => {
    const endpoint = tokenEndpoint(token('access-1', 3600), token('access-2', 3600));
    const tokens = memoryTokens();
    let now = NOW;
    const config = clientCredentials();
    const auth = () => authenticator(config, deps(endpoint.fetch, tokens, () => now));
    expect((await auth().apply(REQUEST)).headers.Authorization).toBe('Bearer access-1');
    expect([...tokens.map.values()]).toEqual([{ accessToken: 'access-1', expiresAt: NOW + 3_600_000 - 60_000 }]);

    now = NOW + 3_540_000 - 1;
    expect((await auth().apply(REQUEST)).headers.Authorization).toBe('Bearer access-1');
    expect(endpoint.calls).toHaveLength(1);

    now = NOW + 3_540_000;
    expect((await auth().apply(REQUEST)).headers.Authorization).toBe('Bearer access-2');
    expect(endpoint.calls).toHaveLength(2);
    expect([...tokens.map.values()]).toEqual([{ accessToken: 'access-2', expiresAt: now + 3_540_000 }]);
  });

  it('a token without a stated lifetime is used until the CRM refuses it', async () => {
    const endpoint = tokenEndpoint(token('forever'), token('second'));
    const tokens = memoryTokens();
    let now = NOW;
    const config = clientCredentials();
    expect((await authenticator(config, deps(endpoint.fetch, tokens, () => now)).apply(REQUEST)).headers.Authorization).toBe('Bearer forever');
    expect([...tokens.map.values()]).toEqual([{ accessToken: 'forever' }]);
    now = NOW + 30 * 24 * 3_600_000;
    expect((await authenticator(config, deps(endpoint.fetch, tokens, () => now)).apply(REQUEST)).headers.Authorization).toBe('Bearer forever');
    expect(endpoint.calls).toHaveLength(1);
  });

  it('a cached token is not shared with another client or token endpoint', async () => {
    const endpoint = tokenEndpoint(token('for-a', 3600), token('for-b', 3600));
    const tokens = memoryTokens();
    const a = clientCredentials();
    const b = clientCredentials();
    expect((await authenticator(a, deps(endpoint.fetch, tokens)).apply(REQUEST)).headers.Authorization).toBe('Bearer for-a');
    expect((await authenticator(b, deps(endpoint.fetch, tokens)).apply(REQUEST)).headers.Authorization).toBe('Bearer for-b');
    expect(endpoint.calls).toHaveLength(2);
  });

  it('10 concurrent requests of one authenticator: one token request', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const endpoint = tokenEndpoint(async () => {
      await held;
      return token('shared', 3600)();
    });
    const auth = authenticator(clientCredentials(), deps(endpoint.fetch));
    const applied = Promise.all(Array.from({ length: 10 }, () => auth.apply(REQUEST)));
    await new Promise((resolve) => setTimeout(resolve, 0));
    release();
    const results = await applied;
    expect(endpoint.calls).toHaveLength(1);
    expect(results.map((result) => result.headers.Authorization)).toEqual(Array(10).fill('Bearer shared'));
  });

  it('10 concurrent write-backs (one authenticator each, one token store): one token request', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const endpoint = tokenEndpoint(async () => {
      await held;
      return token('shared', 3600)();
    });
    const tokens = memoryTokens();
    const config = clientCredentials();
    const applied = Promise.all(Array.from({ length: 10 }, () => authenticator(config, deps(endpoint.fetch, tokens)).apply(REQUEST)));
    await new Promise((resolve) => setTimeout(resolve, 0));
    release();
    const results = await applied;
    expect(endpoint.calls).toHaveLength(1);
    expect(results.map((result) => result.headers.Authorization)).toEqual(Array(10).fill('Bearer shared'));
  });

  it('renew (after a 401): the cached token is forgotten, a new one fetched and used from then on', async () => {
    const endpoint = tokenEndpoint(token('old', 3600), token('new', 3600));
    const tokens = memoryTokens();
    const config = clientCredentials();
    const auth = authenticator(config, deps(endpoint.fetch, tokens));
    expect((await auth.apply(REQUEST)).headers.Authorization).toBe('Bearer old');
    expect(await auth.renew()).toBe(true);
    expect(tokens.deleted).toHaveLength(1);
    expect((await auth.apply(REQUEST)).headers.Authorization).toBe('Bearer new');
    expect(endpoint.calls).toHaveLength(2);
    // Another write-back finds the new token in the store.
    expect((await authenticator(config, deps(endpoint.fetch, tokens)).apply(REQUEST)).headers.Authorization).toBe('Bearer new');
    expect(endpoint.calls).toHaveLength(2);
  });

  it('a token store that fails is only a cache: the token is fetched and used', async () => {
    const endpoint = tokenEndpoint(token('access', 3600));
    const broken: TokenStore = {
      get: async () => {
        throw new Error('storage gone');
      },
      set: async () => {
        throw new Error('storage gone');
      },
      delete: async () => {
        throw new Error('storage gone');
      },
    };
    const auth = authenticator(clientCredentials(), deps(endpoint.fetch, broken));
    expect((await auth.apply(REQUEST)).headers.Authorization).toBe('Bearer access');
    expect(await auth.renew()).toBe(true);
  });
});

describe('token endpoint failures', () => {
  it.each([
    [500, 'its token endpoint answered 500: no access token'],
    [503, 'its token endpoint answered 503: no access token'],
    [429, 'its token endpoint answered 429: no access token'],
  ])('%i: transient (trying again later may help)', async (status, message) => {
    const endpoint = tokenEndpoint(() => new Response('busy', { status }));
    expect(await authFailure(authenticator(clientCredentials(), deps(endpoint.fetch)).apply(REQUEST))).toEqual({ message, transient: true, status });
  });

  it('no connection: transient, without a status', async () => {
    const fetch = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof globalThis.fetch;
    expect(await authFailure(authenticator(clientCredentials(), deps(fetch)).apply(REQUEST))).toEqual({
      message: 'its token endpoint cannot be reached',
      transient: true,
      status: undefined,
    });
  });

  it('no answer in time: transient, naming the timeout', async () => {
    const fetch = (async () => {
      throw new DOMException('t', 'TimeoutError');
    }) as typeof globalThis.fetch;
    expect(await authFailure(authenticator(clientCredentials(), deps(fetch)).apply(REQUEST))).toEqual({
      message: 'its token endpoint did not answer within 8 s',
      transient: true,
      status: undefined,
    });
  });

  it('400 invalid_grant: permanent, with the endpoint’s error and description', async () => {
    const endpoint = tokenEndpoint(json(400, { error: 'invalid_grant', error_description: 'expired refresh token' }));
    expect(await authFailure(authenticator(refreshToken(), deps(endpoint.fetch)).apply(REQUEST))).toEqual({
      message: 'its token endpoint answered 400: invalid_grant (expired refresh token)',
      transient: false,
      status: 400,
    });
  });

  it('401 invalid_client: permanent', async () => {
    const endpoint = tokenEndpoint(json(401, { error: 'invalid_client' }));
    expect(await authFailure(authenticator(clientCredentials(), deps(endpoint.fetch)).apply(REQUEST))).toEqual({
      message: 'its token endpoint answered 401: invalid_client',
      transient: false,
      status: 401,
    });
  });

  it('Zoho’s 200 with {"error": "invalid_code"} and no token: permanent', async () => {
    const endpoint = tokenEndpoint(json(200, { error: 'invalid_code' }));
    expect(await authFailure(authenticator(refreshToken(), deps(endpoint.fetch)).apply(REQUEST))).toEqual({
      message: 'its token endpoint answered 200: invalid_code',
      transient: false,
      status: 200,
    });
  });

  it('a 200 whose access_token is empty or not JSON: permanent', async () => {
    for (const answer of [json(200, { access_token: '' }), () => new Response('<html>sign in</html>', { status: 200 })]) {
      const endpoint = tokenEndpoint(answer);
      expect(await authFailure(authenticator(clientCredentials(), deps(endpoint.fetch)).apply(REQUEST))).toEqual({
        message: 'its token endpoint answered 200: no access token',
        transient: false,
        status: 200,
      });
    }
  });

  it('an error_description is kept whole (the caller masks secrets in it before anything shortens it)', async () => {
    const endpoint = tokenEndpoint(json(400, { error: 'invalid_request', error_description: 'd'.repeat(500) }));
    expect((await authFailure(authenticator(clientCredentials(), deps(endpoint.fetch)).apply(REQUEST))).message).toBe(
      `its token endpoint answered 400: invalid_request (${'d'.repeat(500)})`,
    );
  });

  it('a failed token request is not cached: the next apply asks again', async () => {
    const endpoint = tokenEndpoint(json(503, {}), token('after-outage', 3600));
    const tokens = memoryTokens();
    const config = clientCredentials();
    await authFailure(authenticator(config, deps(endpoint.fetch, tokens)).apply(REQUEST));
    expect(tokens.map.size).toBe(0);
    expect((await authenticator(config, deps(endpoint.fetch, tokens)).apply(REQUEST)).headers.Authorization).toBe('Bearer after-outage');
    expect(endpoint.calls).toHaveLength(2);
  });

  it('renew whose token request fails rejects with the AuthFailure', async () => {
    const endpoint = tokenEndpoint(token('old', 3600), json(401, { error: 'invalid_client' }));
    const auth = authenticator(clientCredentials(), deps(endpoint.fetch));
    await auth.apply(REQUEST);
    expect(await authFailure(auth.renew())).toEqual({ message: 'its token endpoint answered 401: invalid_client', transient: false, status: 401 });
  });
});
