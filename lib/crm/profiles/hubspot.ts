import type { CrmRule } from '../rules/schema';

/**
 * HubSpot contact records: /contacts/{portal}/record/0-1/{id} (and the older /contacts/{portal}/contact/{id}),
 * on app.hubspot.com and the regional app-eu1 / app-na2 hosts. HubSpot's class names are generated
 * (styled-components), so the profile keys on its stable data-test-id / data-selenium-test attributes and on
 * the default property labels ("First name", "Phone number", "Mobile phone number", "Email"). The lead's
 * identity is `hubspot:{portal}:{id}`.
 */
export const hubspotProfile = {
  id: 'hubspot',
  name: 'HubSpot',
  url: ['https://app*.hubspot.com/contacts/:portal/record/0-1/:id', 'https://app*.hubspot.com/contacts/:portal/contact/:id'],
  scope: ['[data-test-id="left-sidebar"]', 'body'],
  require: ['phone'],
  fields: {
    recordId: { url: 'id', regex: '^(\\d+)$' },
    // Every portal lives on the same hosts and numbers its contacts from small ids: the portal is the tenant.
    tenant: { url: 'portal' },
    firstName: { label: 'First name' },
    lastName: { label: 'Last name' },
    fullName: [{ selector: '[data-selenium-test="highlightTitle"]' }, { selector: 'h1' }],
    phones: [
      { label: 'Mobile phone number', kind: 'mobile' },
      { label: 'Phone number' },
      { selector: 'a[href^="tel:"]', attribute: 'href', regex: '^tel:(.+)$', all: true },
    ],
    email: [{ label: 'Email' }, { selector: 'a[href^="mailto:"]', attribute: 'href', regex: '^mailto:([^?]+)' }],
    // HubSpot shows the owner's name only (no owner id in the page). An unowned contact's placeholder is no owner.
    ownerName: { label: 'Contact owner', regex: '^(?!(?:no owner|unassigned|none|-+|—)$)(.+)$' },
  },
  anchor: [
    { label: 'Call', position: 'after' },
    { selector: '[data-selenium-test="highlightedPropertySidebar"]', position: 'prepend' },
  ],
} satisfies CrmRule & { id: string };
