import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi, matchApiRoute } from './api';
import { Controls, handleControl } from './control';
import { CRM_API_PATH, handleCrmApiRequest } from './crm-api';
import { handleCrm } from './crm-pages';
import { handleDashboard } from './dashboard';
import type { FaultUse } from './faults';
import { html, page } from './html';
import { BodyTooLargeError, errorReply, htmlReply, parseJson, type Reply, readBody, send, sleep } from './http';
import { handleLedgerCrm } from './ledger-crm';
import {
  createSandboxOidc,
  handleOidcControl,
  isOidcPath,
  OIDC_PATH,
  type OidcTtlSeconds,
  oidcAccountsFromSeed,
  type SandboxOidc,
  type SandboxOidcClient,
} from './oidc';
import { demoSeed, type SandboxSeed } from './seed';
import { handleSpaCrm } from './spa-crm';
import { Store } from './store';

export type { OidcTtlSeconds, SandboxOidcClient } from './oidc';
export type { SandboxSeed } from './seed';

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the sandbox has no real security, so it is not exposed unless asked. */
  host?: string;
  /** JSON file for the data (users, contacts, chatrooms, links, sessions, leads). Absent: memory only. */
  dataFile?: string;
  /** Used when there is no data file yet, and by POST /__sandbox/reset {data:true}. Default demoSeed. */
  seed?: SandboxSeed;
  /** Suppress the one-line-per-request log on stdout. */
  quiet?: boolean;
  /**
   * OpenID Connect clients of the provider under /oidc, besides the default `ccb-gateway` (one with that id
   * replaces it). More can be registered at run time: POST /__sandbox/oidc/clients.
   */
  oidcClients?: SandboxOidcClient[];
  /** Token lifetimes of the OpenID Connect provider; defaults 3600 / 3600 / 86400. */
  oidcTtlSeconds?: OidcTtlSeconds;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:4010, no trailing slash. API, /app, /crm, /spa-crm, /crm-api, /oidc and /__sandbox all live under it. */
  url: string;
  /** The OpenID Connect provider's issuer, `${url}/oidc`. */
  oidcIssuer: string;
  port: number;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const store = new Store(options.seed ?? demoSeed, options.dataFile);
  const controls = new Controls();
  // Aborted on close so that injected delays and latency end at once instead of holding shutdown.
  const shutdown = new AbortController();
  let url = '';
  // Created once the port is known (the issuer contains it); until then /oidc answers 503.
  let oidc: SandboxOidc | undefined;

  const server = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => logLine(req, res.statusCode, started));
    handleRequest(req, res).catch((error: unknown) => {
      console.error('[sandbox] internal error', error);
      send(res, errorReply(500, 'Internal sandbox error'));
    });
  });

  function logLine(req: IncomingMessage, status: number | string, started: number): void {
    // /oidc requests have their prefix stripped from req.url for oidc-provider; originalUrl keeps it.
    const target = 'originalUrl' in req && typeof req.originalUrl === 'string' ? req.originalUrl : req.url;
    if (!options.quiet) console.log(`[sandbox] ${status} ${req.method} ${target} ${Date.now() - started}ms`);
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { pathname: path, searchParams } = new URL(req.url ?? '/', 'http://sandbox.invalid');

    if (path === '/__sandbox' || path.startsWith('/__sandbox/')) {
      const raw = await readBodyOr413(req, res);
      if (raw === undefined) return;
      if (path.startsWith(`/__sandbox${OIDC_PATH}/`) && oidc) send(res, await handleOidcControl(method, path, raw, oidc));
      else send(res, handleControl(method, path, raw, { store, controls }));
      return;
    }
    if (isOidcPath(path)) {
      if (oidc) await oidc.handle(req, res);
      else send(res, errorReply(503, 'The OpenID Connect provider is starting'));
      return;
    }
    if (path === '/app' || path.startsWith('/app/')) {
      send(res, handleDashboard({ method, path, cookie: req.headers.cookie }, { store, now: Date.now() }));
      return;
    }
    // /other-crm/<fixture>/… serves the same fixture pages at a path no manifest pattern covers (admin-rule tests).
    if (path === '/crm' || path.startsWith('/crm/') || path.startsWith('/other-crm/')) {
      send(res, handleCrm(method, path, store, searchParams));
      return;
    }
    // Ledger CRM, a server-rendered PHP-CRM look-alike whose route is all in the query string (ledger-crm.ts).
    if (path === '/ledger' || path.startsWith('/ledger/')) {
      send(res, handleLedgerCrm(method, path, searchParams, store));
      return;
    }
    // Orbit CRM, the client-side-routed test CRM (spa-crm.ts); its API delays are its own, not `latencyMs`.
    if (path === '/spa-crm' || path.startsWith('/spa-crm/')) {
      send(res, await handleSpaCrm(method, path, { store, controls: controls.spaCrm, signal: shutdown.signal }));
      return;
    }
    // The CRM API (crm-api.ts): seven CRMs' APIs for the extension's crmActions, with their own log and faults.
    if (path === CRM_API_PATH || path.startsWith(`${CRM_API_PATH}/`)) {
      await handleCrmApiRequest(req, res, {
        state: controls.crmApi,
        signal: shutdown.signal,
        origin: baseUrlFor(req),
        readBody: () => readBodyOr413(req, res),
        onDrop: () => logLine(req, 'DROP', Date.now()),
      });
      return;
    }
    if (path === '/' && method === 'GET') {
      send(res, htmlReply(indexPage(url)));
      return;
    }
    await handleApiRequest(req, res, method, path);
  }

  async function handleApiRequest(req: IncomingMessage, res: ServerResponse, method: string, path: string) {
    const at = new Date().toISOString();
    const route = matchApiRoute(method, path, controls.settings);
    // Counted on arrival, so requests later rejected by auth or by a fault still show up.
    if (route) controls.count(route.endpoint);
    // Only version-prefixed paths are logged as API calls: a client's wrong URL should be visible there,
    // a browser's /favicon.ico should not.
    const logged = route !== undefined || /^\/v\d+\//.test(path);
    let body: unknown = null;
    let faultId: string | null = null;

    const finish = (reply: Reply | 'drop') => {
      if (logged) {
        controls.log({
          endpoint: route?.endpoint ?? null,
          method,
          path,
          status: reply === 'drop' ? 0 : reply.status,
          body,
          at,
          fault: faultId,
        });
      }
      if (reply === 'drop') {
        logLine(req, 'DROP', Date.parse(at));
        req.socket.destroy();
      } else {
        send(res, reply);
      }
    };

    const raw = await readBodyOr413(req, res);
    if (raw === undefined) return;
    const parsed = parseJson(raw);
    body = parsed.ok ? (parsed.value ?? null) : null;

    await sleep(controls.latencyMs, shutdown.signal);
    if (!route) {
      finish(errorReply(404, `No route for ${method} ${path}`));
      return;
    }

    const use: FaultUse | undefined = controls.faults.take(route.endpoint);
    faultId = use?.fault.id ?? null;
    const afterHandling = use?.fault.afterHandling === true;
    if (use && !afterHandling) {
      await sleep(use.fault.delayMs ?? 0, shutdown.signal);
      if (use.drop) return finish('drop');
      if (use.replacement) return finish(use.replacement);
    }
    if (shutdown.signal.aborted) return finish('drop');

    let reply = handleApi(
      route,
      {
        method,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        rawBody: raw,
        query: new URL(req.url ?? '/', 'http://sandbox.invalid').searchParams,
      },
      { store, settings: controls.settings, baseUrl: baseUrlFor(req), now: Date.now() },
    );
    if (use) {
      if (afterHandling) {
        await sleep(use.fault.delayMs ?? 0, shutdown.signal);
        if (use.drop) return finish('drop');
        if (use.replacement) return finish(use.replacement);
      }
      // A delay- or headers-only fault still lets the real answer through, with its extra headers.
      reply = { ...reply, headers: { ...reply.headers, ...use.fault.headers } };
    }
    finish(reply);
  }

  async function readBodyOr413(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    try {
      return await readBody(req);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      send(res, { ...errorReply(413, error.message), headers: { connection: 'close' } });
      return undefined;
    }
  }

  /** Magic links point at the origin the caller used, so they work via localhost or 127.0.0.1 alike. */
  function baseUrlFor(req: IncomingMessage): string {
    const hostHeader = req.headers.host;
    return hostHeader && /^[A-Za-z0-9.\-:[\]]+$/.test(hostHeader) ? `http://${hostHeader}` : url;
  }

  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  url = `http://${urlHost(host)}:${port}`;
  try {
    oidc = await createSandboxOidc({
      issuer: `${url}${OIDC_PATH}`,
      accounts: oidcAccountsFromSeed(options.seed ?? demoSeed),
      clients: options.oidcClients,
      ttl: options.oidcTtlSeconds,
    });
  } catch (error) {
    // An invalid oidcClients entry: fail start-up rather than leave a half-working sandbox listening.
    server.close();
    store.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    oidcIssuer: oidc.issuer,
    close() {
      closing ??= new Promise<void>((resolve) => {
        shutdown.abort();
        store.close();
        server.close(() => resolve());
        // Keep-alive sockets (fetch pools them) would otherwise hold close() open for seconds.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(new Error(`sandbox cannot listen on ${host}:${port}: ${error.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function indexPage(url: string): string {
  const link = (path: string) => html`<li><a href="${path}">${url}${path}</a></li>`;
  return page(
    'Saleschat sandbox',
    html`<main><h1>Saleschat sandbox</h1><ul>${[
      link('/crm/leads'),
      link('/spa-crm/acme/leads'),
      link('/app/'),
      link('/__sandbox/state'),
      link('/__sandbox/counts'),
      link('/__sandbox/requests'),
      link('/__sandbox/crm-api/requests'),
      link('/oidc/.well-known/openid-configuration'),
    ]}</ul><p>See sandbox/README.md for the API and control routes.</p></main>`,
    'body{font:15px/1.5 system-ui,sans-serif;margin:40px}',
  );
}
