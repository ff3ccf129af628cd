import type { ResolvedConfig } from '../config/resolve';
import type { Lead } from '../messaging';
import { bestPhoneE164, LeadDataError } from '../phone';
import type { ContactRow } from '../store/db';
import {
  type ContactSyncSettings,
  contactStagePath,
  derivedCrmId,
  type EarlierContact,
  type FieldsSent,
  PROVIDER_FIELD_MAX,
  type PhoneChange,
  phoneChangeRefusal,
  planContactSync,
  stageFailedNote,
  updateFailedNote,
} from './contact-sync';
import type { ProviderApi } from './context';
import { ActionRefused, failureOutcome } from './outcome';

/**
 * The direct-mode Chat's steps that keep a provider contact true to the CRM (issue 16), around the planner
 * the gateway shares (contact-sync.ts): the settings it reads, the two requests it may add to a Chat, and what
 * a changed phone number means for the contact the Chat opens. lib/actions/chat.ts runs them.
 */

/** The admin's choices, defaults filled in (the resolved config carries them; the fallbacks only satisfy types). */
export function syncSettings(values: ResolvedConfig['values']): ContactSyncSettings {
  return {
    contactUpdatePolicy: values.contactUpdatePolicy ?? 'overwrite',
    phoneChangePolicy: values.phoneChangePolicy ?? 'warn',
    stageMapping: values.stageMapping ?? [],
    defaultCountry: values.defaultCountry ?? 'US',
  };
}

/**
 * The lead as the sync compares it. A phone the page shows but nobody can read says nothing about the lead's
 * number: a known lead's Chat goes ahead as it did before its fields were compared (only a create needs the
 * number, and refuses then), its names and stage still synced.
 */
export function readableLead(lead: Lead, defaultCountry: string): Lead {
  try {
    bestPhoneE164(lead, defaultCountry);
    return lead;
  } catch (error) {
    if (!(error instanceof LeadDataError)) throw error;
    const { phone: _phone, phones: _phones, ...rest } = lead;
    return rest;
  }
}

/** One update request's result: whether Saleschat accepted it, and otherwise what the agent is told. */
export interface SyncStep {
  accepted: boolean;
  note: string;
}

/** Nothing was planned, so nothing was sent. */
export const NOTHING_SENT: SyncStep = { accepted: false, note: '' };

/**
 * PUTs the CRM's names (crm_id is required and stays). A failure never stops the Chat: the agent still gets the
 * chat, is told the names are stale, and the next Chat tries again since `sent` does not advance. A 404 says the
 * contact is gone: the assign then meets the same 404 and re-creates it with the current names.
 */
export async function updateNames(
  client: ProviderApi,
  contact: { contactId: string; providerCrmId: string },
  update: { first_name?: string; last_name?: string },
): Promise<SyncStep> {
  try {
    await client.updateContact(contact.contactId, { crm_id: contact.providerCrmId, ...update });
    return { accepted: true, note: '' };
  } catch (error) {
    return { accepted: false, note: updateFailedNote(reason(error)) };
  }
}

export const STAGE_ROUTE_MISSING_NOTE =
  " The lead's stage was not sent to Saleschat: your administrator set stageMapping but not contactStageUrlTemplate (the stage route Saleschat does not document); ask them to set it.";

/**
 * PUTs the stage at the configured route. Runs alongside the assign, so it never stops the Chat: a failure, or
 * a route the admin did not configure (then no request at all), only becomes a note, and the next Chat tries
 * again since `sent` keeps the previous stage.
 */
export async function sendStage(
  client: ProviderApi,
  template: string | undefined,
  ids: { orgId: string; contactId: string; crmId: string },
  stage: { stage: string; disposition?: string } | undefined,
): Promise<SyncStep> {
  if (!stage) return NOTHING_SENT;
  if (!template) return { accepted: false, note: STAGE_ROUTE_MISSING_NOTE };
  try {
    await client.updateStage(contactStagePath(template, ids), stage);
    return { accepted: true, note: '' };
  } catch (error) {
    return { accepted: false, note: stageFailedNote(reason(error)) };
  }
}

/** The provider's answer without the step the note already names, redacted and short enough for a toast. */
function reason(error: unknown): string {
  const message = failureOutcome(error).message.replace(/^[^:]* failed: /, '');
  return message.length > 100 ? `${message.slice(0, 99)}…` : message;
}

/** `sent` as stored: rows never carry explicit undefined. */
export function storedFields(sent: FieldsSent): FieldsSent {
  return Object.fromEntries(Object.entries(sent).filter(([, value]) => value !== undefined)) as FieldsSent;
}

/**
 * phoneChangePolicy newContact: the contact the Chat opens instead of the one with the old number. `earlier`
 * is the lead's list of earlier contacts once the Chat has moved (the current contact joins it).
 */
export type NumberChange =
  | { change: PhoneChange; earlier: EarlierContact[]; back: EarlierContact }
  | { change: PhoneChange; earlier: EarlierContact[]; providerCrmId: string };

/**
 * Decides, before any provider request, what a phone number changed in the CRM means for this Chat: nothing
 * (no change, or policy warn: chat.ts warns), a refusal (policy refuse), or another contact (policy newContact):
 * the earlier contact with the CRM's number, else a new one with the next derived crm_id.
 *
 * The derived crm_id depends only on what the mapping row holds, which changes only once the new contact is
 * saved: a Chat interrupted while creating it derives the same crm_id at the next click, so its re-issued create
 * meets the provider's crm_id uniqueness (409, resolved as for any create) instead of making a second contact.
 */
export function numberChangeFor(contact: ContactRow, lead: Lead, settings: ContactSyncSettings): NumberChange | undefined {
  const change = planContactSync(contact.sent, readableLead(lead, settings.defaultCountry), settings).phoneChange;
  if (!change || settings.phoneChangePolicy === 'warn') return undefined;
  if (settings.phoneChangePolicy === 'refuse') throw new ActionRefused(phoneChangeRefusal(change));
  const earlier = contact.earlier ?? [];
  const current: EarlierContact = { providerContactId: contact.providerContactId, providerCrmId: contact.providerCrmId ?? contact.crmId, phone_number: change.sent };
  const back = earlier.find((candidate) => candidate.phone_number === change.crm);
  if (back) return { change, back, earlier: [...earlier.filter((candidate) => candidate !== back), current] };
  const providerCrmId = derivedCrmId(baseCrmId(current, earlier), 1 + earlier.length);
  if (providerCrmId.length > PROVIDER_FIELD_MAX) {
    throw new ActionRefused(
      `This lead's phone number changed from ${change.sent} to ${change.crm}, and its new Saleschat contact would need the CRM id "${providerCrmId.slice(0, 40)}…", longer than the ${PROVIDER_FIELD_MAX} characters Saleschat accepts. Ask your administrator to shorten the rule's crmIdTemplate or to choose another phoneChangePolicy.`,
    );
  }
  return { change, providerCrmId, earlier: [...earlier, current] };
}

/**
 * The lead's first crm_id, which every derived one extends (`<id>-2`, `<id>-3`, …): the shortest of its
 * contacts' crm_ids. Not simply the first earlier contact's: after a switch back the first contact is the
 * current one again.
 */
function baseCrmId(current: EarlierContact, earlier: readonly EarlierContact[]): string {
  return [current, ...earlier].map((contact) => contact.providerCrmId).reduce((shortest, id) => (id.length < shortest.length ? id : shortest));
}
