import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayConfigError, loadGatewayConfig } from '../../gateway/config';
import { upsertUsers } from '../../gateway/core';
import { CrmActionClaimLost, CrmActionsStopped, pgCrmActionJournal } from '../../gateway/core/crm-action-journal';
import { crmActionsService } from '../../gateway/core/crm-actions';
import type { GatewayDb } from '../../gateway/core/types';
import { openDatabase } from '../../gateway/db/open';
import { crmActionJournal } from '../../gateway/db/schema';
import type { RunningGateway } from '../../gateway/main';
import type { CrmActionRow } from '../../lib/crm-actions/runner';
import type { CrmAction } from '../../lib/crm-actions/schema';
import { actionVariables } from '../../lib/crm-actions/variables';
import type { SessionTokens } from '../../lib/team/api';
import { CrmActionsStatusSchema } from '../../lib/team/crm-actions-api';
import { control, type Json, useSandbox } from '../sandbox/helpers';
import { api, demoLead, type Harness, signIn, startHarness, startSandboxGateway } from './harness';
import { usePglite } from './helpers';
import { pgliteTemplate } from './pglite-template';
import { describeWithPostgres, startPostgres, type TestPostgres } from './postgres';

/**
 * The CRM write-back in team mode (CRM_ACTIONS): the gateway runs crmActions after a member's Chat or Login against
 * the sandbox's fake CRM API (its generic homegrown CRM, basic auth), journals them in its database, retries, and
 * answers their outcome to the member who caused them. Real gateway over HTTP, real sandbox, PGlite; several gateways
 * on one real PostgreSQL when one is installed.
 */

const sandbox = useSandbox();
const crm = () => `${sandbox.url}/crm-api`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ACTION = 'Sandbox CRM';
const ALICE = 'alice@example.com';

/** Find the lead's person by e-mail, then log the chat on them: the generic CRM's two requests. */
function crmActions(crmUrl: string): CrmAction[] {
  const auth = { type: 'basic', username: 'crm', password: 'sandbox-secret' } as const;
  const find = { name: 'find person', method: 'GET', url: `${crmUrl}/generic/people`, query: { email: '{EMAIL}' }, capture: { PERSON_ID: '/people/0/id' } } as const;
  const activities = `${crmUrl}/generic/people/{PERSON_ID}/activities`;
  return [
    {
      name: ACTION,
      on: ['chat-opened'],
      profiles: ['demo'],
      auth,
      steps: [
        find,
        {
          name: 'log the chat',
          method: 'POST',
          url: activities,
          body: {
            type: 'chat',
            subject: 'Chat with {FULL_NAME}',
            firstName: '{FIRST_NAME}',
            lastName: '{LAST_NAME}',
            agent: '{AGENT_EMAIL}',
            agentName: '{AGENT_NAME}',
            chatroom: '{CHATROOM_URL}',
            event: '{EVENT_ID}',
          },
        },
      ],
    },
    {
      name: 'Sandbox CRM (failed chats)',
      on: ['chat-failed'],
      auth,
      steps: [find, { name: 'log the failure', method: 'POST', url: activities, body: { type: 'failed-chat', outcome: '{OUTCOME}', agent: '{AGENT_EMAIL}' } }],
    },
    {
      name: 'Sandbox CRM (logins)',
      on: ['login'],
      auth,
      steps: [{ name: 'log the login', method: 'POST', url: `${crmUrl}/generic/people/p-1/activities`, body: { type: 'login', agent: '{AGENT_EMAIL}', agentId: '{AGENT_ID}' } }],
    },
  ];
}

/** The tests poll far more often than an extension would, past the per-agent rate limit. */
const crmEnv = () => ({ CRM_ACTIONS: JSON.stringify(crmActions(crm())), GATEWAY_RATE_LIMIT_PER_MINUTE: '100000' });

