import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { StageMappingEntrySchema } from '../lib/config/schema';
import { type CrmAction, CrmActionSchema } from '../lib/crm-actions/schema';
import { stepLabel } from '../lib/crm-actions/template';
import { crmActionsProblems } from '../lib/crm-actions/validate';
import { CHROME_EXTENSION_ID } from '../lib/extension-ids';
import type { TeamSettings } from './core/types';
import type { OpenDatabaseOptions } from './db/open';

/**
 * The gateway's configuration: environment variables only (12-factor; every host and container platform
 * sets them), secrets also from files (`…_FILE`, for Docker/Kubernetes secrets), validated once at start-up
 * with one message per problem so an admin fixes them all in one go. docs/gateway.md lists every variable.
 */

const url = z
  .string()
  .trim()
  .url()
  .transform((value) => value.replace(/\/+$/, ''));
/** Tokens, codes and magic links travel to and from these: https, except on this machine's loopback. */
const secureUrl = url.refine(isHttpsOrLoopback, { message: 'must start with https:// (plain http only on 127.0.0.1, localhost or [::1])' });

export function isHttpsOrLoopback(value: string): boolean {
  const { protocol, hostname } = new URL(value);
  return protocol === 'https:' || (protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname));
}
const bool = z.enum(['true', 'false']).transform((value) => value === 'true');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: int(0, 65535).default(4020),
  /** Where agents' browsers and the identity provider reach the gateway (the OIDC redirect URI is built from it). */
  GATEWAY_PUBLIC_URL: secureUrl.optional(),
  /** Real Postgres; absent: the embedded PGlite under GATEWAY_DATA_DIR. */
  DATABASE_URL: z.string().trim().min(1).optional(),
  GATEWAY_DATA_DIR: z.string().default('.gateway/data'),
  SALESCHAT_API_URL: secureUrl.default('https://apis.saleschat.pro'),
  SALESCHAT_DASHBOARD_URL: secureUrl,
  SALESCHAT_ORG_ID: z.string().trim().min(1),
  SALESCHAT_API_TOKEN: z.string().trim().min(1),
  OIDC_ISSUER: secureUrl,
  OIDC_CLIENT_ID: z.string().trim().min(1),
  OIDC_CLIENT_SECRET: z.string().trim().min(1).optional(),
  OIDC_SCOPES: z.string().default('openid email profile offline_access'),
  /**
   * Extra parameters for the IdP's authorization request, as a query string: Google issues refresh tokens for
   * `access_type=offline&prompt=consent` instead of the offline_access scope.
   */
  OIDC_EXTRA_AUTH_PARAMS: z.string().default(''),
  /** The ID-token claim that holds the agent's e-mail (Entra: often preferred_username). */
  OIDC_EMAIL_CLAIM: z.string().default('email'),
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (for the sign-in rate limit). */
  GATEWAY_TRUST_PROXY: bool.default(false),
  /** Extension origins allowed by CORS, comma-separated (Firefox's are per install: moz-extension://* allows them). */
  GATEWAY_ALLOWED_ORIGINS: z.string().default(`chrome-extension://${CHROME_EXTENSION_ID},moz-extension://*`),
  GATEWAY_RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(120),
  /** Sign-in requests per client address: a whole office may share one address, and the extension polls. */
  GATEWAY_SIGN_IN_RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(1200),
  ALLOW_REASSIGN: bool.default(true),
  REASSIGN_WHEN_OWNER_UNKNOWN: z.enum(['allow', 'refuse']).default('allow'),
  MAGIC_LINK_REUSE: bool.default(false),
  MAGIC_LINK_LIFETIME_SECONDS: int(10, 86_400).default(300),
  REQUEST_TIMEOUT_MS: int(1000, 10_000).default(8000),
  DEFAULT_COUNTRY: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/)
    .default('US'),
  CHATROOM_URL_TEMPLATE: z.string().default('{DASHBOARD_URL}/chatrooms/{CHATROOM_ID}'),
  CONTACT_URL_TEMPLATE: z.string().default('{DASHBOARD_URL}/contacts/{CONTACT_ID}'),
  CONTACT_LOOKUP_URL_TEMPLATE: z.string().trim().min(1).optional(),
  /** Above the 20 s a provider call may take (ACTION_RETRY), so a live create is never taken over. */
  CREATE_LEASE_MS: int(21_000, 600_000).default(30_000),
  /** At each Chat on a known lead: never touch the contact's names, overwrite them with the CRM's, or only fill empty ones. */
  CONTACT_UPDATE_POLICY: z.enum(['never', 'overwrite', 'fillEmpty']).default('overwrite'),
  /** The CRM shows another phone than the contact's: open the existing chat with a warning, make a new contact, or refuse. */
  PHONE_CHANGE_POLICY: z.enum(['warn', 'newContact', 'refuse']).default('warn'),
  /** CRM lead status → Saleschat stage, a JSON array of {crmStatus, stage, disposition?}; empty: no stage is sent. */
  STAGE_MAPPING: z
    .string()
    .default('[]')
    .transform(parseJson)
    .pipe(z.array(StageMappingEntrySchema, { error: 'must be a JSON array of {"crmStatus", "stage", "disposition"?} objects' })),
  /** The stage route, whose path Saleschat does not document; required with a STAGE_MAPPING. */
  CONTACT_STAGE_URL_TEMPLATE: z
    .string()
    .trim()
    .refine((value) => value.startsWith('{API_URL}/'), {
      message: 'must start with {API_URL}/ (the stage update carries the API token, so it may only go to the Saleschat API)',
    })
    .refine((value) => value.includes('{CONTACT_ID}'), { message: 'must contain {CONTACT_ID}' })
    .optional(),
  /**
   * The CRM write-back (docs/gateway.md "Logging chats in the CRM"): a JSON array of crmActions, the extension's
   * format (lib/crm-actions/schema.ts); empty: nothing is sent to the CRM. Holds the CRM's credentials.
   */
  CRM_ACTIONS: z.string().default('[]').transform(parseCrmActions),
  /** json (default, for log collectors) or pretty (one readable line). */
  GATEWAY_LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
});

