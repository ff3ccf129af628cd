import type { CrmRule } from '../rules/schema';

/**
 * Freshsales (Freshworks CRM): contact and lead pages on {account}.myfreshworks.com/crm/sales/{contacts|leads}/{id}
 * and the classic {account}.freshsales.io/{contacts|leads}/{id}. `/contacts/view/{viewId}` is a list view and
 * fails the numeric id check. The action bar reads "Email | Call log | Task | Meeting | … | Add deal"; the
 * buttons go after "Call log". Fields are read by their default labels ("Mobile", "Work", "Emails").
 */
export const freshsalesProfile = {
  id: 'freshsales',
  name: 'Freshsales',
  url: [
    'https://*.myfreshworks.com/crm/sales/contacts/:id',
    'https://*.myfreshworks.com/crm/sales/leads/:id',
    'https://*.freshsales.io/contacts/:id',
    'https://*.freshsales.io/leads/:id',
  ],
  require: ['phone'],
  fields: {
    recordId: { url: 'id', regex: '^(\\d+)$' },
    firstName: { label: 'First name' },
    lastName: { label: 'Last name' },
    fullName: [{ selector: '[data-testid="entity-name"]' }, { selector: 'h1' }],
    phones: [
      { label: ['Mobile', 'Mobile number'], kind: 'mobile' },
      { label: ['Work', 'Work number', 'Phone'] },
      { selector: 'a[href^="tel:"]', attribute: 'href', regex: '^tel:(.+)$', all: true },
    ],
    email: [{ label: ['Emails', 'Email'] }, { selector: 'a[href^="mailto:"]', attribute: 'href', regex: '^mailto:([^?]+)' }],
    ownerName: { label: ['Sales owner', 'Owner'] },
  },
  anchor: [{ label: 'Call log', position: 'after' }],
} satisfies CrmRule & { id: string };
