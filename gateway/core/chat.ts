import { contactFields, PROVIDER_FIELD_MAX } from '../../lib/actions/contact-sync';
import { describeUser, leadHolder } from '../../lib/actions/lead-owner';
import type { AgentIdentity } from '../../lib/config/resolve';
import { fillUrlTemplate } from '../../lib/config/resolve';
import type { AgentEntry } from '../../lib/config/schema';
import type { Lead } from '../../lib/messages';
import type { AssignResult } from '../../lib/provider/responses';
import { rememberSecret } from '../../lib/redact';
import type { ProviderApi } from '../../lib/actions/context';
import { keepCard } from './card';
import { crmEvent } from './crm-actions';
import { contactKey, findAssignee, findChatroomId, findContact, recordAssignment } from './contact-rows';
import { type ContactSync, resolveContact, sendUpdate, settleStage, startStage } from './contact-sync';
import { type ContactRun, ContactStillThere, ensureContact } from './ensure-contact';
import { auditOutcome, Refusal, teamFailure } from './failure';
import { journalStep, startJournal, writeAudit } from './journal';
import { isAssignNotFound } from './provider-contact';
import { findMemberByProviderUserId, teamDirectory, whoIs } from './team';
import type { CoreDeps, SignedInAgent, TeamChatResult, TeamMember } from './types';

/**
 * Chat for the team (seed tutorial, "2. Chat", with one shared map): make sure the lead has exactly one
 * provider contact team-wide (ensure-contact.ts) and that it is true to the CRM (contact-sync.ts: names, a
 * changed phone, the stage), assign it to the agent (or, for a manager, to a member they name), remember
 * chatroom and assignee, and answer the URL to open. Every request leaves a journal row and an
 * audit row. Requests are deliberately not merged in memory: the database claim is what keeps one create per
 * lead, across processes too, and each request keeps its own journal and audit trail.
 */
export async function chat(deps: CoreDeps, agent: SignedInAgent, lead: Lead, options: { assignTo?: string } = {}): Promise<TeamChatResult> {
  rememberSecret(deps.settings.apiToken);
  const crmId = lead.crmId.trim();
  const requester = await whoIs(deps, agent);
  if (!requester) return refuseStranger(deps, agent, crmId);
  let journalId: number | undefined;
  try {
    journalId = await startJournal(deps, { orgId: deps.settings.orgId, crmId, agentEmail: requester.email, action: 'chat' });
    const result = await runChat({ deps, lead: { ...lead, crmId }, requester, journalId }, options.assignTo);
    await writeAudit(deps, { agentEmail: requester.email, action: 'chat', crmId, outcome: 'ok', detail: result.audit });
    return { ...result.answer, ...(await crmEventOf(deps, requester, { ...lead, crmId }, result.answer)) };
  } catch (error) {
    const failure = teamFailure(error);
    if (journalId !== undefined) await journalStep(deps.db, journalId, 'failed', deps.now(), { outcome: failure.message }).catch(() => undefined);
    const outcome = auditOutcome(error);
    await writeAudit(deps, { agentEmail: requester.email, action: 'chat', crmId, outcome, detail: `Chat on ${crmId} ${outcome}: ${failure.message}` });
    return { ...failure, ...(await crmEventOf(deps, requester, { ...lead, crmId }, failure)) };
  }
}

/**
 * The CRM write-back of a member's Chat (CRM_ACTIONS): chat-opened with the chat, or chat-failed with why. Journaled
 * only (the CRM is called after the answer), and never a reason for the Chat to fail.
 */
function crmEventOf(deps: CoreDeps, requester: TeamMember, lead: Lead, answer: TeamChatResult) {
  if (!answer.ok) return crmEvent(deps, 'chat-failed', requester, { lead, outcome: answer.message });
  const chat = { chatroomUrl: answer.chatroomUrl, contactId: answer.contactId, ...(answer.chatroomId ? { chatroomId: answer.chatroomId } : {}) };
  return crmEvent(deps, 'chat-opened', requester, { lead, chat, outcome: answer.message });
}

