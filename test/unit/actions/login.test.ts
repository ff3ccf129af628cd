import { describe, expect, it } from 'vitest';
import { login, MAGIC_LINK_SAFETY_MARGIN_MS } from '../../../lib/actions/login';
import { BASE_OPTIONS, makeContext, NOW, providerError } from '../helpers';

describe('Login', () => {
  it('gets a magic link for the agent and opens it in the dashboard tab; by default nothing is kept', async () => {
    const ctx = makeContext();
    const outcome = await login(ctx);
    expect(outcome).toEqual({ ok: true, message: 'Saleschat opened, logged in as alice@example.com.', detail: { agentEmail: 'alice@example.com' } });
    expect(ctx.provider.calls).toEqual([{ method: 'magicLink', args: ['u_alice'] }]);
    expect(ctx.opened).toEqual(['https://app.test/app/magic/1']);
    expect(await ctx.loginLinks.get('org_1/u_alice')).toBeUndefined();
  });

  it('by default every Login asks for a new link (a used link may not work twice)', async () => {
    const ctx = makeContext();
    await login(ctx);
    await login(ctx);
    expect(ctx.provider.count('magicLink')).toBe(2);
    expect(ctx.opened).toEqual(['https://app.test/app/magic/1', 'https://app.test/app/magic/2']);
  });

  it('with magicLinkReuse, reuses the kept link within its expiry: no provider request', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, magicLinkReuse: true });
    await login(ctx);
    expect(await ctx.loginLinks.get('org_1/u_alice')).toEqual({ url: 'https://app.test/app/magic/1', expiresAt: NOW + 900_000 });
    await login(ctx);
    expect(ctx.provider.count('magicLink')).toBe(1);
    expect(ctx.opened).toEqual(['https://app.test/app/magic/1', 'https://app.test/app/magic/1']);
  });

  it('with magicLinkReuse, asks for a new link when the kept one is inside the safety margin, and replaces it', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, magicLinkReuse: true });
    await ctx.loginLinks.set('org_1/u_alice', { url: 'https://app.test/app/magic/old', expiresAt: NOW + MAGIC_LINK_SAFETY_MARGIN_MS });
    await login(ctx);
    expect(ctx.provider.count('magicLink')).toBe(1);
    expect(ctx.opened).toEqual(['https://app.test/app/magic/1']);
    expect((await ctx.loginLinks.get('org_1/u_alice'))?.url).toBe('https://app.test/app/magic/1');
  });

  it('a link kept while reuse was allowed is dropped, not used, once reuse is off', async () => {
    const ctx = makeContext();
    await ctx.loginLinks.set('org_1/u_alice', { url: 'https://app.test/app/magic/kept', expiresAt: NOW + 600_000 });
    await login(ctx);
    expect(ctx.opened).toEqual(['https://app.test/app/magic/1']);
    expect(await ctx.loginLinks.get('org_1/u_alice')).toBeUndefined();
  });

  it('uses agentProviderUserId over agentEmail (it must name someone in the directory)', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, agentProviderUserId: 'u_bob' });
    const outcome = await login(ctx);
    expect(ctx.provider.calls).toEqual([{ method: 'magicLink', args: ['u_bob'] }]);
    expect(outcome.message).toBe('Saleschat opened, logged in as bob@example.com.');
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
