import { describe, expect, it } from 'vitest';
import type { CrmAction, CrmActionAuth, CrmActionStep } from '../../../lib/crm-actions/schema';
import { crmActionsProblems, maskActionSecrets, withBodies } from '../../../lib/crm-actions/validate';

const MASK = '••••••••';
const NOTE: CrmActionStep = { method: 'POST', url: 'https://crm.test/api/leads/{CRM_ID}/notes', body: { text: 'Chat {CHATROOM_URL}' } };
const action = (name: string, fields: Partial<CrmAction> = {}): CrmAction => ({ name, on: ['chat-opened'], steps: [NOTE], ...fields });

describe('crmActionsProblems', () => {
  it('a valid list: no problems', () => {
    expect(
      crmActionsProblems([
        action('Salesforce', {
          auth: { type: 'oauth-client-credentials', tokenUrl: 'https://acme.my.salesforce.test/services/oauth2/token', clientId: 'id', clientSecret: 'secret' },
        }),
        action('HubSpot', { steps: [{ method: 'GET', url: 'https://crm.test/api?email={EMAIL}' }] }),
      ]),
    ).toEqual([]);
  });

  it('two actions with one name (the name keys the journal)', () => {
    expect(crmActionsProblems([action('CRM'), action('Other'), action('CRM')])).toEqual(['two actions are named "CRM": each needs its own name']);
  });

  it('body and bodyJson both', () => {
    const step: CrmActionStep = { ...NOTE, name: 'note', bodyJson: '{"text": "x"}' };
    expect(crmActionsProblems([action('CRM', { steps: [step] })])).toEqual(['action "CRM", step "note": give body or bodyJson, not both']);
  });

  it('bodyJson that does not parse', () => {
    const { body: _body, ...rest } = NOTE;
    expect(crmActionsProblems([action('CRM', { steps: [{ ...rest, bodyJson: '{"text": "Chat {CHATROOM_URL}"' }] })])).toEqual([
      'action "CRM", step 1: bodyJson is not valid JSON',
    ]);
  });

  it('bodyJson is checked as the body: its unknown variables are named', () => {
    const { body: _body, ...rest } = NOTE;
    const problems = crmActionsProblems([action('CRM', { steps: [{ ...rest, bodyJson: '{"text": "{NOTE_TEXT}"}' }] })]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^action "CRM", step 1: body\.text uses \{NOTE_TEXT\}, which is neither a known variable \(\{CRM_ID\} .*\) nor captured by an earlier step$/);
  });

  it.each(['POST', 'PUT', 'PATCH'] as const)('a %s without a body', (method) => {
    const step: CrmActionStep = { method, url: 'https://crm.test/api/notes' };
    expect(crmActionsProblems([action('CRM', { steps: [{ name: 'find', method: 'GET', url: 'https://crm.test/api' }, step] })])).toEqual([
      `action "CRM", step 2: a ${method} needs a body (in Chrome policy write it as bodyJson, a JSON text)`,
    ]);
  });

  it('GET and DELETE need no body', () => {
    expect(
      crmActionsProblems([action('CRM', { steps: [{ method: 'GET', url: 'https://crm.test/api' }, { method: 'DELETE', url: 'https://crm.test/api/x' }] })]),
    ).toEqual([]);
  });

  it.each(['ftp://login.crm.test/token', 'login.crm.test/oauth/token', 'https://', 'javascript:alert(1)', '/oauth/token'])(
    'tokenUrl %s is not an http(s) address',
    (tokenUrl) => {
      const refresh: CrmActionAuth = { type: 'oauth-refresh-token', tokenUrl, clientId: 'id', clientSecret: 'secret', refreshToken: 'refresh' };
      expect(crmActionsProblems([action('Zoho', { auth: refresh })])).toEqual(['action "Zoho": auth.tokenUrl must be an http(s) address']);
    },
  );

  it('tokenUrl http:// and HTTPS:// are web addresses', () => {
    for (const tokenUrl of ['http://localhost:8080/token', 'HTTPS://login.crm.test/token']) {
      const credentials: CrmActionAuth = { type: 'oauth-client-credentials', tokenUrl, clientId: 'id', clientSecret: 'secret' };
      expect(crmActionsProblems([action('CRM', { auth: credentials })])).toEqual([]);
    }
  });

  it('every problem of every action, in order', () => {
    const problems = crmActionsProblems([
      action('A', { steps: [{ method: 'POST', url: 'https://crm.test/a' }] }),
      action('A', { auth: { type: 'oauth-client-credentials', tokenUrl: 'nowhere', clientId: 'i', clientSecret: 's' } }),
    ]);
    expect(problems).toEqual([
      'action "A", step 1: a POST needs a body (in Chrome policy write it as bodyJson, a JSON text)',
      'two actions are named "A": each needs its own name',
      'action "A": auth.tokenUrl must be an http(s) address',
    ]);
  });
});

