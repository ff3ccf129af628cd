import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeUser, upsertUsers } from '../../gateway/core';
import { CHROME_EXTENSION_ID } from '../../lib/extension-ids';
import { CardResponseSchema, type SessionTokens } from '../../lib/team/api';
import { fetchTeamCard } from '../../lib/team/card';
import { gatewayClient } from '../../lib/team/gateway-client';
import { memorySessions } from '../unit/team/memory-sessions';
import { signInWithPassword } from '../sandbox/oidc-flow';
import { AGENTS, api, counts, demoLead, type Harness, PROVIDER_TOKEN, pkce, redeem, registerClient, resetCounts, signIn, startHarness } from './harness';

/**
 * The gateway over HTTP as the extension meets it: sign-in hand-off, who you are only from the verified token,
 * the team's rules enforced at the gateway, token checks (forged, expired, wrong audience), CORS, size and rate
 * limits, logs without secrets. Real sandbox provider, real OIDC provider, real gateway.
 */

let clockOffsetMs = 0;
let harness: Harness;
let alice: { idToken: string; refreshToken?: string };
let bob: SessionTokens;

beforeAll(async () => {
  harness = await startHarness({ now: () => Date.now() + clockOffsetMs });
  alice = await signIn(harness.gateway.url, 'alice@example.com');
  bob = await signIn(harness.gateway.url, 'bob@example.com');
}, 30_000);
afterAll(() => harness.close());

const url = () => harness.gateway.url;

