import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../lib/provider/errors';
import { createProvisioningApi, DEFAULT_LOOKUP_PATH, lookupPath, userIdFrom } from '../../../lib/provisioning/provider';

const settings = { apiUrl: 'https://api.test', orgId: 'org 1', apiToken: 'secret', timeoutMs: 1000, lookupPath: DEFAULT_LOOKUP_PATH };

function answering(respond: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const seen: Array<{ url: string; init: RequestInit }> = [];
  const counter = { requests: 0 };
  const api = createProvisioningApi(settings, counter, async (input, init = {}) => {
    seen.push({ url: String(input), init });
    return respond(String(input), init);
  });
  return { api, seen, counter };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('lookup URL', () => {
  it('fills {orgId} and {EMAIL} URL-encoded', () => {
    expect(lookupPath(settings, 'a+b@example.com')).toBe('/v1/org/org%201/user?email=a%2Bb%40example.com');
    expect(lookupPath({ ...settings, lookupPath: '/v2/users/by-email/{EMAIL}' }, 'x@y.z')).toBe('/v2/users/by-email/x%40y.z');
  });
});

describe('userIdFrom', () => {
  it.each([
    [{ user_id: 'u_1' }],
    [{ id: 'u_1' }],
    [{ user: { id: 'u_1' } }],
    [{ user: { user_id: 'u_1', email: 'A@example.com' } }],
    [{ user_id: 'u_1', email: 'a@example.com', first_name: 'A' }],
    [[{ id: 'u_2', email: 'b@example.com' }, { id: 'u_1', email: 'a@example.com' }]],
  ])('finds the id in %j', (body) => {
    expect(userIdFrom(body, 'a@example.com')).toBe('u_1');
  });

  it('accepts numeric ids', () => {
    expect(userIdFrom({ id: 42 }, 'a@example.com')).toBe('42');
  });

  it.each([
    [{}],
    [null],
    ['u_1'],
    [{ user_id: '' }],
    [{ user_id: 'u_9', email: 'someone-else@example.com' }],
    [[{ id: 'u_1' }]],
    [[]],
  ])('refuses %j', (body) => {
    expect(userIdFrom(body, 'a@example.com')).toBeUndefined();
  });
});

describe('createProvisioningApi', () => {
  it('creates users through the SaleschatClient and counts every request', async () => {
    const { api, seen, counter } = answering(() => json(200, { user_id: 'u_1' }));
    const input = { email: 'a@example.com', password: 'Secret-Pass-123', first_name: 'A', last_name: 'B', ask_user_to_update_password_on_login: true };
    await expect(api.createUser(input)).resolves.toBe('u_1');
    expect(seen[0]?.url).toBe('https://api.test/v1/org/org%201/user');
    expect(JSON.parse(String(seen[0]?.init.body))).toEqual(input);
    expect(counter.requests).toBe(1);
  });

  it('looks a user up with the bearer token', async () => {
    const { api, seen, counter } = answering(() => json(200, { user_id: 'u_7', email: 'a@example.com' }));
    await expect(api.findUserIdByEmail('a@example.com')).resolves.toBe('u_7');
    expect(seen[0]?.url).toBe('https://api.test/v1/org/org%201/user?email=a%40example.com');
    expect(new Headers(seen[0]?.init.headers).get('authorization')).toBe('Bearer secret');
    expect(counter.requests).toBe(1);
  });

  it('answers undefined on 404, whatever the body', async () => {
    await expect(answering(() => json(404, { error_code: 4040001 })).api.findUserIdByEmail('a@example.com')).resolves.toBeUndefined();
    await expect(answering(() => new Response('<html>', { status: 404 })).api.findUserIdByEmail('a@example.com')).resolves.toBeUndefined();
  });

  it('maps lookup failures to ProviderErrors the retry policy understands', async () => {
    const busy = await failure(answering(() => json(429, { error_code: 4290001, error_message: 'TOO_MANY' }, { 'Retry-After': '2' })).api.findUserIdByEmail('a@example.com'));
    expect(busy).toMatchObject({ kind: 'http', retryable: true, details: { endpoint: 'getUserByEmail', status: 429, errorCode: 4290001, retryAfterMs: 2000 } });
    const denied = await failure(answering(() => new Response('nope', { status: 405 })).api.findUserIdByEmail('a@example.com'));
    expect(denied).toMatchObject({ kind: 'http', retryable: false, details: { endpoint: 'getUserByEmail', status: 405 } });
    expect(denied.message).toMatch(/^Saleschat answered HTTP 405/);
    const odd = await failure(answering(() => json(200, { name: 'A' })).api.findUserIdByEmail('a@example.com'));
    expect(odd.kind).toBe('invalid-response');
    const down = await failure(
      answering(() => {
        throw new TypeError('fetch failed');
      }).api.findUserIdByEmail('a@example.com'),
    );
    expect(down).toMatchObject({ kind: 'network', retryable: true });
  });

  it('times out a lookup that never answers', async () => {
    const api = createProvisioningApi({ ...settings, timeoutMs: 20 }, { requests: 0 }, (_input, init) => {
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    });
    expect(await failure(api.findUserIdByEmail('a@example.com'))).toMatchObject({ kind: 'timeout', retryable: true });
  });
});
