import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { GatewayDb } from '../../gateway/core/types';
import { type OpenedDatabase, openDatabase } from '../../gateway/db/open';
import { pgliteTemplate } from './pglite-template';

export * from './fixtures';

export type Counts = Record<'createUser' | 'magicLink' | 'createContact' | 'updateContact' | 'updateStage' | 'assign' | 'getUserByEmail' | 'getContactByCrmId', number>;

/** The sandbox's per-endpoint request counts (zeroed by its reset before every test). */
export async function sandboxCounts(url: string): Promise<Counts> {
  const response = await fetch(`${url}/__sandbox/counts`);
  if (!response.ok) throw new Error(`GET /__sandbox/counts -> ${response.status}`);
  return (await response.json()) as Counts;
}

/** Per-endpoint difference, only the endpoints that changed (so an assertion shows every unexpected call). */
export function callsSince(before: Counts, after: Counts): Partial<Counts> {
  const changed: Partial<Counts> = {};
  for (const [endpoint, count] of Object.entries(after) as [keyof Counts, number][]) {
    if (count !== before[endpoint]) changed[endpoint] = count - before[endpoint];
  }
  return changed;
}

const TABLES = ['users', 'contacts', 'contact_chatroom', 'contact_chatroom_assigned_to', 'action_journal', 'audit_log', 'sign_ins', 'crm_action_journal'];

export async function emptyTables(db: GatewayDb): Promise<void> {
  await db.execute(sql.raw(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY`));
}

/**
 * One in-memory PGlite per test file (from the initdb template: ./pglite-template.ts), migrated by openDatabase,
 * with every table emptied before each test.
 */
export function usePglite(): { db: GatewayDb; database: OpenedDatabase } {
  const handle = { db: undefined as unknown as GatewayDb, database: undefined as unknown as OpenedDatabase };
  beforeAll(async () => {
    handle.database = await openDatabase({ pgliteLoadDataDir: await pgliteTemplate() });
    handle.db = handle.database.db;
  }, 60_000);
  afterAll(async () => {
    await handle.database?.close();
  });
  beforeEach(async () => {
    await emptyTables(handle.db);
  });
  return handle;
}

/** Rows of a raw query, whichever driver (node-postgres and PGlite both answer `{ rows }`). */
export async function rows<Row>(db: GatewayDb, query: ReturnType<typeof sql>): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}
