import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memorySessions } from './memory-sessions';
import { signInState, signOut, startSignIn } from '../../../lib/team/sign-in';

const GATEWAY = 'https://gateway.example.com';
const TOKENS = { idToken: 'id-1', refreshToken: 'refresh-1', expiresAt: 2_000_000_000_000, email: 'alice@example.com' };
const ME = {
  email: 'alice@example.com',
  name: 'Alice Agent',
  providerUserId: 'u_alice',
  role: 'agent',
  rules: { orgId: 'org_demo', providerDashboardUrl: 'https://app.example.com', allowReassign: true, reassignWhenOwnerUnknown: 'allow', defaultCountry: 'US' },
};

/** The gateway's half of the hand-off: pending `pendingPolls` times, then the result, for the right verifier only. */
function fakeGateway(options: { pendingPolls: number; result?: unknown }) {
  let started: { id: string; challenge: string } | undefined;
  const posted: { path: string; body: Record<string, string> }[] = [];
  let polls = 0;
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const path = String(input).slice(GATEWAY.length);
    const body = init?.body ? JSON.parse(String(init.body)) : {};
    posted.push({ path, body });
    const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status });
    if (path === '/v1/me') return json(ME);
    if (path === '/auth/sign-out') return new Response(null, { status: 204 });
    const challenge = createHash('sha256').update(body.verifier).digest('base64url');
    if (!started || body.id !== started.id || challenge !== started.challenge) return json({ status: 'failed', message: 'wrong verifier' }, 404);
    polls += 1;
    if (polls <= options.pendingPolls) return json({ status: 'pending' });
    return json(options.result ?? { status: 'signed-in', session: TOKENS });
  }) as typeof fetch;
  const opened: string[] = [];
  const closed: number[] = [];
  let tabOpen = true;
  const tabs = {
    create: async ({ url }: { url: string }) => {
      opened.push(url);
      const query = new URL(url).searchParams;
      started = { id: query.get('id') ?? '', challenge: query.get('challenge') ?? '' };
      return { id: 7 };
    },
    get: async () => {
      if (!tabOpen) throw new Error('No tab with id: 7');
      return {};
    },
    remove: async (id: number) => {
      closed.push(id);
    },
  };
  return { fetchImpl, tabs, opened, closed, posted, closeTab: () => (tabOpen = false) };
}

async function settled() {
  for (let i = 0; i < 50 && signInState().state === 'pending'; i += 1) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('team sign-in (extension side)', () => {
  it('opens the gateway in a tab with a fresh id and PKCE challenge, collects the tokens with the verifier, stores them with who I am, closes the tab', async () => {
    const gateway = fakeGateway({ pendingPolls: 2 });
    const sessions = memorySessions();
    const reply = await startSignIn({ gatewayUrl: GATEWAY, sessions, tabs: gateway.tabs, fetch: gateway.fetchImpl, sleep: async () => undefined });
    expect(reply).toEqual({ ok: true, message: 'Sign in with your company account in the tab that opened.' });
    expect(gateway.opened[0]).toMatch(/^https:\/\/gateway\.example\.com\/auth\/start\?id=[\w-]{43}&challenge=[\w-]{43}$/);
    await settled();
    expect(signInState()).toEqual({ state: 'idle' });
    expect(gateway.posted.filter((call) => call.path === '/auth/redeem')).toHaveLength(3);
    expect(sessions.current).toEqual({ ...TOKENS, gatewayUrl: GATEWAY, providerUserId: 'u_alice', name: 'Alice Agent', rules: ME.rules });
    expect(gateway.closed).toEqual([7]);
  });

  it('the gateway says the sign-in failed (e.g. not a team member): the state says why, nothing stored', async () => {
    const gateway = fakeGateway({ pendingPolls: 0, result: { status: 'failed', message: 'carol@example.com is not a member of this team at the gateway.' } });
    const sessions = memorySessions();
    await startSignIn({ gatewayUrl: GATEWAY, sessions, tabs: gateway.tabs, fetch: gateway.fetchImpl, sleep: async () => undefined });
    await settled();
    expect(signInState()).toMatchObject({ state: 'failed', message: 'carol@example.com is not a member of this team at the gateway.' });
    expect(sessions.current).toBeUndefined();
  });

  it('the agent closes the sign-in tab: polling stops with a message', async () => {
    const gateway = fakeGateway({ pendingPolls: 1000 });
    const sessions = memorySessions();
    await startSignIn({ gatewayUrl: GATEWAY, sessions, tabs: gateway.tabs, fetch: gateway.fetchImpl, sleep: async () => undefined });
    gateway.closeTab();
    await settled();
    expect(signInState()).toMatchObject({ state: 'failed', message: 'The sign-in tab was closed before the sign-in finished.' });
  });

  it('sign-out forgets the session and asks the gateway to revoke the refresh token', async () => {
    const gateway = fakeGateway({ pendingPolls: 0 });
    const sessions = memorySessions();
    await sessions.set({ ...TOKENS, gatewayUrl: GATEWAY });
    await signOut({ gatewayUrl: GATEWAY, sessions, fetch: gateway.fetchImpl });
    expect(sessions.current).toBeUndefined();
    expect(gateway.posted).toEqual([{ path: '/auth/sign-out', body: { refreshToken: 'refresh-1' } }]);
  });
});