/** Not in the team: refused before anything else, and audited (someone with a valid sign-in tried). */
async function refuseStranger(deps: CoreDeps, agent: SignedInAgent, crmId: string): Promise<TeamChatResult> {
  const failure = teamFailure(notAMember(agent));
  await writeAudit(deps, { agentEmail: agent.email.toLowerCase(), action: 'chat', crmId, outcome: 'refused', detail: `Chat on ${crmId} refused: not a member of the team.` });
  return failure;
}

export function notAMember(agent: SignedInAgent): Refusal {
  return new Refusal(`${agent.email} is not a member of this team at the gateway. Ask your administrator to add you.`, 403);
}

interface ChatRequest {
  deps: CoreDeps;
  lead: Lead;
  requester: TeamMember;
  journalId: number;
}

async function runChat(request: ChatRequest, assignTo: string | undefined): Promise<{ answer: TeamChatResult; audit: string }> {
  const { deps, lead } = request;
  const target = await assigneeFor(deps, request.requester, assignTo);
  refuseUnusableIdentity(lead.crmId);
  const key = contactKey(deps.settings.orgId, lead.crmId);
  const agents = await teamDirectory(deps.db);
  await refuseTakeOver(request, target, (await findContact(deps.db, key))?.providerContactId ?? undefined, agents);

  const run = contactRun(request, key);
  const contact = await resolveContact(run);
  await sendUpdate(run, contact);
  const stage = startStage(run, contact);
  const assigned = await assign(run, target, contact.created ? { contactId: contact.contactId } : { contactId: contact.contactId, known: true });
  await settleStage(run, contact, stage, assigned.recreated);
  const chatroomId = assigned.result.chatroomId ?? (await findChatroomId(deps.db, key.orgId, assigned.contactId));
  await recordDone(request, target, { ...assigned, chatroomId });
  // The chat is open: the dashboard's card comes after, and never fails it (keepCard logs its own failure).
  await keepCard(deps, { lead, key, contactId: assigned.contactId, opener: request.requester });
  deps.log?.({ event: 'chat.done', crmId: key.crmId, contactId: assigned.contactId, created: contact.created });
  const created = contact.created || assigned.recreated;
  return describeDone(request, { target, agents, chatroomId, contactId: assigned.contactId, created, previous: assigned.result.previousAssignedUserId, sync: contact });
}

/** The assignee and chatroom as the provider confirmed them, and the journal entry closed, in one transaction. */
async function recordDone(request: ChatRequest, target: TeamMember, assigned: Assigned & { chatroomId: string | undefined }): Promise<void> {
  const { deps, requester, journalId } = request;
  const { contactId, chatroomId } = assigned;
  const providerUserId = assigned.result.assignedUserId ?? target.providerUserId;
  await deps.db.transaction(async (tx) => {
    const assignment = { orgId: deps.settings.orgId, contactId, ...(chatroomId ? { chatroomId } : {}), providerUserId, assignedByEmail: requester.email };
    await recordAssignment(tx, assignment, new Date(deps.now()));
    await journalStep(tx, journalId, 'done', deps.now(), { providerContactId: contactId, outcome: 'ok' });
  });
}

interface Done {
  target: TeamMember;
  agents: AgentEntry[];
  contactId: string;
  chatroomId: string | undefined;
  created: boolean;
  /** Who the provider says had the chat before this assign. */
  previous: string | undefined;
  /** What keeping the contact true to the CRM did: notes for the agent, events for the audit. */
  sync: Pick<ContactSync, 'notes' | 'events'>;
}