describe('sign-in hand-off', () => {
  it('the result goes only to the holder of the verifier, once', async () => {
    const { id, verifier, challenge } = pkce();
    expect(await redeem(url(), id, verifier)).toMatchObject({ status: 404 });
    const start = await fetch(`${url()}/auth/start?id=${id}&challenge=${challenge}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    expect(start.headers.get('location')).toMatch(new RegExp(`^${harness.sandbox.oidcIssuer}/auth\\?`));
    expect(await redeem(url(), id, verifier)).toEqual({ status: 200, body: { status: 'pending' } });
    expect(await redeem(url(), id, pkce().verifier)).toMatchObject({ status: 404, body: { status: 'failed' } });
  });

  it('a signed-in agent gets an ID token for this gateway and a refresh token; a redeemed sign-in is gone', async () => {
    const { id, verifier, challenge } = pkce();
    const { followSignIn } = await import('../sandbox/oidc-flow');
    const chain = await followSignIn({ startUrl: `${url()}/auth/start?id=${id}&challenge=${challenge}`, email: 'alice@example.com', password: 'sandbox-password' });
    expect(chain.stopped === false && chain.body).toContain('Signed in as alice@example.com');
    const first = await redeem(url(), id, verifier);
    expect(first.body).toMatchObject({ status: 'signed-in', session: { email: 'alice@example.com', name: 'Alice Agent' } });
    expect((first.body as { session: { refreshToken?: string } }).session.refreshToken).toBeTruthy();
    expect(await redeem(url(), id, verifier)).toMatchObject({ status: 404 });
  });

  it('someone the IdP knows but the team does not: the sign-in fails, saying so', async () => {
    const team = await startHarness({ members: [AGENTS[0] as (typeof AGENTS)[number]], sandbox: harness.sandbox });
    try {
      await expect(signIn(team.gateway.url, 'bob@example.com')).rejects.toThrow('bob@example.com is not a member of this team at the gateway');
    } finally {
      await team.close();
    }
  }, 20_000);

  it('refresh renews the sign-in; after sign-out the refresh token is revoked', async () => {
    const session = await signIn(url(), 'alice@example.com');
    const renewed = await api(url(), '/auth/refresh', undefined, { refreshToken: session.refreshToken });
    expect(renewed.status).toBe(200);
    expect((await api(url(), '/v1/me', renewed.body.idToken as string)).body).toMatchObject({ email: 'alice@example.com' });
    expect((await api(url(), '/auth/sign-out', undefined, { refreshToken: renewed.body.refreshToken })).status).toBe(204);
    expect(await api(url(), '/auth/refresh', undefined, { refreshToken: renewed.body.refreshToken })).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  });
});

describe('who you are comes from the token only', () => {
  it('/v1/me: the provider user, role and the team rules', async () => {
    expect((await api(url(), '/v1/me', alice.idToken)).body).toEqual({
      email: 'alice@example.com',
      name: 'Alice Agent',
      providerUserId: 'u_alice',
      role: 'agent',
      rules: { orgId: 'org_demo', providerDashboardUrl: `${harness.sandbox.url}/app`, allowReassign: true, reassignWhenOwnerUnknown: 'allow', defaultCountry: 'US' },
    });
  });

  it("bob asking for alice's magic link: 403, no provider request", async () => {
    await resetCounts(harness.sandbox);
    const answer = await api(url(), '/v1/login', bob.idToken, { userId: 'u_alice' });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ ok: false });
    expect((await counts(harness.sandbox)).magicLink).toBe(0);
  });

  it('bob assigning to alice: 403, no provider request', async () => {
    await resetCounts(harness.sandbox);
    const answer = await api(url(), '/v1/chat', bob.idToken, { lead: demoLead(), assignTo: 'u_alice' });
    expect(answer.status).toBe(403);
    expect(await counts(harness.sandbox)).toMatchObject({ createContact: 0, assign: 0 });
  });

  it("identity fields in a body are ignored: bob's Chat naming alice is bob's", async () => {
    await resetCounts(harness.sandbox);
    const lead = demoLead();
    const answer = await api(url(), '/v1/chat', bob.idToken, { lead, email: 'alice@example.com', agentEmail: 'alice@example.com', providerUserId: 'u_alice', userId: 'u_alice' });
    expect(answer).toMatchObject({ status: 200, body: { ok: true, created: true } });
    const state = (await (await fetch(`${harness.sandbox.url}/__sandbox/state`)).json()) as { chatrooms: { contact_id: string; assigned_user_id: string }[] };
    expect(state.chatrooms.find((room) => room.contact_id === answer.body.contactId)).toMatchObject({ assigned_user_id: 'u_bob' });
    const login = await api(url(), '/v1/login', bob.idToken, { email: 'alice@example.com' });
    expect(login).toMatchObject({ status: 200, body: { ok: true } });
    expect(await counts(harness.sandbox)).toMatchObject({ createContact: 1, assign: 1, magicLink: 1 });
  });
});

describe('tokens the gateway refuses (401)', () => {
  it('none', async () => {
    expect(await api(url(), '/v1/me', undefined)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  });

  it('forged: right claims, signed by someone else', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const claims = JSON.parse(Buffer.from(alice.idToken.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
    const kid = (JSON.parse(Buffer.from(alice.idToken.split('.')[0] as string, 'base64url').toString()) as { kid: string }).kid;
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    expect(await api(url(), '/v1/me', forged)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    const unsigned = `${alice.idToken.split('.').slice(0, 2).join('.')}.`;
    expect(await api(url(), '/v1/me', unsigned)).toMatchObject({ status: 401 });
  });

  it('expired: a real token once the gateway clock is past its expiry', async () => {
    clockOffsetMs = 2 * 60 * 60 * 1000;
    try {
      expect(await api(url(), '/v1/me', alice.idToken)).toMatchObject({ status: 401, body: { error: 'token-expired' } });
    } finally {
      clockOffsetMs = 0;
    }
    expect((await api(url(), '/v1/me', alice.idToken)).status).toBe(200);
  });

  it('wrong audience: a real ID token the same IdP issued to another application', async () => {
    const other = await registerClient(harness.sandbox, 'http://127.0.0.1:9', 'other-app');
    const tokens = await signInWithPassword({
      issuer: harness.sandbox.oidcIssuer,
      clientId: other.id,
      clientSecret: other.secret,
      redirectUri: 'http://127.0.0.1:9/auth/callback',
      email: 'alice@example.com',
      password: 'sandbox-password',
    });
    const answer = await api(url(), '/v1/me', tokens.idToken);
    expect(answer).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(answer.body.message).toContain('aud');
  });
});

describe('the CRM card of a chatroom (GET /v1/chatrooms/:chatroomId/card)', () => {
  const cardPath = (chatroomId: string) => `/v1/chatrooms/${encodeURIComponent(chatroomId)}/card`;
  /** The extension's side: lib/team/card.ts through the real gateway client, signed in as bob. */
  const bobsClient = () => gatewayClient(url(), memorySessions({ gatewayUrl: url(), ...bob }));
  const lead = () => ({
    ...demoLead({ pageUrl: 'https://crm.example.com/leads/7?tab=overview', email: 'gwen@example.com', ownerName: 'Alice Agent', ownerEmail: 'alice@example.com' }),
    profileLabel: 'Demo CRM',
    extra: [{ label: 'Company', value: 'Gateway Ltd' }],
  });

  it("bob reads the card of alice's Chat; his own Chat on the lead makes him its opener", async () => {
    const read = lead();
    const before = Date.now();
    const opened = await api(url(), '/v1/chat', alice.idToken, { lead: read });
    expect(opened).toMatchObject({ status: 200, body: { ok: true } });
    const chatroomId = opened.body.chatroomId as string;

    const answer = await api(url(), cardPath(chatroomId), bob.idToken);
    expect(answer.status).toBe(200);
    const card = {
      crmId: read.crmId,
      crmLabel: 'Demo CRM',
      pageUrl: 'https://crm.example.com/leads/7?tab=overview',
      firstName: 'Gwen',
      lastName: 'Gateway',
      phone: '+14155550100',
      email: 'gwen@example.com',
      ownerName: 'Alice Agent',
      ownerEmail: 'alice@example.com',
      extra: [{ label: 'Company', value: 'Gateway Ltd' }],
      openedBy: { email: 'alice@example.com', name: 'Alice Agent' },
      openedAt: expect.any(Number),
    };
    expect(CardResponseSchema.parse(answer.body)).toEqual({ found: true, card });
    const openedAt = (answer.body.card as { openedAt: number }).openedAt;
    expect(openedAt).toBeGreaterThanOrEqual(before);
    expect(await fetchTeamCard(bobsClient(), chatroomId)).toEqual(answer.body);

    expect(await api(url(), '/v1/chat', bob.idToken, { lead: read })).toMatchObject({ status: 200, body: { ok: true, chatroomId } });
    const after = await fetchTeamCard(bobsClient(), chatroomId);
    expect(after).toEqual({ found: true, card: { ...card, openedBy: { email: 'bob@example.com', name: 'Bob Agent' } } });
    expect(after.found && after.card.openedAt).toBeGreaterThanOrEqual(openedAt);
  });

  it('found: false for a chatroom the team did not open', async () => {
    expect(await api(url(), cardPath('r_never_opened'), alice.idToken)).toEqual(expect.objectContaining({ status: 200, body: { found: false } }));
    expect(await fetchTeamCard(bobsClient(), 'r/../never?opened')).toEqual({ found: false });
  });

  it('the chatroom id is checked: at most 256 characters', async () => {
    expect(await api(url(), cardPath('r'.repeat(256)), alice.idToken)).toMatchObject({ status: 200, body: { found: false } });
    expect(await api(url(), cardPath('r'.repeat(257)), alice.idToken)).toMatchObject({ status: 400, body: { error: 'bad-request' } });
  });

  it('signed in only, as a member of the team', async () => {
    expect(await api(url(), cardPath('r_1'), undefined)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    await removeUser(harness.gateway.database.db, 'bob@example.com');
    try {
      const refused = { error: 'not-a-member', message: 'bob@example.com is not a member of this team at the gateway. Ask your administrator to add you.' };
      expect(await api(url(), cardPath('r_1'), bob.idToken)).toMatchObject({ status: 403, body: refused });
      await expect(fetchTeamCard(bobsClient(), 'r_1')).rejects.toThrow(`The team gateway answered 403: ${refused.message}`);
    } finally {
      await upsertUsers(harness.gateway.database.db, [AGENTS[1] as (typeof AGENTS)[number]]);
    }
  });
});

describe('the HTTP surface', () => {
  it('health needs no sign-in and names the database', async () => {
    expect(await api(url(), '/health', undefined)).toMatchObject({ status: 200, body: { ok: true, database: 'pglite', problems: [] } });
  });

  it("CORS answers the extension's origins only", async () => {
    const preflight = (origin: string) =>
      fetch(`${url()}/v1/chat`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' } });
    expect((await preflight(`chrome-extension://${CHROME_EXTENSION_ID}`)).headers.get('access-control-allow-origin')).toBe(`chrome-extension://${CHROME_EXTENSION_ID}`);
    expect((await preflight('moz-extension://0b9f5c56-1d2e-4c4b-9d1e-1a2b3c4d5e6f')).headers.get('access-control-allow-origin')).toBe(
      'moz-extension://0b9f5c56-1d2e-4c4b-9d1e-1a2b3c4d5e6f',
    );
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight('chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a body over 32 KB is refused before it is read into a Chat', async () => {
    const huge = JSON.stringify({ lead: demoLead({ firstName: 'x'.repeat(40_000) }) });
    expect(await api(url(), '/v1/chat', alice.idToken, huge)).toMatchObject({ status: 413 });
  });

  it('malformed requests: 400 with the reason, no provider request', async () => {
    await resetCounts(harness.sandbox);
    expect(await api(url(), '/v1/chat', alice.idToken, { lead: { crmId: '' } })).toMatchObject({ status: 400 });
    expect(await api(url(), '/v1/chat', alice.idToken, 'not json')).toMatchObject({ status: 400 });
    expect(await counts(harness.sandbox)).toMatchObject({ createContact: 0, assign: 0 });
  });

  it('rate limit per agent: over the limit, 429 for that agent only', async () => {
    const limited = await startHarness({ env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '3' }, sandbox: harness.sandbox });
    try {
      const first = await signIn(limited.gateway.url, 'alice@example.com');
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await api(limited.gateway.url, '/v1/me', first.idToken)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const other = await signIn(limited.gateway.url, 'bob@example.com');
      expect((await api(limited.gateway.url, '/v1/me', other.idToken)).status).toBe(200);
    } finally {
      await limited.close();
    }
  }, 20_000);

  it('logs carry no provider token, no ID token, no authorization code', async () => {
    const all = harness.logs.join('\n');
    expect(harness.logs.length).toBeGreaterThan(10);
    expect(all).not.toContain(PROVIDER_TOKEN);
    expect(all).not.toContain(alice.idToken);
    expect(all).not.toMatch(/[?&]code=/);
  });
});
