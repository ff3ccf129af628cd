import type { CrmRule } from '../rules/schema';

/**
 * Microsoft Dynamics 365 (Unified Interface) lead and contact forms:
 * https://{org}.crm{n}.dynamics.com/main.aspx?…&pagetype=entityrecord&etn={lead|contact}&id={guid}.
 * Form controls carry stable data-id attributes named after the column's logical name
 * (`mobilephone.fieldControl-phone-text-input`), the header title is `[data-id="header_title"]`, and the
 * command bar is `ul[data-id="CommandBar"]`.
 */
export const dynamicsProfile = {
  id: 'dynamics',
  name: 'Dynamics 365',
  url: [
    'https://*.crm*.dynamics.com/main.aspx?pagetype=entityrecord&etn=lead&id=:id',
    'https://*.crm*.dynamics.com/main.aspx?pagetype=entityrecord&etn=contact&id=:id',
  ],
  // Not editFormRoot: the command bar (the anchor) sits outside it. UCI replaces the form on navigation, no hidden copies.
  scope: ['#mainContent', 'body'],
  require: ['phone'],
  fields: {
    // Dynamics writes the same GUID braced upper-case in classic links and bare lower-case in the app: one identity.
    recordId: { url: 'id', regex: '^\\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\\}?$', lowercase: true },
    firstName: { selector: '[data-id="firstname.fieldControl-text-box-text"]' },
    lastName: { selector: '[data-id="lastname.fieldControl-text-box-text"]' },
    fullName: { selector: '[data-id="header_title"]', regex: '^(.+?)(?:\\s+-\\s+Saved|\\s+-\\s+Unsaved)?$' },
    phones: [
      { selector: '[data-id="mobilephone.fieldControl-phone-text-input"]', kind: 'mobile' },
      { selector: '[data-id="telephone1.fieldControl-phone-text-input"]', kind: 'business' },
      { selector: '[data-id="telephone2.fieldControl-phone-text-input"]', kind: 'home' },
      { label: ['Mobile Phone', 'Business Phone'] },
    ],
    email: [{ selector: '[data-id="emailaddress1.fieldControl-mail-text-input"]' }, { label: 'Email' }],
    ownerName: { selector: '[data-id="header_ownerid.fieldControl-LookupResultsDropdown_ownerid_selected_tag_text"]' },
  },
  anchor: [
    { selector: 'ul[data-id="CommandBar"]', position: 'prepend' },
    { selector: '[data-id="mobilephone.fieldControl-phone-text-input"]', position: 'after' },
  ],
} satisfies CrmRule & { id: string };
