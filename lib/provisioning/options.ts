import { basename, dirname, join } from 'node:path';
import { RETRY_DEFAULTS } from '../provider/retry';
import { type ConnectionSettings, DEFAULT_LOOKUP_PATH } from './provider';

/**
 * Turns the command line (already split by parseArgs in scripts/provision.ts) into a checked configuration.
 * Every problem is a UsageError with a sentence saying what to do; the CLI exits 2 on those.
 */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const TOKEN_ENV = 'SALESCHAT_API_TOKEN';

export interface ProvisionConfig {
  csvPath: string;
  statePath: string;
  reportPath: string;
  agentsPath: string;
  passwordsPath?: string;
  dryRun: boolean;
  concurrency: number;
  askPasswordChange: boolean;
  /** Absent only in a dry run started without connection settings. */
  connection?: ConnectionSettings;
  /** For the state file's org check; known even in a dry run when --org is given. */
  orgId: string;
  apiUrl: string;
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; budgetMs: number };
}

export type OptionValues = Record<string, string | boolean | undefined>;

export const USAGE = `Usage: npm run provision -- USERS.csv [options]

Creates a Saleschat user for every row of USERS.csv (columns email, first_name, last_name and optionally
crm_user_id) and writes the extension's \`agents\` directory. Safe to run again: users it already created
or found are never created twice.

Connection (not needed for --dry-run):
  --api-url URL              Saleschat API base URL, e.g. https://apis.saleschat.pro; https: only
                             (http: only for localhost, 127.0.0.1 and [::1], e.g. the sandbox)
  --org ID                   Saleschat organisation id
  ${TOKEN_ENV}        environment variable holding the API token (never a flag: it would end up
                             in your shell history)
  --timeout-ms N             per-request timeout (default 10000)

Files (defaults sit next to USERS.csv):
  --state FILE               email → user id of everything done so far (default USERS.provision-state.json)
  --report FILE              one row per CSV row with its outcome (default USERS.provision-report.csv)
  --agents-out FILE          the \`agents\` JSON to paste into policy (default USERS.agents.json)
  --passwords-out FILE       also write email,password of created users (mode 0600); otherwise the
                             generated passwords are never stored or shown

Behaviour:
  --dry-run                  check the CSV and the state file, list what would be created, send nothing
  --gateway-team             team mode: also add the agents to the team gateway's users table (the gateway's
                             DATABASE_URL or GATEWAY_DATA_DIR from the environment; docs/gateway.md)
  --concurrency N            requests in flight at once (default 4, 1–32)
  --no-ask-password-change   do not ask new users to change their password at first login (asked by default)
  --lookup-path PATH         how to find an existing user's id after a 409 (default ${DEFAULT_LOOKUP_PATH});
                             placeholders {orgId} and {EMAIL}
  --max-attempts N           tries per request for network errors, timeouts, 429 and 5xx (default ${RETRY_DEFAULTS.maxAttempts})
  --retry-base-ms N          first back-off ceiling, doubled per retry (default 500)
  -h, --help                 this text

Exit code: 0 every valid row was created or existed, 1 some failed, 2 usage error (nothing was sent).
`;

export function resolveConfig(values: OptionValues, positionals: readonly string[], env: Record<string, string | undefined>): ProvisionConfig {
  if (positionals.length === 0) throw new UsageError('name the CSV file: npm run provision -- users.csv [options]');
  if (positionals.length > 1) throw new UsageError(`expected one CSV file, got ${positionals.length}: ${positionals.join(' ')}`);
  const csvPath = positionals[0] as string;

  if (values['ask-password-change'] === true && values['no-ask-password-change'] === true) {
    throw new UsageError('--ask-password-change and --no-ask-password-change contradict each other');
  }
  const dryRun = values['dry-run'] === true;
  const apiUrl = optionalString(values, 'api-url');
  const orgId = optionalString(values, 'org')?.trim();
  const token = env[TOKEN_ENV]?.trim();
  const timeoutMs = integer(values, 'timeout-ms', 10_000, 1000, 120_000);
  const lookupPath = optionalString(values, 'lookup-path') ?? DEFAULT_LOOKUP_PATH;
  if (!lookupPath.startsWith('/') || !lookupPath.includes('{EMAIL}')) {
    throw new UsageError(`--lookup-path must start with / and contain {EMAIL}, e.g. ${DEFAULT_LOOKUP_PATH}`);
  }

  const normalisedUrl = apiUrl === undefined ? undefined : checkUrl(apiUrl);
  let connection: ConnectionSettings | undefined;
  if (!dryRun || (normalisedUrl && orgId && token)) {
    const missing = [
      normalisedUrl ? undefined : '--api-url URL',
      orgId ? undefined : '--org ID',
      token ? undefined : `the ${TOKEN_ENV} environment variable`,
    ].filter((item): item is string => item !== undefined);
    if (missing.length > 0) {
      throw new UsageError(`missing ${missing.join(', ')} (or use --dry-run to only check the file)`);
    }
    connection = { apiUrl: normalisedUrl as string, orgId: orgId as string, apiToken: token as string, timeoutMs, lookupPath };
  }

  const stem = join(dirname(csvPath), basename(csvPath).replace(/\.csv$/i, ''));
  const passwordsPath = optionalString(values, 'passwords-out');
  const baseDelayMs = integer(values, 'retry-base-ms', 500, 0, 60_000);
  return {
    csvPath,
    statePath: optionalString(values, 'state') ?? `${stem}.provision-state.json`,
    reportPath: optionalString(values, 'report') ?? `${stem}.provision-report.csv`,
    agentsPath: optionalString(values, 'agents-out') ?? `${stem}.agents.json`,
    ...(passwordsPath === undefined ? {} : { passwordsPath }),
    dryRun,
    concurrency: integer(values, 'concurrency', 4, 1, 32),
    askPasswordChange: values['no-ask-password-change'] !== true,
    ...(connection ? { connection } : {}),
    orgId: orgId ?? '',
    apiUrl: normalisedUrl ?? '',
    retry: {
      maxAttempts: integer(values, 'max-attempts', RETRY_DEFAULTS.maxAttempts, 1, 10),
      baseDelayMs,
      maxDelayMs: Math.max(baseDelayMs, RETRY_DEFAULTS.maxDelayMs),
      budgetMs: RETRY_DEFAULTS.budgetMs,
    },
  };
}

function optionalString(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} needs a value`);
  return value;
}

function integer(values: OptionValues, name: string, fallback: number, min: number, max: number): number {
  const raw = optionalString(values, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`--${name} must be a whole number, got ${raw}`);
  const value = Number(raw);
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Where http: is allowed: the request never leaves the machine (URL.hostname keeps IPv6's brackets). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https: only, so the ADMIN token is never sent in clear text; http: for loopback hosts (the sandbox). */
function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError(`--api-url is not a URL: ${raw} (expected e.g. https://apis.saleschat.pro)`);
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new UsageError(
      `--api-url must use https: (over http: the API token would cross the network in clear text); ` +
        `http: is accepted only for localhost, 127.0.0.1 and [::1] (the sandbox). Got ${raw}`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--api-url must be an https: URL, got ${raw}`);
  if (url.search || url.hash) throw new UsageError('--api-url must be the base URL, without ? or #');
  return url.toString().replace(/\/+$/, '');
}
