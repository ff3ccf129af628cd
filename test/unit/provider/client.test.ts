import { describe, expect, it } from 'vitest';
import { type ClientRetryOptions, SaleschatClient } from '../../../lib/provider/client';
import { failureOutcome } from '../../../lib/actions/outcome';
import { ProviderError } from '../../../lib/provider/errors';

interface Recorded {
  url: string;
  init: RequestInit;
}

function clientAnswering(respond: (request: Recorded) => Response | Promise<Response>, timeoutMs = 1000) {
  const requests: Recorded[] = [];
  const client = new SaleschatClient(
    { apiUrl: 'https://api.test', orgId: 'org 1', apiToken: 'secret-token', requestTimeoutMs: timeoutMs, magicLinkLifetimeMs: 300_000 },
    async (input, init = {}) => {
      const request = { url: String(input), init };
      requests.push(request);
      return respond(request);
    },
    () => 1_000_000,
  );
  return { client, requests };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('SaleschatClient requests', () => {
  it('creates a contact with bearer auth, JSON body and the documented path', async () => {
    const { client, requests } = clientAnswering(() => json(200, { id: 'c_1', crm_id: 'L-1' }));
    const contact = await client.createContact({ crm_id: 'L-1', opt_in_date: '2026-11-22T10:00:00.000Z', phone_number: '+14155550132' });
    expect(contact.id).toBe('c_1');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe('https://api.test/v2/org/org%201/contact');
    expect(requests[0]?.init.method).toBe('POST');
    expect((requests[0]?.init.headers as Record<string, string> | undefined)?.Authorization).toBe('Bearer secret-token');
    expect(JSON.parse(String(requests[0]?.init.body))).toEqual({
      crm_id: 'L-1',
      opt_in_date: '2026-11-22T10:00:00.000Z',
      phone_number: '+14155550132',
    });
  });

  it('assigns through the v3 path with user_id and tolerates an empty body', async () => {
    const { client, requests } = clientAnswering(() => new Response('', { status: 200 }));
    expect(await client.assign('c/1', 'u_alice')).toEqual({});
    expect(requests[0]?.url).toBe('https://api.test/v3/orgs/org%201/contacts/c%2F1/assign');
    expect(JSON.parse(String(requests[0]?.init.body))).toEqual({ user_id: 'u_alice' });
  });

  it('gets a magic link and falls back to the configured lifetime', async () => {
    const { client, requests } = clientAnswering(() => json(200, '"https://app.test/magic/x"'));
    expect(await client.magicLink('u_alice')).toEqual({ url: 'https://app.test/magic/x', expiresAt: 1_300_000, expiryKnown: false });
    expect(requests[0]?.url).toBe('https://api.test/v1/org/org%201/user/u_alice/magiclink');
    expect(requests[0]?.init.method).toBe('GET');
    expect(requests[0]?.init.body).toBeUndefined();
  });

  it('creates a user', async () => {
    const { client } = clientAnswering(() => json(200, { user_id: 'u_new' }));
    expect(await client.createUser({ email: 'a@b.c', password: 'password1', first_name: 'A', last_name: 'B' })).toBe('u_new');
  });
});

describe('SaleschatClient error mapping', () => {
  it('maps ErrorRespDto to status, error_code, error_message, description and payload', async () => {
    const { client } = clientAnswering(() =>
      json(403, { error_code: 4030001, error_message: 'FORBIDDEN', error_description: 'User not allowed', payload: { a: 1 } }),
    );
    const error = await failure(client.createContact({ crm_id: 'x', opt_in_date: 'now' }));
    expect(error.kind).toBe('http');
    expect(error.details).toEqual({
      endpoint: 'createContact',
      status: 403,
      errorCode: 4030001,
      errorMessage: 'FORBIDDEN',
      errorDescription: 'User not allowed',
      payload: { a: 1 },
    });
    expect(error.message).toBe('Saleschat error 4030001 FORBIDDEN: User not allowed');
    expect(error.retryable).toBe(false);
  });

  it('maps a 409 with its payload', async () => {
    const { client } = clientAnswering(() => json(409, { error_code: '4090001', error_message: 'UQ_CONSTRAINT_FAILED', payload: { contact_id: 'c_9' } }));
    const error = await failure(client.createContact({ crm_id: 'x', opt_in_date: 'now' }));
    expect(error.details.errorCode).toBe(4090001);
    expect(error.details.payload).toEqual({ contact_id: 'c_9' });
  });

  it('maps an error without an ErrorRespDto body to its HTTP status', async () => {
    const { client } = clientAnswering(() => new Response('<html>Bad gateway</html>', { status: 502 }));
    const error = await failure(client.assign('c', 'u'));
    expect(error.kind).toBe('http');
    expect(error.details).toEqual({ endpoint: 'assign', status: 502 });
    expect(error.message).toBe('Saleschat answered HTTP 502 Bad Gateway');
    expect(error.retryable).toBe(true);
  });

  it.each([[408], [429], [502], [503], [504]])('treats HTTP %i as retryable', async (status) => {
    const { client } = clientAnswering(() => json(status, { error_code: status * 10000 + 1, error_message: 'X' }));
    expect((await failure(client.assign('c', 'u'))).retryable).toBe(true);
  });

  // 500 is the provider's own fault: repeating the request automatically would only repeat it (the agent's
  // toast still offers Retry, see lib/actions/outcome.ts).
  it.each([[400], [401], [403], [404], [409], [422], [500]])('treats HTTP %i as final', async (status) => {
    const { client } = clientAnswering(() => json(status, { error_code: status * 10000 + 1, error_message: 'X' }));
    expect((await failure(client.assign('c', 'u'))).retryable).toBe(false);
  });

  it('maps a connection failure to a network error naming the URL', async () => {
    const { client } = clientAnswering(() => {
      throw new TypeError('fetch failed');
    });
    const error = await failure(client.magicLink('u'));
    expect(error.kind).toBe('network');
    expect(error.message).toBe('Cannot reach Saleschat at https://api.test (fetch failed)');
    expect(error.retryable).toBe(true);
  });

  // Regression (found by test/unit/fuzz/client-retry.fuzz.test.ts): String() of a prototype-less object
  // throws, which turned a failed fetch into a TypeError ("something unexpected") instead of a network error.
  it.each([
    ['an object without a prototype', Object.create(null)],
    ['an object whose toString throws', { toString: () => { throw new Error('no'); } }],
    ['undefined', undefined],
  ])('maps a fetch rejecting with %s to a network error', async (_name, reason) => {
    const { client } = clientAnswering(() => {
      throw reason;
    });
    const error = await failure(client.assign('c', 'u'));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/^Cannot reach Saleschat at https:\/\/api\.test \((connection failed|undefined)\)$/);
  });

  it('aborts after requestTimeoutMs and reports a timeout', async () => {
    const { client } = clientAnswering(
      ({ init }) =>
        new Promise<Response>((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
      50,
    );
    const error = await failure(client.assign('c', 'u'));
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('Saleschat did not answer within 0.05 s');
  });

  it('reports malformed JSON in a success response', async () => {
    const { client } = clientAnswering(() => new Response('{"id": ', { status: 200 }));
    const error = await failure(client.createContact({ crm_id: 'x', opt_in_date: 'now' }));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain('not valid JSON');
  });

  it('reports a success response of the wrong shape, naming the field', async () => {
    const { client } = clientAnswering(() => json(200, { crm_id: 'x' }));
    const error = await failure(client.createContact({ crm_id: 'x', opt_in_date: 'now' }));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain('field id');
  });

  it('reports a magic-link response without a link', async () => {
    const { client } = clientAnswering(() => json(200, { ok: true }));
    const error = await failure(client.magicLink('u'));
    expect(error.kind).toBe('invalid-response');
    expect(error.details.endpoint).toBe('magicLink');
  });
});

describe('Retry-After', () => {
  it('is read as seconds or as an HTTP date into retryAfterMs', async () => {
    const seconds = clientAnswering(() => json(429, { error_code: 4290001, error_message: 'TOO_MANY_REQUESTS' }, { 'Retry-After': '3' }));
    expect((await failure(seconds.client.assign('c', 'u'))).details.retryAfterMs).toBe(3000);
    const date = clientAnswering(() => new Response('', { status: 503, headers: { 'Retry-After': new Date(1_000_000 + 5000).toUTCString() } }));
    const error = await failure(date.client.assign('c', 'u'));
    expect(error.details.retryAfterMs).toBeGreaterThanOrEqual(4000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(5000);
    const none = clientAnswering(() => json(503, { error_code: 5030001 }));
    expect((await failure(none.client.assign('c', 'u'))).details).not.toHaveProperty('retryAfterMs');
  });
});

describe('automatic retries (one client = one user action)', () => {
  /**
   * A client with retries whose clock only moves when it sleeps (or when the test says so), so waits are
   * exact and instant. The per-request timeout is a real timer (50 ms) unless a test sets another.
   */
  function retryingClient(
    answers: ((init: RequestInit) => Response | Promise<Response>)[],
    overrides: Partial<ClientRetryOptions> = {},
    requestTimeoutMs = 50,
  ) {
    let clock = 1_000_000;
    const sleeps: number[] = [];
    const retries: [number, number | undefined][] = [];
    const requests: string[] = [];
    const client = new SaleschatClient(
      {
        apiUrl: 'https://api.test',
        orgId: 'org',
        apiToken: 'secret-token',
        requestTimeoutMs,
        magicLinkLifetimeMs: 300_000,
        retry: {
          maxAttempts: 3,
          baseDelayMs: 200,
          maxDelayMs: 4000,
          actionBudgetMs: 20_000,
          random: () => 0.5,
          sleep: async (ms) => {
            sleeps.push(ms);
            clock += ms;
          },
          onRetry: (event) => retries.push([event.attempt, event.error.status]),
          ...overrides,
        },
      },
      async (input, init = {}) => {
        requests.push(String(input));
        const answer = answers.shift();
        if (!answer) throw new Error('no answer scripted');
        return answer(init);
      },
      () => clock,
    );
    return { client, sleeps, retries, requests, advance: (ms: number) => (clock += ms) };
  }
  const assigned = () => json(200, { chatroom_id: 'r1', assigned_user_id: 'u' });
  const httpStatus = (status: number, headers: Record<string, string> = {}) => () =>
    json(status, { error_code: status * 10000 + 1, error_message: 'X' }, headers);
  /** Never answers; gives up when the client's timeout aborts it, as fetch does. */
  const hang = (init: RequestInit) =>
    new Promise<Response>((_resolve, reject) => {
      init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    });

  it.each([
    ['a connection error', () => Promise.reject(new TypeError('fetch failed'))],
    ['HTTP 502', httpStatus(502)],
    ['HTTP 503', httpStatus(503)],
    ['HTTP 504', httpStatus(504)],
  ])('repeats after %s, with back-off', async (_name, fail) => {
    const { client, sleeps, requests, retries } = retryingClient([fail, fail, assigned]);
    expect((await client.assign('c', 'u')).chatroomId).toBe('r1');
    expect(requests).toHaveLength(3);
    // Full jitter: half of the ceiling (random 0.5), the ceiling doubling per retry.
    expect(sleeps).toEqual([100, 200]);
    // onRetry sees every retry (for counting), with the failure that caused it.
    expect(retries.map(([attempt]) => attempt)).toEqual([1, 2]);
  });

  it('repeats after a timeout (the request may never have arrived)', async () => {
    const { client, requests, retries } = retryingClient([hang, assigned]);
    expect((await client.assign('c', 'u')).chatroomId).toBe('r1');
    expect(requests).toHaveLength(2);
    expect(retries).toEqual([[1, undefined]]);
  });

  it('waits at least what Retry-After asks after a 429', async () => {
    const { client, sleeps, requests } = retryingClient([httpStatus(429, { 'Retry-After': '2' }), assigned]);
    await client.assign('c', 'u');
    expect(requests).toHaveLength(2);
    // The drawn back-off would be 100 ms; Retry-After is a floor.
    expect(sleeps).toEqual([2000]);
  });

  it.each([[400], [401], [403], [404], [409], [422], [500]])('sends HTTP %i once: no retry, no storm', async (status) => {
    const { client, requests, sleeps, retries } = retryingClient([httpStatus(status), assigned]);
    const error = await failure(client.assign('c', 'u'));
    expect(error.status).toBe(status);
    expect(error.message).toBe(`Saleschat error ${status * 10000 + 1} X`);
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(retries).toEqual([]);
  });

  it('a rejected token is one request, and the agent reads that the token was rejected, without Retry', async () => {
    const { client, requests } = retryingClient([
      () => json(401, { error_code: 4010001, error_message: 'UNAUTHENTICATED' }),
      () => json(401, { error_code: 4010001, error_message: 'UNAUTHENTICATED' }),
    ]);
    const outcome = failureOutcome(await failure(client.createContact({ crm_id: 'L', opt_in_date: 'now' })));
    expect(requests).toHaveLength(1);
    expect(outcome).toMatchObject({
      ok: false,
      message: 'Creating the Saleschat contact failed: Saleschat rejected the API token (4010001 UNAUTHENTICATED). Ask your administrator to check apiToken.',
      retryable: false,
      status: 401,
    });
  });

  it('does not repeat a 500 itself, but the agent may (the toast offers Retry)', async () => {
    const { client, requests } = retryingClient([httpStatus(500), assigned]);
    const outcome = failureOutcome(await failure(client.assign('c', 'u')));
    expect(requests).toHaveLength(1);
    expect(outcome).toMatchObject({ ok: false, retryable: true, status: 500 });
  });

  it('gives up after maxAttempts and says how often it tried', async () => {
    const { client, requests } = retryingClient([httpStatus(503), httpStatus(503), httpStatus(503), assigned]);
    const error = await failure(client.assign('c', 'u'));
    expect(requests).toHaveLength(3);
    expect(error.status).toBe(503);
    expect(error.details.attempts).toBe(3);
    expect(error.message).toBe('Saleschat error 5030001 X (gave up after 3 tries)');
    expect(error.retryable).toBe(true);
  });

  it('ends in "did not respond in time" when the next wait would overrun the action budget', async () => {
    const { client, requests, sleeps } = retryingClient([httpStatus(429, { 'Retry-After': '30' }), assigned]);
    const error = await failure(client.assign('c', 'u'));
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe(
      'Saleschat did not respond in time (20 s allowed per action, 1 try; last: Saleschat error 4290001 X; Saleschat asked to wait 30 s)',
    );
    // What the provider said stays available to the toast.
    expect(error.details).toMatchObject({ endpoint: 'assign', status: 429, errorCode: 4290001, attempts: 1, actionBudgetMs: 20_000, retryAfterMs: 30_000 });
    expect(error.retryable).toBe(true);
    expect(failureOutcome(error)).toMatchObject({
      ok: false,
      message:
        'Assigning the chat failed: Saleschat did not respond in time (20 s allowed per action, 1 try; last: Saleschat error 4290001 X; Saleschat asked to wait 30 s).',
      retryable: true,
      errorCode: 4290001,
    });
  });

  it('shares one budget across the calls of one action', async () => {
    const { client, requests, advance } = retryingClient([() => json(200, { id: 'c1', crm_id: 'L' }), httpStatus(503), assigned], {
      actionBudgetMs: 1000,
    });
    await client.createContact({ crm_id: 'L', opt_in_date: 'now' });
    // The create took most of the budget: the assign gets its one try, and no retry after the 503.
    advance(950);
    const error = await failure(client.assign('c1', 'u'));
    expect(requests).toHaveLength(2);
    expect(error.kind).toBe('timeout');
    expect(error.status).toBe(503);
    expect(error.message).toBe('Saleschat did not respond in time (1 s allowed per action, 1 try; last: Saleschat error 5030001 X)');
  });

  it('makes no request at all once the budget is spent by earlier calls', async () => {
    const { client, requests, advance } = retryingClient([() => json(200, { id: 'c1', crm_id: 'L' }), assigned], { actionBudgetMs: 1000 });
    await client.createContact({ crm_id: 'L', opt_in_date: 'now' });
    advance(1000);
    const error = await failure(client.assign('c1', 'u'));
    expect(requests).toHaveLength(1);
    expect(error.kind).toBe('timeout');
    expect(error.details).toEqual({ endpoint: 'assign', attempts: 0, actionBudgetMs: 1000 });
    expect(error.message).toBe('Saleschat did not respond in time (1 s allowed per action, none left for this step)');
    expect(failureOutcome(error)).toMatchObject({ ok: false, retryable: true });
  });

  it('gives the last try only the time left in the budget, not a full request timeout', async () => {
    // A 60 s request timeout: this test can only finish (within vitest's 5 s) if the budget cuts the try.
    const { client, requests, advance } = retryingClient([() => json(200, { id: 'c1', crm_id: 'L' }), hang], { actionBudgetMs: 1000 }, 60_000);
    await client.createContact({ crm_id: 'L', opt_in_date: 'now' });
    advance(990);
    const error = await failure(client.assign('c1', 'u'));
    expect(requests).toHaveLength(2);
    expect(error.kind).toBe('timeout');
    expect(error.details).toEqual({ endpoint: 'assign', attempts: 1, actionBudgetMs: 1000 });
    expect(error.message).toBe('Saleschat did not respond in time (1 s allowed per action, 1 try; the last try got no answer)');
  });

  it('retries a create whose answer was lost, and surfaces the 409 that follows exactly like any 409', async () => {
    const conflict = () => json(409, { error_code: 4090001, error_message: 'UQ_CONSTRAINT_FAILED', payload: { contact_id: 'c9' } });
    const { client, requests } = retryingClient([() => Promise.reject(new TypeError('socket hang up')), conflict]);
    const error = await failure(client.createContact({ crm_id: 'L', opt_in_date: 'now' }));
    expect(requests).toHaveLength(2);
    // The chat action reads this 409 as "the contact exists already" (its id from the payload or a lookup).
    const firstTry = await failure(retryingClient([conflict]).client.createContact({ crm_id: 'L', opt_in_date: 'now' }));
    expect(error.message).toBe(firstTry.message);
    expect(error.details).toEqual(firstTry.details);
    expect(error.details).toMatchObject({ status: 409, errorCode: 4090001, payload: { contact_id: 'c9' } });
  });

  it('without retry settings (provisioning) every call is tried once', async () => {
    const { client, requests } = clientAnswering(httpStatus(503));
    await failure(client.assign('c', 'u'));
    expect(requests).toHaveLength(1);
  });
});
