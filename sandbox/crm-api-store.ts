import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseJson, type ParsedBody, type Reply } from './http';

/**
 * The CRM API's in-memory data (records the calls created, seed people, issued OAuth tokens) and what its handlers
 * share: the request as they see it, body and auth helpers. Nothing here is persisted; see crm-api.ts.
 */

/** One /crm-api request as the handlers see it. */
export interface CrmRequest {
  method: string;
  /** The path below /crm-api, e.g. `/hubspot/crm/v3/objects/notes`. */
  path: string;
  /** The route pattern's groups. */
  params: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: string;
  /** The media type, lower case, without parameters ('' when none was sent). */
  contentType: string;
  /** The sandbox's CRM API base as the caller reached it, e.g. `http://127.0.0.1:4010/crm-api`. */
  base: string;
  now: number;
}

/** What a handler may read and change besides its request. */
export interface CrmContext {
  data: CrmApiData;
  /** Lifetime of the tokens the token endpoints issue now. */
  tokenTtlSeconds: number;
}

export interface CrmRecord {
  id: string;
  createdAt: string;
  /** The request body that created it (absent for seed records). */
  body?: unknown;
  seeded?: true;
}

export interface HubSpotContact extends CrmRecord {
  properties: Record<string, string>;
}
export interface PipedrivePerson extends CrmRecord {
  name: string;
  emails: string[];
  phones: string[];
}
export interface GenericPerson extends CrmRecord {
  email: string;
  name: string;
}

export type TokenIssuer = 'salesforce' | 'zoho' | 'azure';

export interface IssuedToken {
  issuer: TokenIssuer;
  /** Epoch ms; `expire-tokens` sets it to 0. */
  expiresAt: number;
}

const SEED_TIME = '2024-01-15T09:30:00.000Z';

/** Every CRM's records. Ids count up per sandbox run (seed ids stay fixed). */
export class CrmApiData {
  salesforce = { tasks: [] as (CrmRecord & { apiVersion: string })[] };
  hubspot = {
    contacts: [
      {
        id: '501',
        createdAt: SEED_TIME,
        seeded: true,
        properties: { email: 'ada@example.com', firstname: 'Ada', lastname: 'Lovelace', phone: '+14155550132' },
      },
    ] as HubSpotContact[],
    notes: [] as CrmRecord[],
  };
  pipedrive = {
    persons: [
      { id: '101', createdAt: SEED_TIME, seeded: true, name: 'Ada Lovelace', emails: ['ada@example.com'], phones: ['+14155550132'] },
    ] as PipedrivePerson[],
    activities: [] as CrmRecord[],
  };
  zoho = { notes: [] as (CrmRecord & { module: string; recordId: string })[] };
  dynamics = {
    annotations: [] as (CrmRecord & { regarding: string })[],
    tasks: [] as (CrmRecord & { regarding: string })[],
  };
  freshsales = { notes: [] as CrmRecord[] };
  generic = {
    people: [{ id: 'p-1', createdAt: SEED_TIME, seeded: true, email: 'ada@example.com', name: 'Ada Lovelace' }] as GenericPerson[],
    activities: [] as (CrmRecord & { personId: string })[],
  };
  /** Issued access tokens by value. Static keys (HubSpot, Pipedrive, Freshsales, generic) are not here. */
  tokens = new Map<string, IssuedToken>();
  private counter = 0;

  /** 1, 2, 3… across all CRMs, so ids never repeat within a run. */
  next(): number {
    this.counter += 1;
    return this.counter;
  }

  issueToken(issuer: TokenIssuer, prefix: string, ttlSeconds: number, now: number): string {
    const token = `${prefix}${randomBytes(18).toString('base64url')}`;
    this.tokens.set(token, { issuer, expiresAt: now + ttlSeconds * 1000 });
    return token;
  }

  /** 'valid', 'expired' or 'unknown' (never issued, or issued by another CRM's token endpoint). */
  tokenState(token: string | undefined, issuer: TokenIssuer, now: number): 'valid' | 'expired' | 'unknown' {
    const issued = token === undefined ? undefined : this.tokens.get(token);
    if (!issued || issued.issuer !== issuer) return 'unknown';
    return issued.expiresAt > now ? 'valid' : 'expired';
  }

