/**
 * An admin rule for "Nimbus", a CRM the code has never heard of (test/fixtures/crm-e2e/labels.html: labels
 * only, no ids or classes to key on), written in the canonical list forms Chrome policy needs (see
 * lib/config/managed-schema.ts): url, labels, field sources and anchors as lists.
 */
export function nimbusRule(urlPattern: string) {
  return {
    name: 'Nimbus',
    url: [urlPattern],
    require: ['phone'],
    fields: {
      recordId: [{ label: ['Lead number'] }],
      firstName: [{ label: ['Given name'] }],
      lastName: [{ label: ['Family name'] }],
      phones: [{ label: ['Office'] }, { label: ['Mobile'] }],
      email: [{ label: ['E-mail'] }],
    },
    anchor: [{ label: ['Dial'], position: 'after' }],
  };
}
