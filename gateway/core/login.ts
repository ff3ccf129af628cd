import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { MAGIC_LINK_SAFETY_MARGIN_MS } from '../../lib/actions/login';
import { rememberSecret } from '../../lib/redact';
import { users } from '../db/schema';
import { notAMember } from './chat';
import { crmEvent } from './crm-actions';
import { auditOutcome, Refusal, teamFailure } from './failure';
import { journalStep, startJournal, writeAudit } from './journal';
import { whoIs } from './team';
import type { CoreDeps, SignedInAgent, TeamLoginResult, TeamMember } from './types';

/**
 * Login: a Saleschat magic link for the signed-in member's own account, never anyone else's (a link is a way
 * into that account). By default every Login asks for a new link and none is kept, as in direct mode; with
 * magicLinkReuse a link is kept in `users` and handed out again until it nears its expiry.
 */
export async function login(deps: CoreDeps, agent: SignedInAgent, options: { userId?: string } = {}): Promise<TeamLoginResult> {
  rememberSecret(deps.settings.apiToken);
  const member = await whoIs(deps, agent);
  if (!member) {
    await writeAudit(deps, { agentEmail: agent.email.toLowerCase(), action: 'login', outcome: 'refused', detail: 'Login refused: not a member of the team.' });
    return teamFailure(notAMember(agent));
  }
  let journalId: number | undefined;
  try {
    if (options.userId !== undefined && options.userId !== member.providerUserId) {
      throw new Refusal(`You can only sign in as yourself (${member.email}), not as Saleschat user ${options.userId}.`, 403);
    }
    journalId = await startJournal(deps, { orgId: deps.settings.orgId, agentEmail: member.email, action: 'login' });
    const link = await magicLinkFor(deps, member);
    await journalStep(deps.db, journalId, 'done', deps.now(), { outcome: link.reused ? 'ok: kept link' : 'ok: new link' });
    const detail = `Login to Saleschat as ${member.email} (${link.reused ? 'kept link reused' : 'new link'}).`;
    await writeAudit(deps, { agentEmail: member.email, action: 'login', outcome: 'ok', detail }, [link.url]);
    // The CRM write-back's login event (CRM_ACTIONS), journaled only; the link is not among its variables.
    const crm = await crmEvent(deps, 'login', member, { outcome: `Saleschat opened, logged in as ${member.email}.` });
    return { ok: true, url: link.url, expiresAt: link.expiresAt, ...crm };
  } catch (error) {
    const failure = teamFailure(error);
    if (journalId !== undefined) await journalStep(deps.db, journalId, 'failed', deps.now(), { outcome: failure.message }).catch(() => undefined);
    const outcome = auditOutcome(error);
    await writeAudit(deps, { agentEmail: member.email, action: 'login', outcome, detail: `Login ${outcome}: ${failure.message}` });
    return failure;
  }
}

interface Link {
  url: string;
  expiresAt: number;
  reused: boolean;
}

async function magicLinkFor(deps: CoreDeps, member: TeamMember): Promise<Link> {
  const reuse = deps.settings.magicLinkReuse;
  const kept = reuse ? await keptLink(deps, member) : undefined;
  if (kept) return { ...kept, reused: true };
  const fresh = await deps.createClient().magicLink(member.providerUserId);
  // From here on, any text that quotes the link is redacted (failure messages, logs).
  rememberSecret(fresh.url);
  await keepLink(deps, member, reuse ? fresh : undefined);
  return { url: fresh.url, expiresAt: fresh.expiresAt, reused: false };
}

/** The member's kept link while it has time left (a link this close to expiry would fail mid-redirect). */
async function keptLink(deps: CoreDeps, member: TeamMember): Promise<{ url: string; expiresAt: number } | undefined> {
  const [row] = await deps.db
    .select({ url: users.magicLink, expiresAt: users.magicLinkExpiresAt })
    .from(users)
    .where(eq(users.email, member.email));
  if (!row?.url || !row.expiresAt) return undefined;
  const expiresAt = row.expiresAt.getTime();
  return expiresAt - deps.now() > MAGIC_LINK_SAFETY_MARGIN_MS ? { url: row.url, expiresAt } : undefined;
}

/** Keeps the link (reuse on), or clears any kept one (reuse off: a link kept earlier goes at the next Login). */
async function keepLink(deps: CoreDeps, member: TeamMember, link: { url: string; expiresAt: number } | undefined): Promise<void> {
  await deps.db
    .update(users)
    .set({ magicLink: link?.url ?? null, magicLinkExpiresAt: link ? new Date(link.expiresAt) : null, updatedAt: sql`now()` })
    .where(link ? eq(users.email, member.email) : and(eq(users.email, member.email), isNotNull(users.magicLink)));
}
