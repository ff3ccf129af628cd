import {
  type AgentIdentity,
  fillUrlTemplate,
  type ProviderConfig,
  type ResolvedConfig,
  requireAgent,
  requireProviderConfig,
} from '../config/resolve';
import { type AgentEntry, CONFIG_DEFAULTS } from '../config/schema';
import type { ActionOutcome, Lead } from '../messaging';
import { ProviderError } from '../provider/errors';
import { SingleFlight } from '../single-flight';
import type { ChatJournalRow, ContactRow } from '../store/db';
import { lookUpContactId } from './contact-lookup';
import { cardFromLead } from './crm-card';
import type { AssignResult } from '../provider/responses';
import type { ActionContext, ProviderApi } from './context';
import { describeUser, leadHolder } from './lead-owner';
import { ActionRefused, failureOutcome } from './outcome';
import { NOTHING_SENT, type NumberChange, numberChangeFor, readableLead, sendStage, storedFields, type SyncStep, syncSettings, updateNames } from './chat-sync';
import {
  type ContactSyncSettings,
  contactFields,
  type EarlierContact,
  type FieldsSent,
  nameField,
  newContactNote,
  PROVIDER_FIELD_MAX,
  phoneChangedWarning,
  planContactSync,
  sentAfter,
  switchedBackNote,
} from './contact-sync';

export { nameField, PROVIDER_FIELD_MAX };

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
 *
 * The contact stays true to the CRM (syncAndAssign): each mapping keeps what Saleschat was last sent, and a
 * Chat on a known lead sends only what changed since (names, stage), or acts on a changed phone number as the
 * admin's phoneChangePolicy says (changeNumber). An unchanged lead still costs the assign alone.
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
  /** Interrupted while creating longer ago than JOURNAL_ENTRY_LIFETIME_MS: dropped. */
  expired: number;
}

/**
 * A 'creating' entry this old is dropped: nobody came back to that lead, and keeping it forever would make
 * every start-up read it again. Nothing is lost by dropping it: a later Chat on the lead re-issues the
 * create, and a 409 then resolves to the contact that landed (see openChat), exactly as the entry would have.
 */
export const JOURNAL_ENTRY_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Background start-up: reconcile the Chats a stopped worker left unfinished, without calling the provider.
 * An entry whose contact id is known gets its mapping (if somehow missing) and is cleared: the next click
 * on that lead is then an ordinary Chat on a known lead. It does NOT assign on its own: an assign nobody
 * clicked for would open no chatroom for anyone, could take a chat over from another agent without the
 * agent's say, and would send provider traffic every time the worker wakes. An entry still 'creating' stays
 * for the next click on its lead (unless expired), which re-issues the create with the lead's current fields
 * and resolves a 409 as described at openChat, with the agent watching the outcome.
 */
export async function resumeJournal(ctx: Pick<ActionContext, 'store' | 'now'>): Promise<JournalResumeReport> {
  const report: JournalResumeReport = { restored: 0, present: 0, differs: 0, pending: 0, expired: 0 };
  for (const entry of await ctx.store.unfinishedChats()) {
    if (!hasContactId(entry)) {
      if (isExpired(entry, ctx.now())) {
        await ctx.store.dropChatJournal(entry.orgId, entry.crmId);
        report.expired += 1;
      } else {
        report.pending += 1;
      }
      continue;
    }
    // Safe next to a click on the same lead: the run rewrites its entry whole at every step and the
    // mapping is only ever restored when missing (the background also lets clicks wait for this).
    report[await ctx.store.reconcileChatJournal(entry)] += 1;
  }
  return report;
}

function isExpired(entry: ChatJournalRow, now: number): boolean {
  return entry.providerContactId === undefined && now - entry.updatedAt > JOURNAL_ENTRY_LIFETIME_MS;
}

function hasContactId(entry: ChatJournalRow): entry is ChatJournalRow & { providerContactId: string } {
  return entry.providerContactId !== undefined;
}

/** One Chat on one lead, as the steps below share it. */
interface ChatRun {
  lead: Lead;
  ctx: ActionContext;
  client: ProviderApi;
  me: AgentIdentity;
  sync: ContactSyncSettings;
  /** The journal entry's fixed part; `attempts` grows with each create this click sends. */
  entry: Omit<ChatJournalRow, 'step' | 'updatedAt' | 'providerContactId'>;
  /**
   * The crm_id the provider holds or gets for the contact this run assigns or creates: the lead's identity, a
   * legacy mapping's bare record id, or one derived for a new phone number (`<id>-2`, see changeNumber).
   */
  providerCrmId: string;
  /** The contact the mapping held when the click began, when no Chat on the lead was left unfinished. */
  mappedContactId?: string;
}

