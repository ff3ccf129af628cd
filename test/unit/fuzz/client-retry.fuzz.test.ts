import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failureOutcome } from '../../../lib/actions/outcome';
import { SaleschatClient } from '../../../lib/provider/client';
import { ProviderError } from '../../../lib/provider/errors';

/**
 * Property tests for the client's request path with retries on (as the background runs it): whatever
 * sequence of answers the provider, a proxy or the network produces, one call ends in a value or a
 * ProviderError the agent can read, after no more requests than allowed, never repeating a final answer,
 * and never waiting past the action's budget.
 */

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 300) };
const MAX_ATTEMPTS = 3;
const BUDGET_MS = 20_000;
const RETRYABLE = new Set([408, 429, 502, 503, 504]);

type Answer = { kind: 'reply'; status: number; text: string; retryAfter: string | undefined } | { kind: 'reject'; reason: unknown };

const answer: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({
    kind: fc.constant('reply' as const),
    status: fc.oneof(fc.integer({ min: 200, max: 599 }), fc.constantFrom(200, 401, 403, 404, 408, 409, 429, 500, 502, 503, 504)),
    text: fc.oneof(
      fc.string(),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.constantFrom('', '{', 'null', '{"error_code":4290001,"error_message":"TOO_MANY_REQUESTS"}', '{"chatroom_id":"r1"}'),
    ),
    retryAfter: fc.option(fc.constantFrom('0', '1', '3', '30', 'soon', '-1', 'Wed, 21 Oct 2015 07:28:00 GMT', '9'.repeat(30)), { nil: undefined }),
  }),
  // What a fetch may reject with: TypeError and DOMException in browsers, but a wrapped or polyfilled fetch
  // (or an Xray-wrapped error in Firefox) can hand over anything.
  fc.record({
    kind: fc.constant('reject' as const),
    reason: fc.oneof(
      fc.constant(new TypeError('Failed to fetch')),
      fc.constant(new DOMException('The network connection was lost.', 'NetworkError')),
      fc.anything({ withNullPrototype: true, withBoxedValues: true }),
    ),
  }),
);

function retryingClient(answers: Answer[]) {
  let clock = 0;
  let slept = 0;
  let requests = 0;
  const client = new SaleschatClient(
    {
      apiUrl: 'https://api.test',
      orgId: 'org',
      apiToken: 't',
      requestTimeoutMs: 1000,
      magicLinkLifetimeMs: 60_000,
      retry: {
        maxAttempts: MAX_ATTEMPTS,
        baseDelayMs: 250,
        maxDelayMs: 4000,
        actionBudgetMs: BUDGET_MS,
        sleep: async (ms) => {
          slept += ms;
          clock += ms;
        },
      },
    },
    async () => {
      const next = answers[requests++];
      if (!next) throw new Error('the test scripted too few answers');
      if (next.kind === 'reject') throw next.reason;
      const status = next.status;
      return new Response([204, 205, 304].includes(status) ? null : next.text, {
        status,
        headers: next.retryAfter === undefined ? {} : { 'Retry-After': next.retryAfter },
      });
    },
    () => clock,
  );
  return { client, stats: () => ({ requests, slept }) };
}

/** Whether the client may try again after this answer: connection failures and "not now" statuses. */
const repeatable = (a: Answer) => a.kind === 'reject' || RETRYABLE.has(a.status);

describe('client with retries on random answer sequences', () => {
  it('ends in a value or a readable ProviderError, within the attempts, repeating only what is retryable', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(answer, { minLength: MAX_ATTEMPTS, maxLength: MAX_ATTEMPTS }),
        fc.constantFrom('createContact', 'assign', 'magicLink'),
        async (answers, call) => {
          const { client, stats } = retryingClient(answers);
          const run = {
            createContact: () => client.createContact({ crm_id: 'L', opt_in_date: 'now' }),
            assign: () => client.assign('c', 'u'),
            magicLink: () => client.magicLink('u'),
          }[call];
          let error: unknown;
          try {
            await run();
          } catch (caught) {
            error = caught;
          }
          const { requests, slept } = stats();
          expect(requests).toBeGreaterThanOrEqual(1);
          expect(requests).toBeLessThanOrEqual(MAX_ATTEMPTS);
          // Every answer but the last one was worth repeating; nothing after a final answer.
          for (const earlier of answers.slice(0, requests - 1)) expect(repeatable(earlier)).toBe(true);
          expect(slept).toBeLessThan(BUDGET_MS);
          if (error === undefined) return;
          expect(error).toBeInstanceOf(ProviderError);
          const outcome = failureOutcome(error);
          expect(outcome.ok).toBe(false);
          expect(outcome.message.length).toBeGreaterThan(0);
        },
      ),
      RUNS,
    );
  });
});
