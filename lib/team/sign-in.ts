import { HealthResponseSchema, MeResponseSchema, RedeemResponseSchema, type SessionTokens } from './api';
import { type GatewayClient, gatewayClient } from './gateway-client';
import type { SessionStore, StoredSession } from './session';

/**
 * Sign-in to the team gateway from the background (gateway/http/sign-in.ts has the other half): a random id
 * and a PKCE verifier made here, the gateway's sign-in page in a new tab, and the result collected by polling
 * with the verifier, which never leaves the background. Works the same in Chrome, Edge and Firefox, needs no
 * permission to read tabs, and the identity provider knows one redirect URI: the gateway's.
 */
export interface SignInDeps {
  gatewayUrl: string;
  sessions: SessionStore;
  tabs: { create(properties: { url: string; active: boolean }): Promise<{ id?: number }>; get(tabId: number): Promise<unknown>; remove(tabId: number): Promise<void> };
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type SignInState = { state: 'idle' } | { state: 'pending'; since: number } | { state: 'failed'; message: string; at: number };

/** The gateway keeps a started sign-in 10 minutes; polling stops then too. */
const SIGN_IN_WINDOW_MS = 10 * 60 * 1000;
const POLL_INTERVAL_MS = 700;

let lastAttempt: SignInState = { state: 'idle' };

export function signInState(): SignInState {
  return lastAttempt;
}

/** Opens the sign-in tab and returns; the result arrives in the session store (and signInState) later. */
export async function startSignIn(deps: SignInDeps): Promise<{ ok: true; message: string } | { ok: false; message: string }> {
  if (lastAttempt.state === 'pending' && (deps.now ?? Date.now)() - lastAttempt.since < SIGN_IN_WINDOW_MS) {
    return { ok: true, message: 'A sign-in is already open in a tab: finish it there.' };
  }
  const id = randomBase64Url(32);
  const verifier = randomBase64Url(32);
  const challenge = await sha256Base64Url(verifier);
  const tab = await deps.tabs.create({ url: `${deps.gatewayUrl}/auth/start?id=${id}&challenge=${challenge}`, active: true });
  lastAttempt = { state: 'pending', since: (deps.now ?? Date.now)() };
  void collect(deps, id, verifier, tab.id).then(
    () => {
      lastAttempt = { state: 'idle' };
    },
    (error: unknown) => {
      lastAttempt = { state: 'failed', message: error instanceof Error ? error.message : String(error), at: (deps.now ?? Date.now)() };
    },
  );
  return { ok: true, message: 'Sign in with your company account in the tab that opened.' };
}

/** Polls until the gateway has the result; closes the tab we opened once signed in. */
async function collect(deps: SignInDeps, id: string, verifier: string, tabId: number | undefined): Promise<void> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const until = now() + SIGN_IN_WINDOW_MS;
  while (now() < until) {
    await sleep(POLL_INTERVAL_MS);
    // Also keeps an MV3 worker awake: each extension API call restarts its idle timer.
    const tabOpen = tabId === undefined || (await deps.tabs.get(tabId).then(() => true, () => false));
    const answer = RedeemResponseSchema.parse(await postJson(deps, '/auth/redeem', { id, verifier }));
    if (answer.status === 'failed') throw new Error(answer.message);
    if (answer.status === 'signed-in') {
      await saveSignedIn(deps, answer.session);
      if (tabId !== undefined && tabOpen) await deps.tabs.remove(tabId).catch(() => undefined);
      return;
    }
    if (!tabOpen) throw new Error('The sign-in tab was closed before the sign-in finished.');
  }
  throw new Error('The sign-in was not finished within 10 minutes. Start it again.');
}

async function saveSignedIn(deps: SignInDeps, tokens: SessionTokens): Promise<void> {
  const session: StoredSession = { ...tokens, gatewayUrl: deps.gatewayUrl };
  await deps.sessions.set(session);
  const me = MeResponseSchema.parse(await gatewayFor(deps).call('/v1/me'));
  await deps.sessions.set({ ...session, providerUserId: me.providerUserId, rules: me.rules, ...(me.name ? { name: me.name } : {}) });
}

export async function signOut(deps: Pick<SignInDeps, 'gatewayUrl' | 'sessions' | 'fetch'>): Promise<void> {
  const session = await deps.sessions.get(deps.gatewayUrl);
  await deps.sessions.clear();
  lastAttempt = { state: 'idle' };
  if (session?.refreshToken) await postJson(deps, '/auth/sign-out', { refreshToken: session.refreshToken }).catch(() => undefined);
}

/** The gateway's health, for the popup and options page (no sign-in needed). */
export async function gatewayHealth(deps: Pick<SignInDeps, 'gatewayUrl' | 'fetch'>): Promise<{ ok: boolean; detail: string }> {
  try {
    const response = await (deps.fetch ?? fetch)(`${deps.gatewayUrl}/health`, { signal: AbortSignal.timeout(5000) });
    const health = HealthResponseSchema.parse(await response.json());
    return health.ok
      ? { ok: true, detail: `reachable (version ${health.version}, ${health.database === 'pglite' ? 'embedded database' : 'PostgreSQL'})` }
      : { ok: false, detail: `answers, with problems: ${health.problems.join('; ')}` };
  } catch {
    return { ok: false, detail: `cannot be reached at ${deps.gatewayUrl}` };
  }
}

export function gatewayFor(deps: Pick<SignInDeps, 'gatewayUrl' | 'sessions' | 'fetch' | 'now'>): GatewayClient {
  return gatewayClient(deps.gatewayUrl, deps.sessions, deps.now, deps.fetch);
}

async function postJson(deps: Pick<SignInDeps, 'gatewayUrl' | 'fetch'>, path: string, body: unknown): Promise<unknown> {
  const response = await (deps.fetch ?? fetch)(`${deps.gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return response.json().catch(() => ({ status: 'failed', message: `The team gateway answered ${response.status}.` }));
}

function randomBase64Url(bytes: number): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function sha256Base64Url(text: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

function toBase64Url(data: Uint8Array): string {
  return btoa(String.fromCharCode(...data))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
