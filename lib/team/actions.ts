import { cardFromLead } from '../actions/crm-card';
import type { ActionOutcome, CrmCard, Lead } from '../messaging';
import { rememberSecret } from '../redact';
import { SingleFlight } from '../single-flight';
import { failureOutcome } from '../actions/outcome';
import type { ShowInDashboard } from '../actions/dashboard-tab';
import { ConfigError } from '../config/resolve';
import type { MappingStore } from '../store/mappings';
import { ChatResponseSchema, type GatewayFailure, LoginResponseSchema } from './api';
import { GatewayCallError, type GatewayClient } from './gateway-client';
import type { StoredSession } from './session';

/**
 * Chat and Login in team mode: one request to the team gateway, which decides and calls Saleschat with the
 * token it holds; the browser opens what the gateway answers. The browser's own mapping table is a cache of
 * the gateway's answers (the options page's export, the popup's diagnostics), never consulted to decide.
 */
export interface TeamActionContext {
  gateway: GatewayClient;
  showInDashboard: ShowInDashboard;
  store: MappingStore;
  now(): number;
  /** The gateway's CRM write-back of this action, when it has one: followed for the second toast. */
  followWriteBack?(eventId: string): void;
  /**
   * The CRM card of the chatroom this Chat is about to show, as the gateway now holds it (this lead, this agent, now),
   * so the dashboard page it opens needs no request to the gateway for it.
   */
  rememberCard?(chatroomId: string, card: CrmCard): void;
}

const chatsInFlight = new SingleFlight<ActionOutcome>();

export function teamChat(lead: Lead, ctx: TeamActionContext): Promise<ActionOutcome> {
  return chatsInFlight.run(lead.crmId.trim(), () => runTeamChat(lead, ctx).catch(teamFailure));
}

async function runTeamChat(lead: Lead, ctx: TeamActionContext): Promise<ActionOutcome> {
  const session = await ctx.gateway.session();
  const orgId = session.rules?.orgId ?? '';
  const early = await showEarly(lead, session, ctx);
  const answer = await settleAfter(early, async () => ChatResponseSchema.parse(await ctx.gateway.call('/v1/chat', { lead })));
  if (answer.crmActionsEventId) ctx.followWriteBack?.(answer.crmActionsEventId);
  if (!answer.ok) return withoutEventId(answer);
  await ctx.store
    .saveContact(orgId, lead.crmId.trim(), answer.contactId, ctx.now(), answer.chatroomUrl)
    .then(() => ctx.store.saveAssignment(orgId, answer.contactId, session.providerUserId ?? session.email, answer.chatroomId, ctx.now()))
    .catch(() => undefined); // a cache: the gateway has the mapping, the agent must not see a local storage hiccup
  if (answer.chatroomId) ctx.rememberCard?.(answer.chatroomId, chatCard(lead, session, ctx));
  if (!(early?.url === answer.chatroomUrl && (await early.shown))) await ctx.showInDashboard(answer.chatroomUrl, dashboardUrl(session));
  const detail = { chatroomUrl: answer.chatroomUrl, contactId: answer.contactId, ...(answer.chatroomId ? { chatroomId: answer.chatroomId } : {}), agentEmail: session.email };
  return { ok: true, message: answer.message, detail };
}

/** The CRM card this Chat gives its chatroom, as the gateway stores it too (this lead, this agent, now). */
function chatCard(lead: Lead, session: StoredSession, ctx: TeamActionContext): CrmCard {
  const opener = { email: session.email, ...(session.name ? { name: session.name } : {}) };
  return cardFromLead(lead, opener, ctx.now(), session.rules?.defaultCountry ?? 'US');
}

/** The chatroom shown while the gateway works; `shown` says whether showing it worked. */
interface EarlyShow {
  url: string;
  shown: Promise<boolean>;
}

/**
 * A lead whose chat this browser last saw the gateway give to this agent: its chatroom page is shown while the
 * gateway works, so the agent waits for the slower of the two (as direct mode does, lib/actions/chat.ts). The
 * gateway's answer still decides: another page is shown when it names one. From the browser's cache of the
 * gateway's answers, never used to decide anything else.
 */
async function showEarly(lead: Lead, session: StoredSession, ctx: TeamActionContext): Promise<EarlyShow | undefined> {
  const orgId = session.rules?.orgId;
  if (!orgId || !session.rules?.providerDashboardUrl) return undefined;
  const cached = await ctx.store.findContact(orgId, lead.crmId.trim()).catch(() => undefined);
  if (!cached?.chatroomUrl) return undefined;
  const [assignee, chatroomId] = await Promise.all([
    ctx.store.findAssignee(orgId, cached.providerContactId).catch(() => undefined),
    ctx.store.findChatroomId(orgId, cached.providerContactId).catch(() => undefined),
  ]);
  if (assignee !== (session.providerUserId ?? session.email)) return undefined;
  // The page asks for its CRM card as soon as it loads, before the gateway answered: it gets this Chat's own.
  if (chatroomId) ctx.rememberCard?.(chatroomId, chatCard(lead, session, ctx));
  const url = cached.chatroomUrl;
  const shown = ctx.showInDashboard(url, session.rules.providerDashboardUrl).then(
    () => true,
    () => false,
  );
  return { url, shown };
}

/** `work`'s result once the early show (if any) has settled too, so no part of this Chat outlives its outcome. */
async function settleAfter<T>(early: EarlyShow | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await early?.shown;
  }
}

export function teamLogin(ctx: TeamActionContext): Promise<ActionOutcome> {
  return runTeamLogin(ctx).catch(teamFailure);
}

async function runTeamLogin(ctx: TeamActionContext): Promise<ActionOutcome> {
  const session = await ctx.gateway.session();
  const answer = LoginResponseSchema.parse(await ctx.gateway.call('/v1/login', {}));
  if (!answer.ok) return withoutEventId(answer);
  rememberSecret(answer.url);
  await ctx.showInDashboard(answer.url, dashboardUrl(session));
  if (answer.crmActionsEventId) ctx.followWriteBack?.(answer.crmActionsEventId);
  return { ok: true, message: `Saleschat opened, logged in as ${session.email}.`, detail: { agentEmail: session.email } };
}

/** The agent's outcome is the gateway's failure as it is, less the id the background follows. */
function withoutEventId(failure: GatewayFailure): ActionOutcome {
  const { crmActionsEventId: _eventId, ...outcome } = failure;
  return outcome;
}

function dashboardUrl(session: StoredSession): string {
  const url = session.rules?.providerDashboardUrl;
  if (!url) throw new ConfigError('The team gateway has not said where the Saleschat dashboard is. Sign out and in again from the popup.');
  return url;
}

function teamFailure(error: unknown): ActionOutcome {
  if (error instanceof GatewayCallError) return { ok: false, message: error.message, retryable: error.status === undefined || error.status >= 500 || error.status === 429, ...(error.status ? { status: error.status } : {}) };
  return failureOutcome(error);
}
