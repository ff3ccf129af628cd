import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  freshsalesNote,
  genericActivity,
  genericCreatePerson,
  genericFindPeople,
  hubspotCreateContact,
  hubspotNote,
  hubspotSearchContacts,
  pipedriveActivity,
  pipedriveCreatePerson,
  pipedriveSearchPersons,
} from './crm-api-keyed';
import { azureToken, dynamicsCreate, salesforceTask, salesforceToken, zohoNote, zohoToken } from './crm-api-oauth';
import { CrmApiData, type CrmContext, type CrmRequest, firstValues, loggedBody } from './crm-api-store';
import { type DefaultFaultBody, FaultQueue, type FaultUse, faultSchemaFor } from './faults';
import { errorReply, jsonReply, type Reply, send, sleep } from './http';

/**
 * The CRM API under /crm-api: the company's own CRM as the extension's `crmActions` call it after a chat (log an
 * activity or a note, find or create the person). Seven CRMs side by side, each under its own prefix standing for
 * its real host, with the request shapes, auth and error bodies of the real APIs (sandbox/README.md, "CRM API"):
 * Salesforce, HubSpot, Pipedrive, Zoho CRM, Dynamics 365 / Dataverse, Freshsales, and a generic homegrown CRM.
 * Every request is logged and counted; faults and latency are injected as for the provider API. All in memory:
 * `POST /__sandbox/reset` or `POST /__sandbox/crm-api/reset` start it afresh (seed people only).
 */

export const CRM_API_PATH = '/crm-api';

export const CRM_API_ENDPOINTS = [
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
] as const;
export type CrmApiEndpoint = (typeof CRM_API_ENDPOINTS)[number];

type Handler = (req: CrmRequest, ctx: CrmContext) => Reply;

/** Paths below /crm-api. Salesforce's API version and Dataverse's v9.x are accepted in any form those APIs take. */
const ROUTES: { method: string; pattern: RegExp; endpoint: CrmApiEndpoint; handler: Handler }[] = [
  { method: 'POST', pattern: /^\/salesforce\/services\/oauth2\/token$/, endpoint: 'salesforce.token', handler: salesforceToken },
  { method: 'POST', pattern: /^\/salesforce\/services\/data\/v(\d+\.\d)\/sobjects\/Task$/i, endpoint: 'salesforce.task', handler: salesforceTask },
  { method: 'POST', pattern: /^\/hubspot\/crm\/v3\/objects\/notes$/, endpoint: 'hubspot.note', handler: hubspotNote },
  { method: 'POST', pattern: /^\/hubspot\/crm\/v3\/objects\/contacts\/search$/, endpoint: 'hubspot.searchContacts', handler: hubspotSearchContacts },
  { method: 'POST', pattern: /^\/hubspot\/crm\/v3\/objects\/contacts$/, endpoint: 'hubspot.createContact', handler: hubspotCreateContact },
  { method: 'POST', pattern: /^\/pipedrive\/api\/v1\/activities$/, endpoint: 'pipedrive.activity', handler: pipedriveActivity },
  { method: 'GET', pattern: /^\/pipedrive\/api\/v1\/persons\/search$/, endpoint: 'pipedrive.searchPersons', handler: pipedriveSearchPersons },
  { method: 'POST', pattern: /^\/pipedrive\/api\/v1\/persons$/, endpoint: 'pipedrive.createPerson', handler: pipedriveCreatePerson },
  { method: 'POST', pattern: /^\/zoho-accounts\/oauth\/v2\/token$/, endpoint: 'zoho.token', handler: zohoToken },
  {
    method: 'POST',
    pattern: /^\/zoho\/crm\/(v\d+(?:\.\d+)?)\/(Leads|Contacts|Accounts|Deals)\/([^/]+)\/Notes$/,
    endpoint: 'zoho.note',
    handler: zohoNote,
  },
  { method: 'POST', pattern: /^\/azure\/([^/]+)\/oauth2\/v2\.0\/token$/, endpoint: 'azure.token', handler: azureToken },
  { method: 'POST', pattern: /^\/dynamics\/api\/data\/v(9\.\d)\/annotations$/, endpoint: 'dynamics.annotation', handler: dynamicsCreate('annotations') },
  { method: 'POST', pattern: /^\/dynamics\/api\/data\/v(9\.\d)\/tasks$/, endpoint: 'dynamics.task', handler: dynamicsCreate('tasks') },
  { method: 'POST', pattern: /^\/freshsales\/crm\/sales\/api\/notes$/, endpoint: 'freshsales.note', handler: freshsalesNote },
  { method: 'GET', pattern: /^\/generic\/people$/, endpoint: 'generic.findPeople', handler: genericFindPeople },
  { method: 'POST', pattern: /^\/generic\/people$/, endpoint: 'generic.createPerson', handler: genericCreatePerson },
  { method: 'POST', pattern: /^\/generic\/people\/([^/]+)\/activities$/, endpoint: 'generic.activity', handler: genericActivity },
];

