import { randomUUID } from 'node:crypto';
import type { Reply } from './http';
import {
  authCredentials,
  basicCredentials,
  CRM_API_CREDENTIALS,
  type CrmContext,
  type CrmRequest,
  formBody,
  type HubSpotContact,
  idValue,
  isObject,
  iso,
  json,
  type JsonBody,
  jsonBody,
  ok,
  fail,
  type Parsed,
  type PipedrivePerson,
} from './crm-api-store';

/**
 * The CRMs whose API takes a fixed key: HubSpot (private-app token), Pipedrive (api_token), Freshsales (API key) and
 * the generic homegrown CRM (Basic auth). Answers, error bodies included, follow the real APIs (sandbox/README.md,
 * "CRM API"); where the sandbox is stricter it says so.
 */

const digits = (value: string) => value.replace(/\D/g, '');
/** As the demo CRM's search: digits only, leading zeros dropped, one ending with the other, at least 7 digits. */
function samePhone(a: string, b: string): boolean {
  const x = digits(a).replace(/^0+/, '');
  const y = digits(b).replace(/^0+/, '');
  return Math.min(x.length, y.length) >= 7 && (x.endsWith(y) || y.endsWith(x));
}
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// --- HubSpot: CRM API v3 objects (notes with associations, contacts, contacts search) ---

function hubspotError(status: number, category: string, message: string, extra: Record<string, unknown> = {}): Reply {
  return json(status, { status: 'error', message, correlationId: randomUUID(), category, ...extra });
}

function invalidProperty(name: string, error: string, message: string): Reply {
  const detail = JSON.stringify([{ isValid: false, message, error, name }]);
  return hubspotError(400, 'VALIDATION_ERROR', `Property values were not valid: ${detail}`, {
    errors: [{ message, code: error, context: { propertyName: [name] } }],
  });
}

/** The request's JSON object, or HubSpot's answer to a bad token or a body that is not one. */
function hubspotBody(req: CrmRequest): Parsed<Record<string, unknown>> {
  if (authCredentials(req, 'Bearer') !== CRM_API_CREDENTIALS.hubspot.token) {
    return fail(hubspotError(
      401,
      'INVALID_AUTHENTICATION',
      'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
    ));
  }
  const body = jsonBody(req);
  if (body.kind === 'type') return fail(hubspotError(415, 'VALIDATION_ERROR', `Content type '${body.contentType}' not supported; use application/json`));
  if (body.kind !== 'ok' || !isObject(body.value)) return fail(hubspotError(400, 'VALIDATION_ERROR', `Invalid input JSON: ${bodyProblem(body)}`));
  return ok(body.value);
}

function bodyProblem(body: JsonBody): string {
  if (body.kind === 'empty') return 'no content';
  if (body.kind === 'syntax') return body.error;
  return 'expected a JSON object';
}

const HUBSPOT_NOTE_PROPERTIES = new Set(['hs_timestamp', 'hs_note_body', 'hubspot_owner_id', 'hs_attachment_ids']);
const HUBSPOT_CONTACT_PROPERTIES = new Set([
  'email',
  'firstname',
  'lastname',
  'phone',
  'mobilephone',
  'company',
  'website',
  'jobtitle',
  'lifecyclestage',
  'hubspot_owner_id',
]);
/** Note → contact, HUBSPOT_DEFINED. */
const NOTE_TO_CONTACT = 202;

