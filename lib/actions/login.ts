import { requireAgent, requireProviderConfig } from '../config/resolve';
import type { ActionOutcome } from '../messaging';
import { rememberSecret } from '../redact';
import { SingleFlight } from '../single-flight';
import type { ActionContext } from './context';
import type { KeptLoginLink } from './login-links';
import { failureOutcome } from './outcome';

/** A kept link this close to its expiry is not reused: the agent's click and the redirect take time. */
export const MAGIC_LINK_SAFETY_MARGIN_MS = 30_000;

const loginsInFlight = new SingleFlight<ActionOutcome>();

/**
 * Login button: open the dashboard logged in as the current agent with a magic link. By default every Login
 * asks for a new link and keeps none (whether Saleschat's links survive a second use is unconfirmed, and a kept
 * link is a way into the account); with magicLinkReuse a link is kept for the browser session until it nears
 * its expiry.
 */
export function login(ctx: ActionContext): Promise<ActionOutcome> {
  return loginsInFlight.run(ctx.config.values.orgId ?? '', () => runLogin(ctx).catch(failureOutcome));
}

async function runLogin(ctx: ActionContext): Promise<ActionOutcome> {
  const provider = requireProviderConfig(ctx.config);
  const agent = requireAgent(ctx.config.values);
  const key = `${provider.orgId}/${agent.providerUserId}`;
  const reuse = ctx.config.values.magicLinkReuse === true;
  // A link kept while reuse was allowed goes as soon as the admin turns reuse off.
  if (!reuse) await ctx.loginLinks.delete(key);
  let link = reuse ? await stillValid(ctx, key) : undefined;
  if (!link) {
    const fresh = await ctx.createClient(provider).magicLink(agent.providerUserId);
    link = { url: fresh.url, expiresAt: fresh.expiresAt };
    if (reuse) await ctx.loginLinks.set(key, link);
  }
  // From here on, any text that quotes the link (e.g. the browser failing to open it) is redacted.
  rememberSecret(link.url);
  await ctx.showInDashboard(link.url, provider.providerDashboardUrl);
  return { ok: true, message: `Saleschat opened, logged in as ${agent.email ?? agent.providerUserId}.`, ...(agent.email ? { detail: { agentEmail: agent.email } } : {}) };
}

/** The kept link while it has time left; an expired one is dropped. */
async function stillValid(ctx: ActionContext, key: string): Promise<KeptLoginLink | undefined> {
  const kept = await ctx.loginLinks.get(key);
  if (!kept) return undefined;
  if (kept.expiresAt - ctx.now() > MAGIC_LINK_SAFETY_MARGIN_MS) return kept;
  await ctx.loginLinks.delete(key);
  return undefined;
}
