import { type AgentIdentity, fillUrlTemplate, findAgentByEmail, requireAgent, requireProviderConfig } from '../config/resolve';
import type { AgentEntry } from '../config/schema';
import type { ActionOutcome, Lead } from '../messaging';
import { bestPhoneE164 } from '../phone';
import { ProviderError } from '../provider/errors';
import { SingleFlight } from '../single-flight';
import type { ChatJournalRow } from '../store/db';
import { lookUpContactId } from './contact-lookup';
import type { ActionContext } from './context';
import { ActionRefused, failureOutcome } from './outcome';

/** The provider's documented limit for crm_id, first_name and last_name. */
const PROVIDER_FIELD_MAX = 128;

const chatsInFlight = new SingleFlight<ActionOutcome>();

/**
 * Chat button (seed tutorial, "2. Chat"): create the provider contact if this browser has none for the lead,
 * assign it to the current agent (the provider creates the chatroom on first assign), remember the chatroom
 * and assignee, and open the chatroom in the dashboard tab.
 *
 * One lead, one contact:
 * - Concurrent clicks on one lead (double click, two tabs, two windows) share one run: an extension has one
 *   background context at a time (the MV3 service worker, or Firefox's background page), and every Chat
 *   runs there, so the in-memory SingleFlight sees them all.
 * - A durable journal entry per lead (store table `journal`) is written before the first provider call
 *   and advanced after each step; the contact id and the mapping are written in one transaction. When the
 *   worker is stopped mid-way, the next click on the lead finds the entry: with a contact id it never creates
 *   again, it assigns; still 'creating' (the create may or may not have landed) it re-issues the create, and
 *   a 409 then means "the first one landed": its id comes from the 409 payload, else the configured lookup,
 *   else the agent gets an actionable message. Never a second contact.
 * - A 'creating' entry left by a stopped worker is not waited for, however fresh: its owner is gone (only
 *   one background context exists), and its request, if still travelling, can only be the first or the
 *   second of two creates with one crm_id, which the provider keeps unique (409 UQ_CONSTRAINT_FAILED).
 *   Waiting would only turn "our create wins" into "their create wins, we get the 409".
 */
export function openChat(lead: Lead, ctx: ActionContext): Promise<ActionOutcome> {
  return chatsInFlight.run(chatKey(ctx.config.values.orgId ?? '', lead.crmId.trim()), () => runChat(lead, ctx).catch(failureOutcome));
}

function chatKey(orgId: string, crmId: string): string {
  return `${orgId}\u0000${crmId}`;
}

export interface JournalResumeReport {
  /** Interrupted after the contact id was known; the mapping was missing and is restored. */
  restored: number;
  /** Interrupted after the contact id was known; the mapping was there. */
  present: number;
  /** The journal's contact id disagrees with the stored mapping (imported since); the mapping is kept. */
  differs: number;
  /** Interrupted while creating: left for the next click on the lead. */
  pending: number;
}

/**
 * Background start-up: reconcile the Chats a stopped worker left unfinished, without calling the provider.
 * An entry whose contact id is known gets its mapping (if somehow missing) and is cleared: the next click
 * on that lead is then an ordinary Chat on a known lead. It does NOT assign on its own: an assign nobody
 * clicked for would open no chatroom for anyone, could take a chat over from another agent without the
 * agent's say, and would send provider traffic every time the worker wakes. An entry still 'creating' stays
 * for the next click on its lead, which re-issues the create with the lead's current fields and resolves a
 * 409 as described at openChat, with the agent watching the outcome.
 */
export async function resumeJournal(ctx: Pick<ActionContext, 'store'>): Promise<JournalResumeReport> {
  const report: JournalResumeReport = { restored: 0, present: 0, differs: 0, pending: 0 };
  for (const entry of await ctx.store.unfinishedChats()) {
    if (!hasContactId(entry)) {
      report.pending += 1;
      continue;
    }
    // Safe next to a click on the same lead: the run rewrites its entry whole at every step and the
    // mapping is only ever restored when missing (the background also lets clicks wait for this).
    report[await ctx.store.reconcileChatJournal(entry)] += 1;
  }
  return report;
}

function hasContactId(entry: ChatJournalRow): entry is ChatJournalRow & { providerContactId: string } {
  return entry.providerContactId !== undefined;
}

