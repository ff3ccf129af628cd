import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contactIdFrom, contactLookupPath } from '../../../lib/actions/contact-lookup';
import { ConfigError } from '../../../lib/config/resolve';
import { ConfigSchema } from '../../../lib/config/schema';

describe('contactLookupUrlTemplate', () => {
  it('becomes a path under the API URL with org and CRM id URL-encoded', () => {
    expect(contactLookupPath('{API_URL}/v1/orgs/{ORG_ID}/contacts?crm_id={CRM_ID}', 'org 1', 'L 1/2&x=#')).toBe(
      '/v1/orgs/org%201/contacts?crm_id=L%201%2F2%26x%3D%23',
    );
  });

  it('refuses a template that does not start with {API_URL}/ (the token would go elsewhere)', () => {
    expect(() => contactLookupPath('https://elsewhere.example/contacts?crm_id={CRM_ID}', 'o', 'L')).toThrow(ConfigError);
    expect(() => contactLookupPath('{API_URL}@evil.example/?crm_id={CRM_ID}', 'o', 'L')).toThrow(ConfigError);
  });

  it('the config schema names both rules', () => {
    const check = (value: string) => ConfigSchema.shape.contactLookupUrlTemplate.safeParse(value);
    expect(check(' {API_URL}/v1/orgs/{ORG_ID}/contacts?crm_id={CRM_ID} ')).toEqual({ success: true, data: '{API_URL}/v1/orgs/{ORG_ID}/contacts?crm_id={CRM_ID}' });
    expect(check('https://api.example/contacts?crm_id={CRM_ID}').error?.issues[0]?.message).toMatch(/must start with \{API_URL\}\//);
    expect(check('{API_URL}/v1/contacts').error?.issues[0]?.message).toBe('must contain {CRM_ID}');
  });
});

describe('reading the lookup answer', () => {
  it.each([
    ['a contact', { id: 'c_1', crm_id: 'L-1' }, 'c_1'],
    ['a contact without crm_id', { contact_id: 'c_1' }, 'c_1'],
    ['a numeric id', { contactId: 42 }, '42'],
    ['a nested contact', { contact: { id: 'c_1', crm_id: 'L-1' } }, 'c_1'],
    ['a bare list with one match', [{ id: 'c_0', crm_id: 'L-0' }, { id: 'c_1', crm_id: 'L-1' }], 'c_1'],
    ['a wrapped list', { contacts: [{ id: 'c_1', crm_id: 'L-1' }] }, 'c_1'],
    ['a paged list', { data: [{ id: 'c_1', crmId: 'L-1' }], total: 1 }, 'c_1'],
    ['an empty list', [], undefined],
    ['another lead’s contact', { id: 'c_9', crm_id: 'L-9' }, undefined],
    ['a list whose contacts name no crm_id', [{ id: 'c_1' }], undefined],
    ['two matches (ambiguous)', [{ id: 'c_1', crm_id: 'L-1' }, { id: 'c_2', crm_id: 'L-1' }], undefined],
    ['a string', 'c_1', undefined],
    ['null', null, undefined],
    ['an object without an id', { crm_id: 'L-1' }, undefined],
  ])('%s', (_label, body, expected) => {
    expect(contactIdFrom(body, 'L-1')).toBe(expected);
  });

  it('never throws, and only ever returns a non-empty string or undefined, whatever the provider sends', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (body, crmId) => {
        const id = contactIdFrom(body, crmId);
        return id === undefined || (typeof id === 'string' && id.length > 0);
      }),
    );
  });
});