/** How a Chat ended: the contact assigned, what Saleschat now holds for it, and what the agent is told besides. */
interface Chatted {
  contactId: string;
  providerCrmId: string;
  assigned: AssignResult;
  sent: FieldsSent;
  notes: string[];
}

/** A create's contact; `sent` only when this create made it (one learnt from a 409 holds what we cannot know). */
interface Created {
  contactId: string;
  sent?: FieldsSent;
}

async function runChat(lead: Lead, ctx: ActionContext): Promise<ActionOutcome> {
  const values = ctx.config.values;
  const provider = requireProviderConfig(ctx.config);
  const me = requireAgent(values);
  const orgId = provider.orgId;
  const crmId = lead.crmId.trim();

  let client: ProviderApi | undefined;
  const providerClient = () => (client ??= ctx.createClient(provider));
  const state = await ctx.store.findLeadState(orgId, crmId, lead.recordId?.trim());
  const contact = state.contact?.imported ? await checkImported(state.contact, ctx, providerClient) : state.contact;
  const found = state.journal;
  const journal = found && isExpired(found, ctx.now()) ? undefined : found;
  // The mapping wins, for the crm_id as for the contact id: the journal's only fill in for a missing mapping.
  // (An entry left by a create for a new phone number carries a derived crm_id that is not the mapping's.)
  const providerCrmId = contact ? (contact.providerCrmId ?? crmId) : (journal?.providerCrmId ?? crmId);
  refuseLongCrmId(providerCrmId);
  const known = contact?.providerContactId ?? journal?.providerContactId;
  const sync = syncSettings(values);
  // Refuses (phoneChangePolicy refuse), or picks the contact for the CRM's number, before any provider request.
  const numberChange = contact ? numberChangeFor(contact, lead, sync) : undefined;
  await refuseTakeOver(me, known, lead, ctx);
  // Back to an earlier number's chat: that chat may be another agent's too.
  if (numberChange && 'back' in numberChange) await refuseTakeOver(me, numberChange.back.providerContactId, lead, ctx);

  const entry = { orgId, crmId, attempts: journal?.attempts ?? 0, startedAt: journal?.startedAt ?? ctx.now(), ...differentCrmId(providerCrmId, crmId) };
  // A mapped lead with no unfinished Chat: its chatroom may be shown before the assign answers (showEarly).
  const mappedContactId = contact && !journal ? contact.providerContactId : undefined;
  const run: ChatRun = { lead, ctx, client: providerClient(), me, sync, entry, providerCrmId, mappedContactId };
  if (!contact && known) await ctx.store.saveCreatedContact({ ...entry, step: 'created', providerContactId: known, updatedAt: ctx.now() });
  const early = numberChange || !mappedContactId ? undefined : await showEarly(run, provider, mappedContactId, contact?.sent);
  const chatted = await settleAfter(
    early,
    numberChange ? changeNumber(run, numberChange) : known ? assignKnown(run, known, contact?.sent) : createAndAssign(run),
  );

  const { contactId, assigned } = chatted;
  const chatroomId = assigned.chatroomId ?? (await ctx.store.findChatroomId(orgId, contactId));
  const card = cardFromLead(lead, me, ctx.now(), values.defaultCountry ?? CONFIG_DEFAULTS.defaultCountry);
  const shown = chatroomUrl(provider, values, { chatroomId, contactId, crmId: chatted.providerCrmId });
  const shownEarly = early?.url === shown && (await early.shown);
  // The mapping is written while the tab loads: the outcome still waits for both.
  await Promise.all([
    ctx.store.finishChat(orgId, crmId, contactId, assigned.assignedUserId ?? me.providerUserId, assigned.chatroomId, ctx.now(), chatted.sent, card),
    shownEarly ? undefined : ctx.showInDashboard(shown, provider.providerDashboardUrl),
  ]);
  const detail = { chatroomUrl: shown, contactId, ...(chatroomId ? { chatroomId } : {}), ...(me.email ? { agentEmail: me.email } : {}) };
  return { ok: true, message: successMessage(lead, assigned, me, values.agents ?? [], chatroomId, chatted.notes), detail };
}