async function runChat(lead: Lead, ctx: ActionContext): Promise<ActionOutcome> {
  const values = ctx.config.values;
  const provider = requireProviderConfig(ctx.config);
  const me = requireAgent(values);
  const orgId = provider.orgId;
  const crmId = lead.crmId.trim();
  if (crmId.length > PROVIDER_FIELD_MAX) {
    throw new ActionRefused(`This lead's CRM id is ${crmId.length} characters long; Saleschat accepts at most ${PROVIDER_FIELD_MAX}.`);
  }

  const journal = await ctx.store.findChatJournal(orgId, crmId);
  const known = await ctx.store.findContact(orgId, crmId);
  // The mapping wins; the journal's id only fills in for a mapping that is missing.
  let contactId = known?.providerContactId ?? journal?.providerContactId;
  const recordedAssignee = contactId ? await ctx.store.findAssignee(orgId, contactId) : undefined;
  if (values.allowReassign === false) {
    const holder = otherHolder(me, recordedAssignee, lead, values.agents ?? []);
    if (holder) {
      throw new ActionRefused(
        `This lead's chat belongs to ${holder}. Your administrator does not allow taking over another agent's chat; ask them or your manager to reassign it.`,
      );
    }
  }

  const client = ctx.createClient(provider);
  const entry = { orgId, crmId, attempts: journal?.attempts ?? 0, startedAt: journal?.startedAt ?? ctx.now() };
  if (!known && contactId) {
    await ctx.store.saveCreatedContact({ ...entry, step: 'created', providerContactId: contactId, updatedAt: ctx.now() });
  }
  if (!contactId) {
    const earlierAttempts = entry.attempts;
    entry.attempts += 1;
    // Written before the request leaves: from here on a stopped worker leaves a trace the next click reads.
    await ctx.store.writeChatJournal({ ...entry, step: 'creating', updatedAt: ctx.now() });
    contactId = await createContact(lead, crmId, values.defaultCountry ?? 'US', client, ctx, {
      lookupTemplate: values.contactLookupUrlTemplate,
      earlierAttempts,
    }).catch(async (error: unknown) => {
      // The provider said no (nothing was created): nothing to resume. Any other failure leaves the entry.
      // Failing to drop it is harmless (the next click re-creates and meets the same answer), so the
      // provider's answer, not a storage error, is what the agent reads.
      if (createSettledWithoutContact(error)) await ctx.store.dropChatJournal(orgId, crmId).catch(() => undefined);
      throw error;
    });
    await ctx.store.saveCreatedContact({ ...entry, step: 'created', providerContactId: contactId, updatedAt: ctx.now() });
  }

  await ctx.store.writeChatJournal({ ...entry, step: 'assigning', providerContactId: contactId, updatedAt: ctx.now() });
  const assigned = await client.assign(contactId, me.providerUserId);
  const chatroomId = assigned.chatroomId ?? (await ctx.store.findChatroomId(orgId, contactId));
  await ctx.store.finishChat(orgId, crmId, contactId, assigned.assignedUserId ?? me.providerUserId, assigned.chatroomId, ctx.now());

  const variables = {
    DASHBOARD_URL: provider.providerDashboardUrl,
    CHATROOM_ID: chatroomId,
    CONTACT_ID: contactId,
    CRM_ID: crmId,
  };
  const url = chatroomId
    ? fillUrlTemplate(values.chatroomUrlTemplate ?? '{DASHBOARD_URL}/chatrooms/{CHATROOM_ID}', variables)
    : fillUrlTemplate(values.contactUrlTemplate ?? '{DASHBOARD_URL}/contacts/{CONTACT_ID}', variables);
  await ctx.showInDashboard(url, provider.providerDashboardUrl);

  const name = leadName(lead);
  const previous = assigned.previousAssignedUserId;
  const takenOver =
    previous && previous !== me.providerUserId ? ` It was assigned to ${describeUser(previous, values.agents ?? [])}; it is yours now.` : '';
  const noRoom = chatroomId ? '' : ' Saleschat did not say which chatroom, so the contact is shown.';
  return { ok: true, message: `Chat with ${name} opened.${takenOver}${noRoom}` };
}

/**
 * Another agent who holds this lead, as far as we can know without a provider endpoint to read the
 * assignee: this browser's own record wins; otherwise the lead owner shown by the CRM, mapped through the
 * `agents` directory. Undefined when it is the current agent or nobody we can tell.
 */
