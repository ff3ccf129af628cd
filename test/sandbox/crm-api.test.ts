import { describe, expect, it } from 'vitest';
import { CRM_API_CREDENTIALS } from '../../sandbox/crm-api-store';
import { type Call, control, type Json, useSandbox } from './helpers';

const sb = useSandbox();
const C = CRM_API_CREDENTIALS;
const GUID = '6f2c1b9e-0c3a-4e7b-9a51-2d6f0e8b1c42';
const LEAD_ID = '00Q5e00000AbCdEAAV';

interface Send {
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  text?: string;
}

/** A /crm-api call: `json` sends JSON, `form` a form, `text` raw text (with the headers given). */
async function crm(method: string, path: string, options: Send = {}): Promise<Call> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.text !== undefined) {
    body = options.text;
  }
  const response = await fetch(`${sb.url}/crm-api${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

const ctl = (method: string, route: string, body?: unknown): Promise<Json> => control(sb.url, method, `/__sandbox/crm-api/${route}`, body);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

async function salesforceToken(): Promise<string> {
  const result = await crm('POST', '/salesforce/services/oauth2/token', {
    form: { grant_type: 'client_credentials', client_id: C.salesforce.clientId, client_secret: C.salesforce.clientSecret },
  });
  expect(result.status).toBe(200);
  return result.body.access_token;
}

async function zohoToken(): Promise<string> {
  const query = new URLSearchParams({
    refresh_token: C.zoho.refreshToken,
    client_id: C.zoho.clientId,
    client_secret: C.zoho.clientSecret,
    grant_type: 'refresh_token',
  });
  const result = await crm('POST', `/zoho-accounts/oauth/v2/token?${query}`);
  expect(result.status).toBe(200);
  return result.body.access_token;
}

function azureForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_id: C.dynamics.clientId,
    client_secret: C.dynamics.clientSecret,
    scope: `${sb.url}/crm-api/dynamics/.default`,
    ...overrides,
  };
}

async function azureToken(): Promise<string> {
  const result = await crm('POST', '/azure/sandbox-tenant/oauth2/v2.0/token', { form: azureForm() });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body.access_token;
}

const TASK = '/salesforce/services/data/v62.0/sobjects/Task';
const NOTES = '/hubspot/crm/v3/objects/notes';
const HS = bearer(C.hubspot.token);
const PD = `api_token=${C.pipedrive.apiToken}`;
const ZOHO_NOTES = '/zoho/crm/v2/Leads/5725767000000123001/Notes';
const ANNOTATIONS = '/dynamics/api/data/v9.2/annotations';
const FS = { authorization: `Token token=${C.freshsales.apiKey}` };
const GEN = basic(C.generic.username, C.generic.password);

describe('Salesforce', () => {
  it('issues a token by client credentials, without expires_in', async () => {
    const result = await crm('POST', '/salesforce/services/oauth2/token', {
      form: { grant_type: 'client_credentials', client_id: C.salesforce.clientId, client_secret: C.salesforce.clientSecret },
    });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      access_token: expect.any(String),
      signature: expect.any(String),
      scope: 'api',
      instance_url: `${sb.url}/crm-api/salesforce`,
      id: expect.stringContaining(`${sb.url}/crm-api/salesforce/id/`),
      token_type: 'Bearer',
      issued_at: expect.stringMatching(/^\d{13}$/),
    });
    expect(result.body).not.toHaveProperty('expires_in');
  });

  it('takes the client credentials in a Basic header too', async () => {
    const result = await crm('POST', '/salesforce/services/oauth2/token', {
      form: { grant_type: 'client_credentials' },
      headers: basic(C.salesforce.clientId, C.salesforce.clientSecret),
    });
    expect(result.status).toBe(200);
  });

  it('refuses bad token requests as Salesforce does', async () => {
    const path = '/salesforce/services/oauth2/token';
    const good = { grant_type: 'client_credentials', client_id: C.salesforce.clientId, client_secret: C.salesforce.clientSecret };
    expect((await crm('POST', path, { form: { ...good, grant_type: 'password' } })).body).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'grant type not supported',
    });
    const badId = await crm('POST', path, { form: { ...good, client_id: 'nope' } });
    expect([badId.status, badId.body]).toEqual([400, { error: 'invalid_client_id', error_description: 'client identifier invalid' }]);
    const badSecret = await crm('POST', path, { form: { ...good, client_secret: 'nope' } });
    expect([badSecret.status, badSecret.body]).toEqual([400, { error: 'invalid_client', error_description: 'invalid client credentials' }]);
    // JSON is not a token request.
    expect((await crm('POST', path, { json: good })).body.error).toBe('unsupported_grant_type');
  });

  it('creates a Task for a lead or contact', async () => {
    const token = await salesforceToken();
    const result = await crm('POST', TASK, { headers: bearer(token), json: { WhoId: LEAD_ID, Subject: 'WhatsApp chat', Status: 'Completed' } });
    expect(result.status).toBe(201);
    expect(result.body).toEqual({ id: expect.stringMatching(/^00T[A-Za-z0-9]{15}$/), success: true, errors: [] });
    const contact = await crm('POST', TASK, { headers: { authorization: `OAuth ${token}` }, json: { WhoId: '003000000000001', Description: 'x' } });
    expect(contact.status).toBe(201);
    const records = await ctl('GET', 'records');
    expect(records.salesforce.tasks).toEqual([
      { id: result.body.id, createdAt: expect.any(String), apiVersion: '62.0', body: { WhoId: LEAD_ID, Subject: 'WhatsApp chat', Status: 'Completed' } },
      expect.objectContaining({ id: contact.body.id }),
    ]);
  });

  it('answers 401 INVALID_SESSION_ID without a valid token', async () => {
    const expected = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
    for (const headers of [{}, bearer('00Dbogus!token'), bearer(await zohoToken())]) {
      const result = await crm('POST', TASK, { headers, json: { WhoId: LEAD_ID } });
      expect([result.status, result.body]).toEqual([401, expected]);
    }
    expect((await ctl('GET', 'records')).salesforce.tasks).toEqual([]);
  });

  it('validates WhoId, Subject and field names', async () => {
    const headers = bearer(await salesforceToken());
    const missing = await crm('POST', TASK, { headers, json: { Subject: 'x' } });
    expect([missing.status, missing.body]).toEqual([
      400,
      [{ message: 'Required fields are missing: [WhoId]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['WhoId'] }],
    ]);
    for (const whoId of ['001000000000001', '00Q123', 42]) {
      const wrong = await crm('POST', TASK, { headers, json: { WhoId: whoId } });
      expect([wrong.status, wrong.body]).toEqual([
        400,
        [{ message: `Name ID: id value of incorrect type: ${whoId}`, errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['WhoId'] }],
      ]);
    }
    const long = await crm('POST', TASK, { headers, json: { WhoId: LEAD_ID, Subject: 'x'.repeat(256) } });
    expect(long.status).toBe(400);
    expect(long.body[0]).toMatchObject({ errorCode: 'STRING_TOO_LONG', fields: ['Subject'] });
    expect((await crm('POST', TASK, { headers, json: { WhoId: LEAD_ID, Subject: 'x'.repeat(255) } })).status).toBe(201);
    const unknown = await crm('POST', TASK, { headers, json: { WhoId: LEAD_ID, Foo: 1 } });
    expect(unknown.body).toEqual([{ message: "No such column 'Foo' on sobject of type Task", errorCode: 'INVALID_FIELD' }]);
    expect((await crm('POST', TASK, { headers, json: { WhoId: LEAD_ID, Chat_Id__c: 'cr_1' } })).status).toBe(201);
    const form = await crm('POST', TASK, { headers, form: { WhoId: LEAD_ID } });
    expect([form.status, form.body[0].errorCode]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const broken = await crm('POST', TASK, { headers: { ...headers, 'content-type': 'application/json' }, text: '{"WhoId":' });
    expect([broken.status, broken.body[0].errorCode]).toEqual([400, 'JSON_PARSER_ERROR']);
  });
});

describe('token expiry', () => {
  it('expire-tokens invalidates every issued token; a new one works (401 → one refresh)', async () => {
    const sf = await salesforceToken();
    const zoho = await zohoToken();
    const azure = await azureToken();
    expect(await ctl('POST', 'expire-tokens')).toEqual({ expired: 3 });
    expect((await crm('POST', TASK, { headers: bearer(sf), json: { WhoId: LEAD_ID } })).status).toBe(401);
    const zohoExpired = await crm('POST', ZOHO_NOTES, { headers: { authorization: `Zoho-oauthtoken ${zoho}` }, json: { data: [{ Note_Content: 'x' }] } });
    expect([zohoExpired.status, zohoExpired.body]).toEqual([401, { code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' }]);
    expect((await crm('POST', ANNOTATIONS, { headers: bearer(azure), json: { subject: 'x', 'objectid_lead@odata.bind': `/leads(${GUID})` } })).status).toBe(401);
    // Static keys are not tokens: unaffected.
    expect((await crm('POST', '/hubspot/crm/v3/objects/contacts/search', { headers: HS, json: { filterGroups: [] } })).status).toBe(200);
    expect((await crm('POST', TASK, { headers: bearer(await salesforceToken()), json: { WhoId: LEAD_ID } })).status).toBe(201);
    const fresh = await zohoToken();
    expect((await crm('POST', ZOHO_NOTES, { headers: { authorization: `Zoho-oauthtoken ${fresh}` }, json: { data: [{ Note_Content: 'x' }] } })).status).toBe(201);
  });

  it('tokens live tokenTtlSeconds, reported as expires_in', async () => {
    expect(await ctl('POST', 'settings', { tokenTtlSeconds: 1 })).toEqual({ tokenTtlSeconds: 1, latencyMs: 0 });
    const zoho = await crm('POST', '/zoho-accounts/oauth/v2/token', {
      form: { refresh_token: C.zoho.refreshToken, client_id: C.zoho.clientId, client_secret: C.zoho.clientSecret, grant_type: 'refresh_token' },
    });
    expect(zoho.body.expires_in).toBe(1);
    const azure = await crm('POST', '/azure/t/oauth2/v2.0/token', { form: azureForm() });
    expect([azure.body.expires_in, azure.body.ext_expires_in]).toEqual([1, 1]);
    const sf = await salesforceToken();
    expect((await crm('POST', TASK, { headers: bearer(sf), json: { WhoId: LEAD_ID } })).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await crm('POST', TASK, { headers: bearer(sf), json: { WhoId: LEAD_ID } })).status).toBe(401);
    const note = { headers: { authorization: `Zoho-oauthtoken ${zoho.body.access_token}` }, json: { data: [{ Note_Content: 'x' }] } };
    expect((await crm('POST', ZOHO_NOTES, note)).status).toBe(401);
  });

  it('rejects invalid settings', async () => {
    const result = await fetch(`${sb.url}/__sandbox/crm-api/settings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tokenTtlSeconds: 0 }),
    });
    expect(result.status).toBe(400);
    expect(((await result.json()) as Json).payload.field).toBe('tokenTtlSeconds');
  });
});

