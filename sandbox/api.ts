import { ENDPOINTS } from './faults';
import { errorReply, jsonReply, parseJson, type Reply } from './http';
import { DEFAULT_STAGE_PATH, type Settings } from './settings';
import { type ChatroomRecord, type ContactRecord, chatroomName, newId, newSecret, type Store } from './store';

/**
 * The fake provider API: the endpoints of docs/saleschat-api.md that the extension uses,
 * plus two lookups the docs do not confirm: a user by email (admin provisioning) and a contact by crm_id
 * (the extension's configurable lookup after a 409). Where the docs are UNCONFIRMED the choice made here is
 * listed in sandbox/README.md.
 */

/** Every routed endpoint, as counted and as faults can target it. */
export const API_ENDPOINTS = ENDPOINTS;
export type ApiEndpoint = (typeof API_ENDPOINTS)[number];

export interface ApiRoute {
  endpoint: ApiEndpoint;
  params: Record<string, string>;
}

export interface ApiRequest {
  method: string;
  authorization: string | undefined;
  contentType: string | undefined;
  rawBody: string;
  /** The query string; absent means none was passed on, which the lookup treats as a missing email. */
  query?: URLSearchParams;
}

export interface ApiContext {
  store: Store;
  settings: Settings;
  /** Origin used to build magic links, e.g. http://127.0.0.1:4010. */
  baseUrl: string;
  now: number;
}

const ROUTES: Array<{ method: string; pattern: RegExp; endpoint: ApiEndpoint; names: string[] }> = [
  { method: 'POST', pattern: /^\/v1\/org\/([^/]+)\/user$/, endpoint: 'createUser', names: ['orgId'] },
  { method: 'GET', pattern: /^\/v1\/org\/([^/]+)\/user$/, endpoint: 'getUserByEmail', names: ['orgId'] },
  {
    method: 'GET',
    pattern: /^\/v1\/org\/([^/]+)\/user\/([^/]+)\/magiclink$/,
    endpoint: 'magicLink',
    names: ['orgId', 'userId'],
  },
  { method: 'POST', pattern: /^\/v2\/org\/([^/]+)\/contact$/, endpoint: 'createContact', names: ['orgId'] },
  { method: 'GET', pattern: /^\/v1\/orgs\/([^/]+)\/contacts$/, endpoint: 'getContactByCrmId', names: ['orgId'] },
  {
    method: 'PUT',
    pattern: /^\/v1\/orgs\/([^/]+)\/contact\/([^/]+)$/,
    endpoint: 'updateContact',
    names: ['orgId', 'contactId'],
  },
  {
    method: 'POST',
    pattern: /^\/v3\/orgs\/([^/]+)\/contacts\/([^/]+)\/assign$/,
    endpoint: 'assign',
    names: ['orgId', 'contactId'],
  },
];

/**
 * The stage call's route comes from the stagePath setting (its path is UNCONFIRMED); the fixed routes win
 * over it. Absent settings: the default path.
 */
export function matchApiRoute(method: string, path: string, settings?: Pick<Settings, 'stagePath'>): ApiRoute | undefined {
  const stage = stageRoute(settings?.stagePath ?? DEFAULT_STAGE_PATH);
  for (const route of [...ROUTES, stage]) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    try {
      route.names.forEach((name, index) => {
        params[name] = decodeURIComponent(match[index + 1] ?? '');
      });
    } catch {
      return undefined; // malformed %-escape: no such resource
    }
    return { endpoint: route.endpoint, params };
  }
  return undefined;
}

const stageRoutes = new Map<string, (typeof ROUTES)[number]>();

