import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failureOutcome } from '../../lib/actions/outcome';
import { type ClientRetryOptions, SaleschatClient } from '../../lib/provider/client';
import { ProviderError } from '../../lib/provider/errors';
import type { RetryEvent } from '../../lib/provider/retry';
import type { RequestLogEntry } from '../../sandbox/control';
import type { FaultInput } from '../../sandbox/faults';
import { type Sandbox, startSandbox } from '../../sandbox/server';

/**
 * The client's network discipline against the real sandbox over HTTP (issue 5): injected 503s, a 429 with
 * Retry-After, a rejected token and a provider slower than the action's budget, each counted by the sandbox.
 * Retry numbers are the background's (lib/background/main.ts ACTION_RETRY), with real timers.
 */

const TOKEN = 'sandbox-token-demo';
const ORG = 'org_demo';
const BACKGROUND_RETRY = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4000, actionBudgetMs: 20_000 } as const;

let sandbox: Sandbox;
let contactId: string;

async function control<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandbox.url}/__sandbox/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, `${method} ${path}`).toBe(200);
  return (await response.json()) as T;
}

const fault = (...faults: FaultInput[]) => control('POST', 'faults', faults);
const counts = () => control<Record<string, number>>('GET', 'counts');
const logged = async (endpoint: string) => (await control<RequestLogEntry[]>('GET', 'requests')).filter((entry) => entry.endpoint === endpoint);

function client(options: { token?: string; retry?: Partial<ClientRetryOptions>; requestTimeoutMs?: number } = {}) {
  const retries: RetryEvent[] = [];
  const instance = new SaleschatClient({
    apiUrl: sandbox.url,
    orgId: ORG,
    apiToken: options.token ?? TOKEN,
    requestTimeoutMs: options.requestTimeoutMs ?? 8000,
    magicLinkLifetimeMs: 300_000,
    retry: { ...BACKGROUND_RETRY, onRetry: (event) => retries.push(event), ...options.retry },
  });
  return { client: instance, retries };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => expect.unreachable('expected the call to fail'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

beforeAll(async () => {
  sandbox = await startSandbox({ quiet: true });
  contactId = (await client().client.createContact({ crm_id: 'L-RETRY-1', opt_in_date: new Date().toISOString(), phone_number: '+14155550177' })).id;
});

afterAll(async () => {
  await sandbox?.close();
});

// Counts, the request log and faults start from zero for every test (the sandbox's data stays).
beforeEach(() => control('POST', 'reset', {}));

describe('SaleschatClient retries against the sandbox', () => {
  it('two 503s on assign: one assign() call succeeds on the third request', { timeout: 15_000 }, async () => {
    await fault({ endpoint: 'assign', status: 503, times: 2 });
    const { client: saleschat, retries } = client();
    const result = await saleschat.assign(contactId, 'u_alice');
    expect(result.chatroomId).toMatch(/\S/);
    expect((await counts()).assign).toBe(3);
    expect((await logged('assign')).map((entry) => entry.status)).toEqual([503, 503, 200]);
    expect(retries.map((event) => [event.attempt, event.error.status])).toEqual([
      [1, 503],
      [2, 503],
    ]);
  });

  it('429 with Retry-After: 1, then success: the retry waits at least the second asked for', { timeout: 15_000 }, async () => {
    await fault({ endpoint: 'assign', status: 429, headers: { 'Retry-After': '1' } });
    const { client: saleschat, retries } = client();
    await saleschat.assign(contactId, 'u_alice');
    expect((await counts()).assign).toBe(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(1000);
    // The sandbox's own clock: the second request cannot arrive sooner than the wait allows.
    const [first, second] = await logged('assign');
    expect(first?.status).toBe(429);
    expect(second?.status).toBe(200);
    expect(Date.parse(second?.at ?? '') - Date.parse(first?.at ?? '')).toBeGreaterThanOrEqual(1000);
  });

  it('401: exactly one request, and the agent reads that the token was rejected, without Retry', async () => {
    const { client: saleschat, retries } = client({ token: 'not-the-token' });
    const error = await failure(saleschat.assign(contactId, 'u_alice'));
    expect(error.status).toBe(401);
    expect((await counts()).assign).toBe(1);
    expect(retries).toEqual([]);
    const outcome = failureOutcome(error);
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(/^Assigning the chat failed: Saleschat rejected the API token \(4010001 /);
    expect(outcome.ok === false && outcome.retryable).toBe(false);
  });

  it('a 409 on a create is one request and carries the provider payload', async () => {
    await control('POST', 'settings', { conflictPayloadIncludesId: true });
    const { client: saleschat } = client();
    const error = await failure(saleschat.createContact({ crm_id: 'L-RETRY-1', opt_in_date: new Date().toISOString() }));
    expect(error.status).toBe(409);
    expect(error.details.errorCode).toBe(4090001);
    expect(error.details.payload).toMatchObject({ contact_id: contactId });
    expect((await counts()).createContact).toBe(1);
  });

  it('a Retry-After longer than the action budget: one request, then "did not respond in time" with Retry', async () => {
    await fault({ endpoint: 'magicLink', status: 429, headers: { 'Retry-After': '30' } });
    const { client: saleschat, retries } = client();
    const error = await failure(saleschat.magicLink('u_alice'));
    expect((await counts()).magicLink).toBe(1);
    expect(retries).toEqual([]);
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/^Saleschat did not respond in time \(20 s allowed per action, 1 try; .*Saleschat asked to wait 30 s\)$/);
    expect(failureOutcome(error)).toMatchObject({ ok: false, retryable: true, status: 429 });
  });

  it('a provider slower than the budget: the last try is cut at the budget, not at the request timeout', { timeout: 15_000 }, async () => {
    // Every magic-link answer would take 10 s. Try 1 times out after 2 s; the retry (no back-off: random 0)
    // gets only the 1 s left of the 3 s budget instead of another 2 s, and the call ends there.
    await fault({ endpoint: 'magicLink', delayMs: 10_000, times: 5 });
    const { client: saleschat } = client({ requestTimeoutMs: 2000, retry: { actionBudgetMs: 3000, random: () => 0 } });
    const error = await failure(saleschat.magicLink('u_alice'));
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('Saleschat did not respond in time (3 s allowed per action, 2 tries; the last try got no answer)');
    expect((await counts()).magicLink).toBe(2);
    expect(failureOutcome(error)).toMatchObject({ ok: false, retryable: true });
  });
});
