import { readdirSync, readFileSync } from 'node:fs';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * Applies the numbered SQL files in ./migrations that a database lacks, in order, each in its own
 * transaction, and records each in `schema_migrations`. The whole run holds a session advisory lock on one
 * connection, so gateway processes starting together on one Postgres take turns: the first applies, the others
 * then find nothing left to do. (PGlite is one process with one connection; the lock is harmless there.)
 *
 * Migrations only go forward. A database that has a version this code does not know was migrated by a newer
 * gateway: the run refuses rather than serve with a schema it cannot read.
 */

/** Any constant works, as long as nothing else in the database takes the same advisory lock. */
export const MIGRATION_LOCK_KEY = 7_302_114_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrationReport {
  /** Versions this run applied, in order (empty when the database was up to date). */
  applied: number[];
  /** The database's version after the run. */
  version: number;
}

/** Where to migrate: PGlite, or a pool / client of real Postgres. */
export type MigrationTarget = PGlite | pg.Pool | pg.Client;

/** The few things the runner needs from a connection. */
interface SqlSession {
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements. */
  exec(script: string): Promise<void>;
  /** Runs `work` in a transaction on this same connection. */
  inTransaction(work: (session: SqlSession) => Promise<void>): Promise<void>;
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The migrations shipped with this code, in version order. */
export function loadMigrations(): Migration[] {
  const migrations = readdirSync(MIGRATIONS_DIR)
    .map((file) => ({ file, match: FILE_NAME.exec(file) }))
    .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ file, match }) => ({ version: Number(match[1]), name: match[2] as string, sql: readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8') }))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`Migration files must be numbered 0001, 0002, … without gaps; found ${migration.version} at position ${index + 1}.`);
  });
  return migrations;
}

/** Migrates to the latest version, or only up to `options.to` (tests start from an older version). */
export async function migrate(target: MigrationTarget, options: { to?: number } = {}): Promise<MigrationReport> {
  const migrations = loadMigrations().filter((migration) => options.to === undefined || migration.version <= options.to);
  const latestKnown = loadMigrations().length;
  return withSession(target, async (session) => {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await applyMissing(session, migrations, latestKnown);
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}

async function applyMissing(session: SqlSession, migrations: Migration[], latestKnown: number): Promise<MigrationReport> {
  await session.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const done = new Set((await session.query<{ version: number }>('SELECT version FROM schema_migrations')).map((row) => Number(row.version)));
  const newest = Math.max(0, ...done);
  if (newest > latestKnown) {
    throw new Error(`The database is at schema version ${newest}, newer than this gateway knows (${latestKnown}): a newer gateway migrated it. Run that version.`);
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    await session.inTransaction(async (tx) => {
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    });
    applied.push(migration.version);
    done.add(migration.version);
  }
  return { applied, version: Math.max(0, ...done) };
}

/** Runs `work` on one connection of the target (a pool lends one for the run, and gets it back). */
async function withSession<T>(target: MigrationTarget, work: (session: SqlSession) => Promise<T>): Promise<T> {
  if (target instanceof pg.Pool) {
    const client = await target.connect();
    try {
      return await work(pgSession(client));
    } finally {
      client.release();
    }
  }
  if (target instanceof pg.Client) return work(pgSession(target));
  return work(pgliteSession(target));
}

function pgSession(client: pg.PoolClient | pg.Client): SqlSession {
  const session: SqlSession = {
    query: async <Row>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as Row[],
    exec: async (script) => {
      await client.query(script);
    },
    inTransaction: async (work) => {
      await client.query('BEGIN');
      try {
        await work(session);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    },
  };
  return session;
}

function pgliteSession(db: PGlite | Transaction): SqlSession {
  return {
    query: async <Row>(text: string, params?: unknown[]) => (await db.query<Row>(text, params)).rows,
    exec: async (script) => {
      await db.exec(script);
    },
    inTransaction: async (work) => {
      // PGlite serialises single queries, not a BEGIN … COMMIT written as separate queries: its own transaction
      // keeps every other query of the process out until this one ends.
      if (!('transaction' in db)) throw new Error('nested transactions are not used by the migration runner');
      await db.transaction((tx) => work(pgliteSession(tx)));
    },
  };
}
