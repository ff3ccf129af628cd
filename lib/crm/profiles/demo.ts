import { attributeOf, type CrmProfile, textOf } from '../profile';

/**
 * The demo CRM served by the provider sandbox (sandbox/crm-pages.ts) at /crm/leads/{id}. It only exists
 * for the demo and the end-to-end tests: release builds do not inject the content script on localhost.
 */
export const demoProfile: CrmProfile = {
  id: 'demo',
  label: 'Demo CRM',
  matchesUrl: (url) =>
    (url.hostname === 'localhost' || url.hostname === '127.0.0.1') && /^\/crm\/leads\/[^/]+\/?$/.test(url.pathname),
  readLead(root) {
    const record = root.querySelector('main.crm-record[data-record-type="lead"]');
    if (!record) return { reason: 'no lead record (main.crm-record) on the page' };
    const crmId = record.getAttribute('data-record-id')?.trim();
    if (!crmId) return { reason: 'the lead record has no data-record-id' };
    const optional = (key: string, value: string | undefined) => (value ? { [key]: value } : {});
    return {
      lead: {
        profileId: 'demo',
        crmId,
        ...optional('firstName', textOf(record, '.record-name .first-name')),
        ...optional('lastName', textOf(record, '.record-name .last-name')),
        ...optional('phone', textOf(record, '.field-phone')),
        ...optional('email', textOf(record, '.field-email')),
        ...optional('ownerEmail', attributeOf(record, '.field-owner', 'data-owner-email')),
        ...optional('ownerName', textOf(record, '.field-owner')),
      },
    };
  },
  findAnchor: (root) => root.querySelector('main.crm-record .quick-actions'),
  anchorPosition: 'append',
};
