import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CachedToken, TokenStore } from '../../lib/crm-actions/auth';
import {
  chromePolicyAction,
  dataverseAnnotationPreset,
  freshsalesNotePreset,
  genericCrmPreset,
  hubspotNotePreset,
  PRESET_DOCS,
  pipedriveActivityPreset,
  salesforceTaskPreset,
  zohoNotePreset,
} from '../../lib/crm-actions/presets';
import { type ActionRunResult, runCrmAction } from '../../lib/crm-actions/run';
import { type CrmAction, CrmActionSchema } from '../../lib/crm-actions/schema';
import { crmActionsProblems } from '../../lib/crm-actions/validate';
import { type ActionVariables, actionVariables } from '../../lib/crm-actions/variables';
import type { Lead } from '../../lib/messages';
import type { CrmApiLogEntry } from '../../sandbox/crm-api';
import { CRM_API_CREDENTIALS } from '../../sandbox/crm-api-store';
import { type Sandbox, startSandbox } from '../../sandbox/server';

/**
 * The crmActions presets (lib/crm-actions/presets.ts) against the sandbox's CRM API (sandbox/README.md, "CRM API"),
 * over real HTTP with the real `fetch`: each preset built with the sandbox's base URLs and credentials, run by
 * `runCrmAction` with an event's variables, then checked in the sandbox's request log for the shape the CRM's public
 * API documentation asks for (method, path, auth, body), and in its records for exactly one note or activity. Then the
 * OAuth token discipline (one token for many runs, one renewal after a 401), find-then-create by e-mail, and how
 * failures are classified. docs/crm-actions.md prints the same presets; the last test holds it to them.
 */

const C = CRM_API_CREDENTIALS;
const NOW = Date.parse('2025-03-14T09:26:53.589Z');
const CHATROOM_URL = 'https://app.saleschat.pro/chatrooms/cr_8f2e';
const TEXT = `Alice Agent opened a Saleschat chat with this lead: ${CHATROOM_URL}`;
const SF_LEAD_ID = '00Q5e00000AbCdEAAV';
const DATAVERSE_LEAD_ID = '6f2c1b9e-0c3a-4e7b-9a51-2d6f0e8b1c42';
const ZOHO_LEAD_ID = '5725767000000412345';
const FRESHSALES_LEAD_ID = '16000012345';

let sandbox: Sandbox;
let crm = '';

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, quiet: true });
  crm = `${sandbox.url}/crm-api`;
});

afterAll(async () => {
  await sandbox?.close();
});

// The CRM API's log, counts, records (seed people only), faults, settings and issued tokens start afresh.
beforeEach(() => control('POST', 'reset', { data: true }));

async function control<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandbox.url}/__sandbox/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, `${method} ${path}`).toBe(200);
  return (await response.json()) as T;
}

type Records = Record<string, Record<string, ({ id: string; body?: unknown } & Record<string, unknown>)[]>>;
const requests = () => control<CrmApiLogEntry[]>('GET', 'crm-api/requests');
const counts = () => control<Record<string, number>>('GET', 'crm-api/counts');
const records = () => control<Records>('GET', 'crm-api/records');
const fault = (input: Record<string, unknown>) => control('POST', 'crm-api/faults', input);
const expireTokens = () => control<{ expired: number }>('POST', 'crm-api/expire-tokens');

/** Access tokens kept in memory, as the background keeps them in session storage. */
function memoryTokens(): TokenStore {
  const tokens = new Map<string, CachedToken>();
  return {
    get: async (key) => tokens.get(key),
    set: async (key, token) => {
      tokens.set(key, token);
    },
    delete: async (key) => {
      tokens.delete(key);
    },
  };
}

function run(action: CrmAction, variables: ActionVariables, tokens: TokenStore = memoryTokens()): Promise<ActionRunResult> {
  return runCrmAction(action, variables, { fetch, now: Date.now, tokens });
}

