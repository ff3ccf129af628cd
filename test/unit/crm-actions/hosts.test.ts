import { describe, expect, it } from 'vitest';
import { crmActionHosts } from '../../../lib/crm-actions/hosts';
import type { CrmAction } from '../../../lib/crm-actions/schema';

const action = (name: string, urls: string[], tokenUrl?: string): CrmAction => ({
  name,
  on: ['chat-opened'],
  ...(tokenUrl ? { auth: { type: 'oauth-client-credentials', tokenUrl, clientId: 'c', clientSecret: 's' } } : {}),
  steps: urls.map((url) => ({ method: 'POST', url, body: {} })),
});

describe('crmActionHosts: the CRM API hosts the store build must be allowed to reach', () => {
  it('lists each step host and the token endpoint once, by action, without port or path', () => {
    const hosts = crmActionHosts([
      action('Salesforce', ['https://acme.my.salesforce.com/services/data/v62.0/sobjects/Task'], 'https://login.salesforce.com/services/oauth2/token'),
      action('HubSpot', ['https://api.hubapi.com/crm/v3/objects/contacts/search', 'https://api.hubapi.com/crm/v3/objects/notes']),
      action('Ours', ['http://crm.acme.test:8080/api/{CRM_ID}/log']),
    ]);
    expect(hosts).toEqual({
      hosts: [
        { origin: 'https://acme.my.salesforce.com/*', rules: ['CRM write-back: Salesforce'] },
        { origin: 'https://login.salesforce.com/*', rules: ['CRM write-back: Salesforce'] },
        { origin: 'https://api.hubapi.com/*', rules: ['CRM write-back: HubSpot'] },
        { origin: 'http://crm.acme.test/*', rules: ['CRM write-back: Ours'] },
      ],
      unresolved: [],
    });
  });

  it('leaves out hosts the build already reaches, and reports a host written as a variable', () => {
    const hosts = crmActionHosts(
      [action('Salesforce', ['https://acme.my.salesforce.com/services/data/v62.0/sobjects/Task', 'https://{INSTANCE}.example.com/x'])],
      ['https://*.salesforce.com/*'],
    );
    expect(hosts).toEqual({
      hosts: [],
      unresolved: [{ rule: 'CRM write-back: Salesforce', reason: 'the host of https://{INSTANCE}.example.com/x is not fixed, so it cannot be allowed ahead' }],
    });
  });
});
