import { PGlite } from '@electric-sql/pglite';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, type MigrationTarget } from '../../gateway/db/migrate';
import { openDatabase } from '../../gateway/db/open';
import { schema } from '../../gateway/db/schema';
import { pgliteTemplate } from './pglite-template';
import { describeWithPostgres, startPostgres, type TestPostgres } from './postgres';

/** The migration runner on PGlite and on a real PostgreSQL, and the drizzle schema against what it creates. */

const LATEST = loadMigrations().length;

/** Runs a query on either kind of target and returns its rows. */
async function query<Row>(target: MigrationTarget, text: string, params: unknown[] = []): Promise<Row[]> {
  const result = target instanceof PGlite ? await target.query(text, params) : await target.query(text, params);
  return result.rows as Row[];
}

async function appliedVersions(target: MigrationTarget): Promise<number[]> {
  return (await query<{ version: number }>(target, 'SELECT version FROM schema_migrations ORDER BY version')).map((row) => row.version);
}

/** The rows a version-1 gateway wrote: a user and a contact, with 0001's columns only. */
async function writeVersionOneData(target: MigrationTarget): Promise<void> {
  await query(target, "INSERT INTO users (email, provider_user_id, name, role) VALUES ('alice@example.com', 'u_alice', 'Alice Agent', 'manager')");
  await query(
    target,
    `INSERT INTO contacts (org_id, crm_namespace, crm_id, provider_contact_id, state, create_attempts, fields_sent)
     VALUES ('org_demo', 'demo:acme', 'L-1', 'c_1', 'created', 1, '{"first_name":"Ada"}')`,
  );
}

async function expectVersionOneDataKept(target: MigrationTarget): Promise<void> {
  expect(await query(target, 'SELECT email, provider_user_id, name, role FROM users')).toEqual([
    { email: 'alice@example.com', provider_user_id: 'u_alice', name: 'Alice Agent', role: 'manager' },
  ]);
  expect(
    await query(target, 'SELECT crm_namespace, crm_id, provider_contact_id, state, fields_sent, page_url, provider_crm_id, earlier_contacts, crm_card FROM contacts'),
  ).toEqual([
    {
      crm_namespace: 'demo:acme',
      crm_id: 'L-1',
      provider_contact_id: 'c_1',
      state: 'created',
      fields_sent: { first_name: 'Ada' },
      page_url: null,
      // 0003: the contact's crm_id is the lead's identity, and it has had no other contact.
      provider_crm_id: null,
      earlier_contacts: [],
      // 0004: no Chat has stored the lead's CRM card yet.
      crm_card: null,
    },
  ]);
  // A journal row of version 1 is kept, and 0003's new step is accepted.
  await query(target, "INSERT INTO action_journal (org_id, agent_email, action, step) VALUES ('org_demo', 'alice@example.com', 'chat', 'updating')");
  // 0005: the CRM write-back's journal, empty; one row per event and action, the states and events the runner knows.
  expect(await query(target, 'SELECT * FROM crm_action_journal')).toEqual([]);
  await query(
    target,
    `INSERT INTO crm_action_journal (id, event_id, action_name, event, agent_email, variables, lead_name, state, next_attempt_at)
     VALUES ('e1#CRM', 'e1', 'CRM', 'chat-opened', 'alice@example.com', '{"FIRST_NAME":"Ada"}', 'Ada', 'pending', now())`,
  );
  await expect(
    query(target, "INSERT INTO crm_action_journal (id, event_id, action_name, event, agent_email, lead_name, state, next_attempt_at) VALUES ('e2#CRM', 'e2', 'CRM', 'chat-opened', 'a', 'Ada', 'paused', now())"),
  ).rejects.toThrow(/check constraint/);
}

interface ColumnShape {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}

/** The columns as the database has them after migrating (identity columns count as having a default). */
async function databaseColumns(target: MigrationTarget): Promise<ColumnShape[]> {
  const rows = await query<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null; is_identity: string }>(
    target,
    `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
  );
  return sortColumns(
    rows.map((row) => ({
      table: row.table_name,
      column: row.column_name,
      type: row.data_type,
      nullable: row.is_nullable === 'YES',
      hasDefault: row.column_default !== null || row.is_identity === 'YES',
    })),
  );
}

/** The same, as gateway/db/schema.ts declares them. */
function drizzleColumns(): ColumnShape[] {
  const columns = Object.values(schema).flatMap((table: PgTable) => {
    const config = getTableConfig(table);
    return config.columns.map((column) => ({
      table: config.name,
      column: column.name,
      type: column.getSQLType(),
      nullable: !column.notNull,
      hasDefault: column.hasDefault || column.generatedIdentity !== undefined,
    }));
  });
  return sortColumns(columns);
}

function sortColumns(columns: ColumnShape[]): ColumnShape[] {
  return columns.sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
}

async function primaryKeys(target: MigrationTarget): Promise<Record<string, string[]>> {
  const rows = await query<{ table_name: string; column_name: string }>(
    target,
    `SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc
     JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
     WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public' AND tc.table_name <> 'schema_migrations'
     ORDER BY tc.table_name, kcu.ordinal_position`,
  );
  const keys: Record<string, string[]> = {};
  for (const row of rows) keys[row.table_name] = [...(keys[row.table_name] ?? []), row.column_name];
  return keys;
}

function drizzlePrimaryKeys(): Record<string, string[]> {
  const keys: Record<string, string[]> = {};
  for (const table of Object.values(schema) as PgTable[]) {
    const config = getTableConfig(table);
    const single = config.columns.filter((column) => column.primary).map((column) => column.name);
    keys[config.name] = single.length > 0 ? single : (config.primaryKeys[0]?.columns.map((column) => column.name) ?? []);
  }
  return keys;
}

/**
 * The indexes the migrations create beside constraints (a primary key's or a UNIQUE column's index is the
 * constraint's), with their table, so an index missing from either side shows.
 */
async function indexes(target: MigrationTarget): Promise<string[]> {
  const rows = await query<{ tablename: string; indexname: string }>(
    target,
    `SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
     AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
  );
  return rows.map((row) => `${row.tablename}.${row.indexname}`).sort();
}