/** A JSON value, or an issue quoting the parser (the start-up error then names the variable and why). */
function parseJson(value: string, context: z.RefinementCtx<string>): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: `is not valid JSON (${(error as Error).message})` });
    return z.NEVER;
  }
}

/** As the extension's policy allows (lib/config/schema.ts `crmActions`). */
const MAX_CRM_ACTIONS = 10;
const CrmActionsSchema = z.array(CrmActionSchema);

/**
 * CRM_ACTIONS: JSON, then the shape of each action, then what the shape cannot tell (unknown variables, steps whose
 * `when` nothing captures, URLs that cannot be built, two actions with one name: crmActionsProblems). Every problem
 * is one start-up line naming the action and the step, e.g.
 * `CRM_ACTIONS: action "Logged to Acme CRM", step "find person": url uses {PERSN_ID}, which is neither a known variable …`.
 */
function parseCrmActions(value: string, context: z.RefinementCtx<string>): CrmAction[] {
  const report = (message: string) => context.addIssue({ code: 'custom', message, input: value });
  const json = parseJson(value, context);
  if (json === z.NEVER) return z.NEVER;
  if (!Array.isArray(json)) {
    report('must be a JSON array of actions ({"name", "on", "steps", "auth"?…}, the extension\'s crmActions format)');
    return z.NEVER;
  }
  if (json.length > MAX_CRM_ACTIONS) report(`has ${json.length} actions; at most ${MAX_CRM_ACTIONS} are allowed`);
  const parsed = CrmActionsSchema.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues.flatMap((issue) => withinUnions(issue))) report(`${whereInActions(json, issue.path)}: ${issue.message}`);
    return z.NEVER;
  }
  const problems = crmActionsProblems(parsed.data);
  for (const problem of problems) report(problem);
  return problems.length > 0 || json.length > MAX_CRM_ACTIONS ? z.NEVER : parsed.data;
}