/** The sandbox's seeded generic person p-1 is ada@example.com. */
function adaLead(overrides: Record<string, string> = {}) {
  return demoLead({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', ...overrides });
}

async function activities(): Promise<Json[]> {
  return (await control(sandbox.url, 'GET', '/__sandbox/crm-api/records')).generic.activities;
}

async function crmRequests(endpoint: string): Promise<Json[]> {
  return ((await control(sandbox.url, 'GET', '/__sandbox/crm-api/requests')) as Json[]).filter((request) => request.endpoint === endpoint);
}

/** A journal row as the runner would add it, for a Chat on Ada by Alice. */
function dueRow(at: number, overrides: Partial<CrmActionRow> = {}): CrmActionRow {
  const eventId = randomUUID();
  const variables = actionVariables({
    event: 'chat-opened',
    eventId,
    lead: { profileId: 'demo', crmId: `demo:localhost:${eventId}`, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
    agent: { email: ALICE, name: 'Alice Agent', providerUserId: 'u_alice' },
    chat: { chatroomUrl: `${sandbox.url}/app/chatrooms/r_${eventId}` },
    now: at,
    defaultCountry: 'US',
  });
  return { id: `${eventId}#${ACTION}`, actionName: ACTION, event: 'chat-opened', variables, leadName: 'Ada Lovelace', attempts: 0, state: 'pending', nextAttemptAt: at, createdAt: at, updatedAt: at, ...overrides };
}

async function journalRows(db: GatewayDb) {
  return db.select().from(crmActionJournal).orderBy(crmActionJournal.createdAt);
}

function eventOf(row: CrmActionRow): string {
  return row.id.slice(0, row.id.indexOf('#'));
}

describe('a team Chat or Login logs itself in the CRM (one gateway, PGlite)', () => {
  let harness: Harness;
  let alice: SessionTokens;
  let bob: SessionTokens;
  beforeAll(async () => {
    harness = await startHarness({ sandbox: sandbox.sandbox, env: crmEnv() });
    alice = await signIn(harness.gateway.url, ALICE);
    bob = await signIn(harness.gateway.url, 'bob@example.com');
  }, 60_000);
  afterAll(() => harness?.close());

  const url = () => harness.gateway.url;
  const status = (eventId: string, session: SessionTokens = alice) => api(url(), `/v1/crm-actions/${eventId}`, session.idToken);
  const states = (eventId: string) => async () => ((await status(eventId)).body.actions as { state: string }[] | undefined)?.map((action) => action.state);

  it("alice's Chat: exactly one activity in the CRM with the configured body, the event done, the lead's data gone", async () => {
    const answer = await api(url(), '/v1/chat', alice.idToken, { lead: adaLead() });
    expect(answer.status).toBe(200);
    const eventId = answer.body.crmActionsEventId as string;
    expect(eventId).toMatch(UUID);

    await expect.poll(states(eventId), { timeout: 15_000, interval: 50 }).toEqual(['done']);
    const done = (await status(eventId)).body;
    expect(done).toEqual({ actions: [{ name: ACTION, state: 'done', attempts: 1, message: 'Logged to Sandbox CRM: chat with Ada Lovelace.' }] });
    expect(CrmActionsStatusSchema.parse(done)).toEqual(done);
    expect(await activities()).toEqual([
      {
        id: expect.any(String),
        createdAt: expect.any(String),
        personId: 'p-1',
        body: {
          type: 'chat',
          subject: 'Chat with Ada Lovelace',
          firstName: 'Ada',
          lastName: 'Lovelace',
          agent: ALICE,
          agentName: 'Alice Agent',
          chatroom: answer.body.chatroomUrl,
          event: eventId,
        },
      },
    ]);
    const requests = await crmRequests('generic.activity');
    expect(requests).toHaveLength(1);
    expect(requests[0].headers.authorization).toBe(`Basic ${btoa('crm:sandbox-secret')}`);
    const rows = await harness.gateway.database.db.select().from(crmActionJournal).where(eq(crmActionJournal.eventId, eventId));
    expect(rows).toMatchObject([{ id: `${eventId}#${ACTION}`, agentEmail: ALICE, event: 'chat-opened', state: 'done', variables: null, claimedBy: null, claimedUntil: null }]);
    // The CRM's password never reaches a log line.
    expect(harness.logs.join('\n')).not.toContain('sandbox-secret');
  }, 30_000);

  it('only the member who caused the event, or a manager, may read it; for others it does not exist', async () => {
    const answer = await api(url(), '/v1/chat', alice.idToken, { lead: adaLead() });
    const eventId = answer.body.crmActionsEventId as string;
    await expect.poll(states(eventId), { timeout: 15_000, interval: 50 }).toEqual(['done']);

    expect(await status(eventId, bob)).toMatchObject({ status: 404, body: { error: 'not-found' } });
    expect(await status(randomUUID())).toMatchObject({ status: 404, body: { error: 'not-found' } });
    expect(await status('not-an-event')).toMatchObject({ status: 400, body: { error: 'bad-request' } });
    expect((await api(url(), `/v1/crm-actions/${eventId}`, undefined)).status).toBe(401);
    await upsertUsers(harness.gateway.database.db, [{ email: 'bob@example.com', providerUserId: 'u_bob', role: 'manager' }]);
    try {
      expect(await status(eventId, bob)).toMatchObject({ status: 200, body: { actions: [{ name: ACTION, state: 'done' }] } });
    } finally {
      await upsertUsers(harness.gateway.database.db, [{ email: 'bob@example.com', providerUserId: 'u_bob', role: 'agent' }]);
    }
  }, 30_000);

  it('the CRM answers 500 twice, then 201: done after 3 attempts, one activity, the agent told it will be tried again meanwhile', async () => {
    await control(sandbox.url, 'POST', '/__sandbox/crm-api/faults', { endpoint: 'generic.activity', status: 500, times: 2 });
    const answer = await api(url(), '/v1/chat', alice.idToken, { lead: adaLead() });
    const eventId = answer.body.crmActionsEventId as string;

    await expect.poll(async () => (await status(eventId)).body, { timeout: 10_000, interval: 50 }).toMatchObject({
      actions: [{ state: 'pending', attempts: 1, message: expect.stringContaining('will try again in 2 s') }],
    });
    await expect.poll(states(eventId), { timeout: 20_000, interval: 100 }).toEqual(['done']);
    expect((await status(eventId)).body).toEqual({ actions: [{ name: ACTION, state: 'done', attempts: 3, message: 'Logged to Sandbox CRM after 3 tries: chat with Ada Lovelace.' }] });
    expect((await crmRequests('generic.activity')).map((request) => request.status)).toEqual([500, 500, 201]);
    expect(await activities()).toHaveLength(1);
  }, 40_000);

  it('the Chat is not delayed: its answer arrives before the CRM, 2 s away, has been called', async () => {
    await control(sandbox.url, 'POST', '/__sandbox/crm-api/settings', { latencyMs: 2000 });
    const started = performance.now();
    const answer = await api(url(), '/v1/chat', alice.idToken, { lead: adaLead() });
    const took = performance.now() - started;

    expect(answer.status).toBe(200);
    expect(took).toBeLessThan(2000);
    expect(await activities()).toEqual([]);
    const eventId = answer.body.crmActionsEventId as string;
    expect((await status(eventId)).body).toMatchObject({ actions: [{ name: ACTION, state: expect.stringMatching(/^(pending|running)$/) }] });
    await expect.poll(states(eventId), { timeout: 20_000, interval: 100 }).toEqual(['done']);
    expect(await activities()).toHaveLength(1);
  }, 40_000);

  it('a failed Chat: chat-failed, with what the agent was told', async () => {
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', status: 400, times: 1 });
    const answer = await api(url(), '/v1/chat', alice.idToken, { lead: adaLead() });
    expect(answer).toMatchObject({ status: 502, body: { ok: false } });
    const eventId = answer.body.crmActionsEventId as string;
    expect(eventId).toMatch(UUID);

    await expect.poll(states(eventId), { timeout: 15_000, interval: 50 }).toEqual(['done']);
    expect(await activities()).toMatchObject([{ personId: 'p-1', body: { type: 'failed-chat', outcome: answer.body.message, agent: ALICE } }]);
  }, 30_000);

  it('a Login: its own action, the agent as the member', async () => {
    const answer = await api(url(), '/v1/login', alice.idToken, {});
    expect(answer.status).toBe(200);
    const eventId = answer.body.crmActionsEventId as string;
    expect(eventId).toMatch(UUID);

    await expect.poll(states(eventId), { timeout: 15_000, interval: 50 }).toEqual(['done']);
    expect((await status(eventId)).body.actions).toMatchObject([{ name: 'Sandbox CRM (logins)', attempts: 1 }]);
    expect(await activities()).toMatchObject([{ personId: 'p-1', body: { type: 'login', agent: ALICE, agentId: 'u_alice' } }]);
  }, 30_000);

  it('no action concerns the event (another CRM profile): no event id, nothing journaled, nothing sent', async () => {
    const before = (await journalRows(harness.gateway.database.db)).length;
    const answer = await api(url(), '/v1/chat', alice.idToken, { lead: adaLead({ profileId: 'salesforce' }) });
    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty('crmActionsEventId');
    expect(await journalRows(harness.gateway.database.db)).toHaveLength(before);
    expect(await crmRequests('generic.findPeople')).toEqual([]);
  }, 30_000);
});

describe('following write-backs does not cost an agent their Chats', () => {
  it('GET /v1/crm-actions has a budget of its own: 5 × GATEWAY_RATE_LIMIT_PER_MINUTE, apart from Chat and Login', async () => {
    const harness = await startHarness({ sandbox: sandbox.sandbox, env: { ...crmEnv(), GATEWAY_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const alice = await signIn(harness.gateway.url, ALICE);
      const first = await api(harness.gateway.url, '/v1/chat', alice.idToken, { lead: adaLead() });
      const poll = () => api(harness.gateway.url, `/v1/crm-actions/${first.body.crmActionsEventId}`, alice.idToken);
      const polls = [];
      for (let index = 0; index < 10; index += 1) polls.push((await poll()).status);
      expect(polls).toEqual(Array(10).fill(200));
      expect((await poll()).status).toBe(429);
      expect((await api(harness.gateway.url, '/v1/chat', alice.idToken, { lead: adaLead() })).status).toBe(200);
      expect((await api(harness.gateway.url, '/v1/chat', alice.idToken, { lead: adaLead() })).status).toBe(429);
    } finally {
      await harness.close();
    }
  }, 60_000);
});

describe('CRM_ACTIONS at start-up', () => {
  const MINIMAL = {
    SALESCHAT_DASHBOARD_URL: 'https://app.saleschat.pro',
    SALESCHAT_ORG_ID: 'org_1',
    SALESCHAT_API_TOKEN: 'provider-token-for-config-tests',
    OIDC_ISSUER: 'https://login.example.com',
    OIDC_CLIENT_ID: 'gateway',
  };
  const load = (value: string) => loadGatewayConfig({ ...MINIMAL, CRM_ACTIONS: value });
  const problems = (value: string): string => {
    try {
      load(value);
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayConfigError);
      return (error as Error).message;
    }
    throw new Error('the configuration was accepted');
  };
  const action = (changes: Record<string, unknown> = {}) => ({ name: 'Acme CRM', on: ['chat-opened'], steps: [{ name: 'log', method: 'POST', url: 'https://crm.acme.example/api/activities', body: { lead: '{CRM_ID}' } }], ...changes });

  it('absent: no actions; given: the actions, as the extension reads them', () => {
    expect(loadGatewayConfig(MINIMAL).crmActions).toEqual([]);
    expect(load(JSON.stringify(crmActions('https://crm.acme.example')))).toMatchObject({ crmActions: [{ name: ACTION }, { name: 'Sandbox CRM (failed chats)' }, { name: 'Sandbox CRM (logins)' }] });
  });

  it('not JSON, or not an array: refused, saying so', () => {
    expect(problems('[{"name":')).toMatch(/CRM_ACTIONS: is not valid JSON \(/);
    expect(problems('{"name":"Acme CRM"}')).toMatch(/CRM_ACTIONS: must be a JSON array of actions/);
  });

  it('every problem at once, each naming the action and the step', () => {
    const message = problems(
      JSON.stringify([
        action({ steps: [{ name: 'find person', method: 'FETCH', url: 'https://crm.acme.example/people' }] }),
        action({ name: 'Other CRM', on: ['chat-closed'] }),
        action({ name: 'Third CRM', auth: { type: 'basic', username: 'crm' } }),
        { on: ['login'], steps: [] },
      ]),
    );
    expect(message).toContain('CRM_ACTIONS: action "Acme CRM" (CRM_ACTIONS[0]), step "find person": method: Invalid option');
    expect(message).toContain('CRM_ACTIONS: action "Other CRM" (CRM_ACTIONS[1]): on[0]: Invalid option');
    expect(message).toContain('CRM_ACTIONS: action "Third CRM" (CRM_ACTIONS[2]): auth.password: Invalid input');
    expect(message).toContain('CRM_ACTIONS: action 4 (CRM_ACTIONS[3]): name:');
    expect(message).toContain('CRM_ACTIONS: action 4 (CRM_ACTIONS[3]): steps: Too small');
    expect(problems(JSON.stringify([action({ auth: { type: 'password', secret: 'x' } })]))).toContain(
      'CRM_ACTIONS: action "Acme CRM" (CRM_ACTIONS[0]): auth.type: must be one of "header", "query", "basic", "oauth-client-credentials", "oauth-refresh-token"',
    );
  });

  it('what the shape cannot tell: unknown variables, a POST without a body, two actions with one name', () => {
    const message = problems(
      JSON.stringify([
        action({ steps: [{ name: 'log', method: 'POST', url: 'https://crm.acme.example/people/{PERSN_ID}/activities', body: { a: 1 } }] }),
        action({ name: 'Other CRM', steps: [{ name: 'create', method: 'POST', url: 'https://crm.acme.example/x' }] }),
        action({ name: 'Other CRM' }),
      ]),
    );
    expect(message).toContain('CRM_ACTIONS: action "Acme CRM", step "log": url uses {PERSN_ID}, which is neither a known variable');
    expect(message).toContain('CRM_ACTIONS: action "Other CRM", step "create": a POST needs a body');
    expect(message).toContain('CRM_ACTIONS: two actions are named "Other CRM"');
  });

  it('more than 10 actions are refused', () => {
    const many = Array.from({ length: 11 }, (_, index) => action({ name: `CRM ${index}` }));
    expect(problems(JSON.stringify(many))).toContain('CRM_ACTIONS: has 11 actions; at most 10 are allowed');
  });
});

describe('the journal on PGlite: claims', () => {
  const database = usePglite();
  const owner = { ownerOf: () => ALICE };

  it('add is idempotent: an event is journaled once per action', async () => {
    const journal = pgCrmActionJournal(database.db, owner);
    const row = dueRow(Date.now());
    expect(await journal.add([row])).toEqual([row]);
    expect(await journal.add([row])).toEqual([]);
    expect(await journalRows(database.db)).toHaveLength(1);
  });

  it('a due row is claimed by one journal; another gets it only once the lease ran out, and the first can then not start it', async () => {
    let now = Date.now();
    const clock = () => now;
    const first = pgCrmActionJournal(database.db, { ...owner, now: clock, claimMs: 60_000 });
    const second = pgCrmActionJournal(database.db, { ...owner, now: clock, claimMs: 60_000 });
    const row = dueRow(now);
    await first.add([row]);

    expect((await first.due(now)).map((claimed) => claimed.id)).toEqual([row.id]);
    expect(await second.due(now)).toEqual([]);
    expect(await first.nextDue()).toBe(now + 60_000);
    now += 60_001;
    expect((await second.due(now)).map((claimed) => claimed.id)).toEqual([row.id]);
    await expect(first.update(row.id, { state: 'running', attempts: 1 })).rejects.toBeInstanceOf(CrmActionClaimLost);
    await second.update(row.id, { state: 'done', attempts: 1, variables: undefined, lastMessage: 'Logged.' });
    expect(await journalRows(database.db)).toMatchObject([{ state: 'done', attempts: 1, variables: null, lastMessage: 'Logged.', claimedBy: null }]);
    expect(await first.nextDue()).toBeUndefined();
  });

  it('a closing gateway starts no attempt and hands the rows it claimed back', async () => {
    const journal = pgCrmActionJournal(database.db, owner);
    const rows = [dueRow(Date.now()), dueRow(Date.now())];
    await journal.add(rows);
    expect(await journal.due(Date.now())).toHaveLength(2);
    journal.stop();
    await expect(journal.update(rows[0]?.id ?? '', { state: 'running', attempts: 1 })).rejects.toBeInstanceOf(CrmActionsStopped);
    expect(await journal.due(Date.now())).toEqual([]);
    expect(await journal.release()).toBe(2);
    expect((await journalRows(database.db)).map((row) => [row.state, row.attempts, row.claimedBy])).toEqual([
      ['pending', 0, null],
      ['pending', 0, null],
    ]);
  });

  it('two runners on one database, one due row: it runs once', async () => {
    const logs: string[] = [];
    const log = { info: (event: string, fields?: object) => logs.push(JSON.stringify({ event, ...fields })), warn: (event: string, fields?: object) => logs.push(JSON.stringify({ event, ...fields })) };
    const services = [1, 2].map(() => crmActionsService({ db: database.db, actions: crmActions(crm()), defaultCountry: 'US', now: Date.now, log }));
    try {
      await control(sandbox.url, 'POST', '/__sandbox/crm-api/settings', { latencyMs: 200 });
      const row = dueRow(Date.now());
      await pgCrmActionJournal(database.db, owner).add([row]);

      await Promise.all(services.flatMap((service) => [service.drain(), service.drain()]));

      expect(await journalRows(database.db)).toMatchObject([{ state: 'done', attempts: 1 }]);
      expect(await activities()).toMatchObject([{ body: { event: eventOf(row) } }]);
      expect(logs.filter((line) => line.includes('"ok":true'))).toHaveLength(1);
    } finally {
      await Promise.all(services.map((service) => service.close()));
    }
  }, 30_000);
});

describe('a restarted gateway (embedded database on disk)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ccb-gateway-crm-actions-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('finishes, once, what the stopped gateway left pending and what a crashed one left running; leaves a live claim alone', async () => {
    const database = { dataDir, pgliteLoadDataDir: await pgliteTemplate() };
    const first = await startHarness({ sandbox: sandbox.sandbox, env: crmEnv(), database });
    let eventId: string;
    try {
      // The CRM is down at the first attempt: the row waits 2 s for its retry, and the gateway stops meanwhile.
      await control(sandbox.url, 'POST', '/__sandbox/crm-api/faults', { endpoint: 'generic.activity', status: 503, times: 1 });
      const alice = await signIn(first.gateway.url, ALICE);
      const answer = await api(first.gateway.url, '/v1/chat', alice.idToken, { lead: adaLead() });
      eventId = answer.body.crmActionsEventId as string;
      await expect
        .poll(async () => (await journalRows(first.gateway.database.db)).map((row) => [row.state, row.attempts]), { timeout: 15_000, interval: 50 })
        .toEqual([['pending', 1]]);
    } finally {
      await first.close();
    }
    // What a crashed gateway left: a row mid-attempt whose lease ran out; and a row another live gateway holds.
    const crashed = dueRow(Date.now(), { state: 'running', attempts: 1 });
    const held = dueRow(Date.now(), { state: 'running', attempts: 1 });
    const opened = await openDatabase({ dataDir });
    try {
      await pgCrmActionJournal(opened.db, { ownerOf: () => ALICE }).add([crashed, held]);
      await opened.db.update(crmActionJournal).set({ claimedBy: 'crashed-process', claimedUntil: new Date(Date.now() - 1000) }).where(eq(crmActionJournal.id, crashed.id));
      await opened.db.update(crmActionJournal).set({ claimedBy: 'live-process', claimedUntil: new Date(Date.now() + 600_000) }).where(eq(crmActionJournal.id, held.id));
    } finally {
      await opened.close();
    }

    const second = await startHarness({ sandbox: sandbox.sandbox, env: crmEnv(), database });
    try {
      const byEvent = async () => Object.fromEntries((await journalRows(second.gateway.database.db)).map((row) => [row.eventId, [row.state, row.attempts]]));
      await expect
        .poll(byEvent, { timeout: 20_000, interval: 100 })
        .toEqual({ [eventId]: ['done', 2], [eventOf(crashed)]: ['done', 2], [eventOf(held)]: ['running', 1] });
      expect((await activities()).map((activity) => activity.body.event).sort()).toEqual([eventId, eventOf(crashed)].sort());
      expect((await crmRequests('generic.activity')).map((request) => request.status)).toEqual([503, 201, 201]);
    } finally {
      await second.close();
    }
  }, 90_000);
});

describeWithPostgres('two gateways on one PostgreSQL', () => {
  let server: TestPostgres;
  let databaseUrl: string;
  const gateways: RunningGateway[] = [];
  const logs: string[][] = [[], []];
  beforeAll(async () => {
    server = await startPostgres();
    databaseUrl = await server.createDatabase('crm_actions');
    for (const lines of logs) {
      const log = { info: (event: string, fields?: object) => lines.push(JSON.stringify({ event, ...fields })), warn: () => undefined, error: () => undefined };
      // Two rows per claim, so that both gateways have some of a batch.
      const started = await startSandboxGateway(sandbox.sandbox, { env: crmEnv(), database: { databaseUrl, poolSize: 4 }, crmActions: { batchSize: 2 }, log });
      gateways.push(started.gateway);
    }
  }, 90_000);
  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await server?.stop();
  });

  async function addRows(count: number): Promise<CrmActionRow[]> {
    const database = await openDatabase({ databaseUrl, poolSize: 1 });
    try {
      const rows = Array.from({ length: count }, () => dueRow(Date.now()));
      await pgCrmActionJournal(database.db, { ownerOf: () => ALICE }).add(rows);
      return rows;
    } finally {
      await database.close();
    }
  }

  const db = () => (gateways[0] as RunningGateway).database.db;
  const ran = (lines: string[], row: CrmActionRow) => lines.filter((line) => line.includes(eventOf(row)) && line.includes('"ok":true')).length;

  it('one due row, both gateways draining at once: it runs once', async () => {
    await control(sandbox.url, 'POST', '/__sandbox/crm-api/settings', { latencyMs: 300 });
    const [row] = await addRows(1);

    await Promise.all(gateways.flatMap((gateway) => [gateway.crmActions.drain(), gateway.crmActions.drain()]));

    expect((await journalRows(db())).filter((stored) => stored.id === row?.id)).toMatchObject([{ state: 'done', attempts: 1, variables: null }]);
    expect((await activities()).map((activity) => activity.body.event)).toEqual([eventOf(row as CrmActionRow)]);
    expect(logs.map((lines) => ran(lines, row as CrmActionRow)).sort()).toEqual([0, 1]);
  }, 30_000);

  it('eight due rows: each runs once, on one gateway or the other', async () => {
    await control(sandbox.url, 'POST', '/__sandbox/crm-api/settings', { latencyMs: 100 });
    const rows = await addRows(8);

    await Promise.all(gateways.map((gateway) => gateway.crmActions.drain()));

    // Each drain claims two rows at a time and wakes itself again for the rest.
    const stored = async () => (await journalRows(db())).filter((candidate) => rows.some((row) => row.id === candidate.id));
    await expect.poll(async () => (await stored()).map((row) => [row.state, row.attempts]), { timeout: 20_000, interval: 100 }).toEqual(Array(8).fill(['done', 1]));
    expect((await activities()).map((activity) => activity.body.event).sort()).toEqual(rows.map(eventOf).sort());
    for (const row of rows) expect(logs.map((lines) => ran(lines, row)).reduce((sum, count) => sum + count)).toBe(1);
  }, 30_000);
});