/** Property values as HubSpot stores them (strings), or the error for the first invalid one. */
function hubspotProperties(value: unknown, known: Set<string>): Parsed<Record<string, string>> {
  if (!isObject(value)) return fail(hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: "properties" must be an object'));
  const properties: Record<string, string> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!known.has(name)) return fail(invalidProperty(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`));
    if (raw === null) continue;
    if (!['string', 'number', 'boolean'].includes(typeof raw)) return fail(invalidProperty(name, 'INVALID_OPTION', `${JSON.stringify(raw)} is not a valid value`));
    properties[name] = String(raw);
  }
  return ok(properties);
}

function timestamp(value: string): string | undefined {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? iso(ms) : undefined;
}

export function hubspotNote(req: CrmRequest, ctx: CrmContext): Reply {
  const body = hubspotBody(req);
  if (!body.ok) return body.reply;
  const fields = body.value;
  const properties = hubspotProperties(fields.properties, HUBSPOT_NOTE_PROPERTIES);
  if (!properties.ok) return properties.reply;
  const props = properties.value;
  if (props.hs_timestamp === undefined) return invalidProperty('hs_timestamp', 'REQUIRED_FIELD', 'hs_timestamp is required');
  const at = timestamp(props.hs_timestamp);
  if (!at) return invalidProperty('hs_timestamp', 'INVALID_DATE', `${props.hs_timestamp} is not a valid timestamp (epoch milliseconds or ISO 8601)`);
  props.hs_timestamp = at;
  const associations = fields.associations ?? [];
  if (!Array.isArray(associations)) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: "associations" must be an array');
  for (const association of associations) {
    const to = isObject(association) ? idValue(isObject(association.to) ? association.to.id : undefined) : undefined;
    const types = isObject(association) ? association.types : undefined;
    const typesOk =
      Array.isArray(types) &&
      types.length > 0 &&
      types.every(
        (type) =>
          isObject(type) &&
          ['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED'].includes(String(type.associationCategory)) &&
          Number.isInteger(Number(type.associationTypeId)),
      );
    if (!to || !typesOk) {
      return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: each association needs to.id and types [{ associationCategory, associationTypeId }]');
    }
    const toContact = (types as Record<string, unknown>[]).some((type) => Number(type.associationTypeId) === NOTE_TO_CONTACT);
    if (toContact && !ctx.data.hubspot.contacts.some((contact) => contact.id === to)) {
      return hubspotError(400, 'VALIDATION_ERROR', `One or more associations are invalid: no contact with id ${to}`, { subCategory: 'crm.associations.INVALID_ASSOCIATION' });
    }
  }
  const id = String(30_000_000_000 + ctx.data.next());
  const now = iso(req.now);
  ctx.data.hubspot.notes.push({ id, createdAt: now, body: fields });
  return json(201, {
    id,
    properties: { ...props, hs_createdate: now, hs_lastmodifieddate: now, hs_object_id: id },
    createdAt: now,
    updatedAt: now,
    archived: false,
  });
}

const CONTACT_DEFAULT_PROPERTIES = ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'];

function contactView(contact: HubSpotContact, names: string[]) {
  const all: Record<string, string> = {
    ...contact.properties,
    createdate: contact.createdAt,
    lastmodifieddate: contact.createdAt,
    hs_object_id: contact.id,
  };
  const properties = Object.fromEntries(names.map((name) => [name, all[name] ?? null]));
  return { id: contact.id, properties, createdAt: contact.createdAt, updatedAt: contact.createdAt, archived: false };
}

function filterMatches(contact: HubSpotContact, filter: { propertyName: string; value: string }): boolean {
  const stored = filter.propertyName === 'hs_object_id' ? contact.id : contact.properties[filter.propertyName];
  if (stored === undefined) return false;
  if (['phone', 'mobilephone'].includes(filter.propertyName)) return samePhone(stored, filter.value);
  return stored.toLowerCase() === filter.value.toLowerCase();
}

export function hubspotSearchContacts(req: CrmRequest, ctx: CrmContext): Reply {
  const body = hubspotBody(req);
  if (!body.ok) return body.reply;
  const fields = body.value;
  const groups = fields.filterGroups ?? [];
  if (!Array.isArray(groups)) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: "filterGroups" must be an array');
  const parsed: { propertyName: string; value: string }[][] = [];
  for (const group of groups) {
    const filters = isObject(group) ? group.filters : undefined;
    if (!Array.isArray(filters)) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: each filter group needs "filters"');
    const list: { propertyName: string; value: string }[] = [];
    for (const filter of filters) {
      if (!isObject(filter) || typeof filter.propertyName !== 'string' || typeof filter.operator !== 'string') {
        return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: each filter needs propertyName, operator and value');
      }
      if (filter.operator !== 'EQ') {
        return hubspotError(400, 'VALIDATION_ERROR', `The sandbox supports only the EQ operator, got ${filter.operator}`);
      }
      const value = idValue(filter.value) ?? (typeof filter.value === 'string' ? filter.value : undefined);
      if (value === undefined) return hubspotError(400, 'VALIDATION_ERROR', `Invalid input JSON: filter on ${filter.propertyName} needs a value`);
      list.push({ propertyName: filter.propertyName, value });
    }
    parsed.push(list);
  }
  const requested = Array.isArray(fields.properties) ? fields.properties.filter((name): name is string => typeof name === 'string') : [];
  const names = requested.length ? [...new Set([...requested, 'createdate', 'hs_object_id', 'lastmodifieddate'])] : CONTACT_DEFAULT_PROPERTIES;
  // Groups are ORed, filters within a group ANDed; no groups: every contact.
  const found = ctx.data.hubspot.contacts.filter(
    (contact) => parsed.length === 0 || parsed.some((group) => group.every((filter) => filterMatches(contact, filter))),
  );
  const limit = Math.min(Math.max(Number(fields.limit) || 10, 1), 200);
  return json(200, { total: found.length, results: found.slice(0, limit).map((contact) => contactView(contact, names)) });
}

export function hubspotCreateContact(req: CrmRequest, ctx: CrmContext): Reply {
  const body = hubspotBody(req);
  if (!body.ok) return body.reply;
  const properties = hubspotProperties(body.value.properties, HUBSPOT_CONTACT_PROPERTIES);
  if (!properties.ok) return properties.reply;
  const props = properties.value;
  const email = props.email;
  if (email !== undefined) {
    if (!EMAIL.test(email)) return invalidProperty('email', 'INVALID_EMAIL', `Email address ${email} is invalid`);
    const existing = ctx.data.hubspot.contacts.find((contact) => contact.properties.email?.toLowerCase() === email.toLowerCase());
    if (existing) return hubspotError(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);
  }
  const contact: HubSpotContact = { id: String(500 + ctx.data.next() + 1), createdAt: iso(req.now), properties: props, body: body.value };
  // Seed ids are 501…; new ones never collide with them.
  while (ctx.data.hubspot.contacts.some((other) => other.id === contact.id)) contact.id = String(Number(contact.id) + 1000);
  ctx.data.hubspot.contacts.push(contact);
  return json(201, contactView(contact, [...new Set([...Object.keys(props), 'createdate', 'hs_object_id', 'lastmodifieddate'])]));
}

// --- Pipedrive: API v1 activities and persons, api_token in the query ---

function pipedriveError(status: number, error: string): Reply {
  return json(status, {
    success: false,
    error,
    errorCode: status,
    error_info: 'Please check developers.pipedrive.com for more information about Pipedrive API.',
    data: null,
    additional_data: null,
  });
}

/** Pipedrive takes JSON or form bodies; `api_token` in the query, or the `x-api-token` header. */
function pipedriveAuth(req: CrmRequest): Reply | undefined {
  const token = req.query.get('api_token') ?? req.headers['x-api-token'];
  return token === CRM_API_CREDENTIALS.pipedrive.apiToken ? undefined : pipedriveError(401, 'unauthorized access');
}

function pipedriveBody(req: CrmRequest): Parsed<Record<string, unknown>> {
  const form = formBody(req);
  if (form) return ok(form);
  const body = jsonBody(req);
  if (body.kind === 'ok' && isObject(body.value)) return ok(body.value);
  if (body.kind === 'type') return fail(pipedriveError(415, `Unsupported content type '${body.contentType}'`));
  return fail(pipedriveError(400, `Invalid request body: ${bodyProblem(body)}`));
}

const ACTIVITY_TYPES = ['call', 'meeting', 'task', 'deadline', 'email', 'lunch'];

function personView(person: PipedrivePerson) {
  const [firstName = '', ...rest] = person.name.split(' ');
  return {
    id: Number(person.id),
    name: person.name,
    first_name: firstName,
    last_name: rest.join(' '),
    email: person.emails.map((value, index) => ({ label: 'work', value, primary: index === 0 })),
    phone: person.phones.map((value, index) => ({ label: 'work', value, primary: index === 0 })),
    add_time: person.createdAt.replace('T', ' ').slice(0, 19),
    update_time: person.createdAt.replace('T', ' ').slice(0, 19),
    active_flag: true,
    owner_id: 1,
    visible_to: '3',
  };
}

export function pipedriveActivity(req: CrmRequest, ctx: CrmContext): Reply {
  const denied = pipedriveAuth(req);
  if (denied) return denied;
  const body = pipedriveBody(req);
  if (!body.ok) return body.reply;
  const fields = body.value;
  if (typeof fields.subject !== 'string' || fields.subject.trim() === '') return pipedriveError(400, 'Subject is required');
  const type = fields.type ?? 'call';
  if (typeof type !== 'string' || !ACTIVITY_TYPES.includes(type)) return pipedriveError(400, `Activity type '${String(type)}' is not valid`);
  let personId: number | null = null;
  if (fields.person_id !== undefined && fields.person_id !== null && fields.person_id !== '') {
    const id = idValue(fields.person_id);
    if (!id || !/^\d+$/.test(id)) return pipedriveError(400, 'person_id must be an integer');
    if (!ctx.data.pipedrive.persons.some((person) => person.id === id)) return pipedriveError(400, `Person ${id} not found`);
    personId = Number(id);
  }
  const done = fields.done === true || fields.done === 1 || fields.done === '1' || fields.done === 'true';
  const id = String(1000 + ctx.data.next());
  const now = iso(req.now).replace('T', ' ').slice(0, 19);
  ctx.data.pipedrive.activities.push({ id, createdAt: iso(req.now), body: fields });
  const person = ctx.data.pipedrive.persons.find((candidate) => Number(candidate.id) === personId);
  return json(201, {
    success: true,
    data: {
      id: Number(id),
      user_id: 1,
      done,
      type,
      subject: fields.subject,
      person_id: personId,
      person_name: person?.name ?? null,
      deal_id: fields.deal_id ?? null,
      org_id: fields.org_id ?? null,
      note: typeof fields.note === 'string' ? fields.note : null,
      due_date: typeof fields.due_date === 'string' ? fields.due_date : now.slice(0, 10),
      due_time: typeof fields.due_time === 'string' ? fields.due_time : '',
      duration: typeof fields.duration === 'string' ? fields.duration : '',
      add_time: now,
      update_time: now,
      marked_as_done_time: done ? now : '',
      active_flag: true,
    },
    additional_data: { updates_story_id: ctx.data.next() },
  });
}

export function pipedriveSearchPersons(req: CrmRequest, ctx: CrmContext): Reply {
  const denied = pipedriveAuth(req);
  if (denied) return denied;
  const term = (req.query.get('term') ?? '').trim();
  const exact = req.query.get('exact_match') === 'true' || req.query.get('exact_match') === '1';
  if (term.length < (exact ? 1 : 2)) return pipedriveError(400, `term must be at least ${exact ? 1 : 2} characters long`);
  const fieldsParam = req.query.get('fields');
  const fields = fieldsParam ? fieldsParam.split(',').map((field) => field.trim()) : ['name', 'email', 'phone'];
  const unknown = fields.find((field) => !['name', 'email', 'phone', 'notes', 'custom_fields'].includes(field));
  if (unknown) return pipedriveError(400, `Invalid field '${unknown}'. Allowed: custom_fields, email, notes, name, phone`);
  const needle = term.toLowerCase();
  const matches = (value: string, phone = false) => {
    if (phone) return exact ? samePhone(value, needle) : digits(needle).length >= 2 && digits(value).includes(digits(needle));
    return exact ? value.toLowerCase() === needle : value.toLowerCase().includes(needle);
  };
  const items = ctx.data.pipedrive.persons
    .filter(
      (person) =>
        (fields.includes('name') && matches(person.name)) ||
        (fields.includes('email') && person.emails.some((email) => matches(email))) ||
        (fields.includes('phone') && person.phones.some((phone) => matches(phone, true))),
    )
    .map((person) => ({
      result_score: exact ? 1 : 0.5,
      item: {
        id: Number(person.id),
        type: 'person',
        name: person.name,
        phones: person.phones,
        emails: person.emails,
        visible_to: 3,
        owner: { id: 1 },
        organization: null,
        custom_fields: [],
        notes: [],
      },
    }));
  return json(200, {
    success: true,
    data: { items },
    additional_data: { pagination: { start: 0, limit: 100, more_items_in_collection: false } },
  });
}

/** `x`, `[x, y]` or `[{ value, primary, label }]` → the values, primary first. */
function contactValues(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return undefined;
  const list: { value: string; primary: boolean }[] = [];
  for (const entry of value) {
    if (typeof entry === 'string') list.push({ value: entry, primary: false });
    else if (isObject(entry) && typeof entry.value === 'string') list.push({ value: entry.value, primary: entry.primary === true });
    else return undefined;
  }
  return list.sort((a, b) => Number(b.primary) - Number(a.primary)).map((entry) => entry.value);
}

export function pipedriveCreatePerson(req: CrmRequest, ctx: CrmContext): Reply {
  const denied = pipedriveAuth(req);
  if (denied) return denied;
  const body = pipedriveBody(req);
  if (!body.ok) return body.reply;
  const fields = body.value;
  if (typeof fields.name !== 'string' || fields.name.trim() === '') return pipedriveError(400, 'Name must be given.');
  const emails = contactValues(fields.email);
  const phones = contactValues(fields.phone);
  if (!emails) return pipedriveError(400, 'email must be a string or an array of { value, primary, label }');
  if (!phones) return pipedriveError(400, 'phone must be a string or an array of { value, primary, label }');
  // Pipedrive does not refuse a second person with the same e-mail.
  const person: PipedrivePerson = {
    id: String(100 + ctx.data.next() + 1),
    createdAt: iso(req.now),
    name: fields.name.trim(),
    emails,
    phones,
    body: fields,
  };
  while (ctx.data.pipedrive.persons.some((other) => other.id === person.id)) person.id = String(Number(person.id) + 1000);
  ctx.data.pipedrive.persons.push(person);
  return json(201, { success: true, data: personView(person), related_objects: {} });
}

// --- Freshsales (Freshworks CRM): notes API, `Authorization: Token token=<key>` ---

const TARGETABLE_TYPES = ['Contact', 'Lead', 'SalesAccount', 'Deal'];

function freshsalesError(status: number, messages: string[]): Reply {
  return json(status, { errors: { code: status, message: messages } });
}

export function freshsalesNote(req: CrmRequest, ctx: CrmContext): Reply {
  const key = authCredentials(req, 'Token')?.replace(/^token=/, '').replace(/^"(.*)"$/, '$1');
  if (key !== CRM_API_CREDENTIALS.freshsales.apiKey) return json(401, { login: 'failed', message: 'Incorrect or expired API key' });
  const body = jsonBody(req);
  if (body.kind === 'type') return freshsalesError(415, [`Content type '${body.contentType}' is not supported; use application/json`]);
  if (body.kind !== 'ok' || !isObject(body.value)) return freshsalesError(400, [`Invalid JSON: ${bodyProblem(body)}`]);
  const note = body.value.note;
  if (!isObject(note)) return freshsalesError(400, ["Note can't be blank"]);
  const problems: string[] = [];
  if (typeof note.description !== 'string' || note.description.trim() === '') problems.push("Description can't be blank");
  if (!TARGETABLE_TYPES.includes(String(note.targetable_type))) problems.push(`Targetable type is not included in the list (${TARGETABLE_TYPES.join(', ')})`);
  const targetId = idValue(note.targetable_id);
  if (!targetId || !/^\d+$/.test(targetId)) problems.push("Targetable can't be blank");
  if (problems.length) return freshsalesError(400, problems);
  const id = String(2000 + ctx.data.next());
  const now = iso(req.now);
  ctx.data.freshsales.notes.push({ id, createdAt: now, body: body.value });
  return json(201, {
    note: {
      id: Number(id),
      description: note.description,
      created_at: now,
      updated_at: now,
      targetable_type: note.targetable_type,
      targetable_id: Number(targetId),
    },
  });
}

// --- Generic homegrown CRM: Basic auth, people and their activities ---

function genericAuth(req: CrmRequest): Reply | undefined {
  const credentials = basicCredentials(req);
  const { username, password } = CRM_API_CREDENTIALS.generic;
  if (credentials?.user === username && credentials.password === password) return undefined;
  return json(401, { error: 'unauthorized', message: 'Basic authentication required' }, { 'www-authenticate': 'Basic realm="Sandbox CRM", charset="UTF-8"' });
}

function genericBody(req: CrmRequest): Parsed<Record<string, unknown>> {
  const body = jsonBody(req);
  if (body.kind === 'ok' && isObject(body.value)) return ok(body.value);
  if (body.kind === 'type') return fail(json(415, { error: 'unsupported_media_type', message: `Content type '${body.contentType}' not supported; use application/json` }));
  return fail(json(400, { error: 'bad_request', message: `Invalid JSON body: ${bodyProblem(body)}` }));
}

export function genericFindPeople(req: CrmRequest, ctx: CrmContext): Reply {
  const denied = genericAuth(req);
  if (denied) return denied;
  const email = req.query.get('email')?.trim().toLowerCase();
  const people = ctx.data.generic.people.filter((person) => !email || person.email.toLowerCase() === email);
  return json(200, { people: people.map(({ id, email, name }) => ({ id, email, name })) });
}

export function genericCreatePerson(req: CrmRequest, ctx: CrmContext): Reply {
  const denied = genericAuth(req);
  if (denied) return denied;
  const parsed = genericBody(req);
  if (!parsed.ok) return parsed.reply;
  const body = parsed.value;
  if (typeof body.email !== 'string' || !EMAIL.test(body.email.trim())) {
    return json(400, { error: 'validation_failed', message: 'email is required and must be an e-mail address', field: 'email' });
  }
  if (body.name !== undefined && typeof body.name !== 'string') return json(400, { error: 'validation_failed', message: 'name must be a string', field: 'name' });
  const email = body.email.trim();
  const existing = ctx.data.generic.people.find((person) => person.email.toLowerCase() === email.toLowerCase());
  if (existing) return json(409, { error: 'duplicate', message: `A person with e-mail ${email} exists`, person: { id: existing.id } });
  const person = { id: `p-${ctx.data.next() + 1}`, createdAt: iso(req.now), email, name: (body.name ?? '').trim(), body };
  while (ctx.data.generic.people.some((other) => other.id === person.id)) person.id = `${person.id}x`;
  ctx.data.generic.people.push(person);
  return json(201, { person: { id: person.id, email: person.email, name: person.name } });
}

export function genericActivity(req: CrmRequest, ctx: CrmContext): Reply {
  const denied = genericAuth(req);
  if (denied) return denied;
  const personId = decodeURIComponent(req.params[0] ?? '');
  if (!ctx.data.generic.people.some((person) => person.id === personId)) return json(404, { error: 'not_found', message: `No person ${personId}` });
  const parsed = genericBody(req);
  if (!parsed.ok) return parsed.reply;
  const body = parsed.value;
  if (typeof body.type !== 'string' || body.type.trim() === '') return json(400, { error: 'validation_failed', message: 'type is required', field: 'type' });
  const id = `a-${ctx.data.next()}`;
  const createdAt = iso(req.now);
  ctx.data.generic.activities.push({ id, createdAt, personId, body });
  return json(201, { activity: { id, personId, type: body.type, createdAt } });
}
