/// <reference path="./oidc-provider.d.ts" />
import { generateKeyPair, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import Provider, {
  type Account,
  type Adapter,
  type AdapterPayload,
  type ClientMetadata,
  type Configuration,
  errors,
  type Grant,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { z } from 'zod';
import { invalid } from './control';
import { html, page, SafeHtml } from './html';
import { errorReply, htmlReply, jsonReply, parseJson, type Reply, readBody, send } from './http';
import type { SandboxSeed } from './seed';

/**
 * The company identity provider of the team-gateway scenario: a real OpenID Connect provider (panva's certified
 * oidc-provider) mounted on the sandbox under /oidc, so the gateway is tested against real discovery, PKCE, signed
 * ID tokens, refresh-token rotation and revocation, not against a stub that signs whatever it is asked.
 *
 * oidc-provider serves every protocol endpoint; this module adds what it leaves to the host: accounts (the seed's
 * users, one demo password), an in-memory adapter whose Client model the control API writes into, and the
 * login page (its devInteractions accept any password, which would make the wrong-password path untestable).
 */

export const OIDC_PATH = '/oidc';
/** Every account's password. A sandbox: documented in sandbox/README.md and printed by `npm run sandbox`. */
export const OIDC_DEMO_PASSWORD = 'sandbox-password';
export const OIDC_SCOPES = ['openid', 'email', 'profile', 'offline_access'];

export interface SandboxOidcClient {
  client_id: string;
  /** Required unless token_endpoint_auth_method is 'none'. */
  client_secret?: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  /** Default: client_secret_basic with a secret, none without. */
  token_endpoint_auth_method?: 'none' | 'client_secret_basic' | 'client_secret_post';
}

/** The demo gateway's client, registered in every sandbox (the redirect URI is the gateway's default port). */
export const DEFAULT_OIDC_CLIENT: SandboxOidcClient = {
  client_id: 'ccb-gateway',
  client_secret: 'sandbox-oidc-secret',
  token_endpoint_auth_method: 'client_secret_basic',
  redirect_uris: ['http://127.0.0.1:4020/auth/callback'],
  post_logout_redirect_uris: ['http://127.0.0.1:4020/'],
};

export interface OidcTtlSeconds {
  /** Default 3600. */
  idToken?: number;
  /** Default 3600. */
  accessToken?: number;
  /** Default 86400. */
  refreshToken?: number;
}

export interface OidcAccount {
  /** The ID token's `sub`. */
  sub: string;
  email: string;
  name: string;
}

export interface SandboxOidcOptions {
  /** e.g. http://127.0.0.1:4010/oidc; its path must be OIDC_PATH. */
  issuer: string;
  accounts: OidcAccount[];
  /** Registered after DEFAULT_OIDC_CLIENT, so one with its client_id replaces it. */
  clients?: SandboxOidcClient[];
  ttl?: OidcTtlSeconds;
}

export interface SandboxOidc {
  issuer: string;
  /** Handles a request whose path is OIDC_PATH or below it. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Registers or replaces a client; rejects with InvalidOidcClientError when oidc-provider refuses it. */
  registerClient(client: SandboxOidcClient): Promise<void>;
}

export class InvalidOidcClientError extends Error {}

export function isOidcPath(path: string): boolean {
  return path === OIDC_PATH || path.startsWith(`${OIDC_PATH}/`);
}

/**
 * The sub is neither the Saleschat user id nor the email, as at a real company IdP: a gateway that mixed up
 * the IdP subject with either would pass against an IdP where they coincide and fail in production.
 */
export function oidcAccountsFromSeed(seed: SandboxSeed): OidcAccount[] {
  const byEmail = new Map<string, OidcAccount>();
  for (const user of seed.orgs.flatMap((org) => org.users)) {
    const email = user.email.toLowerCase();
    const name = `${user.first_name} ${user.last_name}`.trim();
    if (!byEmail.has(email)) byEmail.set(email, { sub: `idp|${user.id}`, email: user.email, name });
  }
  return [...byEmail.values()];
}

export async function createSandboxOidc(options: SandboxOidcOptions): Promise<SandboxOidc> {
  const store = new MemoryStore();
  const accounts = new AccountBook(options.accounts);
  const provider = new Provider(options.issuer, await providerConfiguration(options, store, accounts));
  provider.use(offlineAccessWithoutPromptConsent);
  // oidc-provider turns unexpected exceptions into a generic 500 page; this keeps the cause visible.
  provider.on('server_error', (_ctx, error) => console.error('[sandbox] oidc-provider server_error', error));
  const callback = provider.callback();

  async function registerClient(client: SandboxOidcClient): Promise<void> {
    const metadata = clientMetadata(client);
    try {
      await provider.Client.validate(metadata);
    } catch (error) {
      // oidc-provider's InvalidClientMetadata says what is wrong in error_description; its message is only the code.
      const description = (error as { error_description?: unknown }).error_description;
      const reason = typeof description === 'string' ? description : String(error);
      throw new InvalidOidcClientError(`OIDC client ${client.client_id}: ${reason}`, { cause: error });
    }
    store.set(storeKey('Client', metadata.client_id), { ...metadata }, undefined);
  }

  for (const client of [DEFAULT_OIDC_CLIENT, ...(options.clients ?? [])]) await registerClient(client);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = mountUnderPrefix(req);
    const interaction = /^\/interaction\/([A-Za-z0-9_-]+)(\/login|\/abort)?$/.exec(path);
    if (interaction) {
      await handleInteraction(req, res, { provider, accounts, action: interaction[2] ?? '' });
      return;
    }
    await callback(req, res);
  }

  return { issuer: options.issuer, handle, registerClient };
}

/**
 * Strips OIDC_PATH from req.url and records it the way Express does when mounting (`originalUrl`, `baseUrl`).
 * oidc-provider derives the mount path of every URL it builds (discovery endpoints, form actions, redirects)
 * from those two (ctx.oidc.urlFor in lib/helpers/oidc_context.js); without them it would drop the prefix.
 * Returns the path below the prefix.
 */
function mountUnderPrefix(req: IncomingMessage): string {
  const original = req.url ?? '/';
  const rest = original.slice(OIDC_PATH.length);
  const inner = rest.startsWith('/') ? rest : `/${rest}`;
  Object.assign(req, { originalUrl: original, baseUrl: OIDC_PATH });
  req.url = inner;
  return new URL(inner, 'http://sandbox.invalid').pathname;
}

/**
 * OpenID Connect Core 11 lets a provider drop offline_access unless prompt=consent, and oidc-provider always does.
 * Company IdPs (Okta, Entra ID) issue refresh tokens for offline_access without it, since consent is granted
 * for first-party apps anyway; so do we, by adding the consent prompt (auto-granted on the interaction page).
 * prompt=none stays as it is: it cannot be combined with other prompts.
 */
async function offlineAccessWithoutPromptConsent(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  if (ctx.method === 'GET' && ctx.path === '/auth') {
    const scope = typeof ctx.query.scope === 'string' ? ctx.query.scope.split(' ') : [];
    const prompt = typeof ctx.query.prompt === 'string' ? ctx.query.prompt.split(' ').filter(Boolean) : [];
    if (scope.includes('offline_access') && !prompt.includes('consent') && !prompt.includes('none')) {
      ctx.query = { ...ctx.query, prompt: [...prompt, 'consent'].join(' ') };
    }
  }
  await next();
}

async function providerConfiguration(
  options: SandboxOidcOptions,
  store: MemoryStore,
  accounts: AccountBook,
): Promise<Partial<Configuration>> {
  const refreshTokenTtl = options.ttl?.refreshToken ?? 86_400;
  return {
    adapter: (model) => new MemoryAdapter(model, store),
    findAccount: async (_ctx, sub) => accounts.bySub(sub)?.toProviderAccount(),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: OIDC_SCOPES,
    // Authorization code only: implicit and hybrid flows are not something a gateway should be tested with.
    responseTypes: ['code'],
    // The gateway reads email and name from the ID token, without a userinfo call.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    rotateRefreshToken: true,
    loadExistingGrant: grantRequestedScopes,
    // Token, userinfo and revocation answer CORS from any origin: the sandbox's clients are all trusted.
    clientBasedCORS: () => true,
    interactions: { url: (_ctx, interaction) => `${OIDC_PATH}/interaction/${interaction.uid}` },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // Not `secure`: the sandbox is plain http on loopback, and browsers drop secure cookies set over http.
      // The session cookie is scoped to /oidc: cookies ignore ports, so with path / a gateway on the same host
      // would receive it. (The short-lived interaction cookies get their own /oidc/... paths from oidc-provider;
      // a path here would override those.)
      long: { httpOnly: true, sameSite: 'lax', path: OIDC_PATH },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    jwks: { keys: [await signingKey()] },
    // Every TTL oidc-provider would otherwise default with a notice on stdout.
    ttl: {
      AccessToken: options.ttl?.accessToken ?? 3600,
      IdToken: options.ttl?.idToken ?? 3600,
      RefreshToken: refreshTokenTtl,
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: 86_400,
      // The grant must outlive every refresh token issued under it, or refreshing fails early.
      Grant: Math.max(refreshTokenTtl, 14 * 86_400),
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true, allowedPolicy: () => true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    renderError,
  };
}

/**
 * oidc-provider's documented way to skip consent for first-party clients: the grant the authorization request
 * needs is created (or extended) here, so the consent prompt finds nothing missing. All sandbox clients are
 * first-party.
 */
async function grantRequestedScopes(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { client, session, provider, result } = ctx.oidc;
  const accountId = session.accountId;
  if (!client || !accountId) return undefined;
  const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  const grant =
    (grantId ? await provider.Grant.find(grantId) : undefined) ??
    new provider.Grant({ accountId, clientId: client.clientId });
  grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
  await grant.save();
  return grant;
}

function clientMetadata(client: SandboxOidcClient): ClientMetadata {
  const method = client.token_endpoint_auth_method ?? (client.client_secret ? 'client_secret_basic' : 'none');
  return {
    client_id: client.client_id,
    ...(method === 'none' ? {} : { client_secret: client.client_secret }),
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
    token_endpoint_auth_method: method,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Keys

let signingKeyOnce: Promise<object> | undefined;

/**
 * One RS256 key per process, generated at first use and never written anywhere: tokens from an earlier run fail
 * verification, as they would after a key rotation. Shared by the sandboxes of one process (a test file may
 * start several) because RSA key generation is the slow part of starting the provider.
 */
function signingKey(): Promise<object> {
  signingKeyOnce ??= promisify(generateKeyPair)('rsa', { modulusLength: 2048 }).then(({ privateKey }) => ({
    ...privateKey.export({ format: 'jwk' }),
    kid: `sandbox-${randomUUID()}`,
    alg: 'RS256',
    use: 'sig',
  }));
  return signingKeyOnce;
}

// ---------------------------------------------------------------------------------------------------------------
// Accounts

class AccountBook {
  private readonly byEmailMap = new Map<string, SandboxAccount>();
  private readonly bySubMap = new Map<string, SandboxAccount>();

  constructor(accounts: OidcAccount[]) {
    for (const account of accounts) {
      const entry = new SandboxAccount(account);
      this.byEmailMap.set(account.email.toLowerCase(), entry);
      this.bySubMap.set(account.sub, entry);
    }
  }

  bySub(sub: string): SandboxAccount | undefined {
    return this.bySubMap.get(sub);
  }

  /** undefined for an unknown email and for a wrong password alike, so the page cannot reveal which. */
  authenticate(login: string, password: string): SandboxAccount | undefined {
    const account = this.byEmailMap.get(login.trim().toLowerCase());
    return account && password === OIDC_DEMO_PASSWORD ? account : undefined;
  }
}

class SandboxAccount {
  constructor(readonly data: OidcAccount) {}

  toProviderAccount(): Account {
    const { sub, email, name } = this.data;
    return { accountId: sub, claims: () => ({ sub, email, email_verified: true, name }) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Adapter: everything in memory, Client entries written by registerClient and never expiring

const GRANT_BOUND_MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

function storeKey(model: string, id: string): string {
  return `${model}:${id}`;
}

interface Stored {
  model: string;
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

class MemoryStore {
  private readonly entries = new Map<string, Stored>();
  private writes = 0;

  get(key: string): Stored | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, payload: AdapterPayload, expiresInSeconds: number | undefined): void {
    const model = key.slice(0, key.indexOf(':'));
    const expiresAt = expiresInSeconds === undefined ? undefined : Date.now() + expiresInSeconds * 1000;
    this.entries.set(key, { model, payload, expiresAt });
    // No timer (close() would have to stop it): expired entries go every few hundred writes instead.
    if (++this.writes % 500 === 0) this.sweep();
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Linear scans: a sandbox holds a few hundred entries. */
  find(model: string, matches: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    for (const [key, entry] of this.entries) {
      if (entry.model === model && matches(entry.payload)) return this.get(key)?.payload;
    }
    return undefined;
  }

  deleteWhere(matches: (entry: Stored) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(entry)) this.entries.delete(key);
  }

  private sweep(): void {
    const now = Date.now();
    this.deleteWhere((entry) => entry.expiresAt !== undefined && entry.expiresAt <= now);
  }
}

class MemoryAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: MemoryStore,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    this.store.set(storeKey(this.model, id), payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.get(storeKey(this.model, id))?.payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.store.find(this.model, (payload) => payload.uid === uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.store.find(this.model, (payload) => payload.userCode === userCode);
  }

  async consume(id: string): Promise<void> {
    const entry = this.store.get(storeKey(this.model, id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(storeKey(this.model, id));
  }

  /** Used on refresh-token reuse, revocation and logout: every token of the grant goes. */
  async revokeByGrantId(grantId: string): Promise<void> {
    this.store.deleteWhere((entry) => GRANT_BOUND_MODELS.has(entry.model) && entry.payload.grantId === grantId);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Interaction pages: the login form; consent is granted without a page

interface InteractionDeps {
  provider: Provider;
  accounts: AccountBook;
  /** '' (show), '/login' (form submitted) or '/abort'. */
  action: string;
}

async function handleInteraction(req: IncomingMessage, res: ServerResponse, deps: InteractionDeps): Promise<void> {
  const { provider, accounts, action } = deps;
  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (error) {
    if (!(error instanceof errors.SessionNotFound)) throw error;
    send(res, htmlReply(errorPage('Sign-in expired', 'This sign-in has expired or was already used. Start again from the application.'), 400));
    return;
  }
  const { uid, prompt, params } = details;
  const clientId = typeof params.client_id === 'string' ? params.client_id : '';
  const loginHint = typeof params.login_hint === 'string' ? params.login_hint : '';

  if (action === '/abort') {
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name === 'consent') {
    // loadExistingGrant already granted what was asked; a consent prompt is left only when the request
    // demanded one (prompt=consent), and it is answered without asking: first-party clients.
    await provider.interactionFinished(req, res, { consent: {} }, { mergeWithLastSubmission: true });
    return;
  }
  if (prompt.name !== 'login') {
    send(res, htmlReply(errorPage('Sign-in error', `Unsupported prompt ${prompt.name}`), 501));
    return;
  }
  if (action !== '/login' || req.method !== 'POST') {
    send(res, htmlReply(loginPage({ uid, clientId, login: loginHint, failed: false })));
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  const login = form.get('login') ?? '';
  const account = accounts.authenticate(login, form.get('password') ?? '');
  if (!account) {
    send(res, htmlReply(loginPage({ uid, clientId, login, failed: true }), 401));
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: account.data.sub } }, { mergeWithLastSubmission: false });
}

const PAGE_CSS =
  'body{font:15px/1.5 system-ui,sans-serif;margin:40px auto;max-width:360px}label{display:block;margin:12px 0}' +
  'input{display:block;width:100%;padding:6px;box-sizing:border-box}button{padding:8px 16px;margin:8px 8px 0 0}' +
  '.error{color:#b00020}';

function loginPage(state: { uid: string; clientId: string; login: string; failed: boolean }): string {
  const base = `${OIDC_PATH}/interaction/${state.uid}`;
  return page(
    'Sign in | Sandbox IdP',
    html`<main class="oidc-login">
<h1>Sign in</h1>
<p>to continue to <b class="client-id">${state.clientId}</b></p>
${state.failed ? html`<p class="error" id="login-error" role="alert">Wrong email or password.</p>` : ''}
<form id="oidc-login-form" method="post" action="${base}/login" autocomplete="off">
<label>Email <input type="text" name="login" value="${state.login}" required autofocus autocomplete="username"></label>
<label>Password <input type="password" name="password" required autocomplete="current-password"></label>
<button type="submit">Sign in</button> <a href="${base}/abort">Cancel</a>
</form>
</main>`,
    PAGE_CSS,
  );
}

function errorPage(title: string, message: string): string {
  return page(
    `${title} | Sandbox IdP`,
    html`<main class="oidc-error"><h1>${title}</h1><p class="error" id="oidc-error">${message}</p></main>`,
    PAGE_CSS,
  );
}

async function renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void> {
  ctx.type = 'html';
  ctx.body = errorPage('Sign-in error', `${out.error}: ${out.error_description ?? ''}`);
}

/** `form` is oidc-provider's own markup (a hidden xsrf field in form#op.logoutForm), hence SafeHtml. */
async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Sign out | Sandbox IdP',
    html`<main class="oidc-logout"><h1>Sign out of the Sandbox IdP?</h1>${new SafeHtml(form)}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button></main>`,
    PAGE_CSS,
  );
}

async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'html';
  ctx.body = page('Signed out | Sandbox IdP', html`<main class="oidc-logout"><h1>Signed out</h1></main>`, PAGE_CSS);
}

// ---------------------------------------------------------------------------------------------------------------
// Control API: POST /__sandbox/oidc/clients

const ClientUrlSchema = z.url({ protocol: /^https?$/ });

export const SandboxOidcClientSchema = z
  .strictObject({
    client_id: z.string().min(1).max(200),
    client_secret: z.string().min(1).max(500).optional(),
    redirect_uris: z.array(ClientUrlSchema).min(1).max(20),
    post_logout_redirect_uris: z.array(ClientUrlSchema).max(20).optional(),
    token_endpoint_auth_method: z.enum(['none', 'client_secret_basic', 'client_secret_post']).optional(),
  })
  .superRefine((client, context) => {
    const method = client.token_endpoint_auth_method;
    if (method !== undefined && method !== 'none' && client.client_secret === undefined) {
      context.addIssue({ code: 'custom', path: ['client_secret'], message: `required with ${method}` });
    }
    if (method === 'none' && client.client_secret !== undefined) {
      context.addIssue({ code: 'custom', path: ['client_secret'], message: 'must be absent with none' });
    }
  });

export async function handleOidcControl(method: string, path: string, rawBody: string, oidc: SandboxOidc): Promise<Reply> {
  if (path.replace(/\/+$/, '') !== '/__sandbox/oidc/clients' || method !== 'POST') {
    return errorReply(404, `No control route ${method} ${path}`);
  }
  const parsed = parseJson(rawBody);
  if (!parsed.ok) return errorReply(400, `Malformed JSON body: ${parsed.error}`);
  const result = SandboxOidcClientSchema.safeParse(parsed.value);
  if (!result.success) return invalid(result.error);
  try {
    await oidc.registerClient(result.data);
  } catch (error) {
    // oidc-provider's own metadata validation has the last word (e.g. no fragment in a redirect URI).
    if (error instanceof InvalidOidcClientError) return errorReply(400, error.message, { field: '' });
    throw error;
  }
  return jsonReply({ registered: result.data.client_id, issuer: oidc.issuer });
}
