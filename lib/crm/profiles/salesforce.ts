import type { CrmRule } from '../rules/schema';

/**
 * Salesforce Lightning Experience, Lead and Contact record pages: /lightning/r/{Lead|Contact}/{15/18-char id}/view.
 * Lightning keeps cached copies of other records' views in the DOM (console tabs, back navigation), so
 * everything is read inside the active workspace (`.oneContent.active`) and the highlights panel
 * (records-highlights2), never the whole document: that is what stops the "wrong contact detected" bug.
 * Phones are read from the highlights panel's compact-layout items and the details tab, plus tel: links.
 */
export const salesforceProfile = {
  id: 'salesforce',
  name: 'Salesforce',
  url: ['https://*.lightning.force.com/lightning/r/Lead/:id/view', 'https://*.lightning.force.com/lightning/r/Contact/:id/view'],
  scope: ['div.oneContent.active', 'one-record-home-flexipage2', 'body'],
  require: ['phone'],
  fields: {
    recordId: { url: 'id', regex: '^([a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?)$' },
    fullName: [
      { selector: 'records-highlights2 slot[name="primaryField"] lightning-formatted-name' },
      { selector: 'records-highlights2 slot[name="primaryField"]' },
      { selector: 'h1 .slds-page-header__title' },
      { label: 'Name' },
    ],
    phones: [
      { label: ['Mobile', 'Mobile Phone'], kind: 'mobile' },
      { label: ['Phone', 'Business Phone', 'Home Phone', 'Other Phone'] },
      { selector: 'records-highlights2 a[href^="tel:"]', attribute: 'href', regex: '^tel:(.+)$', all: true },
    ],
    email: [{ label: 'Email' }, { selector: 'lightning-formatted-email a[href^="mailto:"]', attribute: 'href', regex: '^mailto:([^?]+)' }],
    ownerName: { label: ['Lead Owner', 'Contact Owner', 'Owner'] },
  },
  anchor: [
    { selector: 'records-highlights2 ul.slds-button-group-list', position: 'before' },
    { selector: 'records-highlights2 runtime_platform_actions-actions-ribbon', position: 'before' },
    { selector: 'records-highlights2 .slds-page-header__col-actions', position: 'prepend' },
    { selector: 'records-highlights2 .primaryFieldRow', position: 'append' },
  ],
} satisfies CrmRule & { id: string };
