import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/db/open';
import { control, getState, useSandbox } from '../sandbox/helpers';
import { type GatewayProcess, spawnGateway } from './gateway-process';
import { api, demoLead, gatewayEnv, registerClient, setRedirects, signIn } from './harness';
import { callsSince, sandboxCounts, seedTeam } from './helpers';
import { pgliteTemplate } from './pglite-template';
import { describeWithPostgres, startPostgres, type TestPostgres } from './postgres';

/**
 * The gateway as deployed: real `gateway/cli.ts` processes configured by environment, over HTTP, agents signed
 * in through the sandbox's OIDC provider. Two processes on one PostgreSQL make one contact for a lead whatever
 * arrives at once; a process killed between create and assign is followed by one that does not create again.
 */

const sandbox = useSandbox();
let client: { id: string; secret: string };
/** Every gateway of this file shares the client, so the IdP must redirect to each of them. */
const redirectUris: string[] = [];

beforeAll(async () => {
  client = await registerClient(sandbox.sandbox, 'http://127.0.0.1:1');
  await pgliteTemplate();
}, 60_000);

/** Starts a gateway process and lets the sandbox's IdP redirect to it (its port is known only now). */
async function gatewayProcess(database: Record<string, string>): Promise<GatewayProcess> {
  const gateway = await spawnGateway({ ...gatewayEnv(sandbox.sandbox, client), ...database });
  redirectUris.push(`${gateway.url}/auth/callback`);
  await setRedirects(sandbox.sandbox, client, redirectUris);
  return gateway;
}

describeWithPostgres('two gateway processes on one PostgreSQL', () => {
  let server: TestPostgres;
  let url: string;
  const processes: GatewayProcess[] = [];
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('processes');
    const database = await openDatabase({ databaseUrl: url });
    await seedTeam(database.db);
    await database.close();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(processes.map((gateway) => gateway.stop()));
    await server?.stop();
  });

  it('50 Chats at once on one new lead, 25 to each process: exactly one contact, all 50 get it', async () => {
    processes.push(await gatewayProcess({ DATABASE_URL: url }), await gatewayProcess({ DATABASE_URL: url }));
    const alice = await signIn(processes[0]?.url ?? '', 'alice@example.com');
    // Every provider call takes 100 ms and the create 400 ms more, so the 50 requests overlap the one create.
    await control(sandbox.url, 'POST', '/__sandbox/latency', { ms: 100 });
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', delayMs: 400 });
    const lead = demoLead();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) => api(processes[index % 2]?.url ?? '', '/v1/chat', alice.idToken, { lead })),
    );

    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(new Set(answers.map((answer) => answer.body.contactId)).size).toBe(1);
    expect(answers.filter((answer) => answer.body.created === true)).toHaveLength(1);
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 1, assign: 50 });
    expect((await getState(sandbox.url)).contacts.filter((contact: { crm_id: string }) => contact.crm_id === lead.crmId)).toHaveLength(1);
  }, 90_000);
});

describe('a gateway process killed between create and assign (embedded database on disk)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ccb-gateway-kill-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('restarted on the same data, the next Chat makes no contact and assigns once', async () => {
    const database = await openDatabase({ dataDir, pgliteLoadDataDir: await pgliteTemplate() });
    await seedTeam(database.db);
    await database.close();
    const env = { GATEWAY_DATA_DIR: dataDir };

    const first = await gatewayProcess(env);
    const alice = await signIn(first.url, 'alice@example.com');
    const lead = demoLead();
    // The assign is held at the sandbox, so the gateway is surely killed while it waits for the answer.
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'assign', delayMs: 20_000 });
    const unanswered = api(first.url, '/v1/chat', alice.idToken, { lead }).catch((error: unknown) => error);
    await expect.poll(() => sandboxCounts(sandbox.url), { timeout: 20_000, interval: 20 }).toMatchObject({ createContact: 1, assign: 1 });
    const atKill = await sandboxCounts(sandbox.url);
    await first.kill();
    expect(await unanswered).toBeInstanceOf(Error); // the agent's request died with the process

    const second = await gatewayProcess(env);
    try {
      const again = await api(second.url, '/v1/chat', alice.idToken, { lead });
      expect(again).toMatchObject({ status: 200, body: { ok: true, created: false } });
      expect(callsSince(atKill, await sandboxCounts(sandbox.url))).toEqual({ assign: 1 });
      expect((await getState(sandbox.url)).contacts.filter((contact: { crm_id: string }) => contact.crm_id === lead.crmId)).toHaveLength(1);
      // The embedded database is the running gateway's alone: an admin command opening it meanwhile is refused.
      await expect(openDatabase({ dataDir })).rejects.toThrow(`is in use by process ${second.process.pid}`);
    } finally {
      await second.stop();
    }
  }, 90_000);
});
