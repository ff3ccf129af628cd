import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { rateLimiter } from 'hono-rate-limiter';
import { type AuthError, type CardResponse, ChatRequestSchema, type HealthResponse, LoginRequestSchema, type MeResponse } from '../../lib/team/api';
import type { CrmActionsStatus } from '../../lib/team/crm-actions-api';
import { chat, chatroomCard, crmActionsOfEvent, login, teamRules, whoIs } from '../core';
import type { CoreDeps, SignedInAgent } from '../core/types';
import type { IdentityProvider } from './identity';
import type { Logger } from './log';
import { mountSignIn, type SignInStore } from './sign-in';

export interface AppDeps {
  core: CoreDeps;
  idp: IdentityProvider;
  signIns: SignInStore;
  databaseKind: 'pglite' | 'postgres';
  /** Checks the database answers (health). */
  pingDatabase(): Promise<void>;
  publicUrl(): string;
  allowedOrigins: readonly string[];
  rateLimitPerMinute: number;
  signInRateLimitPerMinute: number;
  /** Take the client address from X-Forwarded-For (a reverse proxy in front). */
  trustProxy: boolean;
  log: Logger;
  version: string;
}

type Env = { Variables: { agent: SignedInAgent } };

/** The largest body any route takes: a lead is at most a few KB (lib/messages.ts LeadSchema). */
const MAX_BODY_BYTES = 32 * 1024;

/** GET /v1/crm-actions/{eventId} per agent per minute, as a multiple of GATEWAY_RATE_LIMIT_PER_MINUTE. */
const CRM_ACTIONS_POLL_FACTOR = 5;

/** A CRM write-back event id, as the Chat and Login answers carry it (crmActionsEventId): a UUID. */
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A chatroom id as the Chat answer carries it (ChatResponseSchema in lib/team/api.ts). */
const MAX_CHATROOM_ID = 256;

/**
 * The gateway's HTTP surface. Routes are wiring: validation with the shared zod schemas (lib/team/api.ts),
 * the agent from the verified token, and the core (gateway/core) deciding everything else.
 */
export function createApp(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use(requestLog(deps.log));
  app.use(secureHeaders());
  app.use(cors({ origin: (origin) => (originAllowed(origin, deps.allowedOrigins) ? origin : null), allowHeaders: ['Authorization', 'Content-Type'], maxAge: 600 }));
  app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: 'too-large', message: 'The request is too large.' }, 413) }));
  app.use('/auth/*', limitPerMinute(deps.signInRateLimitPerMinute, (c) => clientAddress(c, deps.trustProxy)));
  // The CRM write-back's status is polled (the extension: once a second for up to a minute after a Chat): its own
  // budget, so following a few write-backs never costs an agent their Chats.
  const polling = (c: Context<Env>) => c.req.path.startsWith('/v1/crm-actions/');
  app.use(
    '/v1/*',
    authenticate(deps.idp),
    limitPerMinute(deps.rateLimitPerMinute, (c) => c.get('agent').email, (c) => polling(c)),
    limitPerMinute(deps.rateLimitPerMinute * CRM_ACTIONS_POLL_FACTOR, (c) => c.get('agent').email, (c) => !polling(c)),
  );

  app.get('/health', async (c) => {
    const report = await health(deps);
    return c.json(report, report.ok ? 200 : 503);
  });
  mountSignIn(app as unknown as Hono, {
    idp: deps.idp,
    store: deps.signIns,
    publicUrl: deps.publicUrl,
    memberName: async (agent) => {
      const member = await whoIs(deps.core, agent);
      return member ? { ...(member.name ? { name: member.name } : {}) } : undefined;
    },
    now: deps.core.now,
  });

  app.get('/v1/me', async (c) => {
    const member = await whoIs(deps.core, c.get('agent'));
    if (!member) return c.json(notAMember(c.get('agent')), 403);
    const me: MeResponse = {
      email: member.email,
      providerUserId: member.providerUserId,
      role: member.role,
      rules: teamRules(deps.core.settings),
      ...(member.name ? { name: member.name } : {}),
    };
    return c.json(me);
  });

  app.post('/v1/chat', async (c) => {
    const request = ChatRequestSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!request.success) return c.json({ error: 'bad-request', message: `Not a Chat request: ${request.error.issues[0]?.message ?? 'invalid'}` }, 400);
    const result = await chat(deps.core, c.get('agent'), request.data.lead, request.data.assignTo ? { assignTo: request.data.assignTo } : {});
    if (result.ok) {
      const { assignee: _assignee, ...answer } = result;
      return c.json(answer);
    }
    const { httpStatus, ...failure } = result;
    return c.json(failure, httpStatus);
  });

  app.post('/v1/login', async (c) => {
    const request = LoginRequestSchema.safeParse(await c.req.json().catch(() => ({})));
    if (!request.success) return c.json({ error: 'bad-request', message: 'Not a Login request.' }, 400);
    const result = await login(deps.core, c.get('agent'), request.data.userId ? { userId: request.data.userId } : {});
    if (result.ok) return c.json(result);
    const { httpStatus, ...failure } = result;
    return c.json(failure, httpStatus);
  });

  // The dashboard's CRM card of a chatroom the team opened (any member may read it); the rate limit is /v1's.
  app.get('/v1/chatrooms/:chatroomId/card', async (c) => {
    const chatroomId = c.req.param('chatroomId');
    if (chatroomId.length > MAX_CHATROOM_ID) return c.json({ error: 'bad-request', message: `Not a chatroom id: over ${MAX_CHATROOM_ID} characters.` }, 400);
    const answer = await chatroomCard(deps.core, c.get('agent'), chatroomId);
    if (answer === 'not-a-member') return c.json(notAMember(c.get('agent')), 403);
    return c.json(answer satisfies CardResponse);
  });

  // The CRM write-back of one Chat or Login (its answer's crmActionsEventId): the member who caused it, or a manager.
  app.get('/v1/crm-actions/:eventId', async (c) => {
    const eventId = c.req.param('eventId');
    if (!EVENT_ID.test(eventId)) return c.json({ error: 'bad-request', message: 'Not a CRM actions event id (a UUID).' }, 400);
    const answer = await crmActionsOfEvent(deps.core, c.get('agent'), eventId);
    if (answer === 'not-a-member') return c.json(notAMember(c.get('agent')), 403);
    if (answer === 'not-found') return c.json({ error: 'not-found', message: 'No CRM actions of yours for this event.' }, 404);
    return c.json(answer satisfies CrmActionsStatus);
  });

  app.notFound((c) => c.json({ error: 'not-found', message: `No route ${c.req.method} ${c.req.path}.` }, 404));
  app.onError((error, c) => {
    deps.log.error('unhandled', { path: c.req.path, error: error.message });
    return c.json({ ok: false, message: 'The team gateway failed unexpectedly; try again, and tell your administrator if it persists.', retryable: true }, 500);
  });
  return app;
}