function drizzleIndexes(): string[] {
  return (Object.values(schema) as PgTable[])
    .flatMap((table) => {
      const config = getTableConfig(table);
      return config.indexes.map((index) => `${config.name}.${index.config.name}`);
    })
    .sort();
}

describe('migrations on PGlite', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create({ loadDataDir: await pgliteTemplate() });
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  });

  it('migrates an empty database to the latest version, then finds nothing to do', async () => {
    expect(await migrate(db)).toEqual({ applied: [1, 2, 3, 4, 5], version: LATEST });
    expect(LATEST).toBe(5);
    expect(await appliedVersions(db)).toEqual([1, 2, 3, 4, 5]);
    expect(await migrate(db)).toEqual({ applied: [], version: LATEST });
  });

  it("migrates a version-1 database with data to the latest, keeping the data", async () => {
    expect(await migrate(db, { to: 1 })).toEqual({ applied: [1], version: 1 });
    await expect(query(db, 'SELECT page_url FROM contacts')).rejects.toThrow(/page_url/);
    await writeVersionOneData(db);

    expect(await migrate(db)).toEqual({ applied: [2, 3, 4, 5], version: 5 });
    await expectVersionOneDataKept(db);
  });

  it('rolls a failing migration back whole and records nothing for it', async () => {
    await migrate(db, { to: 1 });
    await query(db, 'CREATE TABLE audit_log (id int)'); // 0002 will fail creating it
    await expect(migrate(db)).rejects.toThrow(/audit_log/);
    expect(await appliedVersions(db)).toEqual([1]);
    expect(await query(db, "SELECT 1 FROM information_schema.tables WHERE table_name = 'sign_ins'")).toEqual([]);
  });

  it('refuses a database a newer gateway migrated', async () => {
    await migrate(db);
    await query(db, "INSERT INTO schema_migrations (version, name) VALUES (99, 'from_the_future')");
    await expect(migrate(db)).rejects.toThrow('schema version 99, newer than this gateway knows (5)');
  });

  it('matches the drizzle schema (gateway/db/schema.ts) column by column', async () => {
    await migrate(db);
    expect(await databaseColumns(db)).toEqual(drizzleColumns());
    expect(await primaryKeys(db)).toEqual(drizzlePrimaryKeys());
    expect(await indexes(db)).toEqual(drizzleIndexes());
  });
});

/**
 * A pool for the test's own queries. pool.end() resolves before its connections have closed, so the server's stop in
 * afterAll can still reach one ("terminating connection due to administrator command"): expected, not a failure,
 * and without a listener the pool would throw it as an uncaught error.
 */
function testPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url });
  pool.on('error', () => undefined);
  return pool;
}

describeWithPostgres('migrations on a real PostgreSQL', () => {
  let server: TestPostgres;
  let databases = 0;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  async function freshPool(): Promise<pg.Pool> {
    databases += 1;
    return testPool(await server.createDatabase(`migrations_${databases}`));
  }

  it('migrates an empty database to the latest version, and the drizzle schema matches it', async () => {
    const pool = await freshPool();
    try {
      expect(await migrate(pool)).toEqual({ applied: [1, 2, 3, 4, 5], version: LATEST });
      expect(await migrate(pool)).toEqual({ applied: [], version: LATEST });
      expect(await databaseColumns(pool)).toEqual(drizzleColumns());
      expect(await primaryKeys(pool)).toEqual(drizzlePrimaryKeys());
      expect(await indexes(pool)).toEqual(drizzleIndexes());
    } finally {
      await pool.end();
    }
  });

  it('migrates a version-1 database with data to the latest, keeping the data', async () => {
    const pool = await freshPool();
    try {
      await migrate(pool, { to: 1 });
      await writeVersionOneData(pool);
      expect(await migrate(pool)).toEqual({ applied: [2, 3, 4, 5], version: 5 });
      await expectVersionOneDataKept(pool);
    } finally {
      await pool.end();
    }
  });

  it('lets gateways starting together take turns: each migration applied exactly once', async () => {
    databases += 1;
    const url = await server.createDatabase(`migrations_${databases}`);
    // Separate pools, as separate processes would have; openDatabase migrates on open.
    const opened = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: url, poolSize: 2 })));
    try {
      const applied = opened.map((database) => database.migrations.applied);
      expect(applied.flat().sort()).toEqual([1, 2, 3, 4, 5]);
      expect(applied.filter((versions) => versions.length > 0)).toEqual([[1, 2, 3, 4, 5]]);
      expect(opened.map((database) => database.migrations.version)).toEqual([5, 5, 5]);
      const pool = testPool(url);
      expect(await appliedVersions(pool)).toEqual([1, 2, 3, 4, 5]);
      await pool.end();
    } finally {
      await Promise.all(opened.map((database) => database.close()));
    }
  });
});