describe('HubSpot', () => {
  const note = {
    properties: { hs_timestamp: '2024-05-01T10:00:00Z', hs_note_body: 'Chat opened by alice' },
    associations: [{ to: { id: '501' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }],
  };

  it('creates a note associated with a contact', async () => {
    const result = await crm('POST', NOTES, { headers: HS, json: note });
    expect(result.status).toBe(201);
    expect(result.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      properties: expect.objectContaining({ hs_timestamp: '2024-05-01T10:00:00.000Z', hs_note_body: 'Chat opened by alice', hs_object_id: result.body.id }),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      archived: false,
    });
    expect((await ctl('GET', 'records')).hubspot.notes).toEqual([{ id: result.body.id, createdAt: expect.any(String), body: note }]);
    // Epoch milliseconds, as a number or a string, are timestamps too.
    expect((await crm('POST', NOTES, { headers: HS, json: { properties: { hs_timestamp: 1714557600000 } } })).status).toBe(201);
  });

  it('answers 401 INVALID_AUTHENTICATION', async () => {
    for (const headers of [{}, bearer('pat-wrong')]) {
      const result = await crm('POST', NOTES, { headers, json: note });
      expect(result.status).toBe(401);
      expect(result.body).toEqual({
        status: 'error',
        message: expect.stringContaining('Authentication credentials not found'),
        correlationId: expect.any(String),
        category: 'INVALID_AUTHENTICATION',
      });
    }
  });

  it('validates properties and associations', async () => {
    const missing = await crm('POST', NOTES, { headers: HS, json: { properties: { hs_note_body: 'x' } } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', message: expect.stringContaining('hs_timestamp is required') });
    const unknown = await crm('POST', NOTES, { headers: HS, json: { properties: { hs_timestamp: '1714557600000', body: 'x' } } });
    expect(unknown.body.message).toContain('PROPERTY_DOESNT_EXIST');
    const badDate = await crm('POST', NOTES, { headers: HS, json: { properties: { hs_timestamp: 'yesterday' } } });
    expect([badDate.status, badDate.body.category]).toEqual([400, 'VALIDATION_ERROR']);
    const noContact = await crm('POST', NOTES, {
      headers: HS,
      json: { ...note, associations: [{ to: { id: '999' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }] },
    });
    expect([noContact.status, noContact.body.category]).toEqual([400, 'VALIDATION_ERROR']);
    const noTypes = await crm('POST', NOTES, { headers: HS, json: { ...note, associations: [{ to: { id: '501' } }] } });
    expect(noTypes.status).toBe(400);
    expect((await ctl('GET', 'records')).hubspot.notes).toEqual([]);
  });

  it('searches contacts by email or phone', async () => {
    const search = (propertyName: string, value: string) =>
      crm('POST', '/hubspot/crm/v3/objects/contacts/search', {
        headers: HS,
        json: { filterGroups: [{ filters: [{ propertyName, operator: 'EQ', value }] }] },
      });
    const byEmail = await search('email', 'ADA@example.com');
    expect(byEmail.status).toBe(200);
    expect(byEmail.body).toEqual({
      total: 1,
      results: [
        {
          id: '501',
          properties: {
            createdate: expect.any(String),
            email: 'ada@example.com',
            firstname: 'Ada',
            hs_object_id: '501',
            lastmodifieddate: expect.any(String),
            lastname: 'Lovelace',
          },
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
          archived: false,
        },
      ],
    });
    expect((await search('phone', '(415) 555-0132')).body.total).toBe(1);
    expect(await search('email', 'nobody@example.com').then((r) => r.body)).toEqual({ total: 0, results: [] });
    const other = await crm('POST', '/hubspot/crm/v3/objects/contacts/search', {
      headers: HS,
      json: { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: 'ada' }] }] },
    });
    expect(other.status).toBe(400);
  });

  it('creates a contact, then finds it; a second one with the same email is a CONFLICT', async () => {
    const properties = { email: 'grace@example.com', firstname: 'Grace', lastname: 'Hopper', phone: '+442079460958' };
    const created = await crm('POST', '/hubspot/crm/v3/objects/contacts', { headers: HS, json: { properties } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^\d+$/), properties: { ...properties, hs_object_id: created.body.id } });
    const found = await crm('POST', '/hubspot/crm/v3/objects/contacts/search', {
      headers: HS,
      json: { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'grace@example.com' }] }], properties: ['phone'] },
    });
    expect(found.body.results).toEqual([expect.objectContaining({ id: created.body.id, properties: expect.objectContaining({ phone: '+442079460958' }) })]);
    const duplicate = await crm('POST', '/hubspot/crm/v3/objects/contacts', { headers: HS, json: { properties: { email: 'ADA@example.com' } } });
    expect([duplicate.status, duplicate.body]).toEqual([
      409,
      { status: 'error', message: 'Contact already exists. Existing ID: 501', correlationId: expect.any(String), category: 'CONFLICT' },
    ]);
  });
});

