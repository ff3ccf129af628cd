import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ContactSyncPlan,
  type ContactSyncSettings,
  contactStagePath,
  derivedCrmId,
  type FieldsSent,
  newContactNote,
  PROVIDER_FIELD_MAX,
  type PhoneChange,
  phoneChangedWarning,
  phoneChangeRefusal,
  planContactSync,
  stageFailedNote,
  switchedBackNote,
  updateFailedNote,
} from '../../lib/actions/contact-sync';
import { ProviderError } from '../../lib/provider/errors';
import { redact } from '../../lib/redact';
import type { StoredEarlierContact } from '../db/schema';
import { type ContactRow, findContact, providerCrmIdOf, recordFieldsSent, switchToEarlier } from './contact-rows';
import { type ContactRun, createForNewNumber, ensureContact } from './ensure-contact';
import { Refusal } from './failure';
import { journalStep } from './journal';
import type { TeamSettings } from './types';

/**
 * Keeping the provider contact true to the CRM, for the whole team (issue 16; the decisions are the lib's
 * planContactSync, shared with direct mode). At each Chat on a known lead the fields Saleschat last got
 * (`contacts.fields_sent`) are compared with the lead the extension sent:
 * - names changed: one update before the assign (CONTACT_UPDATE_POLICY); a failure is a note in the answer and
 *   leaves fields_sent as it was, so the next Chat tries again; a 404 is left to the assign (which re-creates);
 * - phone changed (a contact's phone cannot change at Saleschat): PHONE_CHANGE_POLICY warn (the existing chat,
 *   a note with both numbers), refuse (no provider request), or newContact (the next contact under
 *   `<identity>-2`, … through the create claim, or back to the earlier contact that has the number);
 * - stage (STAGE_MAPPING): sent alongside the assign, never holding the chat up; a failure is a note.
 * fields_sent only advances for what the provider accepted, and only while the row still names that contact.
 */

/** One Chat's contact and what is still to send to keep it true to the CRM. */
export interface ContactSync {
  contactId: string;
  /** This request's create made the contact. */
  created: boolean;
  /** The crm_id the contact has at the provider (the lead's identity, or a derived one after a phone change). */
  providerCrmId: string;
  /** Nothing recorded for the contact: the CRM's fields now become the record. */
  recordBaseline: boolean;
  plan: Pick<ContactSyncPlan, 'update' | 'stage'>;
  /** Sentences appended to the agent's message (each starts with a space). */
  notes: string[];
  /** What happened to the contact, for the audit row. */
  events: string[];
}

/** Rounds of "the row changed under us" before giving up (each is one read; they only repeat on a race). */
const MAX_ROUNDS = 8;
/** How long the answer waits, after the assign, for a stage still travelling; it is recorded whenever it lands. */
export const STAGE_GRACE_MS = 2000;
/** A provider error quoted in a note: the notes share the answer's 500 characters. */
const MAX_ERROR_TEXT = 120;

export function syncSettings(settings: TeamSettings): ContactSyncSettings {
  return {
    contactUpdatePolicy: settings.contactUpdatePolicy,
    phoneChangePolicy: settings.phoneChangePolicy,
    stageMapping: settings.stageMapping,
    defaultCountry: settings.defaultCountry,
  };
}

/**
 * The lead's contact for this Chat (ensure-contact.ts) and what to send to keep it true to the CRM; acts on a
 * phone change. Reads again whenever another request changed the row meanwhile.
 */
export async function resolveContact(run: ContactRun): Promise<ContactSync> {
  const notes: string[] = [];
  const events: string[] = [];
  /** Contacts this request's creates made (a round after a create finds its contact known). */
  const createdHere = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const contact = await ensureContact(run);
    if (contact.created) createdHere.add(contact.contactId);
    const row = await findContact(run.deps.db, run.key);
    if (row?.state !== 'created' || row.providerContactId !== contact.contactId) continue;
    const created = createdHere.has(contact.contactId);
    const sent = row.fieldsSent ?? (created ? run.fields() : undefined);
    const plan = planContactSync(sent, run.lead, syncSettings(run.deps.settings));
    const sync = { contactId: contact.contactId, created, providerCrmId: providerCrmIdOf(row, run.key), recordBaseline: !sent, notes, events };
    if (!plan.phoneChange) return { ...sync, plan };
    const step = await onPhoneChange(run, row, plan.phoneChange);
    if (step.kind === 'raced') continue;
    notes.push(step.note);
    events.push(step.event);
    if (step.kind === 'keep') return { ...sync, plan };
    if (step.kind === 'created' && step.contact.created) createdHere.add(step.contact.contactId);
    // 'switched' or 'created': the next round reads the row as it is now (that contact is known there).
  }
  throw new Error(`the contact of lead ${run.key.crmId} kept changing during this Chat; try again`);
}

