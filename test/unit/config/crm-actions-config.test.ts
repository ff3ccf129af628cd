import { describe, expect, it } from 'vitest';
import { settingsView } from '../../../lib/background/main';
import { agentMayNotSet, resolveConfig } from '../../../lib/config/resolve';
import { ConfigSchema, POLICY_ONLY_KEYS, SECRET_KEYS } from '../../../lib/config/schema';
import type { CrmAction, CrmActionAuth, CrmActionStep } from '../../../lib/crm-actions/schema';
import { ACTION_VARIABLES } from '../../../lib/crm-actions/variables';
import { BASE_OPTIONS } from '../helpers';

const SALESFORCE: CrmAction = {
  name: 'Salesforce',
  on: ['chat-opened', 'chat-failed'],
  profiles: ['salesforce'],
  auth: {
    type: 'oauth-client-credentials',
    tokenUrl: 'https://acme.my.salesforce.test/services/oauth2/token',
    clientId: '3MVG9-client-id',
    clientSecret: 'sf-client-secret-0123456789',
  },
  timeoutMs: 5000,
  steps: [
    {
      name: 'create task',
      method: 'POST',
      url: 'https://acme.my.salesforce.test/services/data/v62.0/sobjects/Task',
      body: { Subject: 'Chat: {OUTCOME}', WhoId: '{CRM_ID}', Description: '{CHATROOM_URL}', ActivityDate: '{TODAY}' },
    },
  ],
};
const FIND_PERSON: CrmActionStep = {
  name: 'find person',
  method: 'GET',
  url: 'https://acme.pipedrive.test/v1/persons/search',
  query: { term: '{EMAIL}' },
  capture: { PERSON_ID: '/data/items/0/item/id' },
};
const ADD_NOTE: CrmActionStep = {
  name: 'add note',
  method: 'POST',
  url: 'https://acme.pipedrive.test/v1/notes',
  bodyJson: '{"person_id": "{PERSON_ID}", "content": "{CHATROOM_URL}"}',
  when: { present: 'PERSON_ID' },
};
const PIPEDRIVE: CrmAction = {
  name: 'Pipedrive',
  on: ['chat-opened'],
  auth: { type: 'query', parameter: 'api_token', secret: 'pd-api-token-0123456789' },
  steps: [FIND_PERSON, ADD_NOTE],
};
const ZOHO: CrmAction = {
  name: 'Zoho',
  on: ['login'],
  auth: {
    type: 'oauth-refresh-token',
    tokenUrl: 'https://accounts.zoho.test/oauth/v2/token',
    clientId: '1000.zoho-client',
    clientSecret: 'zoho-client-secret-0123',
    refreshToken: '1000.zoho-refresh-token-0123456789',
    scheme: 'Zoho-oauthtoken',
  },
  steps: [{ method: 'POST', url: 'https://www.zohoapis.test/crm/v6/Notes', body: { data: [{ Note_Content: '{AGENT_EMAIL} signed in' }] } }],
};
const BASIC: CrmAction = {
  name: 'Homegrown',
  on: ['chat-opened'],
  auth: { type: 'basic', username: 'bridge', password: 'basic-password-0123' },
  steps: [{ method: 'PUT', url: 'https://crm.acme.test/api/leads/{CRM_ID}/chat', body: { url: '{CHATROOM_URL}' } }],
};
const HEADER: CrmAction = {
  name: 'HubSpot',
  on: ['chat-opened'],
  auth: { type: 'header', header: 'Authorization', value: 'Bearer {SECRET}', secret: 'hubspot-private-app-token-0123' },
  steps: [{ method: 'POST', url: 'https://api.hubapi.test/crm/v3/objects/notes', body: { properties: { hs_note_body: '{OUTCOME}' } } }],
};
const ALL = [SALESFORCE, PIPEDRIVE, ZOHO, BASIC, HEADER];
const SECRETS = [
  'sf-client-secret-0123456789',
  'pd-api-token-0123456789',
  'zoho-client-secret-0123',
  '1000.zoho-refresh-token-0123456789',
  'basic-password-0123',
  'hubspot-private-app-token-0123',
];

const parse = (value: unknown) => ConfigSchema.shape.crmActions.safeParse(value);
const messages = (value: unknown): string[] => {
  const parsed = parse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
};
const KNOWN = ACTION_VARIABLES.map((name) => `{${name}}`).join(' ');

