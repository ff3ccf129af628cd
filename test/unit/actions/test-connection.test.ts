import { describe, expect, it } from 'vitest';
import { PROBE_USER_ID, testConnection } from '../../../lib/actions/test-connection';
import { resolveConfig } from '../../../lib/config/resolve';
import type { ProviderError } from '../../../lib/provider/errors';
import { BASE_OPTIONS, providerError } from '../helpers';

const NOT_FOUND = providerError('http', { status: 404, errorCode: 4040001, errorMessage: 'NOT_FOUND' });

/**
 * The provider as Test connection meets it: the magic-link probe (for a user that does not exist) and the
 * user lookup by e-mail. Records what was asked, so a test can prove no real user's link was requested.
 */
function probe(
  answer: () => Promise<never> | Promise<{ url: string; expiresAt: number; expiryKnown: boolean }>,
  options: Record<string, unknown> = BASE_OPTIONS,
  userByEmail: (path: string) => Promise<unknown> = async () => ({ user_id: 'u_alice', email: 'alice@example.com' }),
) {
  const asked: string[] = [];
  const report = testConnection(resolveConfig({ agent: options }), () => ({
    magicLink: async (userId: string) => {
      asked.push(`magicLink ${userId}`);
      return answer();
    },
    lookup: async (endpoint: string, path: string) => {
      asked.push(`${endpoint} ${path}`);
      return userByEmail(path);
    },
  }));
  return { report, asked };
}
const fail = (error: ProviderError) => () => Promise.reject(error) as Promise<never>;
const labels = async (report: ReturnType<typeof probe>['report']) => (await report).checks.map((check) => `${check.ok ? '✓' : '✗'} ${check.label}`);

describe('Test connection tells each failure apart, and never mints a real user’s login link', () => {
  it('all good: the probe user is unknown (URL, token, org right), and the directory’s id is Saleschat’s for the agent’s e-mail', async () => {
    const { report, asked } = probe(fail(NOT_FOUND));
    expect((await report).ok).toBe(true);
    expect(await labels(report)).toEqual(['✓ Provider reachable', '✓ API token', '✓ Organisation', '✓ Agent']);
    expect(asked).toEqual([`magicLink ${PROBE_USER_ID}`, 'getUserByEmail /v1/org/org_1/user?email=alice%40example.com']);
  });

  it('the directory names another user than Saleschat has for that e-mail', async () => {
    const { report } = probe(fail(NOT_FOUND), BASE_OPTIONS, async () => ({ user_id: 'u_someone_else' }));
    expect(await labels(report)).toEqual(['✓ Provider reachable', '✓ API token', '✓ Organisation', '✗ Agent']);
    expect((await report).checks[3]?.detail).toContain('Saleschat says u_someone_else');
  });

  it('Saleschat has no user with the agent’s e-mail', async () => {
    const { report } = probe(fail(NOT_FOUND), BASE_OPTIONS, async () => undefined);
    expect((await report).checks[3]).toMatchObject({ label: 'Agent', ok: false, detail: expect.stringContaining('has no user alice@example.com') });
  });

  it('a provider that issues a link for a user that cannot exist is not Saleschat', async () => {
    const { report } = probe(async () => ({ url: 'https://x.test/m', expiresAt: 1, expiryKnown: true }));
    expect(await labels(report)).toEqual(['✗ Provider answer']);
  });

  it('unreachable URL', async () => {
    const { report } = probe(fail(providerError('network', { errorMessage: 'Cannot reach Saleschat at https://api.test (fetch failed)' })));
    const result = await report;
    expect(result.ok).toBe(false);
    expect(result.checks).toEqual([
      { label: 'Provider reachable', ok: false, detail: 'Cannot reach Saleschat at https://api.test (fetch failed). Check providerApiUrl and your network.' },
    ]);
  });

  it('timeout', async () => {
    const { report } = probe(fail(providerError('timeout', { errorMessage: 'Saleschat did not answer within 8 s' })));
    expect((await report).checks[0]).toEqual({ label: 'Provider reachable', ok: false, detail: 'Saleschat did not answer within 8 s (https://api.test).' });
  });

  it('401: the token', async () => {
    const { report, asked } = probe(fail(providerError('http', { status: 401, errorCode: 4010001, errorMessage: 'UNAUTHENTICATED' })));
    expect((await report).checks[1]).toEqual({ label: 'API token', ok: false, detail: 'Rejected (HTTP 401, 4010001 UNAUTHENTICATED). Check apiToken.' });
    expect(asked).toEqual([`magicLink ${PROBE_USER_ID}`]);
  });

  it('403: wrong org', async () => {
    const { report } = probe(fail(providerError('http', { status: 403, errorCode: 4030001, errorMessage: 'FORBIDDEN' })));
    expect(await labels(report)).toEqual(['✓ Provider reachable', '✓ API token', '✗ Organisation']);
    expect((await report).checks[2]?.detail).toBe('The token may not act in organisation "org_1" (HTTP 403, 4030001 FORBIDDEN). Check orgId.');
  });

  it('no agent identified: URL, token and org are still checked, the agent is named as missing', async () => {
    const { agentEmail: _omitted, ...options } = BASE_OPTIONS;
    const { report, asked } = probe(fail(NOT_FOUND), options);
    expect(asked).toEqual([`magicLink ${PROBE_USER_ID}`]);
    expect(await labels(report)).toEqual(['✓ Provider reachable', '✓ API token', '✓ Organisation', '✗ Agent']);
    expect((await report).checks[3]?.detail).toContain('Not identified yet');
  });

  it('404 without a provider body: not the Saleschat API', async () => {
    const { report } = probe(fail(providerError('http', { status: 404 })));
    expect((await report).checks).toEqual([
      { label: 'Provider answer', ok: false, detail: 'https://api.test answered 404 without a Saleschat error body: is this the Saleschat API URL?' },
    ]);
  });

  it('an answer that is not JSON', async () => {
    const { report } = probe(fail(providerError('invalid-response', { errorMessage: 'Saleschat sent a response that is not valid JSON' })));
    expect(await labels(report)).toEqual(['✓ Provider reachable', '✗ Provider answer']);
  });

  it('any other HTTP error is shown as the provider said it', async () => {
    const { report } = probe(fail(providerError('http', { status: 500, errorCode: 5000001, errorMessage: 'Saleschat error 5000001 INTERNAL_ERROR' })));
    expect((await report).checks[1]).toEqual({ label: 'Provider answer', ok: false, detail: 'Saleschat error 5000001 INTERNAL_ERROR.' });
  });

  it('missing settings: no request, the missing keys named, invalid settings listed', async () => {
    const { report, asked } = probe(fail(NOT_FOUND), { orgId: 'org_1', requestTimeoutMs: 5 });
    const result = await report;
    expect(asked).toEqual([]);
    expect(result.ok).toBe(false);
    expect(result.checks.map((check) => check.label)).toEqual(['Setting requestTimeoutMs', 'Configuration']);
    expect(result.checks[1]?.detail).toContain('API token (apiToken) is not set');
  });
});