type PhoneStep =
  | { kind: 'keep' | 'switched'; note: string; event: string }
  | { kind: 'created'; note: string; event: string; contact: { contactId: string; created: boolean } }
  | { kind: 'raced' };

async function onPhoneChange(run: ContactRun, row: ContactRow, change: PhoneChange): Promise<PhoneStep> {
  const { deps, key } = run;
  const policy = deps.settings.phoneChangePolicy;
  deps.log?.({ event: 'contact.phone-changed', crmId: key.crmId, contactId: row.providerContactId, policy });
  if (policy === 'refuse') throw new Refusal(phoneChangeRefusal(change), 409);
  if (policy === 'warn') return { kind: 'keep', note: phoneChangedWarning(change), event: `phone changed to ${change.crm}, chat kept on ${change.sent}` };
  const current = asEarlier(row, run, change.sent);
  const earlier = row.earlierContacts.find((entry) => entry.phone_number === change.crm);
  if (earlier) return switchBack(run, row, { earlier, current }, change);
  const providerCrmId = nextCrmId(key.crmId, row.earlierContacts);
  const created = await createForNewNumber(run, { providerCrmId, current });
  if (created === 'raced') return { kind: 'raced' };
  return { kind: 'created', note: newContactNote(change, providerCrmId), event: `new contact ${created.contactId} (${providerCrmId}) for ${change.crm}`, contact: created };
}

async function switchBack(run: ContactRun, row: ContactRow, switchTo: { earlier: StoredEarlierContact; current: StoredEarlierContact }, change: PhoneChange): Promise<PhoneStep> {
  const { deps, key } = run;
  const switched = await switchToEarlier(deps.db, key, row, switchTo, new Date(deps.now()));
  if (!switched) return { kind: 'raced' };
  deps.log?.({ event: 'contact.switched-back', crmId: key.crmId, contactId: switchTo.earlier.providerContactId, from: switchTo.current.providerContactId });
  return { kind: 'switched', note: switchedBackNote(change), event: `back to contact ${switchTo.earlier.providerContactId} for ${change.crm}` };
}

/** The row's current contact as an earlier one (with the number it was created with and what it was sent). */
function asEarlier(row: ContactRow, run: ContactRun, phone: string): StoredEarlierContact {
  return {
    providerContactId: row.providerContactId ?? '',
    providerCrmId: providerCrmIdOf(row, run.key),
    phone_number: phone,
    ...(row.fieldsSent ? { fieldsSent: row.fieldsSent } : {}),
  };
}

/** `<identity>-N` for the lead's next contact, N one more than its contacts so far (skipping any taken). */
function nextCrmId(identity: string, earlier: readonly StoredEarlierContact[]): string {
  const taken = new Set(earlier.map((entry) => entry.providerCrmId));
  let count = earlier.length + 1;
  while (taken.has(derivedCrmId(identity, count))) count += 1;
  const next = derivedCrmId(identity, count);
  if (next.length > PROVIDER_FIELD_MAX) {
    throw new Refusal(
      `This lead's phone number changed and its new Saleschat contact would need the CRM id ${next.slice(0, 40)}…, over the ${PROVIDER_FIELD_MAX} characters Saleschat accepts. Ask your administrator to shorten the rule's crmIdTemplate.`,
      422,
    );
  }
  return next;
}

/**
 * The planned name update, before the assign (one request, only when something changed). A 404 goes on: the
 * assign then answers 404 too and the lead's contact is re-created with the CRM's fields. Any other failure
 * is a note; fields_sent stays, so the next Chat tries again.
 */
