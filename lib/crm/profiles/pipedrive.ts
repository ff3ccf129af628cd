import type { CrmRule } from '../rules/schema';

/**
 * Pipedrive person pages: https://{company}.pipedrive.com/person/{id}. Pipedrive's class names are generated,
 * so fields are read by their labels in the person's details panel ("Phone", "Email"; the phone's type such as
 * "Mobile" or "Work" is shown next to the number) and from tel:/mailto: links; the name is the page header.
 */
export const pipedriveProfile = {
  id: 'pipedrive',
  name: 'Pipedrive',
  url: 'https://*.pipedrive.com/person/:id',
  require: ['phone'],
  fields: {
    recordId: { url: 'id', regex: '^(\\d+)$' },
    fullName: [{ selector: '[data-testid="header-title"]' }, { selector: 'main h1' }, { selector: 'h1' }],
    phones: [
      { selector: '[data-testid="phone-value"] a[href^="tel:"], a[href^="tel:"][data-type="mobile"]', attribute: 'href', regex: '^tel:(.+)$', kind: 'mobile' },
      { selector: 'a[href^="tel:"]', attribute: 'href', regex: '^tel:(.+)$', all: true },
      { label: 'Phone' },
    ],
    email: [{ selector: 'a[href^="mailto:"]', attribute: 'href', regex: '^mailto:([^?]+)' }, { label: 'Email' }],
    ownerName: { label: 'Owner' },
  },
  anchor: [
    { selector: '[data-testid="header-actions"]', position: 'prepend' },
    { label: 'Phone', position: 'after' },
  ],
} satisfies CrmRule & { id: string };