/** A Chat click's variables: the lead as the CRM page showed it, Alice as the agent, the chatroom just opened. */
function chatOpened(lead: Partial<Lead> & Pick<Lead, 'profileId'>): ActionVariables {
  return actionVariables({
    event: 'chat-opened',
    eventId: 'evt-1',
    lead: {
      crmId: `${lead.profileId}:acme:${lead.recordId ?? 'x'}`,
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      phone: '+1 415 555 0132',
      ...lead,
    },
    agent: { email: 'alice@example.com', name: 'Alice Agent', providerUserId: 'u_alice' },
    chat: { chatroomUrl: CHATROOM_URL, chatroomId: 'cr_8f2e', contactId: 'c_42' },
    outcome: 'Chat opened.',
    now: NOW,
    defaultCountry: 'US',
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

// The presets as the sandbox's tenant: its hosts stand for the real ones (sandbox/README.md, "CRM API").
const presets = {
  salesforce: (options: { timeoutMs?: number } = {}) =>
    salesforceTaskPreset({ instanceUrl: `${crm}/salesforce`, clientId: C.salesforce.clientId, clientSecret: C.salesforce.clientSecret, ...options }),
  hubspot: () => hubspotNotePreset({ apiUrl: `${crm}/hubspot`, token: C.hubspot.token }),
  pipedrive: (options: { timeoutMs?: number } = {}) => pipedriveActivityPreset({ companyUrl: `${crm}/pipedrive`, apiToken: C.pipedrive.apiToken, ...options }),
  zoho: () =>
    zohoNotePreset({
      apiDomain: `${crm}/zoho`,
      accountsUrl: `${crm}/zoho-accounts`,
      clientId: C.zoho.clientId,
      clientSecret: C.zoho.clientSecret,
      refreshToken: C.zoho.refreshToken,
    }),
  dynamics: () =>
    dataverseAnnotationPreset({
      orgUrl: `${crm}/dynamics`,
      loginUrl: `${crm}/azure`,
      tenant: 'acme.onmicrosoft.com',
      clientId: C.dynamics.clientId,
      clientSecret: C.dynamics.clientSecret,
    }),
  freshsales: (options: { timeoutMs?: number } = {}) =>
    freshsalesNotePreset({ bundleUrl: `${crm}/freshsales/crm/sales`, apiKey: C.freshsales.apiKey, ...options }),
  generic: () => genericCrmPreset({ baseUrl: `${crm}/generic`, username: C.generic.username, password: C.generic.password }),
};

describe('every preset is a valid crmActions entry', () => {
  it.each(Object.entries(presets))('%s: passes the schema and crmActionsProblems, in both policy forms', (_, build) => {
    // Each preset follows the pages in PRESET_DOCS (lib/crm-actions/presets.ts), e.g. https://developers.freshworks.com/crm/api/#create_note
    const preset = build();
    expect(CrmActionSchema.safeParse(preset).success).toBe(true);
    expect(crmActionsProblems([preset])).toEqual([]);
    const chrome = chromePolicyAction(preset);
    expect(CrmActionSchema.safeParse(chrome).success).toBe(true);
    expect(crmActionsProblems([chrome])).toEqual([]);
    expect(chrome.steps.some((step) => step.body !== undefined)).toBe(false);
  });

  it('all seven together: their default names differ', () => {
    // docs/crm-actions.md, Format: an action's name keys the journal, so the seven default names must differ.
    expect(crmActionsProblems(Object.values(presets).map((build) => build()))).toEqual([]);
  });
});

describe('each preset writes what its CRM documents', () => {
  it('Salesforce: one completed Task whose WhoId is the lead, with a client-credentials token', async () => {
    // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm (Create a Record)
    // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm (Task: WhoId, Status, ActivityDate)
    // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm&type=5 (client credentials flow)
    const result = await run(presets.salesforce(), chatOpened({ profileId: 'salesforce', recordId: SF_LEAD_ID }));
    expect(result).toEqual({ ok: true, captured: {} });

    const [token, task, ...more] = await requests();
    expect(more).toEqual([]);
    expect(token).toMatchObject({ endpoint: 'salesforce.token', method: 'POST', path: '/crm-api/salesforce/services/oauth2/token', status: 200 });
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token?.body).toEqual({ grant_type: 'client_credentials', client_id: C.salesforce.clientId, client_secret: C.salesforce.clientSecret });

    expect(task).toMatchObject({ endpoint: 'salesforce.task', method: 'POST', path: '/crm-api/salesforce/services/data/v62.0/sobjects/Task', status: 201 });
    expect(task?.headers.authorization).toMatch(/^Bearer 00Dsb0000000001!\S+$/);
    expect(task?.headers['content-type']).toBe('application/json');
    expect(task?.body).toEqual({ WhoId: SF_LEAD_ID, Subject: 'Saleschat chat', Description: TEXT, Status: 'Completed', ActivityDate: '2025-03-14' });

    const { salesforce } = await records();
    expect(salesforce?.tasks).toHaveLength(1);
    expect(salesforce?.tasks?.[0]).toMatchObject({ apiVersion: '62.0', body: { WhoId: SF_LEAD_ID } });
  });

  it('HubSpot, contact found by e-mail: no contact created, one note associated with it (type 202)', async () => {
    // https://developers.hubspot.com/docs/api-reference/crm-notes-v3/guide (notes: hs_timestamp, hs_note_body, associations)
    // https://developers.hubspot.com/docs/api-reference/legacy/crm/search-the-crm (filterGroups, EQ)
    const result = await run(presets.hubspot(), chatOpened({ profileId: 'salesforce', recordId: SF_LEAD_ID }));
    expect(result).toEqual({ ok: true, captured: { HUBSPOT_CONTACT_ID: '501' } });

    const log = await requests();
    expect(log.map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual([
      'POST /crm-api/hubspot/crm/v3/objects/contacts/search 200',
      'POST /crm-api/hubspot/crm/v3/objects/notes 201',
    ]);
    for (const entry of log) expect(entry.headers.authorization).toBe(`Bearer ${C.hubspot.token}`);
    expect(log[0]?.body).toEqual({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'ada@example.com' }] }],
      properties: ['email'],
      limit: 1,
    });
    expect(log[1]?.body).toEqual({
      properties: { hs_timestamp: '2025-03-14T09:26:53.589Z', hs_note_body: TEXT },
      associations: [{ to: { id: '501' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }],
    });
    const { hubspot } = await records();
    expect(hubspot?.notes).toHaveLength(1);
    expect(hubspot?.contacts).toHaveLength(1);
  });

  it('HubSpot, no contact with that e-mail: exactly one contact created, the note on its new id', async () => {
    // https://developers.hubspot.com/docs/api/crm/contacts (create a contact: properties email, firstname, lastname, phone)
    const result = await run(presets.hubspot(), chatOpened({ profileId: 'salesforce', firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' }));
    expect(result.ok).toBe(true);
    const contactId = result.ok ? result.captured.HUBSPOT_CONTACT_ID : undefined;
    expect(contactId).toMatch(/^\d+$/);
    expect(contactId).not.toBe('501');

    const log = await requests();
    expect(log.map((entry) => entry.endpoint)).toEqual(['hubspot.searchContacts', 'hubspot.createContact', 'hubspot.note']);
    expect(log[1]?.body).toEqual({ properties: { email: 'grace@example.com', firstname: 'Grace', lastname: 'Hopper', phone: '+14155550132' } });
    expect(log[2]?.body).toMatchObject({ associations: [{ to: { id: contactId }, types: [{ associationTypeId: 202 }] }] });
    const { hubspot } = await records();
    expect(hubspot?.contacts?.map((contact) => contact.id)).toEqual(['501', contactId]);
    expect(hubspot?.notes).toHaveLength(1);
  });

  it('Pipedrive, person found by e-mail: one done activity on that person, api_token in the query', async () => {
    // https://developers.pipedrive.com/docs/api/v1/Persons#searchPersons (term, fields=email, exact_match)
    // https://developers.pipedrive.com/docs/api/v1/Activities#addActivity (subject, type, person_id, note, done)
    const result = await run(presets.pipedrive(), chatOpened({ profileId: 'salesforce' }));
    expect(result).toEqual({ ok: true, captured: { PERSON_ID: '101' } });

    const log = await requests();
    expect(log.map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual([
      'GET /crm-api/pipedrive/api/v1/persons/search 200',
      'POST /crm-api/pipedrive/api/v1/activities 201',
    ]);
    for (const entry of log) {
      expect(entry.query.api_token).toBe(C.pipedrive.apiToken);
      expect(entry.headers.authorization).toBeUndefined();
    }
    expect(log[0]?.query).toEqual({ term: 'ada@example.com', fields: 'email', exact_match: 'true', api_token: C.pipedrive.apiToken });
    expect(log[1]?.body).toEqual({ subject: 'Saleschat chat', type: 'task', person_id: '101', due_date: '2025-03-14', note: TEXT, done: 1 });
    const { pipedrive } = await records();
    expect(pipedrive?.activities).toHaveLength(1);
    expect(pipedrive?.persons).toHaveLength(1);
  });

  it('Pipedrive, no such person: exactly one person created, the activity on the new id', async () => {
    // https://developers.pipedrive.com/docs/api/v1/Persons#addPerson (name, email [{ value, primary, label }])
    const result = await run(presets.pipedrive(), chatOpened({ profileId: 'salesforce', firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' }));
    const personId = result.ok ? result.captured.PERSON_ID : undefined;
    expect(personId).toMatch(/^\d+$/);
    expect(personId).not.toBe('101');
    const log = await requests();
    expect(log.map((entry) => entry.endpoint)).toEqual(['pipedrive.searchPersons', 'pipedrive.createPerson', 'pipedrive.activity']);
    expect(log[1]?.body).toEqual({ name: 'Grace Hopper', email: [{ value: 'grace@example.com', primary: true, label: 'work' }] });
    expect(log[2]?.body).toMatchObject({ person_id: personId });
    expect((await records()).pipedrive?.activities).toHaveLength(1);
  });

  it('Zoho CRM: one note on the lead, with a token from the refresh-token grant sent as Zoho-oauthtoken', async () => {
    // https://www.zoho.com/crm/developer/docs/api/v2/create-notes.html (POST /crm/v2/Leads/{id}/Notes, data: [{ Note_Title, Note_Content }])
    // https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html (refresh-token grant)
    const result = await run(presets.zoho(), chatOpened({ profileId: 'zoho', recordId: ZOHO_LEAD_ID }));
    expect(result).toEqual({ ok: true, captured: {} });

    const [token, note, ...more] = await requests();
    expect(more).toEqual([]);
    expect(token).toMatchObject({ endpoint: 'zoho.token', method: 'POST', path: '/crm-api/zoho-accounts/oauth/v2/token', status: 200 });
    expect(token?.body).toEqual({
      grant_type: 'refresh_token',
      refresh_token: C.zoho.refreshToken,
      client_id: C.zoho.clientId,
      client_secret: C.zoho.clientSecret,
    });
    expect(note).toMatchObject({ endpoint: 'zoho.note', method: 'POST', path: `/crm-api/zoho/crm/v2/Leads/${ZOHO_LEAD_ID}/Notes`, status: 201 });
    expect(note?.headers.authorization).toMatch(/^Zoho-oauthtoken 1000\.\S+$/);
    expect(note?.body).toEqual({ data: [{ Note_Title: 'Saleschat chat', Note_Content: TEXT }] });
    const { zoho } = await records();
    expect(zoho?.notes).toHaveLength(1);
    expect(zoho?.notes?.[0]).toMatchObject({ module: 'Leads', recordId: ZOHO_LEAD_ID });
  });

  it('Dynamics 365 / Dataverse: one annotation bound to the lead, token from Entra ID with scope <org>/.default', async () => {
    // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api (POST, @odata.bind, 204 + OData-EntityId)
    // https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/annotation (subject, notetext, objectid_lead)
    // https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow (client credentials, scope .default)
    const result = await run(presets.dynamics(), chatOpened({ profileId: 'dynamics', recordId: DATAVERSE_LEAD_ID }));
    expect(result).toEqual({ ok: true, captured: {} });

    const [token, annotation, ...more] = await requests();
    expect(more).toEqual([]);
    expect(token).toMatchObject({ endpoint: 'azure.token', method: 'POST', path: '/crm-api/azure/acme.onmicrosoft.com/oauth2/v2.0/token', status: 200 });
    expect(token?.body).toEqual({
      grant_type: 'client_credentials',
      client_id: C.dynamics.clientId,
      client_secret: C.dynamics.clientSecret,
      scope: `${crm}/dynamics/.default`,
    });
    expect(annotation).toMatchObject({ endpoint: 'dynamics.annotation', method: 'POST', path: '/crm-api/dynamics/api/data/v9.2/annotations', status: 204 });
    expect(annotation?.headers.authorization).toMatch(/^Bearer eyJ\S+$/);
    expect(annotation?.body).toEqual({ 'objectid_lead@odata.bind': `/leads(${DATAVERSE_LEAD_ID})`, subject: 'Saleschat chat', notetext: TEXT });
    const { dynamics } = await records();
    expect(dynamics?.annotations).toHaveLength(1);
    expect(dynamics?.annotations?.[0]?.regarding).toBe(`/leads(${DATAVERSE_LEAD_ID})`);
    expect(dynamics?.tasks).toEqual([]);
  });

  it('Freshsales: one note targeting the lead, Authorization: Token token=<key>', async () => {
    // https://developers.freshworks.com/crm/api/#create_note (note: description, targetable_type, targetable_id)
    const result = await run(presets.freshsales(), chatOpened({ profileId: 'freshsales', recordId: FRESHSALES_LEAD_ID }));
    expect(result).toEqual({ ok: true, captured: {} });
    const log = await requests();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ endpoint: 'freshsales.note', method: 'POST', path: '/crm-api/freshsales/crm/sales/api/notes', status: 201 });
    expect(log[0]?.headers.authorization).toBe(`Token token=${C.freshsales.apiKey}`);
    expect(log[0]?.body).toEqual({ note: { description: TEXT, targetable_type: 'Lead', targetable_id: FRESHSALES_LEAD_ID } });
    expect((await records()).freshsales?.notes).toHaveLength(1);
  });

  it('the Chrome policy form (bodyJson) sends the very same requests', async () => {
    // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm
    const variables = chatOpened({ profileId: 'salesforce', recordId: SF_LEAD_ID });
    expect((await run(presets.salesforce(), variables)).ok).toBe(true);
    expect((await run(chromePolicyAction(presets.salesforce()), variables)).ok).toBe(true);
    const tasks = (await requests()).filter((entry) => entry.endpoint === 'salesforce.task');
    expect(tasks).toHaveLength(2);
    expect(tasks[1]?.body).toEqual(tasks[0]?.body);
  });
});

describe('OAuth access tokens', () => {
  const cases = [
    {
      name: 'Salesforce (client credentials, no expires_in)',
      build: presets.salesforce,
      lead: { profileId: 'salesforce', recordId: SF_LEAD_ID },
      token: 'salesforce.token',
      call: 'salesforce.task',
    },
    {
      name: 'Dataverse (client credentials at Entra ID)',
      build: presets.dynamics,
      lead: { profileId: 'dynamics', recordId: DATAVERSE_LEAD_ID },
      token: 'azure.token',
      call: 'dynamics.annotation',
    },
    { name: 'Zoho (refresh-token grant)', build: presets.zoho, lead: { profileId: 'zoho', recordId: ZOHO_LEAD_ID }, token: 'zoho.token', call: 'zoho.note' },
  ] as const;

  it.each(cases)('$name: 20 runs in the token lifetime, 1 token; after expiry one 401, one new token, the run succeeds', async ({ build, lead, token, call }) => {
    // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm&type=5
    // https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
    // https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html
    const tokens = memoryTokens();
    const action = build();
    const variables = chatOpened(lead);
    for (let i = 0; i < 20; i++) expect(await run(action, variables, tokens)).toEqual({ ok: true, captured: {} });
    expect((await counts())[token]).toBe(1);
    expect((await counts())[call]).toBe(20);

    expect((await expireTokens()).expired).toBe(1);
    expect(await run(action, variables, tokens)).toEqual({ ok: true, captured: {} });
    const after = await counts();
    expect(after[token]).toBe(2);
    // The one retried request: refused with the old token, accepted with the new one.
    expect(after[call]).toBe(22);
    const last = (await requests()).slice(-3);
    expect(last.map((entry) => `${entry.endpoint} ${entry.status}`)).toEqual([`${call} 401`, `${token} 200`, `${call} ${call === 'dynamics.annotation' ? 204 : 201}`]);
    expect(last[0]?.headers.authorization).not.toBe(last[2]?.headers.authorization);
  });

  it('an expired token while the token endpoint is down (503): transient, to be retried, not permanent', async () => {
    // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm&type=5
    const tokens = memoryTokens();
    const variables = chatOpened({ profileId: 'salesforce', recordId: SF_LEAD_ID });
    expect((await run(presets.salesforce(), variables, tokens)).ok).toBe(true);
    await expireTokens();
    await fault({ endpoint: 'salesforce.token', status: 503 });
    const result = await run(presets.salesforce(), variables, tokens);
    expect((await requests()).slice(-2).map((entry) => `${entry.endpoint} ${entry.status}`)).toEqual(['salesforce.task 401', 'salesforce.token 503']);
    expect(result).toMatchObject({ ok: false, kind: 'transient', status: 503 });
  });

  it('five write-backs at once with no token yet: one token request', async () => {
    // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm&type=5
    const tokens = memoryTokens();
    const variables = chatOpened({ profileId: 'salesforce', recordId: SF_LEAD_ID });
    const results = await Promise.all(Array.from({ length: 5 }, () => run(presets.salesforce(), variables, tokens)));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(await counts()).toMatchObject({ 'salesforce.token': 1, 'salesforce.task': 5 });
  });
});

describe('find-then-create by e-mail (Comm100: find the record by e-mail first), the generic CRM', () => {
  it('an existing person (the seed ada@example.com): no create request, the activity on the seed id', async () => {
    // https://cloud.google.com/contact-center/ccai-platform/docs/custom-crm (Generic API: find by e-mail, then create and update)
    const result = await run(presets.generic(), chatOpened({ profileId: 'salesforce', recordId: SF_LEAD_ID }));
    expect(result).toEqual({ ok: true, captured: { PERSON_ID: 'p-1' } });
    const log = await requests();
    expect(log.map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual([
      'GET /crm-api/generic/people 200',
      'POST /crm-api/generic/people/p-1/activities 201',
    ]);
    for (const entry of log) expect(entry.headers.authorization).toBe(basic(C.generic.username, C.generic.password));
    expect(log[0]?.query).toEqual({ email: 'ada@example.com' });
    expect(log[1]?.body).toEqual({
      type: 'chat',
      subject: 'Saleschat chat',
      text: TEXT,
      chatroomUrl: CHATROOM_URL,
      agentEmail: 'alice@example.com',
      at: '2025-03-14T09:26:53.589Z',
      eventId: 'evt-1',
    });
    const counted = await counts();
    expect(counted['generic.createPerson']).toBe(0);
    const { generic } = await records();
    expect(generic?.activities).toHaveLength(1);
    expect(generic?.activities?.[0]?.personId).toBe('p-1');
  });

  it('a missing person: exactly one create, then the activity on the new id; the next chat finds them', async () => {
    // https://cloud.google.com/contact-center/ccai-platform/docs/custom-crm (Generic API: find by e-mail, then create and update)
    const variables = chatOpened({ profileId: 'salesforce', firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' });
    const first = await run(presets.generic(), variables);
    const personId = first.ok ? first.captured.PERSON_ID : undefined;
    expect(personId).toMatch(/^p-\d+$/);
    expect(personId).not.toBe('p-1');
    const log = await requests();
    expect(log.map((entry) => entry.endpoint)).toEqual(['generic.findPeople', 'generic.createPerson', 'generic.activity']);
    expect(log[1]?.body).toEqual({ email: 'grace@example.com', name: 'Grace Hopper', phone: '+14155550132' });
    expect(log[2]?.path).toBe(`/crm-api/generic/people/${personId}/activities`);

    // A second chat with her: found, not created again.
    expect(await run(presets.generic(), variables)).toEqual({ ok: true, captured: { PERSON_ID: personId } });
    const counted = await counts();
    expect(counted).toMatchObject({ 'generic.findPeople': 2, 'generic.createPerson': 1, 'generic.activity': 2 });
    const { generic } = await records();
    expect(generic?.people).toHaveLength(2);
    expect(generic?.activities?.map((activity) => activity.personId)).toEqual([personId, personId]);
  });

  it('a name with quotes, unicode and & and an e-mail with + arrive intact (JSON body, encoded query)', async () => {
    // https://cloud.google.com/contact-center/ccai-platform/docs/custom-crm (Generic API: find by e-mail, then create and update)
    const firstName = 'Zoë "Zee"';
    const lastName = "O'Brien & Søn 日本 😀";
    const email = 'zoe+chat@example.com';
    const variables = chatOpened({ profileId: 'salesforce', firstName, lastName, email });
    const result = await run(presets.generic(), variables);
    expect(result.ok).toBe(true);
    const log = await requests();
    expect(log.map((entry) => entry.endpoint)).toEqual(['generic.findPeople', 'generic.createPerson', 'generic.activity']);
    expect(log[0]?.query).toEqual({ email });
    expect(log[1]?.body).toEqual({ email, name: `${firstName} ${lastName}`, phone: '+14155550132' });
    const { generic } = await records();
    expect(generic?.people?.find((person) => person.email === email)?.name).toBe(`${firstName} ${lastName}`);
    // The same person is found the next time: the + survived the query string.
    expect((await run(presets.generic(), variables)).ok).toBe(true);
    expect((await counts())['generic.createPerson']).toBe(1);
  });

  it('Pipedrive, query auth: an e-mail with + is found again (the + survives the api_token being added to the query)', async () => {
    // https://developers.pipedrive.com/docs/api/v1/Persons#searchPersons
    const variables = chatOpened({ profileId: 'salesforce', firstName: 'Zoë', lastName: 'Plus', email: 'zoe+chat@example.com' });
    expect((await run(presets.pipedrive(), variables)).ok).toBe(true);
    expect((await run(presets.pipedrive(), variables)).ok).toBe(true);
    const searches = (await requests()).filter((entry) => entry.endpoint === 'pipedrive.searchPersons');
    expect(searches.map((entry) => entry.query.term)).toEqual(['zoe+chat@example.com', 'zoe+chat@example.com']);
    expect(await counts()).toMatchObject({ 'pipedrive.createPerson': 1, 'pipedrive.activity': 2 });
  });

  it('a lead without an e-mail: nothing is sent, the admin is told which variable is missing', async () => {
    // https://cloud.google.com/contact-center/ccai-platform/docs/custom-crm (Generic API: find by e-mail, then create and update)
    const result = await run(presets.generic(), chatOpened({ profileId: 'salesforce', email: undefined }));
    expect(result).toMatchObject({ ok: false, kind: 'permanent' });
    expect(result.ok ? '' : result.message).toContain('needs {EMAIL}');
    expect(await requests()).toEqual([]);
  });
});

describe('failures are classified for the journal', () => {
  it("the CRM's 500 (injected fault): transient, and nothing was created", async () => {
    // https://developers.freshworks.com/crm/api/#create_note
    await fault({ endpoint: 'freshsales.note', status: 500 });
    const result = await run(presets.freshsales(), chatOpened({ profileId: 'freshsales', recordId: FRESHSALES_LEAD_ID }));
    expect(result).toMatchObject({ ok: false, kind: 'transient', status: 500 });
    expect((await records()).freshsales?.notes).toEqual([]);
  });

  it('a 429: transient, as a 503', async () => {
    // https://developers.hubspot.com/docs/api-reference/crm-notes-v3/guide
    await fault({ endpoint: 'hubspot.note', status: 429, headers: { 'Retry-After': '10' } });
    const result = await run(presets.hubspot(), chatOpened({ profileId: 'salesforce' }));
    expect(result).toMatchObject({ ok: false, kind: 'transient', status: 429 });
    expect((await records()).hubspot?.notes).toEqual([]);
  });

  it('a 504 to a POST: unconfirmed (the CRM behind the gateway may have acted); a 504 to a GET: transient', async () => {
    // https://developers.pipedrive.com/docs/api/v1/Activities#addActivity
    await fault({ endpoint: 'pipedrive.activity', status: 504 });
    const post = await run(presets.pipedrive(), chatOpened({ profileId: 'salesforce' }));
    expect(post).toMatchObject({ ok: false, kind: 'unconfirmed', status: 504 });
    await fault({ endpoint: 'pipedrive.searchPersons', status: 504 });
    const get = await run(presets.pipedrive(), chatOpened({ profileId: 'salesforce' }));
    expect(get).toMatchObject({ ok: false, kind: 'transient', status: 504 });
  });

  it('a fixed key the CRM refuses (401): permanent, sent once, the key masked in the message', async () => {
    // https://developers.freshworks.com/crm/api/#authentication
    const wrong = freshsalesNotePreset({ bundleUrl: `${crm}/freshsales/crm/sales`, apiKey: 'not-the-freshsales-key' });
    const result = await run(wrong, chatOpened({ profileId: 'freshsales', recordId: FRESHSALES_LEAD_ID }));
    expect(result).toMatchObject({ ok: false, kind: 'permanent', status: 401 });
    expect(result.ok ? '' : result.message).not.toContain('not-the-freshsales-key');
    expect((await counts())['freshsales.note']).toBe(1);
  });

  it("a refresh token Zoho refuses (200 { error: 'invalid_code' }): permanent, the note never sent", async () => {
    // https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html
    const wrong = zohoNotePreset({
      apiDomain: `${crm}/zoho`,
      accountsUrl: `${crm}/zoho-accounts`,
      clientId: C.zoho.clientId,
      clientSecret: C.zoho.clientSecret,
      refreshToken: 'not-the-refresh-token',
    });
    const result = await run(wrong, chatOpened({ profileId: 'zoho', recordId: ZOHO_LEAD_ID }));
    expect(result).toMatchObject({ ok: false, kind: 'permanent' });
    expect(result.ok ? '' : result.message).toContain('invalid_code');
    expect(await counts()).toMatchObject({ 'zoho.token': 1, 'zoho.note': 0 });
  });

  it('a 400: permanent (an injected one, and Salesforce refusing a WhoId that is not a lead or contact id)', async () => {
    // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm (WhoId: a Lead or Contact id)
    await fault({ endpoint: 'freshsales.note', status: 400 });
    const injected = await run(presets.freshsales(), chatOpened({ profileId: 'freshsales', recordId: FRESHSALES_LEAD_ID }));
    expect(injected).toMatchObject({ ok: false, kind: 'permanent', status: 400 });

    const refused = await run(presets.salesforce(), chatOpened({ profileId: 'hubspot', recordId: '501' }));
    expect(refused).toMatchObject({ ok: false, kind: 'permanent', status: 400 });
    expect(refused.ok ? '' : refused.message).toContain('FIELD_INTEGRITY_EXCEPTION');
    expect((await records()).salesforce?.tasks).toEqual([]);
  });

  it('a POST answered later than timeoutMs: unconfirmed (the CRM did act, so it must not be sent again)', { timeout: 15_000 }, async () => {
    // https://developers.freshworks.com/crm/api/#create_note
    await control('POST', 'crm-api/settings', { latencyMs: 2500 });
    const started = Date.now();
    const result = await run(presets.freshsales({ timeoutMs: 1000 }), chatOpened({ profileId: 'freshsales', recordId: FRESHSALES_LEAD_ID }));
    expect(result).toMatchObject({ ok: false, kind: 'unconfirmed' });
    expect(result.ok ? '' : result.message).toContain('no answer within 1 s');
    expect(Date.now() - started).toBeLessThan(2500);
    // The late request still lands: the note exists although the run could not confirm it.
    await waitFor(async () => (await requests()).some((entry) => entry.endpoint === 'freshsales.note'));
    expect((await records()).freshsales?.notes).toHaveLength(1);
  });

  it('a GET (find) answered later than timeoutMs: transient (nothing was changed, trying again is safe)', { timeout: 15_000 }, async () => {
    // https://developers.pipedrive.com/docs/api/v1/Persons#searchPersons
    await control('POST', 'crm-api/settings', { latencyMs: 2500 });
    const result = await run(presets.pipedrive({ timeoutMs: 1000 }), chatOpened({ profileId: 'salesforce' }));
    expect(result).toMatchObject({ ok: false, kind: 'transient' });
    await waitFor(async () => (await requests()).some((entry) => entry.endpoint === 'pipedrive.searchPersons'));
    expect((await counts())['pipedrive.activity']).toBe(0);
  });
});

describe('docs/crm-actions.md', () => {
  // The documented fragments, built from the presets with the hosts and placeholders the page shows.
  const documented: Record<string, () => CrmAction> = {
    Salesforce: () =>
      salesforceTaskPreset({ instanceUrl: 'https://acme.my.salesforce.com', clientId: '<consumer key>', clientSecret: '<consumer secret>' }),
    HubSpot: () => hubspotNotePreset({ token: '<private app access token>' }),
    Pipedrive: () => pipedriveActivityPreset({ companyUrl: 'https://acme.pipedrive.com', apiToken: '<API token>' }),
    'Zoho CRM': () => zohoNotePreset({ clientId: '<client id>', clientSecret: '<client secret>', refreshToken: '<refresh token>' }),
    'Dynamics 365 / Dataverse': () =>
      dataverseAnnotationPreset({ orgUrl: 'https://acme.crm.dynamics.com', tenant: 'acme.onmicrosoft.com', clientId: '<application id>', clientSecret: '<client secret>' }),
    Freshsales: () => freshsalesNotePreset({ bundleUrl: 'https://acme.myfreshworks.com/crm/sales', apiKey: '<API key>' }),
    'A homegrown CRM': () => genericCrmPreset({ name: 'Acme CRM', baseUrl: 'https://crm.acme.example/api', username: 'chat-bridge', password: '<password>' }),
  };
  it.each(Object.keys(documented))('the %s preset: both policy fragments are the preset, and its API pages are cited', (title) => {
    const markdown = readFileSync(new URL('../../docs/crm-actions.md', import.meta.url), 'utf8');
    const section = markdown.split(/^### /m).find((part) => part.startsWith(`${title}\n`));
    expect(section, `a "### ${title}" section`).toBeDefined();
    const blocks = [...(section ?? '').matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1] ?? '') as unknown);
    const preset = documented[title]?.() as CrmAction;
    expect(blocks[0]).toEqual({ crmActions: [preset] });
    expect(blocks[1]).toEqual({ crmActions: [chromePolicyAction(preset)] });
    const key = Object.keys(PRESET_DOCS)[Object.keys(documented).indexOf(title)] as keyof typeof PRESET_DOCS;
    for (const url of PRESET_DOCS[key]) expect(section).toContain(url);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('timed out waiting for the sandbox');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
