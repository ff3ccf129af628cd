
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OpenedDatabase, openDatabase } from '../../gateway/db/open';
import { actionJournal, contacts } from '../../gateway/db/schema';
import { control, useSandbox } from '../sandbox/helpers';
import { type Counts, callsSince, newLead, sandboxCounts, seedTeam } from './helpers';
import { describeWithPostgres, startPostgres, type TestPostgres } from './postgres';
import { startWorker, type Worker } from './workers';

/**
 * A gateway killed (SIGKILL) after Saleschat created the contact and while the assign is still travelling:
 * a fresh process on the same database must not create the lead again, only assign it. Here the core in a
 * worker process on PostgreSQL, with what the killed process left in the database checked; a real gateway
 * process over HTTP on the embedded database: processes.test.ts.
 */

const sandbox = useSandbox();

/** The assign is held 20 s at the sandbox, so the worker is surely killed while it waits for the answer. */
async function holdTheAssign(): Promise<void> {
  await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'assign', delayMs: 20_000 });
}

/** Waits until the worker says it is assigning and the sandbox has the create and the (held) assign, then kills it. */
async function killWhileAssigning(worker: Worker, isAssigningInDatabase: () => Promise<boolean> = async () => true): Promise<Counts> {
  await worker.waitFor((line) => line.event?.event === 'chat.assigning', 45_000);
  for (;;) {
    const counts = await sandboxCounts(sandbox.url);
    if (counts.createContact === 1 && counts.assign === 1 && (await isAssigningInDatabase())) {
      worker.process.kill('SIGKILL');
      await worker.exited;
      return counts;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function chatEnv(lead: ReturnType<typeof newLead>, database: Record<string, string>): Record<string, string> {
  return { ...database, CCB_SANDBOX_URL: sandbox.url, CCB_LEAD: JSON.stringify(lead), CCB_SEED_TEAM: '1' };
}

describeWithPostgres('killed between create and assign, on a real PostgreSQL', () => {
  let server: TestPostgres;
  let database: OpenedDatabase;
  let url: string;
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('restart');
    database = await openDatabase({ databaseUrl: url });
    await seedTeam(database.db);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await server?.stop();
  });

  it('the next Chat after a restart makes no contact, and assigns once', async () => {
    const lead = newLead();
    await holdTheAssign();
    const journalSays = async () => (await database.db.select({ step: actionJournal.step }).from(actionJournal)).map((row) => row.step);
    const first = startWorker(chatEnv(lead, { CCB_DATABASE_URL: url }));
    const atKill = await killWhileAssigning(first, async () => (await journalSays()).includes('assigning'));

    // What the killed process left: the contact recorded before the assign, its journal entry mid-assign.
    const [row] = await database.db.select().from(contacts);
    expect(row).toMatchObject({ state: 'created', providerContactId: expect.stringMatching(/^c_/), claimId: null });
    expect(await journalSays()).toEqual(['assigning']);

    const results = await startWorker(chatEnv(lead, { CCB_DATABASE_URL: url })).results(45_000);

    expect(results).toMatchObject([{ ok: true, contactId: row?.providerContactId, created: false }]);
    expect(callsSince(atKill, await sandboxCounts(sandbox.url))).toEqual({ assign: 1 });
    expect((await journalSays()).sort()).toEqual(['assigning', 'done']);
  }, 90_000);
});
