import { readFileSync } from 'node:fs';
import { inspect, parseArgs } from 'node:util';
import { loadDatabaseConfig } from '../gateway/config';
import { upsertUsers } from '../gateway/core';
import { openDatabase } from '../gateway/db/open';
import { resolveConfig, TOKEN_ENV, USAGE, UsageError } from '../lib/provisioning/options';
import { provision } from '../lib/provisioning/provision';
import { SecretMasker } from '../lib/provisioning/secrets';

// npm run provision -- users.csv [options]; see docs/provisioning.md.

// Everything this script prints goes through the masker (lib/provisioning/secrets.ts): the token is known
// from the start, and provision() adds each password it generates.
const masker = new SecretMasker();
masker.add(process.env[TOKEN_ENV]);
const printError = (text: string) => console.error(masker.mask(text));

const OPTIONS = {
  'api-url': { type: 'string' },
  org: { type: 'string' },
  'timeout-ms': { type: 'string' },
  concurrency: { type: 'string' },
  state: { type: 'string' },
  report: { type: 'string' },
  'agents-out': { type: 'string' },
  'passwords-out': { type: 'string' },
  // Node 20's parseArgs has no allowNegative, so the negation is its own flag.
  'ask-password-change': { type: 'boolean' },
  'no-ask-password-change': { type: 'boolean' },
  'lookup-path': { type: 'string' },
  'max-attempts': { type: 'string' },
  'retry-base-ms': { type: 'string' },
  'dry-run': { type: 'boolean' },
  // Team mode: also write the agents into the team gateway's users table (its DATABASE_URL / GATEWAY_DATA_DIR).
  'gateway-team': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usageError(message: string): never {
  console.error(`provision: ${masker.mask(message)}\n\n${USAGE}`);
  process.exit(2);
}

// `npm run provision … | head` closes stdout early; the work is done and recorded, so that is not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    if (/--(api-)?token/.test(message)) usageError(`the API token is read from the ${TOKEN_ENV} environment variable, not a flag`);
    usageError(message);
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }

  let config: ReturnType<typeof resolveConfig>;
  try {
    config = resolveConfig(parsed.values, parsed.positionals, process.env);
  } catch (error) {
    if (error instanceof UsageError) usageError(error.message);
    throw error;
  }

  // First Ctrl+C: finish the requests in flight, record them, write the files. Second: leave at once.
  const interrupt = new AbortController();
  process.on('SIGINT', () => {
    if (interrupt.signal.aborted) process.exit(130);
    console.error('\nprovision: interrupted; finishing the requests in flight (Ctrl+C again to quit now)');
    interrupt.abort(new Error('interrupted'));
  });

  try {
    const result = await provision(
      config,
      { out: (line) => console.log(line), err: (line) => console.error(line), progress: process.stderr },
      { signal: interrupt.signal, masker },
    );
    if (parsed.values['gateway-team'] && !config.dryRun) await addToGatewayTeam(config.agentsPath);
    return result.exitCode;
  } catch (error) {
    if (error instanceof UsageError) {
      printError(`provision: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

/**
 * The agents file just written, into the team gateway's users table: the same database settings as the gateway
 * (DATABASE_URL, or the embedded database under GATEWAY_DATA_DIR while the gateway is stopped). Idempotent.
 */
async function addToGatewayTeam(agentsPath: string): Promise<void> {
  const agents = JSON.parse(readFileSync(agentsPath, 'utf8')) as Parameters<typeof upsertUsers>[1];
  const database = await openDatabase(loadDatabaseConfig());
  try {
    const report = await upsertUsers(database.db, agents);
    console.log(`Gateway team: ${report.added} added, ${report.updated} updated (${agents.length} agents).`);
  } finally {
    await database.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    printError(`provision: unexpected error ${inspect(error)}`);
    process.exitCode = 1;
  },
);
