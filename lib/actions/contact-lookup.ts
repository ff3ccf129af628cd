import { ConfigError, fillUrlTemplate } from '../config/resolve';
import type { ProviderApi } from './context';

/**
 * The admin-configured lookup of an existing contact by CRM id (`contactLookupUrlTemplate`), used when a
 * create-contact answers 409 without the contact's id. The provider documents no such route
 * (provider-api.md 3.4), so the path is configured and the answer read tolerantly.
 */

export const CONTACT_LOOKUP_ENDPOINT = 'getContactByCrmId' as const;
const API_URL = '{API_URL}';

/**
 * The path to GET, relative to the provider API URL: the client prepends the API URL itself, and the path
 * starts with "/" (the config schema requires {API_URL}/ first; checked again here because a path such as
 * "@host" would move the token to another host), with the variables URL-encoded.
 */
export function contactLookupPath(template: string, orgId: string, crmId: string): string {
  if (!template.startsWith(`${API_URL}/`)) {
    throw new ConfigError('contactLookupUrlTemplate must start with {API_URL}/. Ask your administrator to correct it.');
  }
  return fillUrlTemplate(template.slice(API_URL.length), { ORG_ID: orgId, CRM_ID: crmId });
}

/**
 * The contact id for this CRM id, or undefined when the provider answered 404 or nothing that names it.
 * Provider errors other than 404 propagate (as ProviderError with endpoint getContactByCrmId).
 */
export async function lookUpContactId(client: ProviderApi, template: string, orgId: string, crmId: string): Promise<string | undefined> {
  const body = await client.lookup(CONTACT_LOOKUP_ENDPOINT, contactLookupPath(template, orgId, crmId));
  return body === undefined ? undefined : contactIdFrom(body, crmId);
}

const LIST_FIELDS = ['contacts', 'data', 'items', 'results', 'content'] as const;

/**
 * Accepts a contact (`{id}` / `{contact_id}` / `{contactId}`, or nested in `contact`), or a list of contacts
 * (bare, or in `contacts` / `data` / `items` / `results` / `content`) of which exactly one has this crm_id.
 * A contact that names another crm_id is never taken: a route that ignored the query must not hand out some
 * other lead's contact. In a list, a contact must name its crm_id to count.
 */
export function contactIdFrom(body: unknown, crmId: string): string | undefined {
  if (Array.isArray(body)) {
    const matches = body.filter((item) => isRecord(item) && crmIdOf(item) === crmId);
    return matches.length === 1 ? idOf(matches[0] as Record<string, unknown>) : undefined;
  }
  if (!isRecord(body)) return undefined;
  for (const field of LIST_FIELDS) {
    if (Array.isArray(body[field])) return contactIdFrom(body[field], crmId);
  }
  if (isRecord(body.contact)) return contactIdFrom(body.contact, crmId);
  const named = crmIdOf(body);
  if (named !== undefined && named !== crmId) return undefined;
  return idOf(body);
}

function idOf(record: Record<string, unknown>): string | undefined {
  for (const field of ['id', 'contact_id', 'contactId']) {
    const value = record[field];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
  }
  return undefined;
}

function crmIdOf(record: Record<string, unknown>): string | undefined {
  const value = record.crm_id ?? record.crmId;
  return typeof value === 'string' ? value.trim() : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
