import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listUsers } from '../../gateway/core';
import { openDatabase } from '../../gateway/db/open';
import { useSandbox } from '../sandbox/helpers';
import { TOKEN } from './fixtures';
import { pgliteTemplate } from './pglite-template';

/** `npm run provision -- USERS.csv --gateway-team`: the agents it creates become the gateway's team. */

const sandbox = useSandbox();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccb-provision-team-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('writes the created agents into the gateway users table', { timeout: 60_000 }, async () => {
  const dataDir = join(dir, 'gateway-data');
  const initialised = await openDatabase({ dataDir, pgliteLoadDataDir: await pgliteTemplate() });
  await initialised.close();
  const csv = join(dir, 'team.csv');
  writeFileSync(csv, 'email,first_name,last_name,crm_user_id\ncarol@example.test,Carol,Closer,CRM-7\ndave@example.test,Dave,Dialer,\n');
  const root = resolve('.');
  const run = () =>
    promisify(execFile)(join(root, 'node_modules/.bin/tsx'), ['scripts/provision.ts', csv, '--api-url', sandbox.url, '--org', 'org_demo', '--gateway-team'], {
      cwd: root,
      env: { ...process.env, SALESCHAT_API_TOKEN: TOKEN, GATEWAY_DATA_DIR: dataDir, DATABASE_URL: '' },
    });

  // One run: re-adding is upsertUsers' own test (users.test.ts); a provisioning CLI run costs seconds.
  expect((await run()).stdout).toContain('Gateway team: 2 added, 0 updated (2 agents).');
  const database = await openDatabase({ dataDir });
  try {
    expect((await listUsers(database.db)).map(({ email, name, crmUserId, role }) => ({ email, name, crmUserId, role }))).toEqual([
      { email: 'carol@example.test', name: 'Carol Closer', crmUserId: 'CRM-7', role: 'agent' },
      { email: 'dave@example.test', name: 'Dave Dialer', role: 'agent' },
    ]);
  } finally {
    await database.close();
  }
});
