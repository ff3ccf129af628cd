import { beforeEach, describe, expect, it } from 'vitest';
import type { CachedToken, TokenStore } from '../../../lib/crm-actions/auth';
import { type RunDeps, runCrmAction } from '../../../lib/crm-actions/run';
import type { CrmAction, CrmActionAuth, CrmActionStep } from '../../../lib/crm-actions/schema';
import type { ActionVariables } from '../../../lib/crm-actions/variables';
import { forgetSecrets } from '../../../lib/redact';

const NOW = Date.parse('2026-11-22T10:00:00Z');

const VARIABLES: ActionVariables = {
  CRM_ID: '00Q5e00000AbCdE',
  EMAIL: 'ada@example.com',
  FULL_NAME: 'Ada Lovelace',
  CHATROOM_URL: 'https://app.test/app/chatrooms/cr_1',
  AGENT_EMAIL: 'alice@example.com',
};

interface Sent {
  method: string | undefined;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

type Answer = Response | Error | (() => Response | Promise<Response>);

/**
 * A CRM (and token endpoint) answering from a script: requests to the token endpoint take the next token answer,
 * every other request the next CRM answer; an Error is thrown as fetch would (the last answer repeats).
 */
function fakeCrm(crm: Answer[], tokens: Answer[] = []) {
  const sent: Sent[] = [];
  const tokenForms: Record<string, string>[] = [];
  let crmIndex = 0;
  let tokenIndex = 0;
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    let answer: Answer | undefined;
    if (url === TOKEN_URL) {
      tokenForms.push(Object.fromEntries(new URLSearchParams(String(init?.body))));
      answer = tokens[Math.min(tokenIndex++, tokens.length - 1)];
    } else {
      sent.push({ method: init?.method, url, headers: init?.headers as Record<string, string>, ...(init?.body === undefined ? {} : { body: String(init.body) }) });
      answer = crm[Math.min(crmIndex++, crm.length - 1)];
    }
    if (answer === undefined) throw new Error(`nothing scripted for ${url}`);
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? answer() : answer.clone();
  }) as typeof globalThis.fetch;
  return { fetch, sent, tokenForms };
}

const TOKEN_URL = 'https://login.crm.test/oauth/token';
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const text = (status: number, body = '') => new Response(body || null, { status });
const accessToken = (value: string) => json(200, { access_token: value, expires_in: 3600 });
const timeout = () => new DOMException('t', 'TimeoutError');

function memoryTokens(): TokenStore {
  const map = new Map<string, CachedToken>();
  return {
    get: async (key) => map.get(key),
    set: async (key, token) => {
      map.set(key, token);
    },
    delete: async (key) => {
      map.delete(key);
    },
  };
}

const deps = (fetch: typeof globalThis.fetch): RunDeps => ({ fetch, now: () => NOW, tokens: memoryTokens() });

let unique = 0;
const oauth = (): CrmActionAuth => {
  unique += 1;
  return { type: 'oauth-client-credentials', tokenUrl: TOKEN_URL, clientId: `run-client-${unique}`, clientSecret: 'oauth-client-secret-0123456789' };
};

const action = (steps: CrmActionStep[], fields: Partial<CrmAction> = {}): CrmAction => ({ name: 'Acme CRM', on: ['chat-opened'], steps, ...fields });
const POST_NOTE: CrmActionStep = {
  method: 'POST',
  url: 'https://crm.test/api/leads/{CRM_ID}/notes',
  body: { subject: 'Chat with {FULL_NAME}', link: '{CHATROOM_URL}' },
};

beforeEach(() => forgetSecrets());