describe('Pipedrive', () => {
  it('answers 401 without the api_token', async () => {
    const expected = {
      success: false,
      error: 'unauthorized access',
      errorCode: 401,
      error_info: 'Please check developers.pipedrive.com for more information about Pipedrive API.',
      data: null,
      additional_data: null,
    };
    for (const query of ['', '?api_token=wrong']) {
      const result = await crm('POST', `/pipedrive/api/v1/activities${query}`, { json: { subject: 'x' } });
      expect([result.status, result.body]).toEqual([401, expected]);
    }
    // The x-api-token header is Pipedrive's other way.
    const header = await crm('POST', '/pipedrive/api/v1/activities', { headers: { 'x-api-token': C.pipedrive.apiToken }, json: { subject: 'x' } });
    expect(header.status).toBe(201);
  });

  it('creates an activity for a person, as JSON or as a form', async () => {
    const result = await crm('POST', `/pipedrive/api/v1/activities?${PD}`, {
      json: { subject: 'WhatsApp chat', type: 'call', person_id: 101, note: 'Chat opened', done: 1 },
    });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({
      success: true,
      data: { id: expect.any(Number), subject: 'WhatsApp chat', type: 'call', person_id: 101, person_name: 'Ada Lovelace', note: 'Chat opened', done: true },
    });
    const form = await crm('POST', `/pipedrive/api/v1/activities?${PD}`, { form: { subject: 'Form', person_id: '101' } });
    expect(form.body.data).toMatchObject({ subject: 'Form', person_id: 101, done: false });
    const records = await ctl('GET', 'records');
    expect(records.pipedrive.activities.map((activity: Json) => activity.body)).toEqual([
      { subject: 'WhatsApp chat', type: 'call', person_id: 101, note: 'Chat opened', done: 1 },
      { subject: 'Form', person_id: '101' },
    ]);
  });

  it('validates activities', async () => {
    const path = `/pipedrive/api/v1/activities?${PD}`;
    const noSubject = await crm('POST', path, { json: { type: 'call' } });
    expect([noSubject.status, noSubject.body.success, noSubject.body.error]).toEqual([400, false, 'Subject is required']);
    expect((await crm('POST', path, { json: { subject: 'x', person_id: 999 } })).status).toBe(400);
    expect((await crm('POST', path, { json: { subject: 'x', type: 'fax' } })).status).toBe(400);
    expect((await ctl('GET', 'records')).pipedrive.activities).toEqual([]);
  });

  it('searches persons by email', async () => {
    const result = await crm('GET', `/pipedrive/api/v1/persons/search?term=ada%40example.com&fields=email&exact_match=true&${PD}`);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      success: true,
      data: {
        items: [
          {
            result_score: 1,
            item: expect.objectContaining({ id: 101, type: 'person', name: 'Ada Lovelace', emails: ['ada@example.com'], phones: ['+14155550132'] }),
          },
        ],
      },
      additional_data: { pagination: { start: 0, limit: 100, more_items_in_collection: false } },
    });
    const none = await crm('GET', `/pipedrive/api/v1/persons/search?term=eve%40example.com&fields=email&exact_match=true&${PD}`);
    expect(none.body.data.items).toEqual([]);
    const phone = await crm('GET', `/pipedrive/api/v1/persons/search?term=14155550132&fields=phone&${PD}`);
    expect(phone.body.data.items).toHaveLength(1);
    expect((await crm('GET', `/pipedrive/api/v1/persons/search?fields=email&${PD}`)).status).toBe(400);
  });

  it('creates a person with emails as objects or a string', async () => {
    const result = await crm('POST', `/pipedrive/api/v1/persons?${PD}`, {
      json: { name: 'Grace Hopper', email: [{ value: 'grace@example.com', primary: true }], phone: '+442079460958' },
    });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({
      success: true,
      data: { id: expect.any(Number), name: 'Grace Hopper', email: [{ label: 'work', value: 'grace@example.com', primary: true }] },
    });
    const plain = await crm('POST', `/pipedrive/api/v1/persons?${PD}`, { json: { name: 'Alan Turing', email: 'alan@example.com' } });
    expect(plain.body.data.email).toEqual([{ label: 'work', value: 'alan@example.com', primary: true }]);
    const found = await crm('GET', `/pipedrive/api/v1/persons/search?term=grace%40example.com&fields=email&exact_match=true&${PD}`);
    expect(found.body.data.items[0].item.id).toBe(result.body.data.id);
    const noName = await crm('POST', `/pipedrive/api/v1/persons?${PD}`, { json: { email: 'x@example.com' } });
    expect([noName.status, noName.body.success]).toEqual([400, false]);
  });
});

