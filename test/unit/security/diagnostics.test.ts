import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { openChat } from '../../../lib/actions/chat';
import { login } from '../../../lib/actions/login';
import { loadConfig } from '../../../lib/config/agent-options';
import type { Lead } from '../../../lib/messaging';
import { ProviderError } from '../../../lib/provider/errors';
import { forgetSecrets, REDACTED } from '../../../lib/redact';
import { BASE_OPTIONS, makeContext, NOW, providerError, type TestContext } from '../helpers';

/**
 * Actions whose errors quote a credential — a provider echoing the token, a browser quoting the magic link it
 * could not open, a fetch error quoting the Authorization header — must not carry it to the CRM page (the
 * outcome) or to the console. Everything the actions log is captured here too.
 */

const TOKEN = 'tok_live_5f4e3d2c1b0a9988';
const LEAD: Lead = { profileId: 'demo', crmId: 'L-7001', firstName: 'Ada', lastName: 'Lovelace', phone: '(415) 555-0132' };
/** The docs do not say what a magic link looks like: this one has nothing a pattern would recognise. */
const LINK_SECRET = 'Zx9KpL0Qa7-3q2wBBBBBBBBB';
const LINK = `https://app.test/app/sso/${LINK_SECRET}`;

const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
let spies: MockInstance[] = [];
const consoleText = () => spies.flatMap((spy) => spy.mock.calls.map((call) => call.map(String).join(' '))).join('\n');

/** A test context whose configuration came through the background's loadConfig, as in the extension. */
async function backgroundContext(extra: Record<string, unknown> = {}): Promise<TestContext> {
  await fakeBrowser.storage.local.set({ agentOptions: { ...BASE_OPTIONS, apiToken: TOKEN, ...extra } });
  const ctx = makeContext({ ...BASE_OPTIONS, apiToken: TOKEN, ...extra });
  ctx.config = await loadConfig();
  return ctx;
}

beforeEach(() => {
  fakeBrowser.reset();
  // Each test starts like a fresh worker: nothing remembered yet.
  forgetSecrets();
  spies = consoleMethods.map((method) => vi.spyOn(console, method).mockImplementation(() => undefined));
});

afterEach(() => {
  expect(consoleText()).not.toContain(TOKEN);
  expect(consoleText()).not.toContain(LINK_SECRET);
  vi.restoreAllMocks();
});

describe('outcomes shown on the CRM page', () => {
  it('Chat: a provider error that echoes the token shows the error, not the token', async () => {
    const ctx = await backgroundContext();
    ctx.provider.createContactResult = async () => {
      throw providerError('http', {
        status: 403,
        errorCode: 4030001,
        errorMessage: `FORBIDDEN ${TOKEN}`,
        errorDescription: `token ${TOKEN} is not allowed in org_1`,
      });
    };
    const outcome = await openChat(LEAD, ctx);
    expect(outcome).toMatchObject({ ok: false, status: 403, errorCode: 4030001, errorMessage: `FORBIDDEN ${REDACTED}` });
    expect(outcome.message).toBe(`Creating the Saleschat contact failed: Saleschat error 4030001 FORBIDDEN ${REDACTED} — token ${REDACTED} is not allowed in org_1`);
  });

  it('Chat: a fetch error quoting the Authorization header is masked even for a token never loaded', async () => {
    // makeContext's own config: nothing went through loadConfig, so only the shape can give it away.
    const ctx = makeContext();
    ctx.provider.createContactResult = async () => {
      throw new ProviderError('network', `Cannot reach Saleschat at https://api.test (Headers.append: "Bearer ${BASE_OPTIONS.apiToken}" is an invalid header value.)`, {
        endpoint: 'createContact',
      });
    };
    const outcome = await openChat(LEAD, ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(outcome.message).toContain(`"Bearer ${REDACTED}"`);
    expect(JSON.stringify(outcome)).not.toContain(BASE_OPTIONS.apiToken);
  });

  it('Login: the browser failing to open a fresh magic link does not show the link', async () => {
    const ctx = await backgroundContext();
    ctx.provider.magicLinkResult = async () => ({ url: LINK, expiresAt: NOW + 900_000, expiryKnown: true });
    // What Firefox's tabs.create says about a URL it refuses.
    ctx.showInDashboard = async (url) => {
      throw new Error(`Illegal URL: ${url}`);
    };
    const outcome = await login(ctx);
    expect(outcome).toEqual({ ok: false, message: `Something unexpected went wrong: Illegal URL: ${REDACTED}`, retryable: true });
  });

  it('Login: a kept link (magicLinkReuse) is masked too, after a worker restart forgot every remembered value', async () => {
    const ctx = await backgroundContext({ magicLinkReuse: true });
    ctx.provider.magicLinkResult = async () => ({ url: LINK, expiresAt: NOW + 900_000, expiryKnown: true });
    expect(await login(ctx)).toMatchObject({ ok: true });
    forgetSecrets();
    ctx.showInDashboard = async () => {
      throw new Error(`could not navigate to ${LINK_SECRET}`);
    };
    const outcome = await login(ctx);
    expect(ctx.provider.count('magicLink')).toBe(1);
    expect(outcome).toMatchObject({ ok: false, message: `Something unexpected went wrong: could not navigate to ${REDACTED}` });
  });

  it('Login: a provider error quoting some other magic link is masked by its shape', async () => {
    const ctx = makeContext();
    ctx.provider.magicLinkResult = async () => {
      throw providerError('http', {
        endpoint: 'magicLink',
        status: 500,
        errorCode: 5000001,
        errorMessage: 'INTERNAL',
        errorDescription: 'previous link https://app.test/app/magic/Q1w2E3r4T5y6U7i8 still active',
      });
    };
    const outcome = await login(ctx);
    expect(outcome.message).toContain(`previous link https://app.test/${REDACTED} still active`);
    expect(outcome.message).not.toContain('Q1w2E3r4T5y6U7i8');
  });
});

describe('console output', () => {
  it('a policy read failure that quotes the token is logged redacted', async () => {
    await backgroundContext();
    vi.spyOn(fakeBrowser.storage.managed, 'get').mockRejectedValue(new Error(`policy store corrupted near "apiToken":"${TOKEN}"`));
    await loadConfig();
    const warned = spies[consoleMethods.indexOf('warn')]?.mock.calls.map((call) => String(call[0])) ?? [];
    expect(warned).toEqual([`CRM Chat Bridge: could not read administrator policy (policy store corrupted near "apiToken":"${REDACTED}"); continuing without it.`]);
  });
});
