/**
 * A gateway core in its own process, for the multi-process tests (concurrency.test.ts, restart.test.ts):
 * opens the database, optionally waits for "go" on stdin (so several workers start their Chats together),
 * fires CCB_CHAT_COUNT parallel Chats on one lead and prints JSON lines: {"ready": true}, {"startedAt": ms},
 * every core log event as {"event": …}, then {"results": [...]}. Run with `node --import tsx test/gateway/chat-worker.ts`.
 *
 * Environment: CCB_DATABASE_URL or CCB_DATA_DIR (a new one starts from CCB_PGLITE_TEMPLATE when given); CCB_SANDBOX_URL; CCB_LEAD (JSON Lead); CCB_CHAT_COUNT (1);
 * CCB_AGENTS (comma-separated e-mails, used in turn; default alice); CCB_WAIT_FOR_GO=1; CCB_SEED_TEAM=1.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { chat } from '../../gateway/core';
import { openDatabase } from '../../gateway/db/open';
import type { Lead } from '../../lib/messages';
import { coreDeps, seedTeam, teamSettings } from './fixtures';

function print(line: unknown): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    const input = createInterface({ input: process.stdin });
    input.on('line', (line) => {
      if (line.trim() !== 'go') return;
      input.close();
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const env = process.env;
  const template = env.CCB_PGLITE_TEMPLATE ? { pgliteLoadDataDir: new Blob([readFileSync(env.CCB_PGLITE_TEMPLATE)]) } : {};
  const database = await openDatabase(env.CCB_DATABASE_URL ? { databaseUrl: env.CCB_DATABASE_URL } : { dataDir: env.CCB_DATA_DIR ?? '', ...template });
  if (env.CCB_SEED_TEAM === '1') await seedTeam(database.db);
  const deps = coreDeps(database.db, teamSettings(env.CCB_SANDBOX_URL ?? ''), (event) => print({ event }));
  const lead = JSON.parse(env.CCB_LEAD ?? '{}') as Lead;
  const agents = (env.CCB_AGENTS ?? 'alice@example.com').split(',');
  const count = Number(env.CCB_CHAT_COUNT ?? '1');
  print({ ready: true, migrations: database.migrations });
  if (env.CCB_WAIT_FOR_GO === '1') await waitForGo();
  print({ startedAt: Date.now() });
  const results = await Promise.all(
    Array.from({ length: count }, (_, index) => chat(deps, { email: agents[index % agents.length] ?? '', subject: `worker-${index}` }, lead)),
  );
  print({ results });
  await database.close();
  // stdin (read for "go") would keep the process alive.
  process.exit(0);
}

main().catch((error: unknown) => {
  print({ error: String(error instanceof Error ? error.stack : error) });
  process.exit(1);
});
