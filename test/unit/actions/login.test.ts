import { describe, expect, it } from 'vitest';
import { login, MAGIC_LINK_SAFETY_MARGIN_MS } from '../../../lib/actions/login';
import { BASE_OPTIONS, makeContext, NOW, providerError } from '../helpers';

describe('Login', () => {
  it('gets a magic link for the agent, caches it, and opens it in the dashboard tab', async () => {
    const ctx = makeContext();
    const outcome = await login(ctx);
    expect(outcome).toEqual({ ok: true, message: 'Saleschat opened, logged in as alice@example.com.' });
    expect(ctx.provider.calls).toEqual([{ method: 'magicLink', args: ['u_alice'] }]);
    expect(ctx.opened).toEqual(['https://app.test/app/magic/1']);
    expect(await ctx.store.findAgentUser('org_1', 'u_alice')).toMatchObject({
      magicLink: 'https://app.test/app/magic/1',
      magicLinkExpiresAt: NOW + 900_000,
    });
  });

  it('reuses the cached link within its expiry: no provider request', async () => {
    const ctx = makeContext();
    await login(ctx);
    await login(ctx);
    expect(ctx.provider.count('magicLink')).toBe(1);
    expect(ctx.opened).toEqual(['https://app.test/app/magic/1', 'https://app.test/app/magic/1']);
  });

  it('asks for a new link when the cached one is expired or inside the safety margin', async () => {
    const ctx = makeContext();
    await ctx.store.saveMagicLink('org_1', 'u_alice', 'https://app.test/app/magic/old', NOW + MAGIC_LINK_SAFETY_MARGIN_MS);
    await login(ctx);
    expect(ctx.provider.count('magicLink')).toBe(1);
    expect(ctx.opened).toEqual(['https://app.test/app/magic/1']);
  });

  it('uses agentProviderUserId over the directory', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, agentProviderUserId: 'u_direct' });
    const outcome = await login(ctx);
    expect(ctx.provider.calls).toEqual([{ method: 'magicLink', args: ['u_direct'] }]);
    expect(outcome.message).toBe('Saleschat opened, logged in as u_direct.');
  });

  it('reports a provider 404 with its code, and opens nothing', async () => {
    const ctx = makeContext();
    ctx.provider.magicLinkResult = async () => {
      throw providerError('http', { endpoint: 'magicLink', status: 404, errorCode: 4040001, errorMessage: 'NOT_FOUND', errorDescription: 'user not in org' });
    };
    const outcome = await login(ctx);
    expect(outcome).toEqual({
      ok: false,
      message: 'Getting a Saleschat login link failed: Saleschat error 4040001 NOT_FOUND — user not in org',
      status: 404,
      errorCode: 4040001,
      errorMessage: 'NOT_FOUND',
      retryable: false,
    });
    expect(ctx.opened).toEqual([]);
  });

  it('refuses without a token, before any request', async () => {
    const { apiToken: _omitted, ...options } = BASE_OPTIONS;
    const ctx = makeContext(options);
    expect((await login(ctx)).ok).toBe(false);
    expect(ctx.clientsCreated).toBe(0);
  });

  it('refuses when the agent is unknown', async () => {
    const { agentEmail: _omitted, ...options } = BASE_OPTIONS;
    const ctx = makeContext(options);
    const outcome = await login(ctx);
    expect(outcome.message).toContain('does not know who you are');
    expect(ctx.clientsCreated).toBe(0);
  });

  it('two clicks at once share one request', async () => {
    const ctx = makeContext();
    await Promise.all([login(ctx), login(ctx)]);
    expect(ctx.provider.count('magicLink')).toBe(1);
  });
});
