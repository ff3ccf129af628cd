import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { migrate, type MigrationReport } from './migrate';
import { schema } from './schema';

/**
 * The database as the core sees it: drizzle's Postgres base type, the same for node-postgres and PGlite, so
 * every query is written once. Only the query builder and `transaction` are used on it, whose results do not
 * depend on the driver.
 */
export type GatewayDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface OpenDatabaseOptions {
  /** postgres://… : a real PostgreSQL server (a connection pool). */
  databaseUrl?: string;
  /** Without databaseUrl: where PGlite keeps its files (created if missing). Absent: in memory, gone on close. */
  dataDir?: string;
  /**
   * PGlite only, for a NEW database (empty or absent dataDir): start from this tarball of PGlite's dumpDataDir()
   * instead of running initdb (a backup to restore; the tests' pre-initialised cluster, which spares initdb's
   * seconds of WebAssembly). Migrations run on it as on any database.
   */
  pgliteLoadDataDir?: Blob;
  /** Connections in the pool (real Postgres only). Default 10, node-postgres's own default. */
  poolSize?: number;
  /** Told about pool errors that happen between queries (a server restart, a dropped idle connection). */
  onPoolError?: (error: Error) => void;
}

export interface OpenedDatabase {
  db: GatewayDb;
  kind: 'pglite' | 'postgres';
  /** What the migrations did on open. */
  migrations: MigrationReport;
  /** Resolves when the database answers a trivial query (the health check); rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the database and brings its schema up to date before anyone may query it. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options.dataDir, options.pgliteLoadDataDir);
}

async function openPostgres(databaseUrl: string, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  // Without a listener, an idle connection's error (the server restarted) would crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  const migrations = await migrate(pool).catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  const db = drizzleNodePg({ client: pool, schema });
  return { db, kind: 'postgres', migrations, ping: () => ping(db), close: () => pool.end() };
}

async function openPglite(dataDir: string | undefined, loadDataDir: Blob | undefined): Promise<OpenedDatabase> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const release = dataDir ? lockDataDir(dataDir) : () => undefined;
  try {
    const isNew = !dataDir || readdirSync(dataDir).length === 0;
    const client = await PGlite.create({ ...(dataDir ? { dataDir } : {}), ...(loadDataDir && isNew ? { loadDataDir } : {}) });
    const migrations = await migrate(client).catch(async (error: unknown) => {
      await client.close();
      throw error;
    });
    const db = drizzlePglite({ client, schema });
    const close = () => client.close().finally(release);
    return { db, kind: 'pglite', migrations, ping: () => ping(db), close };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * The embedded database belongs to one process: two PGlite instances on one folder corrupt it, and PGlite has no
 * lock of its own. A lock file next to the folder names the process holding it; one left by a process that no
 * longer runs (killed) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = `${dataDir.replace(/[\\/]+$/, '')}.lock`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockFile, 'utf8'));
      if (processRuns(holder)) {
        throw new Error(
          `The embedded database ${dataDir} is in use by process ${holder} (a running gateway or admin command). Stop it first; to run several gateway processes, use PostgreSQL (DATABASE_URL).`,
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`Could not lock the embedded database ${dataDir}: another process keeps taking it.`);
}

function processRuns(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ping(db: GatewayDb): Promise<void> {
  await db.execute(sql`SELECT 1`);
}
