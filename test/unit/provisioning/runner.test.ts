import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateUserInput } from '../../../lib/provider/client';
import { ProviderError } from '../../../lib/provider/errors';
import type { AgentRow } from '../../../lib/provisioning/csv';
import type { ProvisioningApi } from '../../../lib/provisioning/provider';
import { planProvisioning, type RowResult, runProvisioning } from '../../../lib/provisioning/runner';
import { StateStore } from '../../../lib/provisioning/state';

let dir: string;
let state: StateStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccb-runner-'));
  state = StateStore.open(join(dir, 'state.json'), { orgId: 'org_demo', apiUrl: 'http://x' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rows = (count: number): AgentRow[] =>
  Array.from({ length: count }, (_, index) => ({ line: index + 2, email: `a${index}@example.com`, firstName: 'A', lastName: `${index}` }));

const http = (status: number, extra: Record<string, unknown> = {}) =>
  new ProviderError('http', `HTTP ${status}`, { endpoint: 'createUser', status, errorCode: status * 10000 + 1, ...extra });

/** A provider in memory: users by email, with a per-email script of failures for create. */
function fakeApi(script: Record<string, unknown[]> = {}, lookup?: (email: string) => Promise<string | undefined>) {
  const users = new Map<string, string>();
  const calls: CreateUserInput[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const api: ProvisioningApi = {
    async createUser(input) {
      calls.push(input);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      const next = script[input.email]?.shift();
      if (next === 'create-then-lose') {
        users.set(input.email, `u_${input.email}`);
        throw new ProviderError('http', 'HTTP 504', { endpoint: 'createUser', status: 504 });
      }
      if (next) throw next;
      if (users.has(input.email)) throw http(409);
      users.set(input.email, `u_${input.email}`);
      return `u_${input.email}`;
    },
    findUserIdByEmail: (email) => (lookup ? lookup(email) : Promise.resolve(users.get(email))),
  };
  return { api, users, calls, maxInFlight: () => maxInFlight };
}

const fast = { baseDelayMs: 0, maxDelayMs: 0 };
const statuses = (results: RowResult[]) => results.map((result) => result.status);

describe('runProvisioning', () => {
  it('creates every row with a generated password, bounded concurrency, and records each id', async () => {
    const fake = fakeApi();
    const created: string[] = [];
    const outcome = await runProvisioning(rows(20), {
      api: fake.api,
      state,
      concurrency: 3,
      askPasswordChange: true,
      retry: fast,
      onCreated: (email) => created.push(email),
    });
    expect(statuses(outcome.results)).toEqual(Array(20).fill('created'));
    expect(fake.maxInFlight()).toBe(3);
    expect(fake.calls[0]).toMatchObject({ email: 'a0@example.com', first_name: 'A', last_name: '0', ask_user_to_update_password_on_login: true });
    expect(fake.calls[0]?.password).toMatch(/^.{20}$/);
    expect(created).toHaveLength(20);
    expect(StateStore.open(join(dir, 'state.json'), { orgId: 'org_demo', apiUrl: '' }).size).toBe(20);
  });

  it('sends nothing for users the state file knows, and reports them as existed with their id', async () => {
    state.record('a1@example.com', 'u_known', 'created');
    const fake = fakeApi();
    const outcome = await runProvisioning(rows(3), { api: fake.api, state, concurrency: 2, askPasswordChange: false, retry: fast });
    expect(fake.calls.map((call) => call.email)).toEqual(['a0@example.com', 'a2@example.com']);
    expect(outcome.results[1]).toMatchObject({ status: 'existed', providerUserId: 'u_known' });
    expect(fake.calls[0]?.ask_user_to_update_password_on_login).toBe(false);
  });

  it('retries retryable errors with the same password, and never 4xx', async () => {
    const fake = fakeApi({
      'a0@example.com': [http(503), new ProviderError('network', 'reset', { endpoint: 'createUser' })],
      'a1@example.com': [http(422)],
    });
    const outcome = await runProvisioning(rows(2), { api: fake.api, state, concurrency: 1, askPasswordChange: true, retry: fast });
    expect(outcome.results[0]).toMatchObject({ status: 'created' });
    const tries = fake.calls.filter((call) => call.email === 'a0@example.com');
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((call) => call.password)).size).toBe(1);
    expect(outcome.results[1]).toMatchObject({ status: 'failed', errorCode: '4220001', errorMessage: 'HTTP 422' });
    expect(outcome.retries).toBe(2);
  });

  it('reports a row failed when retries run out, with a code even without an ErrorRespDto', async () => {
    const fake = fakeApi({ 'a0@example.com': Array(4).fill(new ProviderError('timeout', 'too slow', { endpoint: 'createUser' })) });
    const outcome = await runProvisioning(rows(1), { api: fake.api, state, concurrency: 1, askPasswordChange: true, retry: fast });
    expect(outcome.results[0]).toMatchObject({ status: 'failed', errorCode: 'TIMEOUT', errorMessage: 'too slow' });
    expect(fake.calls).toHaveLength(4);
  });

  it('turns a 409 into "existed" with the looked-up id, and never creates again', async () => {
    const fake = fakeApi({ 'a0@example.com': ['create-then-lose'] });
    fake.users.set('a1@example.com', 'u_before');
    const outcome = await runProvisioning(rows(2), { api: fake.api, state, concurrency: 2, askPasswordChange: true, retry: fast });
    expect(outcome.results[0]).toMatchObject({ status: 'existed', providerUserId: 'u_a0@example.com', errorCode: '4090001' });
    expect(outcome.results[0]?.errorMessage).toMatch(/earlier try of this run may have created it/);
    expect(outcome.results[1]).toMatchObject({ status: 'existed', providerUserId: 'u_before' });
    expect(outcome.results[1]?.errorMessage).not.toMatch(/earlier try/);
    expect(state.get('a0@example.com')).toMatchObject({ providerUserId: 'u_a0@example.com', source: 'lookup' });
    expect(outcome.lookups).toBe(2);
  });

  it('reports "existed, id unknown" when the lookup finds nothing or fails, and records nothing', async () => {
    for (const lookup of [
      async () => undefined,
      async () => {
        throw new ProviderError('http', 'HTTP 405', { endpoint: 'getUserByEmail', status: 405 });
      },
    ]) {
      const fake = fakeApi({}, lookup);
      fake.users.set('a0@example.com', 'u_hidden');
      const outcome = await runProvisioning(rows(1), { api: fake.api, state, concurrency: 1, askPasswordChange: true, retry: fast });
      expect(outcome.results[0]).toMatchObject({ status: 'existed', errorCode: 'ID_UNKNOWN' });
      expect(outcome.results[0]?.providerUserId).toBeUndefined();
      expect(outcome.results[0]?.errorMessage).toMatch(/--lookup-path/);
      expect(fake.calls).toHaveLength(1);
      expect(state.get('a0@example.com')).toBeUndefined();
    }
  });

  it('stops after the provider refuses the credentials', async () => {
    const fake = fakeApi({ 'a0@example.com': [http(401)] });
    const outcome = await runProvisioning(rows(5), { api: fake.api, state, concurrency: 1, askPasswordChange: true, retry: fast });
    expect(fake.calls).toHaveLength(1);
    expect(outcome.stoppedBecause).toMatch(/refused the credentials/);
    expect(outcome.results.map((result) => result.errorCode)).toEqual(['4010001', 'STOPPED', 'STOPPED', 'STOPPED', 'STOPPED']);
    expect(outcome.interrupted).toBe(false);
  });

  it('on interruption finishes the rows in flight and reports the rest as not attempted', async () => {
    const fake = fakeApi();
    const controller = new AbortController();
    let finished = 0;
    const outcome = await runProvisioning(rows(10), {
      api: fake.api,
      state,
      concurrency: 2,
      askPasswordChange: true,
      retry: fast,
      signal: controller.signal,
      onResult: () => {
        finished += 1;
        if (finished === 3) controller.abort(new Error('stop'));
      },
    });
    expect(outcome.interrupted).toBe(true);
    const created = outcome.results.filter((result) => result.status === 'created');
    expect(created.length).toBeGreaterThanOrEqual(3);
    expect(created.length).toBeLessThanOrEqual(4);
    expect(fake.calls).toHaveLength(created.length);
    expect(outcome.results.filter((result) => result.status === 'failed').every((result) => result.errorCode === 'INTERRUPTED')).toBe(true);
    expect(state.size).toBe(created.length);
  });

  it('abandons a back-off when interrupted; the row is reported as tried', async () => {
    const fake = fakeApi({ 'a0@example.com': [http(503)] });
    const controller = new AbortController();
    const running = runProvisioning(rows(1), {
      api: fake.api,
      state,
      concurrency: 1,
      askPasswordChange: true,
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.9 },
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('stop'));
    const outcome = await running;
    expect(outcome.results[0]).toMatchObject({ status: 'failed', errorCode: 'INTERRUPTED' });
    expect(outcome.results[0]?.errorMessage).toMatch(/stopped while retrying/);
  });
});

describe('planProvisioning', () => {
  it('splits rows into known and to-create', () => {
    state.record('a0@example.com', 'u_0', 'created');
    const plan = planProvisioning(rows(3), state);
    expect(plan.existing.map((entry) => [entry.row.email, entry.providerUserId])).toEqual([['a0@example.com', 'u_0']]);
    expect(plan.toCreate.map((row) => row.email)).toEqual(['a1@example.com', 'a2@example.com']);
  });
});
