import { ConfigError, fillUrlTemplate } from '../config/resolve';
import type { StageMappingEntry } from '../config/schema';
import type { Lead } from '../messages';
import { bestPhoneE164 } from '../phone';

/**
 * Keeping the provider contact true to the CRM (one decision, used by the background in direct mode and by the
 * gateway in team mode). Pure: no storage, no requests. The caller keeps, per mapping, the fields last sent to
 * Saleschat (`FieldsSent`); at each Chat on a known lead it compares them with what the CRM shows now and gets
 * back what to send: a name update (only when something differs), a phone change to act on, a stage.
 */

/** The provider's documented limit for crm_id, first_name and last_name. */
export const PROVIDER_FIELD_MAX = 128;

/** Names go to the provider without `*` (its pattern forbids it) and within its length limit. */
export function nameField(field: 'first_name' | 'last_name', value: string | undefined): Record<string, string> {
  const cleaned = value?.replace(/\*/g, '').replace(/\s+/g, ' ').trim().slice(0, PROVIDER_FIELD_MAX);
  return cleaned ? { [field]: cleaned } : {};
}

/** What Saleschat last got for a contact: the create's or the last update's names, the create's phone, the last stage. */
export interface FieldsSent {
  first_name?: string;
  last_name?: string;
  phone_number?: string;
  stage?: string;
  disposition?: string;
}

export type ContactUpdatePolicy = 'never' | 'overwrite' | 'fillEmpty';
export type PhoneChangePolicy = 'warn' | 'newContact' | 'refuse';

export interface ContactSyncSettings {
  contactUpdatePolicy: ContactUpdatePolicy;
  phoneChangePolicy: PhoneChangePolicy;
  /** Empty or absent: no stage is ever sent. */
  stageMapping?: readonly StageMappingEntry[];
  defaultCountry: string;
}

export interface ContactSyncPlan {
  /** Names to PUT (besides crm_id); absent: no update request. Only fields that change are sent. */
  update?: { first_name?: string; last_name?: string };
  /** The CRM's phone differs from the one the contact was created with (the caller applies phoneChangePolicy). */
  phoneChange?: PhoneChange;
  /** The stage to send; absent: none (not configured, status unmapped, or unchanged). */
  stage?: { stage: string; disposition?: string };
}

export interface PhoneChange {
  /** The number the provider contact has (and its chatroom messages). */
  sent: string;
  /** The number the CRM shows now. */
  crm: string;
}

/** The fields a create would send for this lead now: names cleaned as the provider takes them, the best phone in E.164. */
export function contactFields(lead: Lead, defaultCountry: string): FieldsSent {
  const phone = bestPhoneE164(lead, defaultCountry);
  return { ...nameField('first_name', lead.firstName), ...nameField('last_name', lead.lastName), ...(phone ? { phone_number: phone } : {}) };
}

/** The admin's stage for the CRM status (trimmed, case-insensitive), or undefined when it maps to none. */
export function mappedStage(status: string | undefined, mapping: readonly StageMappingEntry[] | undefined): { stage: string; disposition?: string } | undefined {
  const wanted = status?.trim().toLowerCase();
  if (!wanted || !mapping) return undefined;
  const entry = mapping.find((candidate) => candidate.crmStatus.trim().toLowerCase() === wanted);
  if (!entry) return undefined;
  return { stage: entry.stage, ...(entry.disposition ? { disposition: entry.disposition } : {}) };
}

/**
 * What to send for a known lead. `sent` undefined (a mapping saved before the fields were kept, or imported):
 * nothing is known to differ, so no name update or phone change is planned (the caller then records the CRM's
 * fields as the baseline); a mapped stage is still sent once. A value the CRM does not show (empty) never
 * clears one Saleschat has: an empty field on the page says nothing about the lead.
 */