/** The chatroom shown while the assign is on its way; `shown` says whether showing it worked. */
interface EarlyShow {
  url: string;
  shown: Promise<boolean>;
}

/**
 * A Chat on a lead whose chatroom this browser knows and which is already this agent's: the chatroom is shown
 * while the assign is on its way, so the agent waits for the slower of the two instead of both in turn. The
 * assign's answer still decides: another chatroom is shown when it names one (runChat). Not for a chat another
 * agent holds, nor for a contact whose names this Chat updates first: the page would load before the assign
 * made the chat ours, or before Saleschat had the new name.
 */
async function showEarly(run: ChatRun, provider: ProviderConfig, contactId: string, sent: FieldsSent | undefined): Promise<EarlyShow | undefined> {
  const { ctx, me } = run;
  if (planContactSync(sent, readableLead(run.lead, run.sync.defaultCountry), run.sync).update) return undefined;
  const [chatroomId, assignee] = await Promise.all([ctx.store.findChatroomId(run.entry.orgId, contactId), ctx.store.findAssignee(run.entry.orgId, contactId)]);
  if (!chatroomId || assignee !== me.providerUserId) return undefined;
  const url = chatroomUrl(provider, ctx.config.values, { chatroomId, contactId, crmId: run.providerCrmId });
  const shown = ctx.showInDashboard(url, provider.providerDashboardUrl).then(
    () => true,
    () => false,
  );
  return { url, shown };
}

/** `chat`'s result once the early show (if any) has settled too, so no part of this Chat outlives its outcome. */
async function settleAfter(early: EarlyShow | undefined, chat: Promise<Chatted>): Promise<Chatted> {
  try {
    return await chat;
  } finally {
    await early?.shown;
  }
}

function refuseLongCrmId(providerCrmId: string): void {
  if (providerCrmId.length <= PROVIDER_FIELD_MAX) return;
  throw new ActionRefused(
    `This lead's identity "${providerCrmId.slice(0, 40)}…" is ${providerCrmId.length} characters long; Saleschat accepts at most ${PROVIDER_FIELD_MAX}. Ask your administrator to shorten the rule's crmIdTemplate.`,
  );
}

/**
 * A mapping from an imported file, before its first Chat (lib/store/transfer.ts). With the contact lookup
 * configured, Saleschat is asked which contact holds the crm_id before anything is assigned: another contact,
 * or none, drops the imported mapping and the Chat continues as for a lead this browser does not know. Without
 * the lookup the assign is the check: a 404 drops it (assignKnown), an accepted assign confirms it (finishChat).
 */
async function checkImported(contact: ContactRow, ctx: ActionContext, client: () => ProviderApi): Promise<ContactRow | undefined> {
  const template = ctx.config.values.contactLookupUrlTemplate;
  if (!template) return contact;
  const providerCrmId = contact.providerCrmId ?? contact.crmId;
  const found = await lookUpContactId(client(), template, contact.orgId, providerCrmId);
  if (found === contact.providerContactId) {
    await ctx.store.confirmImportedContact(contact.orgId, contact.crmId);
    const { imported: _imported, ...confirmed } = contact;
    return confirmed;
  }
  await ctx.store.dropImportedContact(contact.orgId, contact.crmId);
  return undefined;
}

/** Only rows whose crm_id differs from their key carry it (see ContactRow.providerCrmId). */
function differentCrmId(providerCrmId: string, crmId: string): { providerCrmId?: string } {
  return providerCrmId === crmId ? {} : { providerCrmId };
}

/**
 * allowReassign false: refuses, before any provider request, a Chat on a lead another agent holds, and, when
 * `reassignWhenOwnerUnknown` is 'refuse', one whose holder cannot be told (see leadHolder).
 */
async function refuseTakeOver(me: AgentIdentity, contactId: string | undefined, lead: Lead, ctx: ActionContext): Promise<void> {
  const values = ctx.config.values;
  if (values.allowReassign !== false) return;
  const recordedAssignee = contactId ? await ctx.store.findAssignee(values.orgId ?? '', contactId) : undefined;
  const holder = leadHolder(me, recordedAssignee, lead, values.agents ?? []);
  if (holder.is === 'other') {
    throw new ActionRefused(
      `This lead's chat belongs to ${holder.who}. Your administrator does not allow taking over another agent's chat; ask them or your manager to reassign it.`,
    );
  }
  if (holder.is === 'unknown' && values.reassignWhenOwnerUnknown === 'refuse') {
    throw new ActionRefused(
      `${holder.why} Your administrator does not allow a Chat on a lead whose owner cannot be told (reassignWhenOwnerUnknown: refuse); ask them or your manager to check the lead's owner.`,
    );
  }
}

