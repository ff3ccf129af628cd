import type { CrmRule } from '../rules/schema';

export const DASHBOARD_PROFILE_ID = 'saleschat-dashboard';

/**
 * Reads a Saleschat dashboard chatroom page, for the CRM card's "Find in CRM" (the contact's phone, e-mail and
 * name): the same rule engine as CRM pages. Saleschat does not document its dashboard's markup, so each field
 * tries the element ids our sandbox dashboard uses, then the visible labels a chat console shows next to the
 * value; when the real dashboard differs, the admin's `dashboardRule` replaces this declaration.
 *
 * `chatroomPages` is the URL pattern of chatroom pages (chatroomPagePattern): the record id is the chatroom id.
 * The extra field "CRM id" is the lookup variable {CRM_ID} (a crm_id another integration may have set).
 */
export function saleschatDashboardRule(chatroomPages: string): CrmRule & { id: string } {
  return {
    id: DASHBOARD_PROFILE_ID,
    name: 'Saleschat dashboard',
    url: chatroomPages,
    fields: {
      fullName: [{ selector: '#chatroom-contact-name' }, { label: ['Name', 'Contact name'] }],
      phones: [{ selector: '#chatroom-contact-phone' }, { label: ['Phone', 'Phone number', 'Mobile', 'WhatsApp'] }],
      email: [{ selector: '#chatroom-contact-email' }, { label: ['E-mail', 'Email'] }],
    },
    extraFields: { [CRM_ID_FIELD]: [{ selector: '#chatroom-contact' }, { label: ['CRM id', 'CRM ID'] }] },
    floating: false,
  };
}

/** The dashboard rule's extra field that holds the contact's crm_id ({CRM_ID} in lookup URLs). */
export const CRM_ID_FIELD = 'CRM id';

/**
 * The URL pattern of the dashboard's chatroom pages, from the chatroom URL template the extension opens them with
 * (`{DASHBOARD_URL}/chatrooms/{CHATROOM_ID}`): `{CHATROOM_ID}` becomes the record id. Undefined when the template
 * names no chatroom id (then no page can be told to be a chatroom).
 */
export function chatroomPagePattern(dashboardUrl: string, chatroomUrlTemplate: string): string | undefined {
  if (!chatroomUrlTemplate.includes('{CHATROOM_ID}')) return undefined;
  return chatroomUrlTemplate
    .replaceAll('{DASHBOARD_URL}', dashboardUrl.replace(/\/+$/, ''))
    .replaceAll('{CHATROOM_ID}', ':id')
    .replaceAll('{CONTACT_ID}', ':contactId')
    .replaceAll('{CRM_ID}', ':crmId');
}
