import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_OIDC_CLIENT, OIDC_DEMO_PASSWORD } from './oidc';
import { demoSeed } from './seed';
import { startSandbox } from './server';

const USAGE = `Usage: npm run sandbox -- [--port 4010] [--host 127.0.0.1] [--data .sandbox/data.json] [--reset] [--quiet]

  --port   port to listen on (default 4010; 0 picks a free one)
  --host   interface to bind (default 127.0.0.1)
  --data   JSON file that keeps users, contacts and chatrooms across restarts (default: memory only)
  --reset  delete the data file first, so the run starts from the demo seed
  --quiet  do not log each request`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      reset: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0–65535, got ${values.port}`);
  const dataFile = values.data === undefined ? undefined : resolve(values.data);
  if (values.reset && dataFile) rmSync(dataFile, { force: true });
  // Without a data file every run starts from the seed anyway, so --reset alone is harmless, not an error.
  if (values.reset && !dataFile) console.warn('--reset without --data: nothing to delete, data is in memory');

  const sandbox = await startSandbox({ port, host: values.host, dataFile, quiet: values.quiet });
  const org = demoSeed.orgs[0];
  console.log(`Saleschat sandbox running
  API base URL:  ${sandbox.url}
  Dashboard:     ${sandbox.url}/app
  Demo CRM:      ${sandbox.url}/crm/leads
  Control API:   ${sandbox.url}/__sandbox/state
  Org id:        ${org?.id}
  API token:     ${org?.tokens[0]}
  Users:         ${org?.users.map((user) => `${user.id} (${user.email})`).join(', ')}
  Data file:     ${dataFile ?? '(memory only)'}
  OIDC issuer:   ${sandbox.oidcIssuer}
  OIDC client:   ${DEFAULT_OIDC_CLIENT.client_id} / ${DEFAULT_OIDC_CLIENT.client_secret} (redirect ${DEFAULT_OIDC_CLIENT.redirect_uris.join(', ')})
  OIDC password: ${OIDC_DEMO_PASSWORD} (every seed user; sign in with the email)
Press Ctrl+C to stop.`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(USAGE);
  process.exit(1);
});
