import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import * as oidc from 'openid-client';
import {
  RedeemRequestSchema,
  type RedeemResponse,
  RefreshRequestSchema,
  type SessionTokens,
  SignInStartSchema,
  SignOutRequestSchema,
} from '../../lib/team/api';
import type { SignedInAgent } from '../core/types';
import type { IdentityProvider } from './identity';
import { page } from './page';

/**
 * Sign-in from the extension, the same in Chrome, Edge and Firefox, with nothing but a tab:
 * 1. The extension makes a random id and PKCE pair of its own and opens `/auth/start?id&challenge` in a tab.
 * 2. The gateway sends the tab to the identity provider (authorization code + PKCE, state, nonce) and, on
 *    `/auth/callback`, exchanges the code and checks the ID token (openid-client).
 * 3. The extension polls `/auth/redeem` with its id and verifier and receives the tokens, once: whoever else
 *    saw the tab's address (history, a screen share) lacks the verifier, so cannot collect them.
 * The IdP needs one redirect URI for every browser: `{GATEWAY_PUBLIC_URL}/auth/callback`.
 */
export interface SignInStore {
  create(entry: { id: string; extChallenge: string; oidcState: string; oidcCodeVerifier: string; oidcNonce: string; expiresAt: Date }): Promise<boolean>;
  byState(state: string): Promise<PendingSignIn | undefined>;
  byId(id: string): Promise<PendingSignIn | undefined>;
  finish(id: string, result: SignInResult): Promise<void>;
  remove(id: string): Promise<void>;
}

export interface PendingSignIn {
  id: string;
  extChallenge: string;
  oidcCodeVerifier: string;
  oidcNonce: string;
  oidcState: string;
  expiresAt: Date;
  result: SignInResult | null;
}

export type SignInResult = { ok: true; session: SessionTokens } | { ok: false; message: string };

export interface SignInDeps {
  idp: IdentityProvider;
  store: SignInStore;
  publicUrl(): string;
  /** Whether this e-mail belongs to the team (undefined: not a member, said on the page and to the extension). */
  memberName(agent: SignedInAgent): Promise<{ name?: string } | undefined>;
  now(): number;
}

/** A sign-in not finished in this time starts over (the IdP's own login page rarely takes longer). */
const SIGN_IN_LIFETIME_MS = 10 * 60 * 1000;

export function mountSignIn(app: Hono, deps: SignInDeps): void {
  app.get('/auth/start', (c) => start(c, deps));
  app.get('/auth/callback', (c) => callback(c, deps));
  app.post('/auth/redeem', (c) => redeem(c, deps));
  app.post('/auth/refresh', (c) => refresh(c, deps));
  app.post('/auth/sign-out', (c) => signOut(c, deps));
}

async function start(c: Context, deps: SignInDeps): Promise<Response> {
  const request = SignInStartSchema.safeParse(c.req.query());
  if (!request.success) return c.html(page('Sign-in link is incomplete', 'Start the sign-in again from the CRM Chat Bridge popup.'), 400);
  const entry = {
    id: request.data.id,
    extChallenge: request.data.challenge,
    oidcState: oidc.randomState(),
    oidcCodeVerifier: oidc.randomPKCECodeVerifier(),
    oidcNonce: oidc.randomNonce(),
    expiresAt: new Date(deps.now() + SIGN_IN_LIFETIME_MS),
  };
  if (!(await deps.store.create(entry))) return c.html(page('Sign-in already started', 'Start the sign-in again from the CRM Chat Bridge popup.'), 409);
  const authorize = oidc.buildAuthorizationUrl(deps.idp.client, {
    ...deps.idp.settings.extraAuthParams,
    redirect_uri: `${deps.publicUrl()}/auth/callback`,
    scope: deps.idp.settings.scopes,
    state: entry.oidcState,
    nonce: entry.oidcNonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(entry.oidcCodeVerifier),
    code_challenge_method: 'S256',
  });
  return c.redirect(authorize.href, 302);
}

async function callback(c: Context, deps: SignInDeps): Promise<Response> {
  const state = c.req.query('state') ?? '';
  const pending = state ? await deps.store.byState(state) : undefined;
  if (!pending || pending.result || pending.expiresAt.getTime() < deps.now()) {
    return c.html(page('This sign-in has expired', 'Start it again from the CRM Chat Bridge popup.'), 400);
  }
  const result = await exchangeCode(c.req.url, pending, deps);
  await deps.store.finish(pending.id, result);
  return result.ok
    ? c.html(page(`Signed in as ${result.session.email}`, 'CRM Chat Bridge has your sign-in; this tab closes by itself.'))
    : c.html(page('Sign-in failed', result.message), 403);
}