describe('the crmActions setting', () => {
  it('accepts valid actions of every auth type, as they are', () => {
    const parsed = parse(ALL);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(ALL);
  });

  it('accepts an empty list', () => {
    expect(parse([]).success).toBe(true);
  });

  it('rejects a template naming an unknown variable, saying where and what is known', () => {
    const action: CrmAction = { ...HEADER, steps: [{ method: 'POST', url: 'https://api.hubapi.test/notes', body: { text: '{LEAD_NOTES}' } }] };
    expect(messages([action])).toEqual([
      `action "HubSpot", step 1: body.text uses {LEAD_NOTES}, which is neither a known variable (${KNOWN}) nor captured by an earlier step`,
    ]);
  });

  it('rejects two actions of one name', () => {
    expect(messages([HEADER, { ...SALESFORCE, name: 'HubSpot' }])).toEqual(['two actions are named "HubSpot": each needs its own name']);
  });

  it('rejects a POST without a body and bodyJson that does not parse', () => {
    const { bodyJson: _bodyJson, ...withoutBody } = ADD_NOTE;
    expect(messages([{ ...PIPEDRIVE, steps: [FIND_PERSON, withoutBody] }])).toEqual([
      'action "Pipedrive", step "add note": a POST needs a body (in Chrome policy write it as bodyJson, a JSON text)',
    ]);
    expect(messages([{ ...PIPEDRIVE, steps: [FIND_PERSON, { ...ADD_NOTE, bodyJson: '{"person_id": ' }] }])).toEqual([
      'action "Pipedrive", step "add note": bodyJson is not valid JSON',
    ]);
  });

  it('rejects a token endpoint that is not a web address', () => {
    const auth: CrmActionAuth = { type: 'oauth-refresh-token', tokenUrl: 'accounts.zoho.test/oauth/v2/token', clientId: 'c', clientSecret: 's', refreshToken: 'r' };
    expect(messages([{ ...ZOHO, auth }])).toEqual(['action "Zoho": auth.tokenUrl must be an http(s) address']);
  });

  it('rejects shapes the schema does not allow, by path', () => {
    const parsed = parse([{ ...HEADER, on: ['chat-closed'] }]);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path)).toEqual([[0, 'on', 0]]);
    expect(parse([{ ...HEADER, steps: [] }]).success).toBe(false);
    expect(parse([{ ...HEADER, timeoutMs: 60_000 }]).success).toBe(false);
    expect(parse([{ ...HEADER, extra: true }]).success).toBe(false);
  });

  it('is a secret key and a policy-only key', () => {
    expect(SECRET_KEYS).toContain('crmActions');
    expect(POLICY_ONLY_KEYS).toEqual(['crmActions']);
  });
});

describe('crmActions comes from policy only', () => {
  it('policy’s crmActions is used and locked', () => {
    const resolved = resolveConfig({ policy: { crmActions: ALL } });
    expect(resolved.values.crmActions).toEqual(ALL);
    expect(resolved.sources.crmActions).toBe('policy');
    expect(resolved.locked).toEqual(['crmActions']);
    expect(resolved.ignored).toEqual([]);
    expect(resolved.problems).toEqual([]);
  });

  it('the agent’s own crmActions is ignored, with a message', () => {
    const resolved = resolveConfig({ agent: { ...BASE_OPTIONS, crmActions: [HEADER] } });
    expect(resolved.values.crmActions).toBeUndefined();
    expect(resolved.sources.crmActions).toBeUndefined();
    expect(resolved.ignored).toEqual([
      { key: 'crmActions', message: 'only your administrator can set this (it holds the CRM’s credentials): your own value is ignored' },
    ]);
    expect(resolved.problems).toEqual([]);
    // The rest of the agent's options still apply.
    expect(resolved.values.orgId).toBe('org_1');
  });

  it('both set: policy’s is used, the agent’s ignored', () => {
    const resolved = resolveConfig({ policy: { crmActions: [SALESFORCE] }, agent: { crmActions: [HEADER] } });
    expect(resolved.values.crmActions).toEqual([SALESFORCE]);
    expect(resolved.sources.crmActions).toBe('policy');
    expect(resolved.ignored.map((ignored) => ignored.key)).toEqual(['crmActions']);
  });

  it('an invalid policy crmActions is reported and leaves none (never the agent’s)', () => {
    const resolved = resolveConfig({ policy: { crmActions: [HEADER, HEADER] }, agent: { crmActions: [SALESFORCE] } });
    expect(resolved.values.crmActions).toBeUndefined();
    expect(resolved.problems).toEqual([{ key: 'crmActions', source: 'policy', message: 'two actions are named "HubSpot": each needs its own name' }]);
  });

  it('agentMayNotSet includes crmActions, whoever holds the token', () => {
    expect(agentMayNotSet(resolveConfig({}))).toContain('crmActions');
    expect(agentMayNotSet(resolveConfig({ agent: BASE_OPTIONS }))).toContain('crmActions');
    expect(agentMayNotSet(resolveConfig({ policy: { apiToken: 'policy-token', orgId: 'org_1' } }))).toContain('crmActions');
  });

  it('team mode: the gateway runs the write-back, so policy’s crmActions is dropped with a message', () => {
    const resolved = resolveConfig({ policy: { gatewayUrl: 'https://gateway.acme.test', crmActions: [HEADER] } });
    expect(resolved.values.crmActions).toBeUndefined();
    expect(resolved.ignored.map((ignored) => ignored.key)).toContain('crmActions');
  });
});

describe('settingsView', () => {
  it('masks every crmActions secret and keeps the rest', () => {
    const config = resolveConfig({ policy: { crmActions: ALL }, agent: BASE_OPTIONS });
    const view = settingsView(config);
    const text = JSON.stringify(view);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const shown = view.values.crmActions as CrmAction[];
    expect(shown.map((action) => action.auth)).toEqual([
      { ...SALESFORCE.auth, clientSecret: '••••••••' },
      { ...PIPEDRIVE.auth, secret: '••••••••' },
      { ...ZOHO.auth, clientSecret: '••••••••', refreshToken: '••••••••' },
      { ...BASIC.auth, password: '••••••••' },
      { ...HEADER.auth, secret: '••••••••' },
    ]);
    expect(shown.map(({ auth: _auth, ...rest }) => rest)).toEqual(ALL.map(({ auth: _auth, ...rest }) => rest));
    expect(view.adminOnly).toContain('crmActions');
    // The config itself is not changed: the write-back still has the secrets.
    expect(config.values.crmActions).toEqual(ALL);
  });

  it('no crmActions: none in the view', () => {
    expect(settingsView(resolveConfig({ agent: BASE_OPTIONS })).values).not.toHaveProperty('crmActions');
  });
});