  expireTokens(): number {
    for (const token of this.tokens.values()) token.expiresAt = 0;
    return this.tokens.size;
  }

  /** Everything but the tokens, for GET /__sandbox/crm-api/records. */
  records() {
    const { salesforce, hubspot, pipedrive, zoho, dynamics, freshsales, generic } = this;
    return { salesforce, hubspot, pipedrive, zoho, dynamics, freshsales, generic };
  }
}

// --- bodies ---

export type JsonBody =
  | { kind: 'ok'; value: unknown }
  | { kind: 'empty' }
  | { kind: 'type'; contentType: string }
  | { kind: 'syntax'; error: string };

/** A JSON request body: `type` when a body came with another Content-Type (real CRMs refuse those). */
export function jsonBody(req: CrmRequest): JsonBody {
  if (req.raw.trim() === '') return { kind: 'empty' };
  if (!isJsonType(req.contentType)) return { kind: 'type', contentType: req.contentType };
  const parsed = parseJson(req.raw);
  return parsed.ok ? { kind: 'ok', value: parsed.value } : { kind: 'syntax', error: parsed.error };
}

export function isJsonType(contentType: string): boolean {
  return contentType === 'application/json' || /^application\/[a-z0-9.+-]*\+json$/.test(contentType);
}

export const FORM_TYPE = 'application/x-www-form-urlencoded';

/** A form body's fields (first value of each), or undefined when the body is not a form. */
export function formBody(req: CrmRequest): Record<string, string> | undefined {
  if (req.contentType !== FORM_TYPE) return undefined;
  return firstValues(new URLSearchParams(req.raw));
}

export function firstValues(params: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of params) if (!(name in values)) values[name] = value;
  return values;
}

/** The body as logged: JSON value, form fields, raw text, or null when empty. */
export function loggedBody(req: CrmRequest): unknown {
  if (req.raw.trim() === '') return null;
  const form = formBody(req);
  if (form) return form;
  const parsed: ParsedBody = parseJson(req.raw);
  return parsed.ok ? parsed.value : req.raw;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-blank string, or a number (templates may produce either for ids). */
export function idValue(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return undefined;
}

// --- auth ---

/** The credentials after `scheme ` in the Authorization header (scheme matched case-insensitively). */
export function authCredentials(req: CrmRequest, scheme: string): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^(\S+)\s+(.+)$/.exec(header.trim());
  if (!match || match[1]?.toLowerCase() !== scheme.toLowerCase()) return undefined;
  return match[2]?.trim();
}

export function basicCredentials(req: CrmRequest): { user: string; password: string } | undefined {
  const encoded = authCredentials(req, 'Basic');
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, json: value, headers };
}

export function iso(now: number): string {
  return new Date(now).toISOString();
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** The sandbox's fixed credentials, per CRM (README "CRM API"). */
export const CRM_API_CREDENTIALS = {
  salesforce: { clientId: 'sandbox-salesforce-client', clientSecret: 'sandbox-salesforce-secret' },
  hubspot: { token: 'pat-sandbox-hubspot' },
  pipedrive: { apiToken: 'sandbox-pipedrive-token' },
  zoho: { clientId: 'sandbox-zoho-client', clientSecret: 'sandbox-zoho-secret', refreshToken: 'sandbox-zoho-refresh' },
  /** Dataverse's token comes from Microsoft Entra ID (`/crm-api/azure/{tenant}/…`); scope `<CRM API base>/dynamics/.default`. */
  dynamics: { clientId: 'sandbox-dynamics-client', clientSecret: 'sandbox-dynamics-secret' },
  freshsales: { apiKey: 'sandbox-freshsales-key' },
  generic: { username: 'crm', password: 'sandbox-secret' },
} as const;

/** A parsed input, or the CRM's answer to an invalid one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reply: Reply };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = (reply: Reply): { ok: false; reply: Reply } => ({ ok: false, reply });