/**
 * A union's issue said precisely: the `auth` union's "Invalid input" becomes the problems of the auth type the value
 * names (`auth.password: …`), or which types there are.
 */
function withinUnions(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string }[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ path: issue.path, message: issue.message }];
  const discriminator = (candidate: z.core.$ZodIssue) => candidate.path.length === 1 && candidate.path[0] === 'type' && candidate.code === 'invalid_value';
  const matching = issue.errors.filter((branch) => branch.length > 0 && !branch.some(discriminator));
  const types = issue.errors.flatMap((branch) => branch.filter(discriminator)).flatMap((candidate) => (candidate.code === 'invalid_value' ? candidate.values : []));
  if (matching.length === 1 && types.length > 0) {
    return (matching[0] ?? []).flatMap((inner) => withinUnions(inner)).map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
  }
  if (types.length > 0) return [{ path: [...issue.path, 'type'], message: `must be one of ${types.map((type) => JSON.stringify(type)).join(', ')}` }];
  return [{ path: issue.path, message: issue.message }];
}

/** `action "Logged to Acme CRM", step "find person": query.email`, from a zod issue's path into the array. */
function whereInActions(actions: unknown[], path: readonly PropertyKey[]): string {
  const [index, ...rest] = path;
  if (typeof index !== 'number') return 'the list';
  const action = actions[index] as { name?: unknown; steps?: unknown } | undefined;
  const name = typeof action?.name === 'string' && action.name !== '' ? `action "${action.name}"` : `action ${index + 1}`;
  let where = `${name} (CRM_ACTIONS[${index}])`;
  let field = rest;
  if (rest[0] === 'steps' && typeof rest[1] === 'number' && Array.isArray(action?.steps)) {
    const step = action.steps[rest[1]] as { name?: unknown } | undefined;
    where += `, ${stepLabel({ name: typeof step?.name === 'string' && step.name !== '' ? step.name : undefined }, rest[1])}`;
    field = rest.slice(2);
  }
  const property = field.map((key, position) => (typeof key === 'number' ? `[${key}]` : `${position === 0 ? '' : '.'}${String(key)}`)).join('');
  return property ? `${where}: ${property}` : where;
}

/** Settings that only make sense together. */
const CompleteEnvSchema = EnvSchema.superRefine((env, context) => {
  // (A STAGE_MAPPING that did not parse is reported on its own.)
  if (Array.isArray(env.STAGE_MAPPING) && env.STAGE_MAPPING.length > 0 && !env.CONTACT_STAGE_URL_TEMPLATE) {
    context.addIssue({
      code: 'custom',
      path: ['CONTACT_STAGE_URL_TEMPLATE'],
      message: 'is required when STAGE_MAPPING is set (the route of the stage update, e.g. {API_URL}/v1/orgs/{ORG_ID}/contact/{CONTACT_ID}/stage)',
    });
  }
});

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string;
  emailClaim: string;
  extraAuthParams: Record<string, string>;
}

export interface GatewayConfig {
  host: string;
  port: number;
  /** Absent: http://{host}:{port} once listening. */
  publicUrl?: string;
  database: OpenDatabaseOptions;
  team: TeamSettings;
  oidc: OidcSettings;
  allowedOrigins: string[];
  rateLimitPerMinute: number;
  signInRateLimitPerMinute: number;
  trustProxy: boolean;
  logFormat: 'json' | 'pretty';
  /** The CRM write-back's actions (CRM_ACTIONS); empty: off. */
  crmActions: CrmAction[];
}

/** Thrown with every problem at once; the CLI prints it and exits 1. */
export class GatewayConfigError extends Error {
  override readonly name = 'GatewayConfigError';
}

/** Secrets may come as `NAME_FILE` (a path), so they need not sit in the process environment. */
const FILE_BACKED = ['SALESCHAT_API_TOKEN', 'OIDC_CLIENT_SECRET', 'DATABASE_URL', 'CRM_ACTIONS'] as const;