describe('Zoho CRM', () => {
  const tokenForm = () => ({
    refresh_token: C.zoho.refreshToken,
    client_id: C.zoho.clientId,
    client_secret: C.zoho.clientSecret,
    grant_type: 'refresh_token',
  });

  it('refreshes an access token (query or form)', async () => {
    const result = await crm('POST', '/zoho-accounts/oauth/v2/token', { form: tokenForm() });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      access_token: expect.stringMatching(/^1000\./),
      scope: 'ZohoCRM.modules.ALL',
      api_domain: `${sb.url}/crm-api/zoho`,
      token_type: 'Bearer',
      expires_in: 3600,
    });
    expect(await zohoToken()).not.toBe(result.body.access_token);
  });

  it('answers token errors with 200, as Zoho does', async () => {
    const path = '/zoho-accounts/oauth/v2/token';
    const badRefresh = await crm('POST', path, { form: { ...tokenForm(), refresh_token: '1000.old' } });
    expect([badRefresh.status, badRefresh.body]).toEqual([200, { error: 'invalid_code' }]);
    const badClient = await crm('POST', path, { form: { ...tokenForm(), client_secret: 'nope' } });
    expect([badClient.status, badClient.body]).toEqual([200, { error: 'invalid_client' }]);
  });

  it('adds a note to a lead', async () => {
    const token = await zohoToken();
    const result = await crm('POST', ZOHO_NOTES, {
      headers: { authorization: `Zoho-oauthtoken ${token}` },
      json: { data: [{ Note_Title: 'WhatsApp', Note_Content: 'Chat opened' }] },
    });
    expect(result.status).toBe(201);
    expect(result.body).toEqual({
      data: [{ code: 'SUCCESS', details: expect.objectContaining({ id: expect.stringMatching(/^\d{19}$/) }), message: 'record added', status: 'success' }],
    });
    expect((await ctl('GET', 'records')).zoho.notes).toEqual([
      {
        id: result.body.data[0].details.id,
        createdAt: expect.any(String),
        module: 'Leads',
        recordId: '5725767000000123001',
        body: { Note_Title: 'WhatsApp', Note_Content: 'Chat opened' },
      },
    ]);
  });

  it('checks the Zoho-oauthtoken header and required fields', async () => {
    const note = { json: { data: [{ Note_Content: 'x' }] } };
    const none = await crm('POST', ZOHO_NOTES, note);
    expect([none.status, none.body]).toEqual([401, { code: 'AUTHENTICATION_FAILURE', details: {}, message: 'Authentication failed', status: 'error' }]);
    const bogus = await crm('POST', ZOHO_NOTES, { ...note, headers: { authorization: 'Zoho-oauthtoken 1000.bogus' } });
    expect([bogus.status, bogus.body]).toEqual([401, { code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' }]);
    const headers = { authorization: `Zoho-oauthtoken ${await zohoToken()}` };
    const noContent = await crm('POST', ZOHO_NOTES, { headers, json: { data: [{ Note_Title: 'x' }] } });
    expect([noContent.status, noContent.body]).toEqual([
      400,
      { data: [{ code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Note_Content' }, message: 'required field not found', status: 'error' }] },
    ]);
    const noData = await crm('POST', ZOHO_NOTES, { headers, json: { Note_Content: 'x' } });
    expect([noData.status, noData.body.code]).toEqual([400, 'MANDATORY_NOT_FOUND']);
    const mixed = await crm('POST', ZOHO_NOTES, { headers, json: { data: [{ Note_Content: 'a' }, { Note_Content: '' }] } });
    expect([mixed.status, mixed.body.data.map((r: Json) => r.status)]).toEqual([207, ['success', 'error']]);
  });
});

describe('Dynamics 365 / Dataverse', () => {
  it('issues an Entra ID token by client credentials', async () => {
    const result = await crm('POST', '/azure/sandbox-tenant/oauth2/v2.0/token', { form: azureForm() });
    expect(result.body).toEqual({ token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: expect.any(String) });
    const viaBasic = await crm('POST', '/azure/sandbox-tenant/oauth2/v2.0/token', {
      form: { grant_type: 'client_credentials', scope: `${sb.url}/crm-api/dynamics/.default` },
      headers: basic(C.dynamics.clientId, C.dynamics.clientSecret),
    });
    expect(viaBasic.status).toBe(200);
  });

  it('refuses bad token requests as Entra ID does', async () => {
    const path = '/azure/sandbox-tenant/oauth2/v2.0/token';
    const secret = await crm('POST', path, { form: azureForm({ client_secret: 'nope' }) });
    expect(secret.status).toBe(401);
    expect(secret.body).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/^AADSTS7000215: /), error_codes: [7000215] });
    const client = await crm('POST', path, { form: azureForm({ client_id: 'nope' }) });
    expect([client.status, client.body.error]).toEqual([400, 'unauthorized_client']);
    const noScope = await crm('POST', path, { form: azureForm({ scope: '' }) });
    expect([noScope.status, noScope.body.error]).toEqual([400, 'invalid_request']);
    const badScope = await crm('POST', path, { form: azureForm({ scope: `${sb.url}/crm-api/dynamics/user_impersonation` }) });
    expect([badScope.status, badScope.body.error]).toEqual([400, 'invalid_scope']);
    const otherResource = await crm('POST', path, { form: azureForm({ scope: 'https://graph.microsoft.com/.default' }) });
    expect([otherResource.status, otherResource.body.error]).toEqual([400, 'invalid_resource']);
    const json = await crm('POST', path, { json: azureForm() });
    expect([json.status, json.body.error]).toEqual([400, 'invalid_request']);
  });

  it('creates an annotation: 204 with OData-EntityId', async () => {
    const headers = bearer(await azureToken());
    const body = { subject: 'WhatsApp chat', notetext: 'Chat opened', 'objectid_lead@odata.bind': `/leads(${GUID})` };
    const result = await crm('POST', ANNOTATIONS, { headers, json: body });
    expect(result.status).toBe(204);
    expect(result.body).toBeUndefined();
    const entityId = result.headers.get('odata-entityid');
    expect(entityId).toMatch(new RegExp(`^${sb.url}/crm-api/dynamics/api/data/v9\\.2/annotations\\([0-9a-f-]{36}\\)$`));
    const records = await ctl('GET', 'records');
    expect(records.dynamics.annotations).toEqual([{ id: entityId?.slice(-37, -1), createdAt: expect.any(String), regarding: `/leads(${GUID})`, body }]);
    const represented = await crm('POST', ANNOTATIONS, { headers: { ...headers, prefer: 'return=representation' }, json: body });
    expect(represented.status).toBe(201);
    expect(represented.body).toMatchObject({ annotationid: expect.any(String), subject: 'WhatsApp chat', notetext: 'Chat opened' });
  });

  it('creates a task regarding a lead (regardingobjectid_lead_task)', async () => {
    const headers = bearer(await azureToken());
    const result = await crm('POST', '/dynamics/api/data/v9.2/tasks', {
      headers,
      json: { subject: 'Chat', description: 'x', 'regardingobjectid_lead_task@odata.bind': `/leads(${GUID})` },
    });
    expect(result.status).toBe(204);
    expect(result.headers.get('odata-entityid')).toContain('/api/data/v9.2/tasks(');
    // Dataverse's navigation property for a task's regarding lead is regardingobjectid_lead_task.
    const wrong = await crm('POST', '/dynamics/api/data/v9.2/tasks', {
      headers,
      json: { subject: 'Chat', 'regardingobjectid_lead@odata.bind': `/leads(${GUID})` },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain("An undeclared property 'regardingobjectid_lead'");
  });

  it('requires a bind, a token and known properties', async () => {
    const headers = bearer(await azureToken());
    const missing = await crm('POST', ANNOTATIONS, { headers, json: { subject: 'x', notetext: 'y' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: { code: expect.any(String), message: expect.stringContaining('objectid_lead@odata.bind') } });
    const badTarget = await crm('POST', ANNOTATIONS, { headers, json: { 'objectid_lead@odata.bind': '/contacts(1)' } });
    expect(badTarget.status).toBe(400);
    const unknown = await crm('POST', ANNOTATIONS, { headers, json: { subjekt: 'x', 'objectid_lead@odata.bind': `/leads(${GUID})` } });
    expect(unknown.body.error.message).toContain("The property 'subjekt' does not exist");
    const noToken = await crm('POST', ANNOTATIONS, { json: { 'objectid_lead@odata.bind': `/leads(${GUID})` } });
    expect([noToken.status, noToken.body]).toEqual([401, undefined]);
    expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=/);
    expect((await crm('POST', ANNOTATIONS, { headers: bearer(await salesforceToken()), json: {} })).status).toBe(401);
  });
});

describe('Freshsales', () => {
  it('creates a note on a lead', async () => {
    const note = { description: 'Chat opened', targetable_type: 'Lead', targetable_id: '7001' };
    const result = await crm('POST', '/freshsales/crm/sales/api/notes', { headers: FS, json: { note } });
    expect(result.status).toBe(201);
    expect(result.body).toEqual({
      note: { id: expect.any(Number), description: 'Chat opened', created_at: expect.any(String), updated_at: expect.any(String), targetable_type: 'Lead', targetable_id: 7001 },
    });
    expect((await ctl('GET', 'records')).freshsales.notes).toEqual([{ id: String(result.body.note.id), createdAt: expect.any(String), body: { note } }]);
  });

  it('answers 401 and validation errors as Freshsales does', async () => {
    for (const headers of [{}, { authorization: 'Token token=wrong' }, bearer(C.freshsales.apiKey)]) {
      const result = await crm('POST', '/freshsales/crm/sales/api/notes', { headers, json: { note: {} } });
      expect([result.status, result.body]).toEqual([401, { login: 'failed', message: 'Incorrect or expired API key' }]);
    }
    const invalid = await crm('POST', '/freshsales/crm/sales/api/notes', { headers: FS, json: { note: { targetable_type: 'Person' } } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.code).toBe(400);
    expect(invalid.body.errors.message).toEqual([
      "Description can't be blank",
      expect.stringContaining('Targetable type is not included in the list'),
      "Targetable can't be blank",
    ]);
  });
});

describe('generic CRM', () => {
  it('answers 401 with WWW-Authenticate: Basic', async () => {
    for (const headers of [{}, basic('crm', 'wrong')]) {
      const result = await crm('GET', '/generic/people?email=ada%40example.com', { headers });
      expect(result.status).toBe(401);
      expect(result.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });

  it('finds the seed person, creates people and activities', async () => {
    const found = await crm('GET', '/generic/people?email=ADA%40example.com', { headers: GEN });
    expect(found.body).toEqual({ people: [{ id: 'p-1', email: 'ada@example.com', name: 'Ada Lovelace' }] });
    expect((await crm('GET', '/generic/people?email=eve%40example.com', { headers: GEN })).body).toEqual({ people: [] });
    const created = await crm('POST', '/generic/people', { headers: GEN, json: { email: 'eve@example.com', name: 'Eve Example' } });
    expect(created.status).toBe(201);
    expect(created.body.person).toEqual({ id: expect.stringMatching(/^p-/), email: 'eve@example.com', name: 'Eve Example' });
    const duplicate = await crm('POST', '/generic/people', { headers: GEN, json: { email: 'eve@example.com' } });
    expect([duplicate.status, duplicate.body.person]).toEqual([409, { id: created.body.person.id }]);
    const activity = await crm('POST', `/generic/people/${created.body.person.id}/activities`, {
      headers: GEN,
      json: { type: 'chat', body: 'Chat opened', chatroomUrl: 'http://x/app/chatrooms/1' },
    });
    expect(activity.status).toBe(201);
    expect(activity.body.activity).toMatchObject({ id: expect.any(String), personId: created.body.person.id, type: 'chat' });
    expect((await ctl('GET', 'records')).generic.activities).toEqual([
      { id: activity.body.activity.id, createdAt: expect.any(String), personId: created.body.person.id, body: { type: 'chat', body: 'Chat opened', chatroomUrl: 'http://x/app/chatrooms/1' } },
    ]);
  });

  it('validates people and activities', async () => {
    expect((await crm('POST', '/generic/people', { headers: GEN, json: { name: 'No Email' } })).status).toBe(400);
    expect((await crm('POST', '/generic/people/p-404/activities', { headers: GEN, json: { type: 'chat' } })).status).toBe(404);
    expect((await crm('POST', '/generic/people/p-1/activities', { headers: GEN, json: { body: 'no type' } })).status).toBe(400);
  });
});

describe('request log, counts, records', () => {
  it('logs every request with endpoint, query, auth and content-type headers and the parsed body', async () => {
    await crm('POST', '/zoho-accounts/oauth/v2/token?grant_type=refresh_token', {
      form: { refresh_token: C.zoho.refreshToken, client_id: C.zoho.clientId, client_secret: C.zoho.clientSecret },
    });
    await crm('POST', '/generic/people', { headers: { ...GEN, 'content-type': 'text/plain' }, text: 'hello' });
    await crm('GET', `/pipedrive/api/v1/persons/search?term=ada&${PD}`);
    await crm('POST', '/salesforce/services/data/v62.0/sobjects/Account', { json: {} });
    const log = await ctl('GET', 'requests');
    expect(log).toEqual([
      {
        at: expect.any(String),
        endpoint: 'zoho.token',
        method: 'POST',
        path: '/crm-api/zoho-accounts/oauth/v2/token',
        query: { grant_type: 'refresh_token' },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: { refresh_token: C.zoho.refreshToken, client_id: C.zoho.clientId, client_secret: C.zoho.clientSecret },
        status: 200,
        fault: null,
      },
      expect.objectContaining({ endpoint: 'generic.createPerson', headers: { authorization: GEN.authorization, 'content-type': 'text/plain' }, body: 'hello', status: 415 }),
      expect.objectContaining({ endpoint: 'pipedrive.searchPersons', method: 'GET', query: { term: 'ada', api_token: C.pipedrive.apiToken }, body: null, status: 200 }),
      expect.objectContaining({ endpoint: null, path: '/crm-api/salesforce/services/data/v62.0/sobjects/Account', status: 404 }),
    ]);
    expect(Number.isNaN(Date.parse(log[0].at))).toBe(false);
  });

  it('counts per endpoint, auth failures included; 405 for a known path with another method', async () => {
    const zero = await ctl('GET', 'counts');
    expect(Object.keys(zero)).toEqual([
      'salesforce.token',
      'salesforce.task',
      'hubspot.note',
      'hubspot.searchContacts',
      'hubspot.createContact',
      'pipedrive.activity',
      'pipedrive.searchPersons',
      'pipedrive.createPerson',
      'zoho.token',
      'zoho.note',
      'azure.token',
      'dynamics.annotation',
      'dynamics.task',
      'freshsales.note',
      'generic.findPeople',
      'generic.createPerson',
      'generic.activity',
    ]);
    expect(Object.values(zero).every((count) => count === 0)).toBe(true);
    await crm('POST', NOTES, { json: {} });
    await crm('POST', NOTES, { headers: HS, json: { properties: { hs_timestamp: '1714557600000' } } });
    await salesforceToken();
    const wrongMethod = await crm('GET', NOTES, { headers: HS });
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
    const counts = await ctl('GET', 'counts');
    expect(counts).toMatchObject({ 'hubspot.note': 2, 'salesforce.token': 1, 'salesforce.task': 0 });
  });

  it('shows the seed people in the records', async () => {
    const records = await ctl('GET', 'records');
    expect(records).toEqual({
      salesforce: { tasks: [] },
      hubspot: { contacts: [expect.objectContaining({ id: '501', seeded: true, properties: expect.objectContaining({ email: 'ada@example.com' }) })], notes: [] },
      pipedrive: { persons: [expect.objectContaining({ id: '101', name: 'Ada Lovelace', emails: ['ada@example.com'] })], activities: [] },
      zoho: { notes: [] },
      dynamics: { annotations: [], tasks: [] },
      freshsales: { notes: [] },
      generic: { people: [expect.objectContaining({ id: 'p-1', email: 'ada@example.com' })], activities: [] },
    });
  });
});

describe('faults and latency', () => {
  it('500 twice, then the real answer', async () => {
    const added = await ctl('POST', 'faults', { endpoint: 'hubspot.note', status: 500, times: 2 });
    expect(added).toMatchObject({ id: 'cf1', endpoint: 'hubspot.note', times: 2, status: 500 });
    const note = { properties: { hs_timestamp: '1714557600000', hs_note_body: 'x' } };
    for (let i = 0; i < 2; i++) {
      const failed = await crm('POST', NOTES, { headers: HS, json: note });
      expect(failed.status).toBe(500);
      // In the CRM's own error shape.
      expect(failed.body).toEqual({ status: 'error', message: 'Injected fault cf1', correlationId: 'cf1', category: 'INTERNAL_ERROR' });
      expect(failed.headers.get('access-control-allow-origin')).toBe('*');
    }
    expect((await crm('POST', NOTES, { headers: HS, json: note })).status).toBe(201);
    expect((await ctl('GET', 'records')).hubspot.notes).toHaveLength(1);
    const log = await ctl('GET', 'requests');
    expect(log.map((entry: Json) => [entry.status, entry.fault])).toEqual([
      [500, 'cf1'],
      [500, 'cf1'],
      [201, null],
    ]);
    expect((await ctl('GET', 'counts'))['hubspot.note']).toBe(3);
  });

  it('matches "*", takes arrays, custom bodies and headers, and DELETE clears the queue', async () => {
    await ctl('POST', 'faults', [
      { endpoint: '*', status: 429, body: { message: 'slow down' }, headers: { 'Retry-After': '1' } },
      { endpoint: 'salesforce.token', status: 503 },
    ]);
    const first = await crm('POST', '/salesforce/services/oauth2/token', { form: {} });
    expect([first.status, first.body, first.headers.get('retry-after')]).toEqual([429, { message: 'slow down' }, '1']);
    const second = await crm('POST', '/salesforce/services/oauth2/token', { form: {} });
    expect([second.status, second.body]).toEqual([503, { error: 'server_error', error_description: 'Injected fault cf2' }]);
    await ctl('POST', 'faults', { endpoint: 'generic.findPeople', status: 500, times: 5 });
    expect(await ctl('GET', 'faults')).toHaveLength(1);
    expect(await ctl('DELETE', 'faults')).toEqual({ ok: true });
    expect((await crm('GET', '/generic/people', { headers: GEN })).status).toBe(200);
  });

  it('drops the connection; afterHandling creates first', async () => {
    await ctl('POST', 'faults', { endpoint: 'generic.createPerson', drop: true });
    await expect(crm('POST', '/generic/people', { headers: GEN, json: { email: 'drop@example.com' } })).rejects.toThrow();
    await ctl('POST', 'faults', { endpoint: 'generic.createPerson', afterHandling: true, status: 504 });
    expect((await crm('POST', '/generic/people', { headers: GEN, json: { email: 'late@example.com' } })).status).toBe(504);
    const records = await ctl('GET', 'records');
    expect(records.generic.people.map((person: Json) => person.email)).toEqual(['ada@example.com', 'late@example.com']);
    expect((await ctl('GET', 'requests')).map((entry: Json) => entry.status)).toEqual([0, 504]);
  });

  it('delays by a fault and by latencyMs', async () => {
    await ctl('POST', 'faults', { endpoint: 'generic.findPeople', delayMs: 300 });
    let started = Date.now();
    expect((await crm('GET', '/generic/people', { headers: GEN })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    await ctl('POST', 'settings', { latencyMs: 300 });
    started = Date.now();
    expect((await crm('GET', '/generic/people', { headers: GEN })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(await ctl('GET', 'settings')).toEqual({ tokenTtlSeconds: 3600, latencyMs: 300 });
  });

  it('refuses unknown endpoints and the provider names', async () => {
    for (const endpoint of ['createContact', 'hubspot.notes']) {
      const result = await fetch(`${sb.url}/__sandbox/crm-api/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ endpoint, status: 500 }),
      });
      expect(result.status).toBe(400);
    }
    // The provider's queue is separate.
    await ctl('POST', 'faults', { endpoint: '*', status: 500 });
    expect(await control(sb.url, 'GET', '/__sandbox/faults')).toEqual([]);
  });
});

describe('reset', () => {
  async function dirty() {
    await crm('POST', '/generic/people', { headers: GEN, json: { email: 'eve@example.com' } });
    const token = await salesforceToken();
    await ctl('POST', 'faults', { endpoint: 'generic.findPeople', status: 500 });
    await ctl('POST', 'settings', { latencyMs: 5, tokenTtlSeconds: 60 });
    return token;
  }

  async function expectClean(token: string) {
    expect(await ctl('GET', 'requests')).toEqual([]);
    expect(Object.values(await ctl('GET', 'counts')).every((count) => count === 0)).toBe(true);
    expect(await ctl('GET', 'faults')).toEqual([]);
    expect(await ctl('GET', 'settings')).toEqual({ tokenTtlSeconds: 3600, latencyMs: 0 });
    expect((await ctl('GET', 'records')).generic.people.map((person: Json) => person.id)).toEqual(['p-1']);
    expect((await crm('POST', TASK, { headers: bearer(token), json: { WhoId: LEAD_ID } })).status).toBe(401);
  }

  it('POST /__sandbox/crm-api/reset clears log, counts, records, faults, settings and tokens', async () => {
    const token = await dirty();
    expect(await ctl('POST', 'reset')).toEqual({ ok: true });
    await expectClean(token);
  });

  it('POST /__sandbox/reset does too', async () => {
    const token = await dirty();
    await control(sb.url, 'POST', '/__sandbox/reset', {});
    await expectClean(token);
  });
});

describe('CORS', () => {
  it('answers preflights with whatever was asked for', async () => {
    const response = await fetch(`${sb.url}/crm-api/hubspot/crm/v3/objects/notes`, {
      method: 'OPTIONS',
      headers: {
        origin: 'moz-extension://4b8e2a8c-1f7e-4a3e-9d0c-3f5a1e2b7c9d',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    // Preflights are neither logged nor counted.
    expect(await ctl('GET', 'requests')).toEqual([]);
    const bare = await fetch(`${sb.url}/crm-api/anything`, { method: 'OPTIONS' });
    expect(bare.status).toBe(204);
    expect(bare.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('allows any origin on answers, errors included, and exposes OData-EntityId', async () => {
    const denied = await crm('POST', NOTES, { json: {} });
    expect(denied.headers.get('access-control-allow-origin')).toBe('*');
    const missing = await crm('GET', '/nowhere');
    expect([missing.status, missing.headers.get('access-control-allow-origin')]).toEqual([404, '*']);
    expect(missing.headers.get('access-control-expose-headers')).toContain('OData-EntityId');
  });
});