export async function sendUpdate(run: ContactRun, sync: ContactSync): Promise<void> {
  const { deps, key } = run;
  const update = sync.plan.update;
  if (!update) return recordBaseline(run, sync);
  await journalStep(deps.db, run.journalId, 'updating', deps.now(), { providerContactId: sync.contactId });
  deps.log?.({ event: 'contact.updating', journalId: run.journalId, crmId: key.crmId, contactId: sync.contactId, fields: Object.keys(update) });
  const failure = await run
    .client()
    .updateContact(sync.contactId, { crm_id: sync.providerCrmId, ...update })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  if (failure === undefined) {
    await recordFieldsSent(deps.db, key, sync.contactId, { names: update }, new Date(deps.now()));
    sync.events.push(`contact updated (${Object.keys(update).join(', ')})`);
    return;
  }
  if (failure instanceof ProviderError && failure.status === 404) {
    deps.log?.({ event: 'contact.update-not-found', crmId: key.crmId, contactId: sync.contactId });
    return;
  }
  deps.log?.({ event: 'contact.update-failed', crmId: key.crmId, contactId: sync.contactId, error: describeError(run, failure) });
  sync.notes.push(updateFailedNote(describeError(run, failure)));
  sync.events.push(`contact update failed (${describeError(run, failure)})`);
}

/** A contact with nothing recorded (saved before fields were kept, or a 409's): the CRM's fields now are the record. */
async function recordBaseline(run: ContactRun, sync: ContactSync): Promise<void> {
  if (!sync.recordBaseline) return;
  await recordFieldsSent(run.deps.db, run.key, sync.contactId, { baseline: run.fields() }, new Date(run.deps.now()));
}

export type StageOutcome = { ok: true } | { ok: false; error: unknown };

/**
 * Sends the planned stage, alongside the assign; the promise never rejects. An accepted stage is recorded as
 * soon as it lands (also after the answer went out).
 */
export function startStage(run: ContactRun, sync: ContactSync): Promise<StageOutcome> | undefined {
  const { deps, key } = run;
  const stage = sync.plan.stage;
  const template = deps.settings.contactStageUrlTemplate;
  if (!stage || !template) return undefined;
  deps.log?.({ event: 'contact.stage', crmId: key.crmId, contactId: sync.contactId, stage: stage.stage });
  const send = async (): Promise<StageOutcome> => {
    const path = contactStagePath(template, { orgId: deps.settings.orgId, contactId: sync.contactId, crmId: sync.providerCrmId });
    await run.client().updateStage(path, stage);
    await recordFieldsSent(deps.db, key, sync.contactId, { stage: stageFields(stage) }, new Date(deps.now())).catch((error: unknown) => {
      deps.log?.({ event: 'contact.stage-record-failed', crmId: key.crmId, error: describeError(run, error) });
    });
    return { ok: true };
  };
  return send().catch((error: unknown) => ({ ok: false, error }));
}

function stageFields(stage: { stage: string; disposition?: string }): Pick<FieldsSent, 'stage' | 'disposition'> {
  return { stage: stage.stage, ...(stage.disposition ? { disposition: stage.disposition } : {}) };
}

/**
 * The stage's outcome for the answer, waiting at most STAGE_GRACE_MS after the assign. A stage sent to a contact
 * the assign found gone (and re-created) says nothing: the new contact gets it at the next Chat.
 */
export async function settleStage(run: ContactRun, sync: ContactSync, pending: Promise<StageOutcome> | undefined, recreated: boolean): Promise<void> {
  if (!pending) return;
  const controller = new AbortController();
  const late = sleep(STAGE_GRACE_MS, undefined, { signal: controller.signal, ref: false }).catch(() => undefined);
  const outcome = await Promise.race([pending, late]);
  controller.abort();
  const stage = sync.plan.stage?.stage;
  if (!outcome) {
    run.deps.log?.({ event: 'contact.stage-late', crmId: run.key.crmId, contactId: sync.contactId });
    sync.events.push(`stage ${stage} still on its way`);
  } else if (outcome.ok) {
    sync.events.push(`stage set to ${stage}`);
  } else if (!recreated) {
    const said = describeError(run, outcome.error);
    run.deps.log?.({ event: 'contact.stage-failed', crmId: run.key.crmId, contactId: sync.contactId, error: said });
    sync.notes.push(stageFailedNote(said));
    sync.events.push(`stage ${stage} failed (${said})`);
  }
}

/** A failure as a note quotes it: the provider's status and message, never the token. */
function describeError(run: ContactRun, error: unknown): string {
  let text = error instanceof Error ? error.message : String(error);
  if (error instanceof ProviderError && error.status !== undefined && !text.includes(String(error.status))) text = `HTTP ${error.status}: ${text}`;
  return redact(text, [run.deps.settings.apiToken]).slice(0, MAX_ERROR_TEXT);
}
