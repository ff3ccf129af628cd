import { requireAgent, requireProviderConfig } from '../config/resolve';
import type { ActionOutcome } from '../messaging';
import { rememberSecret } from '../redact';
import { SingleFlight } from '../single-flight';
import type { ActionContext } from './context';
import { failureOutcome } from './outcome';

/** A cached link this close to its expiry is not reused: the agent's click and the redirect take time. */
export const MAGIC_LINK_SAFETY_MARGIN_MS = 30_000;

const loginsInFlight = new SingleFlight<ActionOutcome>();

/**
 * Login button (seed tutorial, "1. Login"): open the dashboard logged in as the current agent, with the
 * cached magic link while it is valid (the seed's schema stores link + expiry for this), else a new one.
 */
export function login(ctx: ActionContext): Promise<ActionOutcome> {
  return loginsInFlight.run(ctx.config.values.orgId ?? '', () => runLogin(ctx).catch(failureOutcome));
}

async function runLogin(ctx: ActionContext): Promise<ActionOutcome> {
  const provider = requireProviderConfig(ctx.config);
  const agent = requireAgent(ctx.config.values);
  const now = ctx.now();
  const cached = await ctx.store.findAgentUser(provider.orgId, agent.providerUserId);
  let link = cached?.magicLink;
  if (!link || (cached?.magicLinkExpiresAt ?? 0) - now <= MAGIC_LINK_SAFETY_MARGIN_MS) {
    const fresh = await ctx.createClient(provider).magicLink(agent.providerUserId);
    await ctx.store.saveMagicLink(provider.orgId, agent.providerUserId, fresh.url, fresh.expiresAt);
    link = fresh.url;
  }
  // From here on, any text that quotes the link (e.g. the browser failing to open it) is redacted.
  rememberSecret(link);
  await ctx.showInDashboard(link, provider.providerDashboardUrl);
  return { ok: true, message: `Saleschat opened, logged in as ${agent.email ?? agent.providerUserId}.` };
}
