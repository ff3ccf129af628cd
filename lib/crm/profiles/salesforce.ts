import type { CrmRule } from '../rules/schema';

/**
 * The owner's link: in the highlights panel, else in the record's own Owner field (its Lightning field id; a
 * related record's owner, e.g. the Account's on a Contact page, has another). Lightning renders an owner as
 * force-owner-lookup > … > <a href="/lightning/r/User/005…/view">Name</a>, then "Preview" / "Change Owner"
 * buttons whose assistive text the whole field's text would include: hence the link, not the label.
 */
const OWNER_LINKS = [
  'records-highlights2 force-owner-lookup a[href*="/lightning/r/"]',
  '[data-target-selection-name="sfdc:RecordField.Lead.OwnerId"] a[href*="/lightning/r/"]',
  '[data-target-selection-name="sfdc:RecordField.Contact.OwnerId"] a[href*="/lightning/r/"]',
];
/** A user id (005…, 15 or 18 characters) from /lightning/r/User/{id}/view or /lightning/r/{id}/view; a queue (00G…) has none. */
const USER_ID_IN_HREF = '/lightning/r/(?:User/)?(005[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?)(?![a-zA-Z0-9])';

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
    ownerName: [...OWNER_LINKS.map((selector) => ({ selector })), { label: ['Lead Owner', 'Contact Owner', 'Owner'] }],
    ownerId: OWNER_LINKS.map((selector) => ({ selector, attribute: 'href', regex: USER_ID_IN_HREF })),
    // Lead Status is on the default Lead compact layout; a Contact has none (no stage is sent for it).
    status: { label: 'Lead Status' },
  },
  anchor: [
    { selector: 'records-highlights2 ul.slds-button-group-list', position: 'before' },
    { selector: 'records-highlights2 runtime_platform_actions-actions-ribbon', position: 'before' },
    { selector: 'records-highlights2 .slds-page-header__col-actions', position: 'prepend' },
    { selector: 'records-highlights2 .primaryFieldRow', position: 'append' },
  ],
} satisfies CrmRule & { id: string };
