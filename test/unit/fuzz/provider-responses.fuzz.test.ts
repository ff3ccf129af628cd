import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SaleschatClient } from '../../../lib/provider/client';
import { ProviderError } from '../../../lib/provider/errors';
import { ContactSchema, ErrorRespDtoSchema, parseAssign, parseMagicLink, parseTimestamp } from '../../../lib/provider/responses';

/**
 * Property tests for what Saleschat (or a proxy in front of it) may send back: the parsers return a value or
 * throw their one documented error, and the client turns any status + body into a result or a ProviderError
 * — never a TypeError that would surface as "something unexpected".
 */

// FUZZ_RUNS=20000 for a longer hunt; the default keeps the unit suite fast.
const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 300) };
const body = fc.oneof(fc.jsonValue(), fc.anything(), fc.webUrl(), fc.record({ magic_link: fc.oneof(fc.webUrl(), fc.anything()), expiry: fc.anything() }));

describe('response parsers on random bodies', () => {
  it('parseAssign returns ids as non-empty strings or nothing, for any body', () => {
    fc.assert(
      fc.property(body, (value) => {
        const result = parseAssign(value);
        for (const id of Object.values(result)) expect(typeof id === 'string' && id.length > 0).toBe(true);
      }),
      RUNS,
    );
  });

  it('parseMagicLink returns an http(s) link with a finite expiry, or throws its TypeError', () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 0, max: 2 ** 42 }), (value, now) => {
        try {
          const link = parseMagicLink(value, now, 300_000);
          expect(link.url).toMatch(/^https?:\/\//i);
          expect(Number.isFinite(link.expiresAt)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
          expect((error as Error).message).toContain('magic-link response has no link');
        }
      }),
      RUNS,
    );
  });

  it('parseTimestamp gives a finite number or undefined; the schemas only ever safeParse', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const ms = parseTimestamp(value);
        expect(ms === undefined || Number.isFinite(ms)).toBe(true);
        expect(typeof ContactSchema.safeParse(value).success).toBe('boolean');
        expect(typeof ErrorRespDtoSchema.safeParse(value).success).toBe('boolean');
      }),
      RUNS,
    );
  });
});

describe('client error mapping on random answers', () => {
  const statuses = fc.oneof(fc.integer({ min: 200, max: 599 }), fc.constantFrom(200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 502, 503));
  const text = fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value)), fc.constantFrom('', '{', '<html>oops</html>', 'null'));
  const headers = fc.option(fc.constantFrom('0', '5', 'soon', 'Wed, 21 Oct 2015 07:28:00 GMT', '-1', '9'.repeat(30)), { nil: undefined });

  it('every call yields its result or a ProviderError carrying the status', async () => {
    await fc.assert(
      fc.asyncProperty(statuses, text, headers, fc.constantFrom('createContact', 'assign', 'magicLink', 'createUser', 'lookup'), async (status, payload, retryAfter, call) => {
        const client = new SaleschatClient(
          { apiUrl: 'https://api.test', orgId: 'org', apiToken: 't', requestTimeoutMs: 1000, magicLinkLifetimeMs: 1000 },
          async () =>
            // 204, 205 and 304 carry no body (the Response constructor refuses one).
            new Response([204, 205, 304].includes(status) ? null : payload, { status, headers: retryAfter === undefined ? {} : { 'Retry-After': retryAfter } }),
        );
        const run = {
          createContact: () => client.createContact({ crm_id: 'L', opt_in_date: 'now' }),
          assign: () => client.assign('c', 'u'),
          magicLink: () => client.magicLink('u'),
          createUser: () => client.createUser({ email: 'a@b.c', password: 'p', first_name: 'A', last_name: 'B' }),
          lookup: () => client.lookup('getContactByCrmId', '/x'),
        }[call];
        try {
          const result = await run();
          // A lookup's 404 is an answer ("no such record"), not an error.
          if (call === 'lookup' && status === 404) expect(result).toBeUndefined();
          else expect(status).toBeLessThan(300);
        } catch (error) {
          expect(error).toBeInstanceOf(ProviderError);
          const details = (error as ProviderError).details;
          if (status >= 300) expect(details.status).toBe(status);
          if (details.retryAfterMs !== undefined) expect(details.retryAfterMs).toBeGreaterThanOrEqual(0);
        }
      }),
      RUNS,
    );
  });
});