function matchRoute(method: string, path: string) {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match && route.method === method) return { route, params: match.slice(1) };
  }
  return undefined;
}

export const CrmFaultSchema = faultSchemaFor(CRM_API_ENDPOINTS);

export const CrmApiSettingsSchema = z.strictObject({
  /** Lifetime of every token the token endpoints issue from now on (Zoho's and Entra's `expires_in`). */
  tokenTtlSeconds: z.int().min(1).max(30 * 24 * 3600),
  /** Added before every /crm-api request is handled (preflights excluded). */
  latencyMs: z.int().min(0).max(600_000),
});
export type CrmApiSettings = z.infer<typeof CrmApiSettingsSchema>;

export function defaultCrmApiSettings(): CrmApiSettings {
  return { tokenTtlSeconds: 3600, latencyMs: 0 };
}

export interface CrmApiLogEntry {
  at: string;
  /** null: the path matched no CRM API route (logged so that a wrong URL template shows). */
  endpoint: CrmApiEndpoint | null;
  method: string;
  /** As received, with the /crm-api prefix. */
  path: string;
  /** First value of each query parameter. */
  query: Record<string, string>;
  /** Only these, as sent (the sandbox's secrets are no secrets): what a test needs to check the auth. */
  headers: { authorization?: string; 'content-type'?: string; 'x-api-token'?: string };
  /** JSON value, form fields as an object, the raw text when neither, null when empty. */
  body: unknown;
  /** 0 when a fault dropped the connection. */
  status: number;
  /** Id of the fault that shaped the answer ('cf1'…), if any. */
  fault: string | null;
}

const MAX_LOGGED_REQUESTS = 500;

/** Everything the CRM API keeps: settings, data, log, counts, faults. Nothing is persisted. */
export class CrmApiState {
  settings = defaultCrmApiSettings();
  data = new CrmApiData();
  requests: CrmApiLogEntry[] = [];
  counts = zeroCounts();
  faults = new FaultQueue<CrmApiEndpoint>(crmFaultBody, 'cf');

  log(entry: CrmApiLogEntry): void {
    this.requests.push(entry);
    if (this.requests.length > MAX_LOGGED_REQUESTS) this.requests.splice(0, this.requests.length - MAX_LOGGED_REQUESTS);
  }

  reset(): void {
    this.settings = defaultCrmApiSettings();
    this.data = new CrmApiData();
    this.requests = [];
    this.counts = zeroCounts();
    // A new queue, so fault ids start again at cf1.
    this.faults = new FaultQueue<CrmApiEndpoint>(crmFaultBody, 'cf');
  }
}

function zeroCounts(): Record<CrmApiEndpoint, number> {
  return Object.fromEntries(CRM_API_ENDPOINTS.map((endpoint) => [endpoint, 0])) as Record<CrmApiEndpoint, number>;
}