async function createAndAssign(run: ChatRun): Promise<Chatted> {
  const created = await createJournaled(run);
  return whileSaving(syncAndAssign(run, created.contactId, created.sent), created.saved);
}

/**
 * The assign goes out while the new contact's mapping is written, and the Chat goes on once both have settled (the
 * assign's failure first: the provider's answer is what the agent reads). No new risk: a worker stopped before the
 * write landed leaves the journal's 'creating' entry, exactly as one stopped a moment earlier would, and the next
 * click's create meets the 409 and resolves it (createContact).
 */
async function whileSaving<T>(work: Promise<T>, saved: Promise<unknown>): Promise<T> {
  const [result, save] = await Promise.allSettled([work, saved]);
  if (result.status === 'rejected') throw result.reason;
  if (save.status === 'rejected') throw save.reason;
  return result.value;
}

/**
 * A lead this browser knows: assign. When the provider answers 404 the contact is gone there (deleted in the
 * dashboard, or the org was cleaned up): the lead is re-created through the journal and assigned, in this
 * same click. If the create then finds the same contact still there (409 naming it), the 404 was about
 * something else (e.g. the user) and the mapping stays: the agent reads the provider's 404.
 */
async function assignKnown(run: ChatRun, knownContactId: string, sent: FieldsSent | undefined): Promise<Chatted> {
  try {
    return await syncAndAssign(run, knownContactId, sent);
  } catch (error) {
    if (!(error instanceof ProviderError && error.status === 404 && error.details.endpoint === 'assign')) throw error;
    const created = await createJournaled(run, { replacing: knownContactId }).catch((createError: unknown) => {
      throw createError instanceof ContactStillThere ? error : createError;
    });
    const forgotten = run.ctx.store.forgetContactDetails(run.entry.orgId, knownContactId);
    return whileSaving(syncAndAssign(run, created.contactId, created.sent), Promise.all([created.saved, forgotten]));
  }
}

/**
 * Brings the contact up to date with the CRM and assigns it (issue 16). Only what differs from `sent` (what
 * Saleschat last got) is sent, so an unchanged lead costs the assign alone: the names before the assign (one
 * more round trip, and the chatroom's name follows them), a mapped stage alongside it. Neither failing stops the
 * chat; the agent is told, and `sent` keeps the old value so the next Chat tries again.
 */
async function syncAndAssign(run: ChatRun, contactId: string, sent: FieldsSent | undefined): Promise<Chatted> {
  const { client, sync, providerCrmId } = run;
  const lead = readableLead(run.lead, sync.defaultCountry);
  const plan = planContactSync(sent, lead, sync);
  const renamed = plan.update ? await updateNames(client, { contactId, providerCrmId }, plan.update) : NOTHING_SENT;
  const { assigned, staged } = await assignWithStage(run, contactId, plan.stage);
  const after = sentAfter(sent, lead, plan, { update: renamed.accepted, stage: staged.accepted }, sync.defaultCountry);
  // phoneChangePolicy warn (the others never assign the old number's contact): the agent learns both numbers.
  const warning = plan.phoneChange ? phoneChangedWarning(plan.phoneChange) : '';
  return { contactId, providerCrmId, assigned, sent: storedFields(after), notes: [warning, renamed.note, staged.note] };
}

/**
 * The stage goes out with the assign, not after it, so the agent waits for the slower of the two. An assign
 * that fails still waits for the stage (which never throws), so no request of this Chat outlives its outcome.
 */
async function assignWithStage(run: ChatRun, contactId: string, stage: { stage: string; disposition?: string } | undefined): Promise<{ assigned: AssignResult; staged: SyncStep }> {
  const ids = { orgId: run.entry.orgId, contactId, crmId: run.providerCrmId };
  const staging = sendStage(run.client, run.ctx.config.values.contactStageUrlTemplate, ids, stage);
  // No journal write first: the contact id is in the mapping (a mapped lead, switchContact) or on its way there
  // together with the journal's 'created' (saveCreatedContact, whileSaving), which is all a restart needs.
  const assigned = await run.client.assign(contactId, run.me.providerUserId).catch(async (error: unknown) => {
    await staging;
    throw error;
  });
  return { assigned, staged: await staging };
}