/** The agent's answer, and the audit sentence. */
function describeDone(request: ChatRequest, done: Done): { answer: TeamChatResult; audit: string } {
  const { deps, lead, requester } = request;
  const { target, agents, contactId, chatroomId, previous } = done;
  const answer: TeamChatResult = {
    ok: true,
    message: withinAnswer(`${successMessage(lead, { requester, target, previous, chatroomId }, agents)}${done.sync.notes.join('')}`),
    chatroomUrl: chatroomUrl(deps, { chatroomId, contactId, crmId: lead.crmId }),
    contactId,
    ...(chatroomId ? { chatroomId } : {}),
    created: done.created,
    assignee: { email: target.email, ...(target.name ? { name: target.name } : {}) },
  };
  const was = previous && previous !== target.providerUserId ? ` (was ${describeUser(previous, agents)})` : '';
  const synced = done.sync.events.length > 0 ? ` (${done.sync.events.join('; ')})` : '';
  return { answer, audit: `Chat on ${lead.crmId}: contact ${contactId} ${done.created ? 'created' : 'existing'}${synced}, assigned to ${target.email}${was}.` };
}

function contactRun(request: ChatRequest, key: ContactRun['key']): ContactRun {
  const { deps, lead } = request;
  let client: ProviderApi | undefined;
  let fields: ReturnType<ContactRun['fields']> | undefined;
  return {
    deps,
    lead,
    key,
    journalId: request.journalId,
    client: () => (client ??= deps.createClient()),
    fields: () => (fields ??= contactFields(lead, deps.settings.defaultCountry)),
  };
}

/** Who gets the chat: the requester; another member only when a manager names them. */
async function assigneeFor(deps: CoreDeps, requester: TeamMember, assignTo: string | undefined): Promise<TeamMember> {
  if (assignTo === undefined || assignTo === requester.providerUserId) return requester;
  if (requester.role !== 'manager') {
    throw new Refusal('You can only open a chat for yourself; assigning it to another agent takes a manager of the team.', 403);
  }
  const target = await findMemberByProviderUserId(deps.db, assignTo);
  if (!target) throw new Refusal(`Saleschat user ${assignTo} is not a member of this team, so the chat cannot be assigned to them. Ask your administrator to add them.`, 403);
  return target;
}

function refuseUnusableIdentity(crmId: string): void {
  if (crmId === '') throw new Refusal("The lead's identity (crmId) is empty; the page was not read correctly. Reload it and try again.", 422);
  if (crmId.length > PROVIDER_FIELD_MAX) {
    throw new Refusal(
      `This lead's identity "${crmId.slice(0, 40)}…" is ${crmId.length} characters long; Saleschat accepts at most ${PROVIDER_FIELD_MAX}. Ask your administrator to shorten the rule's crmIdTemplate.`,
      422,
    );
  }
}

/**
 * allowReassign false: refuses, before any provider request, a Chat that would take the lead's chat from
 * another member (as the gateway recorded it, else as the CRM's owner shows, lib/actions/lead-owner.ts), and
 * with reassignWhenOwnerUnknown 'refuse' one whose holder cannot be told. Managers are who agents are told to
 * ask, so the rule does not stop them.
 */
async function refuseTakeOver(request: ChatRequest, target: TeamMember, contactId: string | undefined, agents: AgentEntry[]): Promise<void> {
  const { deps, lead, requester } = request;
  if (deps.settings.allowReassign || requester.role === 'manager') return;
  const recorded = contactId ? await findAssignee(deps.db, deps.settings.orgId, contactId) : undefined;
  const holder = leadHolder(identityOf(target), recorded, lead, agents);
  if (holder.is === 'other') {
    throw new Refusal(
      `This lead's chat belongs to ${holder.who}. Your administrator does not allow taking over another agent's chat; ask them or your manager to reassign it.`,
      403,
    );
  }
  if (holder.is === 'unknown' && deps.settings.reassignWhenOwnerUnknown === 'refuse') {
    throw new Refusal(
      `${holder.why} Your administrator does not allow a Chat on a lead whose owner cannot be told (reassignWhenOwnerUnknown: refuse); ask them or your manager to check the lead's owner.`,
      403,
    );
  }
}