function stageRoute(template: string): (typeof ROUTES)[number] {
  let route = stageRoutes.get(template);
  if (!route) {
    const names: string[] = [];
    const source = template
      .split(/(\{(?:orgId|contactId|crmId)\})/)
      .map((part, index) => {
        if (index % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(part.slice(1, -1));
        return '([^/]+)';
      })
      .join('');
    route = { method: 'PUT', pattern: new RegExp(`^${source}$`), endpoint: 'updateStage', names };
    stageRoutes.set(template, route);
  }
  return route;
}

export function handleApi(route: ApiRoute, request: ApiRequest, ctx: ApiContext): Reply {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(request.authorization ?? '')?.[1];
  const caller = token === undefined ? undefined : ctx.store.orgByToken(token);
  if (!caller) {
    return {
      ...errorReply(401, token === undefined ? 'Missing bearer token' : 'Invalid bearer token'),
      headers: { 'www-authenticate': 'Bearer' },
    };
  }
  // Only a stagePath without {orgId} lacks it: the token's org is then the org.
  const orgId = route.params.orgId ?? caller.id;
  if (caller.id !== orgId) {
    return errorReply(403, `The caller is not allowed in org ${orgId}`);
  }

  let body: unknown;
  if (request.method !== 'GET') {
    const mediaType = (request.contentType ?? '').split(';')[0]?.trim().toLowerCase();
    if (request.rawBody.trim() !== '' && mediaType !== 'application/json') {
      // A real Spring backend rejects this too; accepting it would hide a client bug until production.
      return errorReply(415, `Content-Type must be application/json, got ${request.contentType ?? 'none'}`);
    }
    const parsed = parseJson(request.rawBody);
    if (!parsed.ok) return errorReply(400, `Malformed JSON body: ${parsed.error}`);
    if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
      return errorReply(400, 'The request body must be a JSON object');
    }
    body = parsed.value;
  }
  const fields = (body ?? {}) as Record<string, unknown>;

  switch (route.endpoint) {
    case 'createUser':
      return createUser(orgId, fields, ctx);
    case 'getUserByEmail':
      return getUserByEmail(orgId, request.query, ctx);
    case 'magicLink':
      return magicLink(orgId, route.params.userId ?? '', ctx);
    case 'createContact':
      return createContact(orgId, fields, ctx);
    case 'getContactByCrmId':
      return getContactByCrmId(orgId, request.query, ctx);
    case 'updateContact':
      return updateContact(orgId, route.params.contactId ?? '', fields, ctx);
    case 'updateStage':
      return updateStage(orgId, route.params, fields, ctx);
    case 'assign':
      return assign(orgId, route.params.contactId ?? '', fields, ctx);
  }
}

// ---------------------------------------------------------------------------------------------------
// Validation

type Rule =
  | { type: 'string'; required?: boolean; min?: number; max?: number; noStar?: boolean; pattern?: [RegExp, string] }
  | { type: 'boolean' };

interface Invalid {
  field: string;
  message: string;
}

/** The documented name rule, used verbatim so that (like the provider) it also rejects line breaks. */
const NO_STAR = /^(?!.*\*).*$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** null counts as absent, as it does for the provider's JSON mapper. */
function validate(body: Record<string, unknown>, rules: Record<string, Rule>): Invalid | undefined {
  for (const [field, rule] of Object.entries(rules)) {
    const value = body[field];
    if (value === undefined || value === null) {
      if (rule.type === 'string' && rule.required) return { field, message: `${field} is required` };
      continue;
    }
    if (rule.type === 'boolean') {
      if (typeof value !== 'boolean') return { field, message: `${field} must be a boolean` };
      continue;
    }
    if (typeof value !== 'string') return { field, message: `${field} must be a string` };
    if (rule.required && value.trim() === '') return { field, message: `${field} must not be blank` };
    if (rule.min !== undefined && value.length < rule.min) {
      return { field, message: `${field} must be at least ${rule.min} characters` };
    }
    if (rule.max !== undefined && value.length > rule.max) {
      return { field, message: `${field} must be at most ${rule.max} characters` };
    }
    if (rule.noStar && !NO_STAR.test(value)) {
      return { field, message: `${field} must not contain '*' or line breaks (pattern ^(?!.*\\*).*$)` };
    }
    if (rule.pattern && !rule.pattern[0].test(value)) return { field, message: `${field} ${rule.pattern[1]}` };
  }
  return undefined;
}