describe('withBodies', () => {
  it('bodyJson becomes the body; steps without it are kept as they are', () => {
    const get: CrmActionStep = { method: 'GET', url: 'https://crm.test/api' };
    const post: CrmActionStep = { method: 'POST', url: 'https://crm.test/api', bodyJson: '{"a": ["{CRM_ID}", 1, null, true]}' };
    const result = withBodies(action('CRM', { steps: [get, post] }));
    expect(result.steps).toEqual([get, { ...post, body: { a: ['{CRM_ID}', 1, null, true] } }]);
    expect(result.steps[0]).toBe(get);
  });
});

describe('maskActionSecrets', () => {
  const SECRETS = {
    header: 'header-secret-value-1',
    query: 'query-secret-value-2',
    basic: 'basic-password-value-3',
    client: 'client-secret-value-4',
    refreshClient: 'client-secret-value-5',
    refresh: 'refresh-token-value-6',
  };
  const auths: CrmActionAuth[] = [
    { type: 'header', header: 'Authorization', value: 'Bearer {SECRET}', secret: SECRETS.header },
    { type: 'query', parameter: 'api_token', secret: SECRETS.query },
    { type: 'basic', username: 'api-user', password: SECRETS.basic },
    { type: 'oauth-client-credentials', tokenUrl: 'https://login.test/token', clientId: 'cid', clientSecret: SECRETS.client, scope: 'api' },
    {
      type: 'oauth-refresh-token',
      tokenUrl: 'https://accounts.test/token',
      clientId: 'zid',
      clientSecret: SECRETS.refreshClient,
      refreshToken: SECRETS.refresh,
      scheme: 'Zoho-oauthtoken',
    },
  ];

  it('every auth type: the secret fields masked, the rest kept', () => {
    const masked = maskActionSecrets(auths.map((auth, index) => action(`CRM ${index}`, { auth })));
    expect(masked.map((each) => each.auth)).toEqual([
      { type: 'header', header: 'Authorization', value: 'Bearer {SECRET}', secret: MASK },
      { type: 'query', parameter: 'api_token', secret: MASK },
      { type: 'basic', username: 'api-user', password: MASK },
      { type: 'oauth-client-credentials', tokenUrl: 'https://login.test/token', clientId: 'cid', clientSecret: MASK, scope: 'api' },
      { type: 'oauth-refresh-token', tokenUrl: 'https://accounts.test/token', clientId: 'zid', clientSecret: MASK, refreshToken: MASK, scheme: 'Zoho-oauthtoken' },
    ]);
    const text = JSON.stringify(masked);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  });

  it('leaves the given actions unchanged and keeps everything but the secrets', () => {
    const actions = auths.map((auth, index) => action(`CRM ${index}`, { auth, profiles: ['salesforce'], timeoutMs: 5000 }));
    const before = structuredClone(actions);
    const masked = maskActionSecrets(actions);
    expect(actions).toEqual(before);
    expect(masked.map(({ auth: _auth, ...rest }) => rest)).toEqual(before.map(({ auth: _auth, ...rest }) => rest));
  });

  it('an action without auth is returned as it is', () => {
    const plain = action('Open API');
    expect(maskActionSecrets([plain])).toEqual([plain]);
  });
});