/** A fault with a status but no body answers in the error shape of the CRM it hit. */
const crmFaultBody: DefaultFaultBody<CrmApiEndpoint> = (status, fault, endpoint) => {
  const message = `Injected fault ${fault.id}`;
  switch (endpoint) {
    case 'salesforce.token':
    case 'zoho.token':
      return { error: 'server_error', error_description: message };
    case 'azure.token':
      return { error: 'temporarily_unavailable', error_description: message };
    case 'salesforce.task':
      return [{ message, errorCode: status === 503 ? 'SERVER_UNAVAILABLE' : 'UNKNOWN_EXCEPTION' }];
    case 'hubspot.note':
    case 'hubspot.searchContacts':
    case 'hubspot.createContact':
      return { status: 'error', message, correlationId: fault.id, category: status === 429 ? 'RATE_LIMITS' : 'INTERNAL_ERROR' };
    case 'pipedrive.activity':
    case 'pipedrive.searchPersons':
    case 'pipedrive.createPerson':
      return { success: false, error: message, errorCode: status, data: null, additional_data: null };
    case 'zoho.note':
      return { code: 'INTERNAL_ERROR', details: {}, message, status: 'error' };
    case 'dynamics.annotation':
    case 'dynamics.task':
      return { error: { code: '0x80040216', message } };
    case 'freshsales.note':
      return { errors: { code: status, message: [message] } };
    default:
      return { error: 'injected_fault', message };
  }
};

// --- CORS ---

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'OData-EntityId, OData-Version, Location, WWW-Authenticate, Retry-After',
};
const DEFAULT_ALLOWED_HEADERS = 'authorization, content-type, accept, x-api-token, prefer, odata-version, odata-maxversion';

/** Any preflight passes: whatever method and headers it asks for (Firefox MV2 background pages may send them). */
function preflight(req: IncomingMessage): Reply {
  const requested = req.headers['access-control-request-headers'];
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    'access-control-allow-headers': typeof requested === 'string' && requested.trim() ? requested : DEFAULT_ALLOWED_HEADERS,
    'access-control-max-age': '600',
    vary: 'Access-Control-Request-Headers',
  };
  // Chrome's Private Network Access asks before a public page's request reaches loopback.
  if (req.headers['access-control-request-private-network'] === 'true') headers['access-control-allow-private-network'] = 'true';
  return { status: 204, headers };
}

// --- requests ---

export interface CrmApiRequestDeps {
  state: CrmApiState;
  /** Aborted when the sandbox closes, ending latency and fault delays at once. */
  signal: AbortSignal;
  /** The sandbox origin as the caller reached it, e.g. http://127.0.0.1:4010. */
  origin: string;
  /** The request body; undefined when it was too large (the 413 has been sent). */
  readBody: () => Promise<string | undefined>;
  /** Called when a fault drops the connection (for the server's own log line). */
  onDrop: () => void;
}