function identityOf(member: TeamMember): AgentIdentity {
  return { providerUserId: member.providerUserId, email: member.email, ...(member.name ? { name: member.name } : {}), via: 'agentEmail' };
}

interface Assigned {
  contactId: string;
  result: AssignResult;
  /** The contact was gone at the provider and this request created its replacement. */
  recreated: boolean;
}

/**
 * Assigns the contact. A contact this request did not just create may be gone at the provider (deleted in the
 * dashboard): the assign answers 404, and the lead is re-created through the claim (ensure-contact.ts) and
 * assigned, in this same request. When the re-create finds the same contact still there, the 404 was about
 * something else (e.g. the user) and the agent reads it.
 */
async function assign(run: ContactRun, target: TeamMember, contact: { contactId: string; known?: true }): Promise<Assigned> {
  try {
    return { contactId: contact.contactId, result: await assignJournaled(run, target, contact.contactId), recreated: false };
  } catch (error) {
    if (!(contact.known && isAssignNotFound(error))) throw error;
    run.deps.log?.({ event: 'chat.contact-gone', crmId: run.key.crmId, contactId: contact.contactId });
    const replacement = await ensureContact(run, { replacing: contact.contactId }).catch((replaceError: unknown) => {
      throw replaceError instanceof ContactStillThere ? error : replaceError;
    });
    return { contactId: replacement.contactId, result: await assignJournaled(run, target, replacement.contactId), recreated: replacement.created };
  }
}

async function assignJournaled(run: ContactRun, target: TeamMember, contactId: string): Promise<AssignResult> {
  await journalStep(run.deps.db, run.journalId, 'assigning', run.deps.now(), { providerContactId: contactId });
  run.deps.log?.({ event: 'chat.assigning', journalId: run.journalId, crmId: run.key.crmId, contactId });
  return run.client().assign(contactId, target.providerUserId);
}

function chatroomUrl(deps: CoreDeps, ids: { chatroomId: string | undefined; contactId: string; crmId: string }): string {
  const { settings } = deps;
  const variables = { DASHBOARD_URL: settings.providerDashboardUrl, CHATROOM_ID: ids.chatroomId, CONTACT_ID: ids.contactId, CRM_ID: ids.crmId };
  return ids.chatroomId ? fillUrlTemplate(settings.chatroomUrlTemplate, variables) : fillUrlTemplate(settings.contactUrlTemplate, variables);
}

/** Direct mode's message (lib/actions/chat.ts), and for a manager's assign, who got the chat. */
function successMessage(
  lead: Lead,
  chat: { requester: TeamMember; target: TeamMember; previous: string | undefined; chatroomId: string | undefined },
  agents: readonly AgentEntry[],
): string {
  const { requester, target, previous } = chat;
  const forMe = target.providerUserId === requester.providerUserId;
  const opened = forMe ? `Chat with ${leadName(lead)} opened.` : `Chat with ${leadName(lead)} assigned to ${describeUser(target.providerUserId, agents)}.`;
  const wasOther = previous && previous !== target.providerUserId;
  const takenOver = wasOther ? ` It was assigned to ${describeUser(previous, agents)}${forMe ? '; it is yours now' : ''}.` : '';
  const noRoom = chat.chatroomId ? '' : ' Saleschat did not say which chatroom, so the contact is shown.';
  return `${opened}${takenOver}${noRoom}`;
}

/** The longest success message the extension takes (ChatResponseSchema in lib/team/api.ts). */
const MAX_MESSAGE = 500;

/** A message with several notes (a phone warning, a failed update, a failed stage) kept within it. */
function withinAnswer(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 1)}…`;
}

function leadName(lead: Lead): string {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ').trim();
  return name || `lead ${lead.crmId}`;
}