async function exchangeCode(currentUrl: string, pending: PendingSignIn, deps: SignInDeps): Promise<SignInResult> {
  try {
    const tokens = await oidc.authorizationCodeGrant(deps.idp.client, new URL(withPublicOrigin(currentUrl, deps.publicUrl())), {
      pkceCodeVerifier: pending.oidcCodeVerifier,
      expectedState: pending.oidcState,
      expectedNonce: pending.oidcNonce,
      idTokenExpected: true,
    });
    return await sessionFrom(tokens, undefined, deps);
  } catch (error) {
    return { ok: false, message: `The identity provider did not complete the sign-in: ${oidcErrorText(error)}` };
  }
}

/** Behind a TLS proxy the request arrives as http://internal:port; the IdP redirected to the public address. */
function withPublicOrigin(requestUrl: string, publicUrl: string): string {
  const url = new URL(requestUrl);
  return `${publicUrl}${url.pathname}${url.search}`;
}

async function sessionFrom(
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  previousRefreshToken: string | undefined,
  deps: SignInDeps,
): Promise<SignInResult> {
  const idToken = tokens.id_token;
  if (!idToken) return { ok: false, message: 'The identity provider returned no ID token.' };
  const checked = await deps.idp.verify(idToken);
  if (!checked.ok) return { ok: false, message: checked.detail };
  const member = await deps.memberName(checked.agent);
  if (!member) {
    return { ok: false, message: `${checked.agent.email} is not a member of this team at the gateway. Ask your administrator to add you.` };
  }
  const refreshToken = tokens.refresh_token ?? previousRefreshToken;
  const session: SessionTokens = {
    idToken,
    expiresAt: checked.expiresAt,
    email: checked.agent.email,
    ...(refreshToken ? { refreshToken } : {}),
    ...(member.name ? { name: member.name } : {}),
  };
  return { ok: true, session };
}

async function redeem(c: Context, deps: SignInDeps): Promise<Response> {
  const request = RedeemRequestSchema.safeParse(await c.req.json().catch(() => undefined));
  if (!request.success) return c.json({ error: 'bad-request', message: 'Expected {id, verifier}.' }, 400);
  const pending = await deps.store.byId(request.data.id);
  // Unknown id and wrong verifier answer alike, so neither can be probed.
  if (!pending || pkceChallenge(request.data.verifier) !== pending.extChallenge) {
    return c.json({ status: 'failed', message: 'No sign-in is waiting for this browser. Start it again.' } satisfies RedeemResponse, 404);
  }
  if (!pending.result) {
    if (pending.expiresAt.getTime() < deps.now()) {
      await deps.store.remove(pending.id);
      return c.json({ status: 'failed', message: 'The sign-in was not completed in time. Start it again.' } satisfies RedeemResponse);
    }
    return c.json({ status: 'pending' } satisfies RedeemResponse);
  }
  await deps.store.remove(pending.id);
  const answer: RedeemResponse = pending.result.ok
    ? { status: 'signed-in', session: pending.result.session }
    : { status: 'failed', message: pending.result.message };
  return c.json(answer);
}

function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

async function refresh(c: Context, deps: SignInDeps): Promise<Response> {
  const request = RefreshRequestSchema.safeParse(await c.req.json().catch(() => undefined));
  if (!request.success) return c.json({ error: 'bad-request', message: 'Expected {refreshToken}.' }, 400);
  try {
    const tokens = await oidc.refreshTokenGrant(deps.idp.client, request.data.refreshToken, { scope: deps.idp.settings.scopes });
    const result = await sessionFrom(tokens, request.data.refreshToken, deps);
    if (!result.ok) return c.json({ error: 'unauthorized', message: result.message }, 401);
    return c.json(result.session);
  } catch (error) {
    return c.json({ error: 'unauthorized', message: `Sign in again: the identity provider refused to renew the sign-in (${oidcErrorText(error)}).` }, 401);
  }
}

async function signOut(c: Context, deps: SignInDeps): Promise<Response> {
  const request = SignOutRequestSchema.safeParse(await c.req.json().catch(() => ({})));
  const refreshToken = request.success ? request.data.refreshToken : undefined;
  // Best effort: the extension forgets the tokens whatever the IdP says; revocation makes the refresh token useless.
  if (refreshToken) await oidc.tokenRevocation(deps.idp.client, refreshToken).catch(() => undefined);
  return c.body(null, 204);
}

/** The IdP's error code and description, never a token. */
function oidcErrorText(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError) return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  if (error instanceof Error) return error.message.slice(0, 300);
  return 'unknown error';
}
