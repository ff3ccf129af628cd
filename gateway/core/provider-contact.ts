import { createSettledWithoutContact, idFromConflict } from '../../lib/actions/chat';
import type { FieldsSent } from '../../lib/actions/contact-sync';
import { lookUpContactId } from '../../lib/actions/contact-lookup';
import type { ProviderApi } from '../../lib/actions/context';
import { ActionRefused } from '../../lib/actions/outcome';
import { ProviderError } from '../../lib/provider/errors';
import type { TeamSettings } from './types';

export { createSettledWithoutContact };

/** What a create at the provider ended with. */
export interface ProviderCreate {
  contactId: string;
  /** What this create sent, when it is the create that made the contact (not a 409 naming an earlier one). */
  fieldsSent?: FieldsSent;
}

/**
 * Creates the lead's contact. A 409 means it exists (an earlier create of this lead landed, its answer lost, or
 * a browser in direct mode made it): its id comes from the 409 payload when that names this crm_id, else the
 * configured lookup, else the agent gets a refusal saying what the administrator can set up. Never a second
 * create. As lib/actions/chat.ts createContact, worded for the gateway's settings.
 */
export async function createAtProvider(
  client: ProviderApi,
  settings: TeamSettings,
  request: { crmId: string; fields: FieldsSent; earlierAttempts: number; now: number },
): Promise<ProviderCreate> {
  const { crmId, fields } = request;
  try {
    const contact = await client.createContact({ crm_id: crmId, ...fields, opt_in_date: new Date(request.now).toISOString() });
    return { contactId: contact.id, fieldsSent: fields };
  } catch (error) {
    if (!(error instanceof ProviderError && error.status === 409)) throw error;
    return { contactId: await existingContactId(client, settings, error, request) };
  }
}

async function existingContactId(client: ProviderApi, settings: TeamSettings, conflict: ProviderError, request: { crmId: string; earlierAttempts: number }) {
  const { crmId } = request;
  const fromPayload = idFromConflict(conflict, crmId);
  if (fromPayload) return fromPayload;
  const said = `${conflict.details.errorCode ?? 409} ${conflict.details.errorMessage ?? 'conflict'}`;
  const answer = { status: 409, errorCode: conflict.details.errorCode, errorMessage: conflict.details.errorMessage };
  if (settings.contactLookupUrlTemplate) {
    const found = await lookUpContactId(client, settings.contactLookupUrlTemplate, settings.orgId, crmId);
    if (found) return found;
    throw new ActionRefused(
      `Saleschat already has a contact for CRM id ${crmId} or its phone number (${said}), but the contact lookup found none with this CRM id, so the conflict is probably the phone number, used by another contact's chatroom. Ask your administrator to check the lead in Saleschat and the gateway's contact lookup (CONTACT_LOOKUP_URL_TEMPLATE).`,
      answer,
    );
  }
  const origin =
    request.earlierAttempts > 0
      ? 'most likely from an earlier Chat on this lead that was interrupted before Saleschat answered'
      : 'created outside the team gateway (a browser in direct mode, or the dashboard)';
  throw new ActionRefused(
    `Saleschat already has a contact for CRM id ${crmId} (${said}), ${origin}, and did not say which. Ask your administrator to configure the gateway's contact lookup (CONTACT_LOOKUP_URL_TEMPLATE, e.g. {API_URL}/v1/orgs/{ORG_ID}/contacts?crm_id={CRM_ID}).`,
    answer,
  );
}

/** The assign answered 404 for the contact: the provider no longer has it (or the user; see chat.ts). */
export function isAssignNotFound(error: unknown): error is ProviderError {
  return error instanceof ProviderError && error.status === 404 && error.details.endpoint === 'assign';
}
