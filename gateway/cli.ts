import { existsSync } from 'node:fs';
import { GatewayConfigError, loadDatabaseConfig, loadGatewayConfig } from './config';
import { runUsersCommand } from './core/users-cli';
import { openDatabase } from './db/open';
import { startGateway } from './main';

const USAGE = `Usage:
  npm run gateway                      start the team gateway (configuration from the environment, docs/gateway.md)
  npm run gateway -- users list        the team's agents
  npm run gateway -- users add --email E --provider-user-id U [--name N] [--crm-user-id C] [--role manager]
  npm run gateway -- users import FILE  agents from a .json or .csv file (email, provider_user_id, name, crm_user_id, role);
                                       the agents file of \`npm run provision\` works as it is
  npm run gateway -- users remove --email E

A file named gateway.env in the current folder is read first, if present (KEY=value lines).`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (existsSync('gateway.env')) process.loadEnvFile('gateway.env');
  if (argv[0] === 'users') {
    const database = await openDatabase(loadDatabaseConfig());
    try {
      return await runUsersCommand(argv.slice(1), database.db);
    } finally {
      await database.close();
    }
  }
  if (argv.length > 0) {
    console.error(`Unknown command: ${argv.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const gateway = await startGateway(loadGatewayConfig());
  console.log(`Team gateway running at ${gateway.url} (agents and the identity provider use ${gateway.publicUrl}); Ctrl+C stops it.`);
  await stopOnSignal(gateway.close);
  return 0;
}

function stopOnSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => void close().finally(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof GatewayConfigError ? error.message : error);
    process.exit(1);
  },
);