function invalid(status: 400 | 422, problem: Invalid): Reply {
  return errorReply(status, problem.message, { field: problem.field });
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** The docs say "epoch in seconds" next to an ISO-8601 example, so both are accepted; stored as ISO. */
function parseOptInDate(value: unknown): { iso: string } | Invalid {
  const field = 'opt_in_date';
  if (value === undefined || value === null) return { field, message: 'opt_in_date is required' };
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return { field, message: 'opt_in_date must be a non-negative epoch' };
    if (value >= 1e11) {
      return { field, message: 'opt_in_date looks like epoch milliseconds; send epoch seconds or ISO-8601' };
    }
    return { iso: new Date(value * 1000).toISOString() };
  }
  if (typeof value === 'string' && RFC3339.test(value.trim())) {
    const ms = Date.parse(value.trim());
    if (!Number.isNaN(ms)) return { iso: new Date(ms).toISOString() };
  }
  return {
    field,
    message: 'opt_in_date must be an ISO-8601 date-time with a zone (e.g. 2024-01-31T12:00:00Z) or epoch seconds',
  };
}

// ---------------------------------------------------------------------------------------------------
// Users

function createUser(orgId: string, body: Record<string, unknown>, ctx: ApiContext): Reply {
  const problem = validate(body, {
    email: { type: 'string', required: true, max: 319, pattern: [EMAIL, 'must be an email address'] },
    password: { type: 'string', required: true, min: 8, max: 64 },
    first_name: { type: 'string', required: true, max: 40 },
    last_name: { type: 'string', required: true, max: 40 },
    ask_user_to_update_password_on_login: { type: 'boolean' },
  });
  if (problem) return invalid(422, problem);
  const email = String(body.email).trim();
  const taken = ctx.store.data.users.some(
    (user) => user.org_id === orgId && user.email.toLowerCase() === email.toLowerCase(),
  );
  if (taken) return errorReply(409, 'A user with this email already exists in the org');
  const user = {
    id: newId('u_'),
    org_id: orgId,
    email,
    first_name: String(body.first_name),
    last_name: String(body.last_name),
    ask_user_to_update_password_on_login: body.ask_user_to_update_password_on_login === true,
  };
  ctx.store.data.users.push(user);
  ctx.store.save();
  return jsonReply({ user_id: user.id });
}

/** Path, parameter and response are UNCONFIRMED in the docs; the shape mirrors create user plus the names. */
function getUserByEmail(orgId: string, query: URLSearchParams | undefined, ctx: ApiContext): Reply {
  const email = query?.get('email')?.trim() ?? '';
  if (email === '') return errorReply(400, 'The email query parameter is required', { field: 'email' });
  const user = ctx.store.data.users.find(
    (candidate) => candidate.org_id === orgId && candidate.email.toLowerCase() === email.toLowerCase(),
  );
  if (!user) return errorReply(404, `No user with email ${email} in org ${orgId}`);
  return jsonReply({ user_id: user.id, email: user.email, first_name: user.first_name, last_name: user.last_name });
}

function magicLink(orgId: string, userId: string, ctx: ApiContext): Reply {
  const user = ctx.store.user(orgId, userId);
  if (!user) return errorReply(404, `User ${userId} not found in org ${orgId}`);
  const { store, now } = ctx;
  store.data.magicLinks = store.data.magicLinks.filter((link) => link.expires_at > now);
  // Reused until it expires: the tutorial's schema caches link + expiry per user, which implies reuse.
  let link = store.data.magicLinks.find((candidate) => candidate.user_id === user.id && candidate.org_id === orgId);
  if (!link) {
    const expiresAt = now + ctx.settings.magicLinkTtlSeconds * 1000;
    link = { token: newSecret(), org_id: orgId, user_id: user.id, expires_at: expiresAt };
    store.data.magicLinks.push(link);
  }
  store.save();
  const url = `${ctx.baseUrl}/app/magic/${link.token}`;
  switch (ctx.settings.magicLinkShape) {
    case 'string':
      return jsonReply(url);
    case 'camel':
      return jsonReply({ magicLink: url, expires_at: new Date(link.expires_at).toISOString() });
    case 'no-expiry':
      return jsonReply({ link: url });
    case 'object':
      return jsonReply({ magic_link: url, expiry_ts: Math.floor(link.expires_at / 1000) });
  }
}

