import { cardFromLead } from '../../lib/actions/crm-card';
import { CrmCardSchema, type Lead } from '../../lib/messages';
import type { CardResponse } from '../../lib/team/api';
import { type ContactKey, findCardOfChatroom, recordCard } from './contact-rows';
import { whoIs } from './team';
import type { CoreDeps, SignedInAgent, TeamMember } from './types';

/**
 * The CRM card the chat dashboard shows beside a chatroom the team opened from the CRM (lib/actions/crm-card.ts
 * builds it, as in direct mode): kept on the lead's row at every Chat, read by any member of the team, so a chat a
 * teammate started shows it too.
 */

/** The longest error text a card failure logs. */
const MAX_ERROR_TEXT = 200;

/**
 * Stores the lead's card after a successful Chat on `contactId`, with `opener` as who opened it and now as when.
 * Never fails the Chat: the chat is open by now, and the card is only a convenience on the dashboard. A card that
 * does not fit CrmCardSchema is not stored (the dashboard could not read it).
 */
export async function keepCard(deps: CoreDeps, chat: { lead: Lead; key: ContactKey; contactId: string; opener: TeamMember }): Promise<void> {
  const { lead, key, contactId, opener } = chat;
  try {
    const now = deps.now();
    const card = CrmCardSchema.safeParse(cardFromLead(lead, { email: opener.email, name: opener.name }, now, deps.settings.defaultCountry));
    if (!card.success) throw new Error(`the card does not fit CrmCardSchema (${issueAt(card.error)})`);
    await recordCard(deps.db, key, contactId, card.data, new Date(now));
  } catch (error) {
    deps.log?.({ event: 'chat.card-failed', crmId: key.crmId, contactId, error: rootMessage(error) });
  }
}

/**
 * The card of a chatroom, for a member of the team (any member: the dashboard shows it for chats a teammate
 * started); `found: false` for a chatroom this org's team did not open, or whose lead has no card yet.
 */
export async function chatroomCard(deps: CoreDeps, agent: SignedInAgent, chatroomId: string): Promise<CardResponse | 'not-a-member'> {
  if (!(await whoIs(deps, agent))) return 'not-a-member';
  const stored = await findCardOfChatroom(deps.db, deps.settings.orgId, chatroomId);
  if (stored === undefined) return { found: false };
  // Written by keepCard after the same check; checked again in case a row was written by another version.
  const card = CrmCardSchema.safeParse(stored);
  if (card.success) return { found: true, card: card.data };
  deps.log?.({ event: 'card.unreadable', chatroomId, issue: issueAt(card.error) });
  return { found: false };
}

/** Where a card breaks the schema, without the value (lead data stays out of the logs). */
function issueAt(error: { issues: readonly { path: readonly PropertyKey[] }[] }): string {
  return error.issues[0]?.path.map(String).join('.') || 'card';
}

/**
 * The innermost cause's message: drizzle's own wraps the query with its parameters, i.e. the lead's data, which
 * has no place in the logs.
 */
function rootMessage(error: unknown): string {
  let cause = error;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  const text = cause instanceof Error ? cause.message : String(error);
  return text.slice(0, MAX_ERROR_TEXT);
}
