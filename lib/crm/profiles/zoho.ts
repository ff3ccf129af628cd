import type { CrmRule } from '../rules/schema';

/**
 * Zoho CRM lead and contact detail views: /crm/{org…/}tab/{Leads|Contacts}/{id} on every regional domain.
 * The detail view gives field values ids like `subvalue_MOBILE`; the header (`.dv_header_container`) holds
 * the record name and the action buttons. Labels are the default field labels as a fallback for custom layouts.
 * Identity: the host is the tenant although all orgs share crm.zoho.<tld> (the org segment is optional in the URL,
 * so it cannot name the tenant reliably); Zoho record ids begin with the org's own prefix, so they do not repeat
 * across orgs.
 */
export const zohoProfile = {
  id: 'zoho',
  name: 'Zoho CRM',
  url: { regex: '^https://crm\\.zoho\\.(?:com|eu|in|com\\.au|jp)/crm/(?:org\\d+/)?tab/(?:Leads|Contacts)/(?<id>\\d+)(?:[/?#].*)?' },
  require: ['phone'],
  fields: {
    recordId: { url: 'id' },
    firstName: [{ selector: '#subvalue_FIRSTNAME' }, { label: 'First Name' }],
    lastName: [{ selector: '#subvalue_LASTNAME' }, { label: 'Last Name' }],
    fullName: [{ selector: '.dv_header_container .dv_title' }, { label: ['Lead Name', 'Contact Name'] }],
    phones: [
      { selector: '#subvalue_MOBILE', kind: 'mobile' },
      { selector: '#subvalue_PHONE', kind: 'phone' },
      { label: 'Mobile', kind: 'mobile' },
      { label: 'Phone' },
    ],
    email: [{ selector: '#subvalue_EMAIL' }, { label: 'Email' }],
    ownerName: [{ selector: '#subvalue_SMOWNERID' }, { label: ['Lead Owner', 'Contact Owner'] }],
    status: [{ selector: '#subvalue_LEADSTATUS' }, { label: 'Lead Status' }],
  },
  anchor: [
    { selector: '.dv_header_container .dv_header_buttons', position: 'prepend' },
    { selector: '.dv_header_container', position: 'append' },
  ],
} satisfies CrmRule & { id: string };
