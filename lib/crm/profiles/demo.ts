import type { CrmRule } from '../rules/schema';

/**
 * The demo CRM served by the provider sandbox (sandbox/crm-pages.ts) at /crm/leads/{id}. It only exists
 * for the demo and the end-to-end tests: only dev-hosts builds contain it (DEMO_PROFILE_BUILT in ./ids.ts);
 * release and fleet bundles leave this file out.
 */
export const demoProfile = {
  id: 'demo',
  name: 'Demo CRM',
  url: ['http://localhost/crm/leads/:id', 'http://127.0.0.1/crm/leads/:id'],
  scope: 'main.crm-record[data-record-type="lead"]',
  fields: {
    // The record id comes from the URL; the page's own data-record-id proves the page shows that record.
    shownRecordId: { selector: ':scope', attribute: 'data-record-id' },
    firstName: { selector: '.record-name .first-name' },
    lastName: { selector: '.record-name .last-name' },
    phones: { selector: '.field-phone' },
    email: { selector: '.field-email' },
    ownerEmail: { selector: '.field-owner', attribute: 'data-owner-email' },
    ownerName: { selector: '.field-owner' },
    status: { selector: '.field-status' },
  },
  extraFields: { Company: { selector: '.field-company' } },
  anchor: { selector: '.quick-actions', position: 'append' },
  floating: false,
} satisfies CrmRule & { id: string };