export function planContactSync(sent: FieldsSent | undefined, lead: Lead, settings: ContactSyncSettings): ContactSyncPlan {
  const now = contactFields(lead, settings.defaultCountry);
  const plan: ContactSyncPlan = {};
  if (sent) {
    const update = nameUpdate(sent, now, settings.contactUpdatePolicy);
    if (update) plan.update = update;
    if (sent.phone_number && now.phone_number && sent.phone_number !== now.phone_number) {
      plan.phoneChange = { sent: sent.phone_number, crm: now.phone_number };
    }
  }
  const stage = mappedStage(lead.status, settings.stageMapping);
  if (stage && (stage.stage !== sent?.stage || stage.disposition !== sent?.disposition)) plan.stage = stage;
  return plan;
}

function nameUpdate(sent: FieldsSent, now: FieldsSent, policy: ContactUpdatePolicy): ContactSyncPlan['update'] {
  if (policy === 'never') return undefined;
  const update: { first_name?: string; last_name?: string } = {};
  for (const field of ['first_name', 'last_name'] as const) {
    const value = now[field];
    if (!value || value === sent[field]) continue;
    if (policy === 'fillEmpty' && sent[field]) continue;
    update[field] = value;
  }
  return Object.keys(update).length > 0 ? update : undefined;
}

/** The fields Saleschat holds after the planned update and stage were accepted (what to keep for the next Chat). */
export function sentAfter(sent: FieldsSent | undefined, lead: Lead, plan: ContactSyncPlan, accepted: { update: boolean; stage: boolean }, defaultCountry: string): FieldsSent {
  // No record yet: the CRM's current fields are the baseline the next Chat compares with.
  const base: FieldsSent = sent ?? contactFields(lead, defaultCountry);
  return {
    ...base,
    ...(accepted.update ? plan.update : {}),
    ...(accepted.stage && plan.stage ? { stage: plan.stage.stage, disposition: plan.stage.disposition } : {}),
  };
}

/**
 * The provider crm_id for a lead's next contact after its phone changed (Saleschat cannot change a contact's
 * phone; a new chatroom for another number needs a contact with another crm_id): `<id>-2`, `<id>-3`, …, one
 * more than the contacts the lead has had.
 */
export function derivedCrmId(baseCrmId: string, contactsSoFar: number): string {
  return `${baseCrmId}-${contactsSoFar + 1}`;
}

/** A contact the lead had before its phone changed (phoneChangePolicy newContact), kept to switch back to. */
export interface EarlierContact {
  providerContactId: string;
  providerCrmId: string;
  phone_number: string;
}

/**
 * The stage route relative to the API URL (the client prepends it), variables URL-encoded. Checked again here
 * as the lookup is: a path such as "@host" would move the token to another host.
 */
export function contactStagePath(template: string, ids: { orgId: string; contactId: string; crmId: string }): string {
  if (!template.startsWith('{API_URL}/')) {
    throw new ConfigError('contactStageUrlTemplate must start with {API_URL}/. Ask your administrator to correct it.');
  }
  return fillUrlTemplate(template.slice('{API_URL}'.length), { ORG_ID: ids.orgId, CONTACT_ID: ids.contactId, CRM_ID: ids.crmId });
}

// --- What the agent reads -----------------------------------------------------------------------------

export function phoneChangedWarning(change: PhoneChange): string {
  return ` The CRM now shows ${change.crm}, but Saleschat still messages this lead on ${change.sent} (a contact's number cannot change there); ask your administrator if the new number should get its own chat.`;
}

export function phoneChangeRefusal(change: PhoneChange): string {
  return `This lead's phone number changed from ${change.sent} (the number its Saleschat chat uses) to ${change.crm}. Your administrator does not allow chatting on the old number (phoneChangePolicy: refuse), and Saleschat cannot change a contact's number; ask them how this lead should be reached.`;
}

export function newContactNote(change: PhoneChange, providerCrmId: string): string {
  return ` Its phone number changed from ${change.sent} to ${change.crm}: this chat is with the new number (Saleschat contact ${providerCrmId}).`;
}

export function switchedBackNote(change: PhoneChange): string {
  return ` Its phone number is ${change.crm} again (it was ${change.sent}): the earlier chat with that number opened.`;
}

export function updateFailedNote(error: string): string {
  return ` Saleschat still shows the lead's earlier name (the update failed: ${error}); the next Chat tries again.`;
}

export function stageFailedNote(error: string): string {
  return ` The lead's stage was not updated in Saleschat (${error}); the next Chat tries again.`;
}
