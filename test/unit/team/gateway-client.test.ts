import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config/resolve';
import { gatewayClient, NOT_SIGNED_IN } from '../../../lib/team/gateway-client';
import type { StoredSession } from '../../../lib/team/session';
import { memorySessions } from './memory-sessions';

const GATEWAY = 'https://gateway.example.com';
const NOW = 1_800_000_000_000;

const session = (overrides: Partial<StoredSession> = {}): StoredSession => ({
  gatewayUrl: GATEWAY,
  idToken: 'id-1',
  refreshToken: 'refresh-1',
  expiresAt: NOW + 3_600_000,
  email: 'alice@example.com',
  ...overrides,
});

interface Call {
  path: string;
  authorization: string | null;
  body: unknown;
}

/** A gateway answering from a script: each handler gets the call and returns [status, body]. */
function fakeGateway(handler: (call: Call) => [number, unknown]) {
  const calls: Call[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const call = { path: String(input).slice(GATEWAY.length), authorization: headers.get('authorization'), body: init?.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const [status, body] = handler(call);
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;
  return { calls, fetchImpl };
}

const renewed = { idToken: 'id-2', refreshToken: 'refresh-2', expiresAt: NOW + 7_200_000, email: 'alice@example.com' };

describe('gateway client (team mode)', () => {
  it('not signed in: refuses before any request, telling the agent where to sign in', async () => {
    const gateway = fakeGateway(() => [200, {}]);
    const client = gatewayClient(GATEWAY, memorySessions(), () => NOW, gateway.fetchImpl);
    await expect(client.call('/v1/me')).rejects.toThrow(new ConfigError(NOT_SIGNED_IN));
    expect(gateway.calls).toHaveLength(0);
  });

  it('sends the ID token as bearer', async () => {
    const gateway = fakeGateway(() => [200, { email: 'alice@example.com' }]);
    const client = gatewayClient(GATEWAY, memorySessions(session()), () => NOW, gateway.fetchImpl);
    await client.call('/v1/me');
    expect(gateway.calls).toEqual([{ path: '/v1/me', authorization: 'Bearer id-1', body: undefined }]);
  });

  it('renews a token about to expire before the call, once for two calls at the same time', async () => {
    const sessions = memorySessions(session({ expiresAt: NOW + 30_000 }));
    const gateway = fakeGateway((call) => (call.path === '/auth/refresh' ? [200, renewed] : [200, { ok: true }]));
    const client = gatewayClient(GATEWAY, sessions, () => NOW, gateway.fetchImpl);
    await Promise.all([client.call('/v1/chat', { lead: 1 }), client.call('/v1/chat', { lead: 2 })]);
    expect(gateway.calls.filter((call) => call.path === '/auth/refresh')).toEqual([{ path: '/auth/refresh', authorization: null, body: { refreshToken: 'refresh-1' } }]);
    expect(gateway.calls.filter((call) => call.path === '/v1/chat').map((call) => call.authorization)).toEqual(['Bearer id-2', 'Bearer id-2']);
    expect(sessions.current).toMatchObject({ idToken: 'id-2', refreshToken: 'refresh-2' });
  });

  it('a 401 token-expired renews and retries once; another 401 is not retried', async () => {
    let chats = 0;
    const gateway = fakeGateway((call) => {
      if (call.path === '/auth/refresh') return [200, renewed];
      chats += 1;
      return chats === 1 ? [401, { error: 'token-expired', message: 'The sign-in has expired.' }] : [401, { error: 'unauthorized', message: 'no' }];
    });
    const client = gatewayClient(GATEWAY, memorySessions(session()), () => NOW, gateway.fetchImpl);
    await expect(client.call('/v1/chat', {})).rejects.toThrow('The team gateway answered 401: no');
    expect(gateway.calls.map((call) => call.path)).toEqual(['/v1/chat', '/auth/refresh', '/v1/chat']);
  });

  it('the IdP refuses to renew: the session is forgotten and the agent told to sign in again', async () => {
    const sessions = memorySessions(session({ expiresAt: NOW - 1 }));
    const gateway = fakeGateway(() => [401, { error: 'unauthorized', message: 'Sign in again: refresh token revoked.' }]);
    const client = gatewayClient(GATEWAY, sessions, () => NOW, gateway.fetchImpl);
    await expect(client.call('/v1/me')).rejects.toThrow(/Your team sign-in has ended \(Sign in again: refresh token revoked\.\)/);
    expect(sessions.current).toBeUndefined();
  });

  it('a failure answer with ok:false is returned to the action, not thrown (the action shows it)', async () => {
    const refusal = { ok: false, message: "This lead's chat belongs to Alice Agent.", retryable: false };
    const gateway = fakeGateway(() => [403, refusal]);
    const client = gatewayClient(GATEWAY, memorySessions(session()), () => NOW, gateway.fetchImpl);
    await expect(client.call('/v1/chat', {})).resolves.toEqual(refusal);
  });

  it('a session for another gateway is not used', async () => {
    const gateway = fakeGateway(() => [200, {}]);
    const client = gatewayClient(GATEWAY, memorySessions(session({ gatewayUrl: 'https://old-gateway.example.com' })), () => NOW, gateway.fetchImpl);
    await expect(client.call('/v1/me')).rejects.toThrow(NOT_SIGNED_IN);
  });
});