function otherHolder(me: AgentIdentity, recordedAssignee: string | undefined, lead: Lead, agents: readonly AgentEntry[]): string | undefined {
  if (recordedAssignee) return recordedAssignee === me.providerUserId ? undefined : describeUser(recordedAssignee, agents);
  const owner = lead.ownerEmail ? findAgentByEmail(agents, lead.ownerEmail) : undefined;
  if (owner && owner.providerUserId !== me.providerUserId) return describeUser(owner.providerUserId, agents);
  return undefined;
}

function describeUser(providerUserId: string, agents: readonly AgentEntry[]): string {
  const entry = agents.find((agent) => agent.providerUserId === providerUserId);
  if (!entry) return `Saleschat user ${providerUserId}`;
  return entry.name ? `${entry.name} (${entry.email})` : entry.email;
}

interface ConflictHelp {
  /** contactLookupUrlTemplate, when the administrator configured one. */
  lookupTemplate: string | undefined;
  /** Create requests this lead's unfinished Chat sent before this click (from the journal). */
  earlierAttempts: number;
}

/**
 * Creates the contact; a 409 means it exists already (another browser created it, or an earlier request of
 * ours landed and its answer was lost): its id comes from the 409 payload, else the configured lookup, else
 * the agent gets a message saying what the administrator can do. Never a second create.
 */
async function createContact(
  lead: Lead,
  crmId: string,
  defaultCountry: string,
  client: ReturnType<ActionContext['createClient']>,
  ctx: ActionContext,
  help: ConflictHelp,
): Promise<string> {
  const phone = bestPhoneE164(lead, defaultCountry);
  try {
    const contact = await client.createContact({
      crm_id: crmId,
      ...nameField('first_name', lead.firstName),
      ...nameField('last_name', lead.lastName),
      ...(phone ? { phone_number: phone } : {}),
      opt_in_date: new Date(ctx.now()).toISOString(),
    });
    return contact.id;
  } catch (error) {
    if (!(error instanceof ProviderError && error.status === 409)) throw error;
    const fromPayload = idFromConflict(error);
    if (fromPayload) return fromPayload;
    const said = `${error.details.errorCode ?? 409} ${error.details.errorMessage ?? 'conflict'}`;
    if (help.lookupTemplate) {
      const found = await lookUpContactId(client, help.lookupTemplate, ctx.config.values.orgId ?? '', crmId);
      if (found) return found;
      throw new ActionRefused(
        `Saleschat already has a contact for CRM id ${crmId} or its phone number (${said}), but the contact lookup found none with this CRM id, so the conflict is probably the phone number, used by another contact's chatroom. Ask your administrator to check the lead in Saleschat and the contactLookupUrlTemplate setting.`,
      );
    }
    const origin =
      help.earlierAttempts > 0
        ? 'most likely from your earlier Chat on this lead, which was interrupted before Saleschat answered'
        : 'created from another browser or by an earlier request whose answer was lost';
    throw new ActionRefused(
      `Saleschat already has a contact for CRM id ${crmId} (${said}), ${origin}, and did not say which. Ask your administrator to set up the contact lookup (contactLookupUrlTemplate) or to import the team's contact mappings.`,
    );
  }
}

/**
 * The create ended without a contact and without doubt: the provider answered a 4xx that says "not
 * created" (not 408/429, which ask to come back), or it exists and we could not learn its id (ActionRefused).
 * Network trouble, timeouts, 5xx and unreadable answers leave the outcome unknown.
 */
function createSettledWithoutContact(error: unknown): boolean {
  if (error instanceof ActionRefused) return true;
  if (!(error instanceof ProviderError) || error.kind !== 'http' || error.details.endpoint !== 'createContact') return false;
  const status = error.status ?? 0;
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** The 409 payload's contact id, if the provider sends one (undocumented; see provider-api.md 3.1). */
function idFromConflict(error: ProviderError): string | undefined {
  const payload = error.details.payload ?? {};
  for (const field of ['contact_id', 'contactId', 'id']) {
    const value = payload[field];
    if ((typeof value === 'string' && value.trim()) || typeof value === 'number') return String(value).trim();
  }
  return undefined;
}

/** Names go to the provider without `*` (its pattern forbids it) and within its length limit. */
function nameField(field: 'first_name' | 'last_name', value: string | undefined): Record<string, string> {
  const cleaned = value?.replace(/\*/g, '').replace(/\s+/g, ' ').trim().slice(0, PROVIDER_FIELD_MAX);
  return cleaned ? { [field]: cleaned } : {};
}

function leadName(lead: Lead): string {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ').trim();
  return name || `lead ${lead.crmId}`;
}