export async function handleCrmApiRequest(req: IncomingMessage, res: ServerResponse, deps: CrmApiRequestDeps): Promise<void> {
  const { state } = deps;
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const raw = await deps.readBody();
  if (raw === undefined) return;
  if (method === 'OPTIONS') {
    send(res, preflight(req));
    return;
  }
  const at = new Date().toISOString();
  const path = url.pathname.slice(CRM_API_PATH.length) || '/';
  const matched = matchRoute(method, path);
  // Counted on arrival, so requests later rejected by auth or by a fault still show up.
  if (matched) state.counts[matched.route.endpoint] += 1;
  const request: CrmRequest = {
    method,
    path,
    params: matched?.params ?? [],
    query: url.searchParams,
    headers: req.headers,
    raw,
    contentType: (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '',
    base: `${deps.origin}${CRM_API_PATH}`,
    now: Date.now(),
  };
  let faultId: string | null = null;

  const finish = (reply: Reply | 'drop') => {
    state.log({
      at,
      endpoint: matched?.route.endpoint ?? null,
      method,
      path: url.pathname,
      query: firstValues(url.searchParams),
      headers: loggedHeaders(req),
      body: loggedBody(request),
      status: reply === 'drop' ? 0 : reply.status,
      fault: faultId,
    });
    if (reply === 'drop') {
      deps.onDrop();
      req.socket.destroy();
    } else {
      send(res, { ...reply, headers: { ...CORS_HEADERS, ...reply.headers } });
    }
  };

  await sleep(state.settings.latencyMs, deps.signal);
  if (!matched) {
    const allowed = ROUTES.filter((route) => route.pattern.test(path)).map((route) => route.method);
    if (allowed.length) {
      return finish({
        status: 405,
        json: { error: 'method_not_allowed', message: `${method} is not allowed on ${url.pathname}` },
        headers: { allow: allowed.join(', ') },
      });
    }
    return finish({ status: 404, json: { error: 'not_found', message: `No CRM API route for ${method} ${url.pathname}` } });
  }

  const use: FaultUse<CrmApiEndpoint> | undefined = state.faults.take(matched.route.endpoint);
  faultId = use?.fault.id ?? null;
  const afterHandling = use?.fault.afterHandling === true;
  if (use && !afterHandling) {
    await sleep(use.fault.delayMs ?? 0, deps.signal);
    if (use.drop) return finish('drop');
    if (use.replacement) return finish(use.replacement);
  }
  if (deps.signal.aborted) return finish('drop');

  request.now = Date.now();
  let reply = matched.route.handler(request, { data: state.data, tokenTtlSeconds: state.settings.tokenTtlSeconds });
  if (use) {
    if (afterHandling) {
      await sleep(use.fault.delayMs ?? 0, deps.signal);
      if (use.drop) return finish('drop');
      if (use.replacement) return finish(use.replacement);
    }
    // A delay- or headers-only fault still lets the real answer through, with its extra headers.
    reply = { ...reply, headers: { ...reply.headers, ...use.fault.headers } };
  }
  finish(reply);
}

function loggedHeaders(req: IncomingMessage): CrmApiLogEntry['headers'] {
  const headers: CrmApiLogEntry['headers'] = {};
  for (const name of ['authorization', 'content-type', 'x-api-token'] as const) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

// --- controls (/__sandbox/crm-api/…) ---

export function isCrmApiControlPath(path: string): boolean {
  return path === '/__sandbox/crm-api' || path.startsWith('/__sandbox/crm-api/');
}

export function handleCrmApiControl(method: string, path: string, body: unknown, state: CrmApiState): Reply {
  const route = `${method} ${path.replace(/\/+$/, '')}`;
  switch (route) {
    case 'GET /__sandbox/crm-api/requests':
      return jsonReply(state.requests);
    case 'GET /__sandbox/crm-api/counts':
      return jsonReply(state.counts);
    case 'GET /__sandbox/crm-api/records':
      return jsonReply(state.data.records());
    case 'GET /__sandbox/crm-api/faults':
      return jsonReply(state.faults.list());
    case 'POST /__sandbox/crm-api/faults': {
      const result = (Array.isArray(body) ? z.array(CrmFaultSchema) : CrmFaultSchema).safeParse(body);
      if (!result.success) return invalid(result.error);
      const added = (Array.isArray(result.data) ? result.data : [result.data]).map((fault) => state.faults.add(fault));
      return jsonReply(Array.isArray(body) ? added : added[0]);
    }
    case 'DELETE /__sandbox/crm-api/faults':
      state.faults.clear();
      return jsonReply({ ok: true });
    case 'GET /__sandbox/crm-api/settings':
      return jsonReply(state.settings);
    case 'POST /__sandbox/crm-api/settings': {
      const result = CrmApiSettingsSchema.partial().safeParse(body ?? {});
      if (!result.success) return invalid(result.error);
      const patch = Object.fromEntries(Object.entries(result.data).filter(([, value]) => value !== undefined));
      state.settings = { ...state.settings, ...patch };
      return jsonReply(state.settings);
    }
    case 'POST /__sandbox/crm-api/expire-tokens':
      return jsonReply({ expired: state.data.expireTokens() });
    case 'POST /__sandbox/crm-api/reset':
      state.reset();
      return jsonReply({ ok: true });
    default:
      return errorReply(404, `No control route ${method} ${path}`);
  }
}

/** As the other control routes: 400 with the first invalid field in `payload.field`. */
function invalid(error: z.ZodError): Reply {
  const field = error.issues[0]?.path.join('.') ?? '';
  const detail = error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  return errorReply(400, detail, { field });
}
