import { createHmac, randomUUID } from 'node:crypto';
import type { Reply } from './http';
import {
  authCredentials,
  basicCredentials,
  CRM_API_CREDENTIALS,
  type CrmContext,
  type CrmRequest,
  firstValues,
  formBody,
  isObject,
  iso,
  json,
  jsonBody,
  randomHex,
} from './crm-api-store';

/**
 * The CRMs whose API takes an OAuth access token from a token endpoint: Salesforce (client credentials), Zoho CRM
 * (refresh-token grant) and Dynamics 365 / Dataverse (client credentials at Microsoft Entra ID). Answers, error bodies
 * included, follow the real APIs (sandbox/README.md, "CRM API"); where the sandbox is stricter it says so.
 */

// --- Salesforce: REST API "Create a Record" (sobjects/Task), OAuth 2.0 client credentials flow ---

const SF = CRM_API_CREDENTIALS.salesforce;
const SF_ORG_ID = '00Dsb0000000001AAA';
const SF_USER_ID = '005sb0000000001AAA';
/** Standard Task fields a client may set; custom fields (`…__c`) are accepted too. */
const SF_TASK_FIELDS = new Set([
  'Subject',
  'Description',
  'WhoId',
  'WhatId',
  'ActivityDate',
  'Status',
  'Priority',
  'OwnerId',
  'Type',
  'TaskSubtype',
  'CallType',
  'CallDurationInSeconds',
  'CallDisposition',
  'CallObject',
  'IsReminderSet',
  'ReminderDateTime',
]);