/**
 * phoneChangePolicy newContact: the chat with the CRM's number (numberChangeFor chose which). Back to a number
 * the lead had: that number's contact again, no create. A new number: a contact with the derived crm_id, created
 * through the journal like any other and saved with the lead's earlier contacts; a Chat interrupted meanwhile
 * derives the same crm_id at the next click, whose create then meets the 409 and resolves it (createContact).
 */
async function changeNumber(run: ChatRun, change: NumberChange): Promise<Chatted> {
  if ('back' in change) {
    const { back } = change;
    await run.ctx.store.switchContact(run.entry.orgId, run.entry.crmId, back, change.earlier);
    const chatted = await assignKnown(withCrmId(run, back.providerCrmId), back.providerContactId, { phone_number: back.phone_number });
    return { ...chatted, notes: [switchedBackNote(change.change), ...chatted.notes] };
  }
  const moved = withCrmId(run, change.providerCrmId);
  const created = await createJournaled(moved, { earlier: change.earlier });
  const chatted = await whileSaving(syncAndAssign(moved, created.contactId, created.sent), created.saved);
  return { ...chatted, notes: [newContactNote(change.change, change.providerCrmId), ...chatted.notes] };
}

/** The run for another of the lead's contacts: its crm_id in the requests and in the journal entry. */
function withCrmId(run: ChatRun, providerCrmId: string): ChatRun {
  const { providerCrmId: _current, ...entry } = run.entry;
  return { ...run, providerCrmId, entry: { ...entry, ...differentCrmId(providerCrmId, entry.crmId) } };
}

/** The create found the contact it was meant to replace (assignKnown): nothing to re-create. */
class ContactStillThere extends Error {}

/**
 * Creates the contact with the journal around it: written before the request leaves, so a stopped worker
 * leaves a trace the next click reads; the contact id and mapping saved together once known (`saved`, which the
 * caller awaits alongside the assign: whileSaving).
 */
async function createJournaled(run: ChatRun, options: { replacing?: string; earlier?: EarlierContact[] } = {}): Promise<Created & { saved: Promise<void> }> {
  const { ctx, entry } = run;
  const earlierAttempts = entry.attempts;
  entry.attempts += 1;
  await ctx.store.writeChatJournal({ ...entry, step: 'creating', updatedAt: ctx.now() });
  const created = await createContact(run, earlierAttempts)
    .then((contact) => {
      if (contact.contactId === options.replacing) throw new ContactStillThere();
      return contact;
    })
    .catch(async (error: unknown) => {
      // The provider said no (nothing was created): nothing to resume. Any other failure leaves the entry.
      // Failing to drop it is harmless (the next click re-creates and meets the same answer), so the
      // provider's answer, not a storage error, is what the agent reads.
      if (createSettledWithoutContact(error) || error instanceof ContactStillThere || (options.replacing && error instanceof ActionRefused)) {
        await ctx.store.dropChatJournal(entry.orgId, entry.crmId).catch(() => undefined);
      }
      // Re-creating after a 404 and the provider cannot say which contact holds the crm_id: it is still there.
      throw options.replacing && error instanceof ActionRefused ? new ContactStillThere() : error;
    });
  const known = { ...(created.sent ? { sent: created.sent } : {}), ...(options.earlier ? { earlier: options.earlier } : {}) };
  const saved = ctx.store.saveCreatedContact({ ...entry, step: 'created', providerContactId: created.contactId, updatedAt: ctx.now() }, known);
  return { ...created, saved };
}

function chatroomUrl(
  provider: ProviderConfig,
  values: ResolvedConfig['values'],
  ids: { chatroomId: string | undefined; contactId: string; crmId: string },
): string {
  const variables = { DASHBOARD_URL: provider.providerDashboardUrl, CHATROOM_ID: ids.chatroomId, CONTACT_ID: ids.contactId, CRM_ID: ids.crmId };
  return ids.chatroomId
    ? fillUrlTemplate(values.chatroomUrlTemplate ?? '{DASHBOARD_URL}/chatrooms/{CHATROOM_ID}', variables)
    : fillUrlTemplate(values.contactUrlTemplate ?? '{DASHBOARD_URL}/contacts/{CONTACT_ID}', variables);
}

/** The longest success message the pages accept (lib/messages.ts ActionOutcomeSchema). */
const OK_MESSAGE_MAX = 500;