// ---------------------------------------------------------------------------------------------------
// Contacts

const NAME_RULE: Rule = { type: 'string', max: 128, noStar: true };

export function contactDto(contact: ContactRecord) {
  return {
    id: contact.id,
    crm_id: contact.crm_id,
    opt_in_date: contact.opt_in_date,
    create_date: contact.create_date,
    first_name: contact.first_name,
    last_name: contact.last_name,
    governance_level: null,
  };
}

function createContact(orgId: string, body: Record<string, unknown>, ctx: ApiContext): Reply {
  const problem = validate(body, { crm_id: { type: 'string', required: true, max: 128 } });
  if (problem) return invalid(400, problem);
  const optIn = parseOptInDate(body.opt_in_date);
  if ('field' in optIn) return invalid(400, optIn);
  const rest = validate(body, {
    phone_number: { type: 'string', pattern: [E164, 'must be an E.164 number such as +14155550132'] },
    first_name: NAME_RULE,
    last_name: NAME_RULE,
    governance_level_id: { type: 'string', max: 128 },
    is_inbound: { type: 'boolean' },
    source: { type: 'string', max: 128 },
  });
  if (rest) return invalid(400, rest);

  const crmId = String(body.crm_id);
  const existing = ctx.store.contactByCrmId(orgId, crmId);
  if (existing) return conflict(existing, ctx);

  const contact: ContactRecord = {
    id: newId('c_'),
    org_id: orgId,
    crm_id: crmId,
    phone_number: optionalString(body.phone_number),
    first_name: optionalString(body.first_name),
    last_name: optionalString(body.last_name),
    opt_in_date: optIn.iso,
    create_date: new Date(ctx.now).toISOString(),
    governance_level_id: optionalString(body.governance_level_id),
    is_inbound: typeof body.is_inbound === 'boolean' ? body.is_inbound : null,
    source: optionalString(body.source),
    stage: null,
    disposition: null,
  };
  ctx.store.data.contacts.push(contact);
  ctx.store.save();
  return jsonReply(contactDto(contact));
}

/**
 * Path, parameter and response are UNCONFIRMED (the docs have no such lookup, provider-api.md 3.4): a
 * filtered list, as list endpoints usually answer, with zero or one contact since crm_id is unique.
 */
function getContactByCrmId(orgId: string, query: URLSearchParams | undefined, ctx: ApiContext): Reply {
  const crmId = query?.get('crm_id') ?? '';
  if (crmId.trim() === '') return errorReply(400, 'The crm_id query parameter is required', { field: 'crm_id' });
  const contact = ctx.store.contactByCrmId(orgId, crmId);
  return jsonReply(contact ? [contactDto(contact)] : []);
}

function conflict(existing: ContactRecord, ctx: ApiContext): Reply {
  const payload = ctx.settings.conflictPayloadIncludesId ? { contact_id: existing.id, crm_id: existing.crm_id } : {};
  return errorReply(409, 'A contact with this crm_id already exists', payload);
}

function updateContact(orgId: string, contactId: string, body: Record<string, unknown>, ctx: ApiContext): Reply {
  const problem = validate(body, {
    crm_id: { type: 'string', required: true, max: 128 },
    first_name: NAME_RULE,
    last_name: NAME_RULE,
  });
  if (problem) return invalid(400, problem);
  const contact = ctx.store.contact(orgId, contactId);
  if (!contact) return errorReply(404, `Contact ${contactId} not found in org ${orgId}`);
  const crmId = String(body.crm_id);
  const clash = ctx.store.contactByCrmId(orgId, crmId);
  if (clash && clash.id !== contact.id) return conflict(clash, ctx);

  contact.crm_id = crmId;
  // Absent leaves a name as it is; an explicit null clears it.
  if ('first_name' in body) contact.first_name = optionalString(body.first_name);
  if ('last_name' in body) contact.last_name = optionalString(body.last_name);
  const room = ctx.store.chatroomForContact(contact.id);
  if (room) {
    room.name = chatroomName(contact);
    room.updated_at = new Date(ctx.now).toISOString();
  }
  ctx.store.save();
  return jsonReply(contactDto(contact));
}