describe('steps', () => {
  it('one POST: the request built from the templates, JSON body, Accept and Content-Type', async () => {
    const crm = fakeCrm([json(201, { id: 'note-1' })]);
    expect(await runCrmAction(action([{ ...POST_NOTE, capture: { NOTE_ID: '/id' } }]), VARIABLES, deps(crm.fetch))).toEqual({
      ok: true,
      captured: { NOTE_ID: 'note-1' },
    });
    expect(crm.sent).toEqual([
      {
        method: 'POST',
        url: 'https://crm.test/api/leads/00Q5e00000AbCdE/notes',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: '{"subject":"Chat with Ada Lovelace","link":"https://app.test/app/chatrooms/cr_1"}',
      },
    ]);
  });

  it('steps run in order; what one captures is used by the next', async () => {
    const crm = fakeCrm([json(200, { data: { items: [{ item: { id: 42 } }] } }), json(201, { data: { id: 'n-7' } })]);
    const steps: CrmActionStep[] = [
      { name: 'find person', method: 'GET', url: 'https://crm.test/api/persons/search', query: { term: '{EMAIL}' }, capture: { PERSON_ID: '/data/items/0/item/id' } },
      { name: 'add note', method: 'POST', url: 'https://crm.test/api/notes', body: { person_id: '{PERSON_ID}', content: '{CHATROOM_URL}' }, capture: { NOTE_ID: '/data/id' } },
    ];
    expect(await runCrmAction(action(steps), VARIABLES, deps(crm.fetch))).toEqual({ ok: true, captured: { PERSON_ID: '42', NOTE_ID: 'n-7' } });
    expect(crm.sent.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'GET', url: 'https://crm.test/api/persons/search?term=ada%40example.com', body: undefined },
      { method: 'POST', url: 'https://crm.test/api/notes', body: '{"person_id":"42","content":"https://app.test/app/chatrooms/cr_1"}' },
    ]);
  });

  const findThenCreate: CrmActionStep[] = [
    { name: 'find', method: 'GET', url: 'https://crm.test/api/contacts?email={EMAIL}', capture: { CONTACT: '/results/0/id' } },
    { name: 'create', method: 'POST', url: 'https://crm.test/api/contacts', body: { email: '{EMAIL}' }, when: { missing: 'CONTACT' }, capture: { CONTACT: '/id' } },
    { name: 'note', method: 'POST', url: 'https://crm.test/api/contacts/{CONTACT}/notes', body: { text: 'chat' } },
  ];

  it('when.missing: a step is skipped when an earlier step captured the value', async () => {
    const crm = fakeCrm([json(200, { results: [{ id: 'c-1' }] }), json(201, {})]);
    expect(await runCrmAction(action(findThenCreate), VARIABLES, deps(crm.fetch))).toEqual({ ok: true, captured: { CONTACT: 'c-1' } });
    expect(crm.sent.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET https://crm.test/api/contacts?email=ada%40example.com',
      'POST https://crm.test/api/contacts/c-1/notes',
    ]);
  });

  it('when.missing: the step runs when nothing was captured, and its capture feeds the next', async () => {
    const crm = fakeCrm([json(200, { results: [] }), json(201, { id: 'c-new' }), json(201, {})]);
    expect(await runCrmAction(action(findThenCreate), VARIABLES, deps(crm.fetch))).toEqual({ ok: true, captured: { CONTACT: 'c-new' } });
    expect(crm.sent.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET https://crm.test/api/contacts?email=ada%40example.com',
      'POST https://crm.test/api/contacts',
      'POST https://crm.test/api/contacts/c-new/notes',
    ]);
  });

  it('when.present: a step runs only when an earlier step captured the value', async () => {
    const steps: CrmActionStep[] = [
      { name: 'find deal', method: 'GET', url: 'https://crm.test/api/deals?lead={CRM_ID}', capture: { DEAL_ID: '/deal/id' } },
      { name: 'note on deal', method: 'POST', url: 'https://crm.test/api/deals/{DEAL_ID}/notes', body: { text: 'chat' }, when: { present: 'DEAL_ID' } },
    ];
    const without = fakeCrm([json(200, { deal: null })]);
    expect(await runCrmAction(action(steps), VARIABLES, deps(without.fetch))).toEqual({ ok: true, captured: {} });
    expect(without.sent).toHaveLength(1);

    const withDeal = fakeCrm([json(200, { deal: { id: 'd-9' } }), json(201, {})]);
    expect(await runCrmAction(action(steps), VARIABLES, deps(withDeal.fetch))).toEqual({ ok: true, captured: { DEAL_ID: 'd-9' } });
    expect(withDeal.sent.map((request) => request.url)).toEqual(['https://crm.test/api/deals?lead=00Q5e00000AbCdE', 'https://crm.test/api/deals/d-9/notes']);
  });

  it('bodyJson is parsed and sent as the body', async () => {
    const crm = fakeCrm([json(201, { id: '00T1' })]);
    const step: CrmActionStep = {
      method: 'POST',
      url: 'https://acme.my.salesforce.test/services/data/v62.0/sobjects/Task',
      bodyJson: '{"Subject": "Chat {CHATROOM_URL}", "WhoId": "{CRM_ID}", "Status": "Completed", "Priority": 1}',
    };
    expect(await runCrmAction(action([step]), VARIABLES, deps(crm.fetch))).toEqual({ ok: true, captured: {} });
    expect(crm.sent[0]?.body).toBe('{"Subject":"Chat https://app.test/app/chatrooms/cr_1","WhoId":"00Q5e00000AbCdE","Status":"Completed","Priority":1}');
    expect(crm.sent[0]?.headers['Content-Type']).toBe('application/json');
  });

  it('a form body is sent form-encoded', async () => {
    const crm = fakeCrm([json(201, {})]);
    const step: CrmActionStep = { method: 'POST', url: 'https://crm.test/api/notes', bodyFormat: 'form', body: { content: 'Chat with {FULL_NAME}', pinned: false } };
    await runCrmAction(action([step]), VARIABLES, deps(crm.fetch));
    expect(crm.sent[0]?.body).toBe('content=Chat+with+Ada+Lovelace&pinned=false');
    expect(crm.sent[0]?.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
  });

  it('a failing step stops the action: later steps are not sent', async () => {
    const crm = fakeCrm([json(404, { error: 'no such lead' })]);
    const result = await runCrmAction(action([{ name: 'find', method: 'GET', url: 'https://crm.test/api/x' }, POST_NOTE]), VARIABLES, deps(crm.fetch));
    expect(result).toEqual({ ok: false, kind: 'permanent', status: 404, message: 'step "find" answered 404: {"error":"no such lead"}' });
    expect(crm.sent).toHaveLength(1);
  });

  it('a 2xx answer that is not JSON captures nothing', async () => {
    const crm = fakeCrm([text(200, 'OK')]);
    expect(await runCrmAction(action([{ method: 'GET', url: 'https://crm.test/api/x', capture: { ID: '/id' } }]), VARIABLES, deps(crm.fetch))).toEqual({
      ok: true,
      captured: {},
    });
  });
});

