import { ConfigError } from '../config/resolve';
import { AuthErrorSchema, type SessionTokens, SessionTokensSchema } from './api';
import type { SessionStore, StoredSession } from './session';

/**
 * Calls the team gateway for the background worker with the agent's sign-in: renews the ID token shortly before
 * it expires (and once more when the gateway says it has), so an agent never notices the session's expiry
 * while the identity provider still renews it.
 */
export interface GatewayClient {
  call(path: string, body?: unknown): Promise<unknown>;
  session(): Promise<StoredSession>;
}

/** Renewed this long before expiry: a Chat's request must not arrive with a token that expired on the way. */
const RENEW_MARGIN_MS = 60_000;
/** The gateway's own budget for a Chat is 20 s (two provider calls with retries); a little more for the trip. */
const REQUEST_TIMEOUT_MS = 25_000;

export class GatewayCallError extends Error {
  override readonly name = 'GatewayCallError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly body: unknown,
  ) {
    super(message);
  }
}

export const NOT_SIGNED_IN =
  'You are not signed in to your team. Open the CRM Chat Bridge popup (the extension icon) and press "Sign in".';

export function gatewayClient(gatewayUrl: string, sessions: SessionStore, now: () => number = Date.now, fetchImpl: typeof fetch = fetch): GatewayClient {
  let renewing: Promise<StoredSession> | undefined;

  async function current(): Promise<StoredSession> {
    const stored = await sessions.get(gatewayUrl);
    if (!stored) throw new ConfigError(NOT_SIGNED_IN);
    if (stored.expiresAt - now() > RENEW_MARGIN_MS) return stored;
    return renew(stored);
  }

  /** One renewal at a time: two Chats at once must not spend a rotating refresh token twice. */
  function renew(stored: StoredSession): Promise<StoredSession> {
    renewing ??= renewOnce(stored).finally(() => {
      renewing = undefined;
    });
    return renewing;
  }

  async function renewOnce(stored: StoredSession): Promise<StoredSession> {
    if (!stored.refreshToken) throw new ConfigError(`Your team sign-in has expired. ${NOT_SIGNED_IN.split('. ')[1]}`);
    const answer = await send('/auth/refresh', { refreshToken: stored.refreshToken }, undefined).catch(async (error: unknown) => {
      if (error instanceof GatewayCallError && error.status === 401) {
        await sessions.clear();
        throw new ConfigError(`Your team sign-in has ended (${describeAnswer(error.body)}). ${NOT_SIGNED_IN.split('. ')[1]}`);
      }
      throw error;
    });
    const tokens: SessionTokens = SessionTokensSchema.parse(answer);
    const renewed = { ...stored, ...tokens };
    await sessions.set(renewed);
    return renewed;
  }

  async function send(path: string, body: unknown, idToken: string | undefined): Promise<unknown> {
    let response: Response;
    try {
      response = await fetchImpl(`${gatewayUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { ...(idToken ? { Authorization: `Bearer ${idToken}` } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      throw new GatewayCallError(
        timedOut ? `The team gateway did not answer within ${REQUEST_TIMEOUT_MS / 1000} s.` : `The team gateway at ${gatewayUrl} cannot be reached.`,
        undefined,
        undefined,
      );
    }
    const parsed: unknown = await response.json().catch(() => undefined);
    if (response.ok || (parsed && typeof parsed === 'object' && 'ok' in parsed)) return parsed;
    throw new GatewayCallError(`The team gateway answered ${response.status}: ${describeAnswer(parsed)}`, response.status, parsed);
  }

  return {
    session: current,
    async call(path, body) {
      const session = await current();
      try {
        return await send(path, body, session.idToken);
      } catch (error) {
        const expired = error instanceof GatewayCallError && error.status === 401 && AuthErrorSchema.safeParse(error.body).data?.error === 'token-expired';
        if (!expired) throw error;
        return send(path, body, (await renew(session)).idToken);
      }
    },
  };
}

function describeAnswer(body: unknown): string {
  const parsed = AuthErrorSchema.safeParse(body);
  if (parsed.success) return parsed.data.message;
  if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') return body.message.slice(0, 300);
  return 'no readable answer';
}
