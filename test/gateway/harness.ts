import { createHash, randomBytes } from 'node:crypto';
import { loadGatewayConfig } from '../../gateway/config';
import { type UserInput, upsertUsers } from '../../gateway/core';
import type { OpenDatabaseOptions } from '../../gateway/db/open';
import type { Logger } from '../../gateway/http/log';
import { type RunningGateway, type StartOptions, startGateway } from '../../gateway/main';
import type { SessionTokens } from '../../lib/team/api';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { followSignIn } from '../sandbox/oidc-flow';
import { pgliteTemplate } from './pglite-template';

/**
 * A real team gateway against the real provider sandbox and its real OpenID Connect provider, over HTTP, for
 * the gateway's tests; and an agent's sign-in done the way the extension does it (start, log in, redeem).
 */

export const ORG = 'org_demo';
export const PROVIDER_TOKEN = 'sandbox-token-demo';
export const AGENTS = [
  { email: 'alice@example.com', providerUserId: 'u_alice', name: 'Alice Agent' },
  { email: 'bob@example.com', providerUserId: 'u_bob', name: 'Bob Agent' },
];

let clients = 0;

/** An OIDC client registered at the sandbox for one gateway (its redirect URI needs the gateway's port). */
export async function registerClient(sandbox: Sandbox, redirectBase: string, name = 'gw'): Promise<{ id: string; secret: string }> {
  clients += 1;
  const client = { id: `${name}-${process.pid}-${clients}`, secret: `secret-${clients}-${randomBytes(8).toString('hex')}` };
  await setRedirects(sandbox, client, [`${redirectBase}/auth/callback`]);
  return client;
}

/** The gateway's environment for this sandbox (what an admin writes in gateway.env). */
export function gatewayEnv(sandbox: Sandbox, client: { id: string; secret: string }, env: Record<string, string> = {}): Record<string, string> {
  return {
    GATEWAY_PORT: '0',
    SALESCHAT_API_URL: sandbox.url,
    SALESCHAT_DASHBOARD_URL: `${sandbox.url}/app`,
    SALESCHAT_ORG_ID: ORG,
    SALESCHAT_API_TOKEN: PROVIDER_TOKEN,
    OIDC_ISSUER: sandbox.oidcIssuer,
    OIDC_CLIENT_ID: client.id,
    OIDC_CLIENT_SECRET: client.secret,
    ...env,
  };
}

export interface Harness {
  sandbox: Sandbox;
  gateway: RunningGateway;
  client: { id: string; secret: string };
  logs: string[];
  close(): Promise<void>;
}

export interface SandboxGatewayOptions {
  env?: Record<string, string>;
  now?: () => number;
  members?: readonly UserInput[];
  log?: Logger;
  quiet?: boolean;
  /** The CRM write-back's timers and leases (StartOptions.crmActions). */
  crmActions?: StartOptions['crmActions'];
  /** Another database than a fresh in-memory PGlite: a real PostgreSQL (several gateways on one), PGlite on disk (a restart). */
  database?: OpenDatabaseOptions;
}

/**
 * A gateway (embedded database in memory, from a saved initdb) against this sandbox and its OIDC provider, with
 * `members` (default alice and bob) as the team. Its port is only known once it listens, so its OIDC client is
 * registered with a placeholder redirect first and given the real one after. Used by these tests, the e2e
 * tests and the bench.
 */
export async function startSandboxGateway(sandbox: Sandbox, options: SandboxGatewayOptions = {}): Promise<{ gateway: RunningGateway; client: { id: string; secret: string } }> {
  const client = await registerClient(sandbox, 'http://127.0.0.1:1');
  const config = loadGatewayConfig(gatewayEnv(sandbox, client, options.env));
  const database = options.database ?? { pgliteLoadDataDir: await pgliteTemplate() };
  const gateway = await startGateway(
    { ...config, database },
    {
      ...(options.log ? { log: options.log } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.quiet ? { quiet: true } : {}),
      ...(options.crmActions ? { crmActions: options.crmActions } : {}),
    },
  );
  try {
    await setRedirects(sandbox, client, [`${gateway.publicUrl}/auth/callback`]);
    await upsertUsers(gateway.database.db, options.members ?? AGENTS);
  } catch (error) {
    await gateway.close();
    throw error;
  }
  return { gateway, client };
}

/** Replaces the client's redirect URIs at the sandbox's OIDC provider. */
export async function setRedirects(sandbox: Sandbox, client: { id: string; secret: string }, redirectUris: string[]): Promise<void> {
  const response = await fetch(`${sandbox.url}/__sandbox/oidc/clients`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_id: client.id, client_secret: client.secret, redirect_uris: redirectUris, token_endpoint_auth_method: 'client_secret_basic' }),
  });
  if (!response.ok) throw new Error(`registering the OIDC client failed: ${response.status} ${await response.text()}`);
}

/** Sandbox + gateway with alice and bob as team members; the logs captured. */
export async function startHarness(options: Omit<SandboxGatewayOptions, 'log' | 'quiet'> & { sandbox?: Sandbox } = {}): Promise<Harness> {
  const sandbox = options.sandbox ?? (await startSandbox({ port: 0, quiet: true }));
  const logs: string[] = [];
  const { gateway, client } = await startSandboxGateway(sandbox, { ...options, log: captureLogger(logs) });
  return {
    sandbox,
    gateway,
    client,
    logs,
    close: async () => {
      await gateway.close();
      if (!options.sandbox) await sandbox.close();
    },
  };
}

function captureLogger(lines: string[]): Logger {
  const write = (level: string) => (event: string, fields?: Record<string, unknown>) => lines.push(JSON.stringify({ level, event, ...fields }));
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

export function pkce(): { id: string; verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { id: randomBytes(32).toString('base64url'), verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The extension's sign-in, without a browser: open /auth/start, log in at the IdP, redeem with the verifier. */
export async function signIn(gatewayUrl: string, email: string, password = 'sandbox-password'): Promise<SessionTokens> {
  const { id, verifier, challenge } = pkce();
  await followSignIn({ startUrl: `${gatewayUrl}/auth/start?id=${id}&challenge=${challenge}`, email, password });
  const answer = (await redeem(gatewayUrl, id, verifier)).body as { status: string; session?: SessionTokens; message?: string };
  if (answer.status !== 'signed-in' || !answer.session) throw new Error(`sign-in of ${email} did not finish: ${JSON.stringify(answer)}`);
  return answer.session;
}

export async function redeem(gatewayUrl: string, id: string, verifier: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${gatewayUrl}/auth/redeem`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id, verifier }) });
  return { status: response.status, body: await response.json() };
}

/** A call to the gateway's API as the extension makes it. */
export async function api(gatewayUrl: string, path: string, bearer: string | undefined, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${gatewayUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function counts(sandbox: Sandbox): Promise<Record<string, number>> {
  return (await fetch(`${sandbox.url}/__sandbox/counts`)).json() as Promise<Record<string, number>>;
}

export async function resetCounts(sandbox: Sandbox): Promise<void> {
  await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
}

let leads = 0;
/** A lead as the extension's content script reads it from the demo CRM. */
export function demoLead(overrides: Record<string, string> = {}) {
  leads += 1;
  const id = `GW-${process.pid}-${Date.now().toString(36)}-${leads}`;
  return { profileId: 'demo', crmId: `demo:localhost:${id}`, recordId: id, firstName: 'Gwen', lastName: 'Gateway', phone: '+14155550100', ...overrides };
}