describe('authentication and 401', () => {
  it('header auth is applied to every step', async () => {
    const crm = fakeCrm([json(200, {})]);
    const auth: CrmActionAuth = { type: 'header', header: 'X-Api-Key', value: '{SECRET}', secret: 'key-0123456789' };
    await runCrmAction(action([{ method: 'GET', url: 'https://crm.test/a' }, { method: 'GET', url: 'https://crm.test/b' }], { auth }), VARIABLES, deps(crm.fetch));
    expect(crm.sent.map((request) => request.headers['X-Api-Key'])).toEqual(['key-0123456789', 'key-0123456789']);
  });

  it('OAuth: a 401 gets one fresh token and one more try', async () => {
    const crm = fakeCrm([json(401, { error: 'expired' }), json(201, { id: 'n-1' })], [accessToken('token-1'), accessToken('token-2')]);
    expect(await runCrmAction(action([{ ...POST_NOTE, capture: { ID: '/id' } }], { auth: oauth() }), VARIABLES, deps(crm.fetch))).toEqual({
      ok: true,
      captured: { ID: 'n-1' },
    });
    expect(crm.tokenForms).toHaveLength(2);
    expect(crm.sent.map((request) => request.headers.Authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(crm.sent[1]?.body).toBe(crm.sent[0]?.body);
  });

  it('OAuth: a 401 with the fresh token too is permanent, after exactly one retry', async () => {
    const crm = fakeCrm([json(401, { error: 'INVALID_SESSION_ID' })], [accessToken('token-1'), accessToken('token-2')]);
    expect(await runCrmAction(action([POST_NOTE], { auth: oauth() }), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'permanent',
      status: 401,
      message: 'step 1 answered 401: {"error":"INVALID_SESSION_ID"}',
    });
    expect(crm.sent).toHaveLength(2);
    expect(crm.tokenForms).toHaveLength(2);
  });

  it('static auth: a 401 is not retried (a new request would carry the same secret)', async () => {
    const crm = fakeCrm([json(401, { error: 'bad key' }), json(201, {})]);
    const auth: CrmActionAuth = { type: 'header', header: 'Authorization', value: 'Bearer {SECRET}', secret: 'static-secret-0123' };
    expect(await runCrmAction(action([POST_NOTE], { auth }), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'permanent',
      status: 401,
      message: 'step 1 answered 401: {"error":"bad key"}',
    });
    expect(crm.sent).toHaveLength(1);
  });

  it('no auth: a 401 is permanent, not retried', async () => {
    const crm = fakeCrm([text(401), json(201, {})]);
    expect(await runCrmAction(action([POST_NOTE]), VARIABLES, deps(crm.fetch))).toEqual({ ok: false, kind: 'permanent', status: 401, message: 'step 1 answered 401' });
    expect(crm.sent).toHaveLength(1);
  });

  it('the token endpoint down before the first request: transient, nothing sent to the CRM', async () => {
    const crm = fakeCrm([json(201, {})], [text(503, 'maintenance')]);
    expect(await runCrmAction(action([POST_NOTE], { auth: oauth() }), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'transient',
      status: 503,
      message: 'signing in to the CRM failed: its token endpoint answered 503: no access token',
    });
    expect(crm.sent).toEqual([]);
  });

  it('the token endpoint refusing the client: permanent', async () => {
    const crm = fakeCrm([json(201, {})], [json(400, { error: 'invalid_client', error_description: 'unknown client' })]);
    expect(await runCrmAction(action([POST_NOTE], { auth: oauth() }), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'permanent',
      status: 400,
      message: 'signing in to the CRM failed: its token endpoint answered 400: invalid_client (unknown client)',
    });
  });

  it('Zoho’s 200 {"error": "invalid_code"} from the token endpoint: permanent', async () => {
    const crm = fakeCrm([json(201, {})], [json(200, { error: 'invalid_code' })]);
    const auth: CrmActionAuth = {
      type: 'oauth-refresh-token',
      tokenUrl: TOKEN_URL,
      clientId: `zoho-${++unique}`,
      clientSecret: 'zoho-client-secret-0123',
      refreshToken: '1000.zoho-refresh-0123456789',
      scheme: 'Zoho-oauthtoken',
    };
    expect(await runCrmAction(action([POST_NOTE], { auth }), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'permanent',
      status: 200,
      message: 'signing in to the CRM failed: its token endpoint answered 200: invalid_code',
    });
  });

  it('a 401, then the token endpoint down while renewing: transient (no fresh token was tried)', async () => {
    // The CRM refused the cached token; the new one could not be fetched (503): trying again later may help,
    // as it does when the token endpoint is down before the first request.
    const crm = fakeCrm([json(401, { error: 'expired' }), json(201, {})], [accessToken('token-1'), text(503)]);
    const result = await runCrmAction(action([POST_NOTE], { auth: oauth() }), VARIABLES, deps(crm.fetch));
    expect(result).toEqual({
      ok: false,
      kind: 'transient',
      status: 503,
      message: 'signing in to the CRM failed: its token endpoint answered 503: no access token',
    });
    expect(crm.sent).toHaveLength(1);
  });
});

describe('how failures are classified', () => {
  it('504 to a POST: unconfirmed (a gateway gave up waiting; the CRM may have acted), so it is not sent again', async () => {
    const crm = fakeCrm([text(504, 'upstream timed out')]);
    expect(await runCrmAction(action([POST_NOTE]), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'unconfirmed',
      status: 504,
      message: 'step 1 answered 504: upstream timed out',
    });
  });

  it.each([408, 425, 429, 500, 502, 503])('%i: transient', async (status) => {
    const crm = fakeCrm([text(status, 'try later')]);
    expect(await runCrmAction(action([POST_NOTE]), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'transient',
      status,
      message: `step 1 answered ${status}: try later`,
    });
  });

  it.each([400, 403, 404, 422])('%i: permanent', async (status) => {
    const crm = fakeCrm([json(status, { message: 'REQUIRED_FIELD_MISSING: Subject' })]);
    expect(await runCrmAction(action([{ ...POST_NOTE, name: 'create task' }]), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'permanent',
      status,
      message: `step "create task" answered ${status}: {"message":"REQUIRED_FIELD_MISSING: Subject"}`,
    });
  });

  it('no connection (fetch’s TypeError): transient', async () => {
    const crm = fakeCrm([new TypeError('fetch failed')]);
    expect(await runCrmAction(action([POST_NOTE]), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'transient',
      message: 'step 1: the CRM cannot be reached',
    });
  });

  it('a POST with no answer in time: unconfirmed (the CRM may have acted)', async () => {
    const crm = fakeCrm([timeout()]);
    expect(await runCrmAction(action([POST_NOTE], { timeoutMs: 3000 }), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'unconfirmed',
      message: 'step 1: no answer within 3 s; the CRM may have acted, so it is not sent again',
    });
  });

  it.each(['PUT', 'PATCH', 'DELETE'] as const)('a %s with no answer in time: unconfirmed', async (method) => {
    const crm = fakeCrm([timeout()]);
    const step: CrmActionStep = { method, url: 'https://crm.test/api/x', ...(method === 'DELETE' ? {} : { body: { a: 1 } }) };
    expect(await runCrmAction(action([step]), VARIABLES, deps(crm.fetch))).toMatchObject({ ok: false, kind: 'unconfirmed' });
  });

  it('a GET with no answer in time: transient (it changed nothing), default timeout 8 s', async () => {
    const crm = fakeCrm([timeout()]);
    expect(await runCrmAction(action([{ name: 'find', method: 'GET', url: 'https://crm.test/api/x' }]), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'transient',
      message: 'step "find": no answer within 8 s',
    });
  });

  it('a variable the lead lacks: permanent, naming it, and nothing is sent', async () => {
    const crm = fakeCrm([json(201, {})]);
    const step: CrmActionStep = { name: 'create task', method: 'POST', url: 'https://crm.test/api/tasks', body: { phone: '{PHONE_E164}' } };
    expect(await runCrmAction(action([step]), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'permanent',
      message: 'step "create task": body.phone needs {PHONE_E164}, which this lead does not have',
    });
    expect(crm.sent).toEqual([]);
  });

  it('a variable missing in a url: permanent, naming the variable and the place', async () => {
    const crm = fakeCrm([json(200, {})]);
    const result = await runCrmAction(action([{ method: 'GET', url: 'https://crm.test/api/people?phone={PHONE_DIGITS}' }]), VARIABLES, deps(crm.fetch));
    expect(result).toEqual({ ok: false, kind: 'permanent', message: 'step 1: url needs {PHONE_DIGITS}, which this lead does not have' });
    expect(crm.sent).toEqual([]);
  });

  it('a long error body is cut at 200 characters, whitespace folded', async () => {
    const crm = fakeCrm([text(400, `bad\n\n   request ${'x'.repeat(300)}`)]);
    expect(await runCrmAction(action([POST_NOTE]), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'permanent',
      status: 400,
      message: `step 1 answered 400: ${`bad request ${'x'.repeat(300)}`.slice(0, 200)}…`,
    });
  });
});

describe('secrets never reach a message', () => {
  it('a CRM error echoing the header secret comes back masked', async () => {
    const crm = fakeCrm([text(403, 'API key sk_live_0123456789abcdef is not allowed to write notes')]);
    const auth: CrmActionAuth = { type: 'header', header: 'Authorization', value: 'Token {SECRET}', secret: 'sk_live_0123456789abcdef' };
    expect(await runCrmAction(action([POST_NOTE], { auth }), VARIABLES, deps(crm.fetch))).toEqual({
      ok: false,
      kind: 'permanent',
      status: 403,
      message: 'step 1 answered 403: API key [redacted] is not allowed to write notes',
    });
  });

  it('a CRM error echoing the query secret comes back masked', async () => {
    const crm = fakeCrm([text(400, 'unknown token 9f8e7d6c5b4a39281706 for company acme')]);
    const auth: CrmActionAuth = { type: 'query', parameter: 'api_token', secret: '9f8e7d6c5b4a39281706' };
    const result = await runCrmAction(action([POST_NOTE], { auth }), VARIABLES, deps(crm.fetch));
    expect(result).toEqual({ ok: false, kind: 'permanent', status: 400, message: 'step 1 answered 400: unknown token [redacted] for company acme' });
    expect(crm.sent[0]?.url).toBe('https://crm.test/api/leads/00Q5e00000AbCdE/notes?api_token=9f8e7d6c5b4a39281706');
  });

  it('a CRM error echoing the basic password or header comes back masked', async () => {
    const basic = `Basic ${Buffer.from('api-user:hunter2-hunter2').toString('base64')}`;
    const crm = fakeCrm([text(400, `password hunter2-hunter2 / header ${basic}`)]);
    const auth: CrmActionAuth = { type: 'basic', username: 'api-user', password: 'hunter2-hunter2' };
    const result = await runCrmAction(action([POST_NOTE], { auth }), VARIABLES, deps(crm.fetch));
    expect(result).toEqual({ ok: false, kind: 'permanent', status: 400, message: 'step 1 answered 400: password [redacted] / header [redacted]' });
  });

  it('a token endpoint echoing the client secret or refresh token comes back masked', async () => {
    const auth: CrmActionAuth = {
      type: 'oauth-refresh-token',
      tokenUrl: TOKEN_URL,
      clientId: `echo-${++unique}`,
      clientSecret: 'echo-client-secret-0123',
      refreshToken: '1000.echo-refresh-0123456789',
    };
    const crm = fakeCrm([json(201, {})], [json(400, { error: 'invalid_grant', error_description: 'refresh 1000.echo-refresh-0123456789 for echo-client-secret-0123' })]);
    const result = await runCrmAction(action([POST_NOTE], { auth }), VARIABLES, deps(crm.fetch));
    expect(result).toEqual({
      ok: false,
      kind: 'permanent',
      status: 400,
      message: 'signing in to the CRM failed: its token endpoint answered 400: invalid_grant (refresh [redacted] for [redacted])',
    });
  });

  it('a secret cut by the 200-character excerpt is not shown in part either', async () => {
    const secret = 'Zq8XvN3mT7bK1pR5wY9cH2dL6fJ4gS0a';
    // The CRM echoes the whole secret from character 181 on: the 200-character excerpt ends 19 characters into it.
    const crm = fakeCrm([text(400, `${'x'.repeat(180)} ${secret} is not a valid key`)]);
    const auth: CrmActionAuth = { type: 'header', header: 'X-Api-Key', value: '{SECRET}', secret };
    const result = await runCrmAction(action([POST_NOTE], { auth }), VARIABLES, deps(crm.fetch));
    expect(result).toMatchObject({ ok: false, kind: 'permanent', status: 400 });
    expect(JSON.stringify(result)).not.toContain(secret.slice(0, 12));
  });
});