/** The database settings alone, for admin commands (`users …`) that need no provider or IdP settings. */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig['database'] {
  const result = EnvSchema.pick({ DATABASE_URL: true, GATEWAY_DATA_DIR: true }).safeParse(withFileSecrets(env));
  if (!result.success) throw new GatewayConfigError(`The gateway's database settings are invalid: ${result.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
  const parsed = result.data;
  return parsed.DATABASE_URL ? { databaseUrl: parsed.DATABASE_URL } : { dataDir: resolve(parsed.GATEWAY_DATA_DIR) };
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = CompleteEnvSchema.safeParse(withFileSecrets(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    throw new GatewayConfigError(`The gateway's configuration is incomplete or invalid:\n${lines.join('\n')}\nSee docs/gateway.md.`);
  }
  return fromEnv(parsed.data);
}

/** The environment with `_FILE` secrets read, and empty values taken as unset (as `KEY=` in an env file means). */
function withFileSecrets(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  for (const name of FILE_BACKED) {
    const file = env[`${name}_FILE`];
    if (!file || result[name]) continue;
    try {
      result[name] = readFileSync(resolve(file), 'utf8').trim();
    } catch (error) {
      throw new GatewayConfigError(`${name}_FILE=${file} cannot be read: ${(error as Error).message}`);
    }
  }
  return result;
}

function fromEnv(env: z.infer<typeof EnvSchema>): GatewayConfig {
  return {
    host: env.GATEWAY_HOST,
    port: env.GATEWAY_PORT,
    ...(env.GATEWAY_PUBLIC_URL ? { publicUrl: env.GATEWAY_PUBLIC_URL } : {}),
    database: env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: resolve(env.GATEWAY_DATA_DIR) },
    team: {
      orgId: env.SALESCHAT_ORG_ID,
      providerApiUrl: env.SALESCHAT_API_URL,
      providerDashboardUrl: env.SALESCHAT_DASHBOARD_URL,
      apiToken: env.SALESCHAT_API_TOKEN,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      magicLinkLifetimeSeconds: env.MAGIC_LINK_LIFETIME_SECONDS,
      magicLinkReuse: env.MAGIC_LINK_REUSE,
      chatroomUrlTemplate: env.CHATROOM_URL_TEMPLATE,
      contactUrlTemplate: env.CONTACT_URL_TEMPLATE,
      ...(env.CONTACT_LOOKUP_URL_TEMPLATE ? { contactLookupUrlTemplate: env.CONTACT_LOOKUP_URL_TEMPLATE } : {}),
      allowReassign: env.ALLOW_REASSIGN,
      reassignWhenOwnerUnknown: env.REASSIGN_WHEN_OWNER_UNKNOWN,
      defaultCountry: env.DEFAULT_COUNTRY,
      createLeaseMs: env.CREATE_LEASE_MS,
      contactUpdatePolicy: env.CONTACT_UPDATE_POLICY,
      phoneChangePolicy: env.PHONE_CHANGE_POLICY,
      stageMapping: env.STAGE_MAPPING,
      ...(env.CONTACT_STAGE_URL_TEMPLATE ? { contactStageUrlTemplate: env.CONTACT_STAGE_URL_TEMPLATE } : {}),
    },
    oidc: {
      issuer: env.OIDC_ISSUER,
      clientId: env.OIDC_CLIENT_ID,
      ...(env.OIDC_CLIENT_SECRET ? { clientSecret: env.OIDC_CLIENT_SECRET } : {}),
      scopes: env.OIDC_SCOPES,
      emailClaim: env.OIDC_EMAIL_CLAIM,
      extraAuthParams: Object.fromEntries(new URLSearchParams(env.OIDC_EXTRA_AUTH_PARAMS)),
    },
    allowedOrigins: env.GATEWAY_ALLOWED_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    rateLimitPerMinute: env.GATEWAY_RATE_LIMIT_PER_MINUTE,
    signInRateLimitPerMinute: env.GATEWAY_SIGN_IN_RATE_LIMIT_PER_MINUTE,
    trustProxy: env.GATEWAY_TRUST_PROXY,
    logFormat: env.GATEWAY_LOG_FORMAT,
    crmActions: env.CRM_ACTIONS,
  };
}