/**
 * "Update disposition & stage": route, body and answer are UNCONFIRMED. The sandbox takes { stage,
 * disposition? }, stores both on the contact and answers the contact DTO with them. An absent disposition
 * clears the stored one: a stage change ends the previous disposition.
 */
function updateStage(orgId: string, params: Record<string, string>, body: Record<string, unknown>, ctx: ApiContext): Reply {
  const problem = validate(body, {
    stage: { type: 'string', required: true, max: 128 },
    disposition: { type: 'string', max: 128 },
  });
  if (problem) return invalid(400, problem);
  const contact =
    params.contactId !== undefined
      ? ctx.store.contact(orgId, params.contactId)
      : ctx.store.contactByCrmId(orgId, params.crmId ?? '');
  if (!contact) return errorReply(404, `Contact ${params.contactId ?? params.crmId} not found in org ${orgId}`);
  contact.stage = String(body.stage);
  contact.disposition = optionalString(body.disposition);
  ctx.store.save();
  return jsonReply({ ...contactDto(contact), stage: contact.stage, disposition: contact.disposition });
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

// ---------------------------------------------------------------------------------------------------
// Chatrooms

function assign(orgId: string, contactId: string, body: Record<string, unknown>, ctx: ApiContext): Reply {
  const contact = ctx.store.contact(orgId, contactId);
  if (!contact) return errorReply(404, `Contact ${contactId} not found in org ${orgId}`);
  const problem = validate(body, {
    user_id: { type: 'string' },
    group_id: { type: 'string' },
    remote_waba_id: { type: 'string' },
    remote_phone_id: { type: 'string' },
    assign_on_handover: { type: 'boolean' },
  });
  if (problem) return invalid(400, problem);
  const userId = optionalString(body.user_id);
  const groupId = optionalString(body.group_id);
  if (userId === null && groupId === null) {
    return errorReply(400, 'Either user_id or group_id is required', { field: 'user_id' });
  }
  if (userId === null) {
    // The sandbox has no groups; saying so beats silently picking a user.
    return errorReply(404, `Group ${groupId} not found in org ${orgId}`);
  }
  const user = ctx.store.user(orgId, userId);
  if (!user) return errorReply(404, `User ${userId} not found in org ${orgId}`);

  const at = new Date(ctx.now).toISOString();
  let room = ctx.store.chatroomForContact(contact.id);
  const created = room === undefined;
  const previous = room?.assigned_user_id ?? null;
  if (!room) {
    room = {
      id: newId('cr_'),
      org_id: orgId,
      contact_id: contact.id,
      name: chatroomName(contact),
      assigned_user_id: user.id,
      assign_on_handover: false,
      remote_waba_id: null,
      remote_phone_id: null,
      created_at: at,
      updated_at: at,
    };
    ctx.store.data.chatrooms.push(room);
  }
  room.assigned_user_id = user.id;
  room.assign_on_handover = body.assign_on_handover === true;
  room.remote_waba_id = optionalString(body.remote_waba_id) ?? room.remote_waba_id;
  room.remote_phone_id = optionalString(body.remote_phone_id) ?? room.remote_phone_id;
  room.updated_at = at;
  ctx.store.save();
  return assignReply(room, previous, created, ctx);
}

function assignReply(room: ChatroomRecord, previous: string | null, created: boolean, ctx: ApiContext): Reply {
  switch (ctx.settings.assignResponseShape) {
    case 'nested':
      return jsonReply({ chatroom: { id: room.id, name: room.name, assigned_user_id: room.assigned_user_id } });
    case 'id':
      return jsonReply({ id: room.id });
    case 'empty':
      return jsonReply({});
    case 'default':
      return jsonReply({
        chatroom_id: room.id,
        contact_id: room.contact_id,
        assigned_user_id: room.assigned_user_id,
        previous_assigned_user_id: previous,
        created,
      });
  }
}