export function salesforceToken(req: CrmRequest, ctx: CrmContext): Reply {
  const form = formBody(req) ?? {};
  const basic = basicCredentials(req);
  const clientId = form.client_id ?? basic?.user;
  const clientSecret = form.client_secret ?? basic?.password;
  if (form.grant_type !== 'client_credentials') {
    return json(400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
  }
  if (clientId !== SF.clientId) return json(400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
  if (clientSecret !== SF.clientSecret) return json(400, { error: 'invalid_client', error_description: 'invalid client credentials' });
  const token = ctx.data.issueToken('salesforce', `${SF_ORG_ID.slice(0, 15)}!`, ctx.tokenTtlSeconds, req.now);
  const id = `${req.base}/salesforce/id/${SF_ORG_ID}/${SF_USER_ID}`;
  const issuedAt = String(req.now);
  // As Salesforce: no expires_in (the session times out after the org's timeout: here tokenTtlSeconds).
  return json(200, {
    access_token: token,
    signature: createHmac('sha256', SF.clientSecret).update(`${id}${issuedAt}`).digest('base64'),
    scope: 'api',
    instance_url: `${req.base}/salesforce`,
    id,
    token_type: 'Bearer',
    issued_at: issuedAt,
  });
}

function sfError(status: number, errorCode: string, message: string, fields?: string[]): Reply {
  return json(status, [fields ? { message, errorCode, fields } : { message, errorCode }]);
}

export function salesforceTask(req: CrmRequest, ctx: CrmContext): Reply {
  // Salesforce takes `Bearer` and the older `OAuth` scheme alike.
  const token = authCredentials(req, 'Bearer') ?? authCredentials(req, 'OAuth');
  if (ctx.data.tokenState(token, 'salesforce', req.now) !== 'valid') {
    return { ...sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid'), headers: { 'www-authenticate': 'Token' } };
  }
  const body = jsonBody(req);
  if (body.kind === 'empty') return sfError(400, 'JSON_PARSER_ERROR', 'The HTTP entity body is required, but this request has no entity body.');
  if (body.kind === 'type') return sfError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content type '${body.contentType}' not supported for this resource`);
  if (body.kind === 'syntax') return sfError(400, 'JSON_PARSER_ERROR', `Unexpected character in the request body: ${body.error}`);
  const fields = body.value;
  if (!isObject(fields)) return sfError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of Task from a value that is not an object');
  for (const name of Object.keys(fields)) {
    if (!SF_TASK_FIELDS.has(name) && !name.endsWith('__c')) {
      return sfError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type Task`);
    }
  }
  const whoId = fields.WhoId;
  if (whoId === undefined || whoId === null || whoId === '') {
    return sfError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [WhoId]', ['WhoId']);
  }
  // A lead (00Q) or contact (003) id, 15 or 18 characters.
  if (typeof whoId !== 'string' || !/^(00Q|003)[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(whoId)) {
    return sfError(400, 'FIELD_INTEGRITY_EXCEPTION', `Name ID: id value of incorrect type: ${String(whoId)}`, ['WhoId']);
  }
  for (const [name, max] of [
    ['Subject', 255],
    ['Description', 32_000],
  ] as const) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return sfError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of string from ${typeof value} value for field ${name}`);
    if (value.length > max) {
      return sfError(400, 'STRING_TOO_LONG', `${name}: data value too large: ${value.slice(0, 40)}… (max length=${max})`, [name]);
    }
  }
  const id = `00Tsb${String(ctx.data.next()).padStart(10, '0')}AAA`;
  ctx.data.salesforce.tasks.push({ id, createdAt: iso(req.now), apiVersion: req.params[0] ?? '', body: fields });
  return json(201, { id, success: true, errors: [] });
}

// --- Zoho CRM: API v2 Notes of a record, OAuth refresh-token grant at accounts.zoho.com ---

const ZOHO = CRM_API_CREDENTIALS.zoho;
const ZOHO_USER = { name: 'Sandbox User', id: '5725767000000411001' };

export function zohoToken(req: CrmRequest, ctx: CrmContext): Reply {
  // Zoho's own examples put everything in the query string of the POST; a form body works as well.
  const params = { ...firstValues(req.query), ...formBody(req) };
  // Zoho answers these errors with 200.
  if (params.grant_type !== 'refresh_token') return json(200, { error: 'unsupported_grant_type' });
  if (params.client_id !== ZOHO.clientId || params.client_secret !== ZOHO.clientSecret) return json(200, { error: 'invalid_client' });
  if (params.refresh_token !== ZOHO.refreshToken) return json(200, { error: 'invalid_code' });
  const token = ctx.data.issueToken('zoho', `1000.${randomHex(16)}.`, ctx.tokenTtlSeconds, req.now);
  return json(200, {
    access_token: token,
    scope: 'ZohoCRM.modules.ALL',
    api_domain: `${req.base}/zoho`,
    token_type: 'Bearer',
    expires_in: ctx.tokenTtlSeconds,
  });
}

function zohoError(status: number, code: string, message: string, details: Record<string, unknown> = {}): Reply {
  return json(status, { code, details, message, status: 'error' });
}

/** Zoho's timestamps: ISO without milliseconds, with an offset. */
function zohoTime(now: number): string {
  return iso(now).replace(/\.\d{3}Z$/, '+00:00');
}

export function zohoNote(req: CrmRequest, ctx: CrmContext): Reply {
  const header = req.headers.authorization;
  const token = authCredentials(req, 'Zoho-oauthtoken');
  if (!header || token === undefined) return zohoError(401, 'AUTHENTICATION_FAILURE', 'Authentication failed');
  if (ctx.data.tokenState(token, 'zoho', req.now) !== 'valid') return zohoError(401, 'INVALID_TOKEN', 'invalid oauth token');
  const [, module = '', recordId = ''] = req.params;
  const body = jsonBody(req);
  if (body.kind !== 'ok' || !isObject(body.value)) {
    return zohoError(
      400,
      'INVALID_REQUEST',
      'unable to process your request. please verify whether you have entered proper method name, parameter and parameter values.',
    );
  }
  const items = body.value.data;
  if (!Array.isArray(items) || items.length === 0) return zohoError(400, 'MANDATORY_NOT_FOUND', 'required param missing', { api_name: 'data' });
  if (items.length > 100) return zohoError(400, 'LIMIT_EXCEEDED', 'the number of records exceeds the limit', { limit: 100 });
  const results = items.map((item) => {
    if (!/^\d{1,19}$/.test(recordId)) {
      return { code: 'INVALID_DATA', details: { api_name: 'Parent_Id' }, message: 'the related id given seems to be invalid', status: 'error' };
    }
    if (!isObject(item)) return { code: 'INVALID_DATA', details: {}, message: 'invalid data', status: 'error' };
    const content = item.Note_Content;
    if (typeof content !== 'string' || content.trim() === '') {
      return { code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Note_Content' }, message: 'required field not found', status: 'error' };
    }
    if (item.Note_Title !== undefined && item.Note_Title !== null && typeof item.Note_Title !== 'string') {
      return { code: 'INVALID_DATA', details: { api_name: 'Note_Title', expected_data_type: 'text' }, message: 'invalid data', status: 'error' };
    }
    const id = `5725767000${String(ctx.data.next()).padStart(9, '0')}`;
    ctx.data.zoho.notes.push({ id, createdAt: iso(req.now), module, recordId, body: item });
    const time = zohoTime(req.now);
    return {
      code: 'SUCCESS',
      details: { Modified_Time: time, Modified_By: ZOHO_USER, Created_Time: time, id, Created_By: ZOHO_USER },
      message: 'record added',
      status: 'success',
    };
  });
  const succeeded = results.filter((result) => result.status === 'success').length;
  // All added: 201; none: 400; some: 207 (multi-status), as Zoho does.
  const status = succeeded === results.length ? 201 : succeeded === 0 ? 400 : 207;
  return json(status, { data: results });
}

// --- Dynamics 365 / Dataverse: Web API (annotations, tasks with @odata.bind), Entra ID client credentials ---

const AZURE = CRM_API_CREDENTIALS.dynamics;
const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** Regarding entity → its entity set (the bind's path). */
/** `/leads(<guid>)`, `leads(<guid>)` or the absolute URL `…/api/data/v9.2/leads(<guid>)`. */
const BIND_TARGET = new RegExp(`(?:^/?|/api/data/v9\\.\\d/)([a-z]+)\\((${GUID})\\)$`);
const ENTITY_SETS: Record<string, string> = {
  lead: 'leads',
  contact: 'contacts',
  account: 'accounts',
  opportunity: 'opportunities',
  incident: 'incidents',
};

function azureError(status: number, error: string, code: number, description: string): Reply {
  const traceId = randomUUID();
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${iso(Date.now())}`,
    error_codes: [code],
    timestamp: iso(Date.now()).replace('T', ' ').replace(/\.\d{3}Z$/, 'Z'),
    trace_id: traceId,
    correlation_id: randomUUID(),
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

export function azureToken(req: CrmRequest, ctx: CrmContext): Reply {
  const tenant = req.params[0] ?? '';
  const form = formBody(req);
  if (!form?.grant_type) return azureError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  if (form.grant_type !== 'client_credentials') {
    return azureError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type (sandbox: client_credentials only).');
  }
  const basic = basicCredentials(req);
  const clientId = form.client_id ?? basic?.user;
  const clientSecret = form.client_secret ?? basic?.password;
  if (!clientId) return azureError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  const scope = form.scope?.trim();
  if (!scope) return azureError(400, 'invalid_request', 90014, "The required field 'scope' is missing from the credential. Ensure that you have all the necessary parameters for the login request.");
  if (!scope.endsWith('/.default') || /\s/.test(scope)) {
    return azureError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  // The resource is the Dataverse environment: here any URL whose path ends in /crm-api/dynamics (host not checked).
  if (!/\/crm-api\/dynamics\/*$/.test(scope.slice(0, -'/.default'.length))) {
    return azureError(400, 'invalid_resource', 500011, `The resource principal named ${scope.slice(0, -'/.default'.length)} was not found in the tenant named ${tenant}.`);
  }
  if (clientId !== AZURE.clientId) {
    return azureError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
  }
  if (!clientSecret) return azureError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  if (clientSecret !== AZURE.clientSecret) {
    return azureError(
      401,
      'invalid_client',
      7000215,
      'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
    );
  }
  const token = ctx.data.issueToken('azure', 'eyJ0eXAiOiJKV1QiLCJzYW5kYm94Ijp0cnVlfQ.', ctx.tokenTtlSeconds, req.now);
  return json(200, { token_type: 'Bearer', expires_in: ctx.tokenTtlSeconds, ext_expires_in: ctx.tokenTtlSeconds, access_token: token });
}

function dataverseError(status: number, code: string, message: string): Reply {
  return json(status, { error: { code, message } }, { 'odata-version': '4.0' });
}

const UNDECLARED = (name: string) =>
  `An undeclared property '${name}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`;

const ANNOTATION_FIELDS = new Set(['subject', 'notetext', 'filename', 'mimetype', 'documentbody', 'isdocument', 'objecttypecode']);
const TASK_FIELDS = new Set([
  'subject',
  'description',
  'scheduledstart',
  'scheduledend',
  'actualdurationminutes',
  'prioritycode',
  'statecode',
  'statuscode',
  'category',
  'ownerid@odata.bind',
]);

/** POST …/annotations (`objectid_<entity>@odata.bind`) and …/tasks (`regardingobjectid_<entity>_task@odata.bind`). */
export function dynamicsCreate(kind: 'annotations' | 'tasks') {
  const entity = kind === 'annotations' ? 'annotation' : 'task';
  const allowed = kind === 'annotations' ? ANNOTATION_FIELDS : TASK_FIELDS;
  const bindPattern = kind === 'annotations' ? /^objectid_([a-z]+)@odata\.bind$/ : /^regardingobjectid_([a-z]+)_task@odata\.bind$/;
  const bindExample = kind === 'annotations' ? 'objectid_lead@odata.bind' : 'regardingobjectid_lead_task@odata.bind';
  return (req: CrmRequest, ctx: CrmContext): Reply => {
    const token = authCredentials(req, 'Bearer');
    if (ctx.data.tokenState(token, 'azure', req.now) !== 'valid') {
      // Dataverse answers 401 with no body, only this header.
      return {
        status: 401,
        headers: { 'www-authenticate': `Bearer authorization_uri=${req.base}/azure/common/oauth2/authorize, resource_id=${req.base}/dynamics/` },
      };
    }
    const body = jsonBody(req);
    if (body.kind === 'type') return dataverseError(415, '0x80048d19', `Unsupported media type '${body.contentType}': use application/json.`);
    if (body.kind !== 'ok' || !isObject(body.value)) {
      return dataverseError(400, '0x80048d19', `Error identified in Payload provided by the user for Entity :'${kind}': the body must be a JSON object.`);
    }
    const fields = body.value;
    let regarding: string | undefined;
    for (const [name, value] of Object.entries(fields)) {
      const bind = bindPattern.exec(name);
      if (bind) {
        const set = ENTITY_SETS[bind[1] ?? ''];
        const target = typeof value === 'string' ? BIND_TARGET.exec(value) : null;
        if (!set) return dataverseError(400, '0x80060888', UNDECLARED(name.replace(/@odata\.bind$/, '')));
        if (!target || target[1] !== set) {
          return dataverseError(400, '0x80060888', `The @odata.bind value of '${name}' must be '/${set}(<guid>)', got '${String(value)}'.`);
        }
        regarding = `/${set}(${target[2]?.toLowerCase()})`;
        continue;
      }
      if (name.endsWith('@odata.bind') && !allowed.has(name)) return dataverseError(400, '0x80060888', UNDECLARED(name.replace(/@odata\.bind$/, '')));
      if (!allowed.has(name)) {
        return dataverseError(
          400,
          '0x80060888',
          `The property '${name}' does not exist on type 'Microsoft.Dynamics.CRM.${entity}'. Make sure to only use property names that are defined by the type.`,
        );
      }
      if (['subject', 'notetext', 'description'].includes(name) && value !== null && typeof value !== 'string') {
        return dataverseError(400, '0x80048d19', `Cannot convert the literal '${String(value)}' to the expected type 'Edm.String' (property ${name}).`);
      }
    }
    if (!regarding) {
      return dataverseError(400, '0x80040203', `The ${entity} must be linked to a record: ${bindExample} ("/leads(<guid>)") is required (sandbox rule).`);
    }
    if (typeof fields.subject === 'string' && fields.subject.length > 500) {
      return dataverseError(400, '0x80044331', `A validation error occurred. The length of the 'subject' attribute of the '${entity}' entity exceeded the maximum allowed length of '500'.`);
    }
    const id = randomUUID();
    const record = { id, createdAt: iso(req.now), regarding, body: fields };
    ctx.data.dynamics[kind].push(record);
    const version = req.params[0] ?? '9.2';
    const entityId = `${req.base}/dynamics/api/data/v${version}/${kind}(${id})`;
    const headers = { 'odata-version': '4.0', 'odata-entityid': entityId };
    if (/return=representation/i.test(String(req.headers.prefer ?? ''))) {
      return json(201, { '@odata.context': `${req.base}/dynamics/api/data/v${version}/$metadata#${kind}/$entity`, [`${entity}id`]: id, ...withoutBinds(fields), createdon: iso(req.now) }, { ...headers, location: entityId });
    }
    return { status: 204, headers };
  };
}

function withoutBinds(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !name.endsWith('@odata.bind')));
}
