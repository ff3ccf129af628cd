import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { rememberSecret } from '../lib/redact';
import { ACTION_RETRY, SaleschatClient } from '../lib/provider/client';
import type { GatewayConfig } from './config';
import { crmActionsService, type CrmActionsService, type CrmActionsTiming, resumeJournal } from './core';
import type { CoreDeps } from './core/types';
import { type OpenedDatabase, openDatabase } from './db/open';
import { createApp } from './http/app';
import { connectIdentityProvider } from './http/identity';
import { createLogger, type Logger } from './http/log';
import { databaseSignInStore } from './http/sign-in-store';

export const GATEWAY_VERSION = '0.1.0';

export interface RunningGateway {
  /** Where it listens, e.g. http://127.0.0.1:4020 (no trailing slash). */
  url: string;
  /** What agents and the IdP use: GATEWAY_PUBLIC_URL, else `url`. */
  publicUrl: string;
  port: number;
  /** The gateway's database (admin commands and tests add users through it). */
  database: OpenedDatabase;
  /** The CRM write-back (CRM_ACTIONS): `drain` runs what is due now (tests; the gateway's own timers do it too). */
  crmActions: Pick<CrmActionsService, 'drain'>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Only the warnings and errors (tests). */
  quiet?: boolean;
  log?: Logger;
  now?: () => number;
  /** The CRM write-back's timers and leases (tests shorten them), and its fetch. */
  crmActions?: CrmActionsTiming & { fetch?: typeof fetch };
}

/**
 * Starts the gateway: database (migrated on open), the identity provider's discovery, the journal's
 * reconciliation, the CRM write-back (CRM_ACTIONS) with what is due, then the HTTP server. Fails at once, with the
 * reason, when any of them is not reachable.
 */
export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const log = options.log ?? createLogger(config.logFormat, undefined, options.quiet);
  rememberSecret(config.team.apiToken);
  if (config.oidc.clientSecret) rememberSecret(config.oidc.clientSecret);
  const database = await openDatabase(config.database);
  let crmActions: CrmActionsService | undefined;
  try {
    const idp = await connectIdentityProvider(config.oidc, { allowHttp: isLoopback(config.oidc.issuer), ...(options.now ? { now: options.now } : {}) });
    crmActions = crmActionsService({
      ...options.crmActions,
      db: database.db,
      actions: config.crmActions,
      defaultCountry: config.team.defaultCountry,
      now: options.now ?? Date.now,
      log,
    });
    const core: CoreDeps = {
      db: database.db,
      settings: config.team,
      createClient: () => new SaleschatClient(providerSettings(config), undefined, options.now),
      now: options.now ?? Date.now,
      log: (event) => log.info('core', event),
      crmActions,
    };
    const resumed = await resumeJournal(core);
    log.info('journal', { ...resumed });
    let publicUrl = config.publicUrl ?? '';
    const app = createApp({
      core,
      idp,
      signIns: databaseSignInStore(database.db, options.now),
      databaseKind: database.kind,
      pingDatabase: database.ping,
      publicUrl: () => publicUrl,
      allowedOrigins: config.allowedOrigins,
      rateLimitPerMinute: config.rateLimitPerMinute,
      signInRateLimitPerMinute: config.signInRateLimitPerMinute,
      trustProxy: config.trustProxy,
      log,
      version: GATEWAY_VERSION,
    });
    // What a stopped or crashed gateway left due is attempted now; then every sweep, and when a retry is due.
    crmActions.start();
    const server = await listen(app.fetch, config);
    const port = (server.address() as AddressInfo).port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    publicUrl ||= url;
    log.info('listening', { url, publicUrl, database: database.kind });
    return {
      url,
      publicUrl,
      port,
      database,
      crmActions,
      close: async () => {
        await stopServer(server);
        await crmActions?.close();
        await database.close();
      },
    };
  } catch (error) {
    await crmActions?.close();
    await database.close();
    throw error;
  }
}

function providerSettings(config: GatewayConfig) {
  return {
    apiUrl: config.team.providerApiUrl,
    orgId: config.team.orgId,
    apiToken: config.team.apiToken,
    requestTimeoutMs: config.team.requestTimeoutMs,
    magicLinkLifetimeMs: config.team.magicLinkLifetimeSeconds * 1000,
    retry: ACTION_RETRY,
  };
}

type Server = ReturnType<typeof serve>;

function listen(fetch: Parameters<typeof serve>[0]['fetch'], config: GatewayConfig): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: config.port, hostname: config.host }, () => resolve(server));
    server.once('error', reject);
  });
}

/** Requests still running get this long to finish; idle kept-alive connections (browsers keep them) close at once. */
const SHUTDOWN_GRACE_MS = 2000;

function stopServer(server: Server): Promise<void> {
  const http = server as Server & { closeIdleConnections?(): void; closeAllConnections?(): void };
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  http.closeIdleConnections?.();
  const force = setTimeout(() => http.closeAllConnections?.(), SHUTDOWN_GRACE_MS);
  return closed.finally(() => clearTimeout(force));
}

/** The identity provider may be plain http only on this machine (the sandbox's): real IdPs are https. */
function isLoopback(issuer: string): boolean {
  const { protocol, hostname } = new URL(issuer);
  return protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}
