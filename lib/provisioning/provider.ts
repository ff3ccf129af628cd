import { type CreateUserInput, SaleschatClient } from '../provider/client';
import { ProviderError } from '../provider/errors';

/**
 * The two provider operations provisioning needs, both through the extension's SaleschatClient. The lookup's
 * path is UNCONFIRMED in the provider docs (provider-api.md 2.4), so it is configurable and its answer read
 * tolerantly here.
 */
export interface ProvisioningApi {
  createUser(input: CreateUserInput): Promise<string>;
  /** The user's id; undefined when the provider answers 404. Anything else unexpected throws a ProviderError. */
  findUserIdByEmail(email: string): Promise<string | undefined>;
}

export interface ConnectionSettings {
  apiUrl: string;
  orgId: string;
  apiToken: string;
  timeoutMs: number;
  /** Placeholders {orgId} and {EMAIL}, both inserted URL-encoded. */
  lookupPath: string;
}

export const DEFAULT_LOOKUP_PATH = '/v1/org/{orgId}/user?email={EMAIL}';
export const LOOKUP_ENDPOINT = 'getUserByEmail' as const;

export interface RequestCounter {
  requests: number;
}

export function createProvisioningApi(
  settings: ConnectionSettings,
  counter: RequestCounter = { requests: 0 },
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): ProvisioningApi {
  const counted: typeof fetch = (input, init) => {
    counter.requests += 1;
    return fetchImpl(input, init);
  };
  const client = new SaleschatClient(
    {
      apiUrl: settings.apiUrl,
      orgId: settings.orgId,
      apiToken: settings.apiToken,
      requestTimeoutMs: settings.timeoutMs,
      magicLinkLifetimeMs: 0,
    },
    counted,
  );
  return {
    createUser: (input) => client.createUser(input),
    findUserIdByEmail: (email) => lookupUserId(client, settings, email),
  };
}

/** The configured lookup path with its placeholders filled (URL-encoded). */
export function lookupPath(settings: Pick<ConnectionSettings, 'orgId' | 'lookupPath'>, email: string): string {
  return settings.lookupPath.replaceAll('{orgId}', encodeURIComponent(settings.orgId)).replaceAll('{EMAIL}', encodeURIComponent(email));
}

async function lookupUserId(client: SaleschatClient, settings: ConnectionSettings, email: string): Promise<string | undefined> {
  const body = await client.lookup(LOOKUP_ENDPOINT, lookupPath(settings, email));
  if (body === undefined) return undefined;
  const id = userIdFrom(body, email);
  if (id === undefined) {
    throw new ProviderError('invalid-response', 'the user lookup answered 200 without a recognisable user id for this email', {
      endpoint: LOOKUP_ENDPOINT,
      status: 200,
    });
  }
  return id;
}

/**
 * Accepts `{user_id}`, `{id}`, `{user: {id | user_id}}`, or a list of such users. When the answer names an
 * email it must be the one asked for: an endpoint that ignored the query (and answered with some other
 * user) must not hand out that user's id.
 */
export function userIdFrom(body: unknown, email: string): string | undefined {
  if (Array.isArray(body)) {
    const matches = body.filter((item) => emailOf(item) === email.toLowerCase());
    return matches.length === 1 ? userIdFrom(matches[0], email) : undefined;
  }
  if (!isRecord(body)) return undefined;
  const named = emailOf(body);
  if (named !== undefined && named !== email.toLowerCase()) return undefined;
  const direct = idOf(body.user_id) ?? idOf(body.id);
  if (direct !== undefined) return direct;
  return isRecord(body.user) ? userIdFrom(body.user, email) : undefined;
}

function emailOf(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const candidate = isRecord(value.user) && value.email === undefined ? value.user.email : value.email;
  return typeof candidate === 'string' ? candidate.trim().toLowerCase() : undefined;
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