function successMessage(
  lead: Lead,
  assigned: AssignResult,
  me: AgentIdentity,
  agents: readonly AgentEntry[],
  chatroomId: string | undefined,
  notes: readonly string[],
): string {
  const previous = assigned.previousAssignedUserId;
  const takenOver = previous && previous !== me.providerUserId ? ` It was assigned to ${describeUser(previous, agents)}; it is yours now.` : '';
  const noRoom = chatroomId ? '' : ' Saleschat did not say which chatroom, so the contact is shown.';
  const tail = [takenOver, noRoom, ...notes].filter(Boolean);
  const room = () => OK_MESSAGE_MAX - 'Chat with  opened.'.length - tail.join('').length;
  // Within what the pages accept: a long name gives way first, then the last notes (the least pressing: a failed
  // stage or name update is tried, and told, again at the next Chat).
  while (room() < 20 && tail.length > 0) tail.pop();
  return `Chat with ${shorten(leadName(lead), room())} opened.${tail.join('')}`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Creates the contact; a 409 means it exists already (another browser created it, or an earlier request of
 * ours landed and its answer was lost): its id comes from the 409 payload when that names this crm_id, else
 * the configured lookup, else the agent gets a message saying what the administrator can do. Never a second
 * create.
 */
async function createContact(run: ChatRun, earlierAttempts: number): Promise<Created> {
  const { lead, ctx, client, providerCrmId } = run;
  const values = ctx.config.values;
  // What the create sends is what Saleschat then holds: kept as the contact's `sent`.
  const fields = contactFields(lead, run.sync.defaultCountry);
  try {
    const contact = await client.createContact({ crm_id: providerCrmId, ...fields, opt_in_date: new Date(ctx.now()).toISOString() });
    return { contactId: contact.id, sent: fields };
  } catch (error) {
    if (!(error instanceof ProviderError && error.status === 409)) throw error;
    const fromPayload = idFromConflict(error, providerCrmId);
    if (fromPayload) return { contactId: fromPayload };
    const said = `${error.details.errorCode ?? 409} ${error.details.errorMessage ?? 'conflict'}`;
    const answer = { status: 409, errorCode: error.details.errorCode, errorMessage: error.details.errorMessage };
    if (values.contactLookupUrlTemplate) {
      const found = await lookUpContactId(client, values.contactLookupUrlTemplate, values.orgId ?? '', providerCrmId);
      if (found) return { contactId: found };
      throw new ActionRefused(
        `Saleschat already has a contact for CRM id ${providerCrmId} or its phone number (${said}), but the contact lookup found none with this CRM id, so the conflict is probably the phone number, used by another contact's chatroom. Ask your administrator to check the lead in Saleschat and the contactLookupUrlTemplate setting.`,
        answer,
      );
    }
    const origin =
      earlierAttempts > 0
        ? 'most likely from your earlier Chat on this lead, which was interrupted before Saleschat answered'
        : 'created from another browser or by an earlier request whose answer was lost';
    throw new ActionRefused(
      `Saleschat already has a contact for CRM id ${providerCrmId} (${said}), ${origin}, and did not say which. Ask your administrator to set up the contact lookup (contactLookupUrlTemplate) or to import the team's contact mappings.`,
      answer,
    );
  }
}

/**
 * The create ended without a contact and without doubt: the provider answered a 4xx that says "not
 * created" (not 408/429, which ask to come back), or it exists and we could not learn its id (ActionRefused).
 * Network trouble, timeouts, 5xx and unreadable answers leave the outcome unknown.
 */
export function createSettledWithoutContact(error: unknown): boolean {
  if (error instanceof ActionRefused) return true;
  if (!(error instanceof ProviderError) || error.kind !== 'http' || error.details.endpoint !== 'createContact') return false;
  const status = error.status ?? 0;
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * The 409 payload's contact id, only when the payload also names the crm_id we sent (the provider does not
 * document the payload). A bare id is not taken: a 409 can be about the phone number, and then the id is
 * another person's contact.
 */
export function idFromConflict(error: ProviderError, crmId: string): string | undefined {
  const payload = error.details.payload ?? {};
  const named = payload.crm_id ?? payload.crmId;
  if (typeof named !== 'string' || named.trim() !== crmId) return undefined;
  for (const field of ['contact_id', 'contactId', 'id']) {
    const value = payload[field];
    if ((typeof value === 'string' && value.trim()) || typeof value === 'number') return String(value).trim();
  }
  return undefined;
}

function leadName(lead: Lead): string {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ').trim();
  return name || `lead ${lead.crmId}`;
}