/** `chrome-extension://<id>` exactly; `moz-extension://*` for Firefox, whose origins differ per install. */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => (entry.endsWith('*') ? origin.startsWith(entry.slice(0, -1)) : origin === entry));
}

function authenticate(idp: IdentityProvider): MiddlewareHandler<Env> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!bearer) return c.json({ error: 'unauthorized', message: 'Sign in to the team gateway first.' } satisfies AuthError, 401);
    const verified = await idp.verify(bearer);
    if (!verified.ok) {
      const error = verified.reason === 'expired' ? 'token-expired' : 'unauthorized';
      return c.json({ error, message: `${verified.detail} Sign in again.` } satisfies AuthError, 401);
    }
    c.set('agent', verified.agent);
    await next();
  };
}

function notAMember(agent: SignedInAgent): AuthError {
  return { error: 'not-a-member', message: `${agent.email} is not a member of this team at the gateway. Ask your administrator to add you.` };
}

function limitPerMinute(limit: number, key: (c: Context<Env>) => string, skip: (c: Context<Env>) => boolean = () => false): MiddlewareHandler<Env> {
  return rateLimiter<Env>({
    windowMs: 60_000,
    limit,
    skip,
    standardHeaders: 'draft-7',
    keyGenerator: key,
    handler: (c) => c.json({ ok: false, message: 'Too many requests from you at the team gateway; wait a minute.', retryable: true }, 429),
  });
}

/**
 * The client's address: the peer, or with a trusted reverse proxy in front the address it reports (the last
 * X-Forwarded-For entry, the one the proxy itself appended: the earlier ones are whatever the client sent).
 */
function clientAddress(c: Context, trustProxy: boolean): string {
  const forwarded = trustProxy ? c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined;
  if (forwarded) return forwarded;
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

async function health(deps: AppDeps): Promise<HealthResponse> {
  const problems: string[] = [];
  await deps.pingDatabase().catch((error: unknown) => problems.push(`database: ${(error as Error).message}`));
  return { ok: problems.length === 0, database: deps.databaseKind, version: deps.version, problems };
}

function requestLog(log: Logger): MiddlewareHandler<Env> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const agent = c.get('agent') as SignedInAgent | undefined;
    log.info('request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      ...(agent ? { agent: agent.email } : {}),
    });
  };
}
