import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, it } from 'vitest';

/**
 * A throwaway PostgreSQL cluster for tests, from Debian's server binaries (package `postgresql`): its own
 * directory, port and socket, fsync off, deleted on stop. As root (Postgres refuses to run as root) both
 * initdb and the server run as the `postgres` user the package creates.
 */

export interface TestPostgres {
  /** postgres://ccb@127.0.0.1:PORT/postgres */
  url: string;
  /** A new empty database on this cluster, and its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Where Debian installs the server versions (CCB_POSTGRES_ROOT overrides it, e.g. to see the skip path). */
const POSTGRES_ROOT = process.env.CCB_POSTGRES_ROOT ?? '/usr/lib/postgresql';
export const INSTALL_HINT = 'apt-get install postgresql';

/** The newest installed version's bin directory, when it has both initdb and postgres. */
export function findPostgresBin(): string | undefined {
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((entry) => /^\d+(\.\d+)?$/.test(entry))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => join(POSTGRES_ROOT, version, 'bin')).find((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres')));
}

/**
 * `describe` for tests that need a real PostgreSQL. Without the binaries they are skipped with the reason in
 * their title, unless CCB_REQUIRE_POSTGRES is set (CI): then one test fails and says what to install.
 */
export function describeWithPostgres(name: string, body: () => void): void {
  if (findPostgresBin()) {
    describe(name, () => body());
    return;
  }
  const reason = `no PostgreSQL server binaries (${POSTGRES_ROOT}/*/bin/initdb); install them: ${INSTALL_HINT}`;
  if (process.env.CCB_REQUIRE_POSTGRES) {
    describe(name, () => {
      it('has a PostgreSQL server to test against', () => {
        throw new Error(`CCB_REQUIRE_POSTGRES is set but there are ${reason}`);
      });
    });
    return;
  }
  console.warn(`Skipping "${name}": ${reason} (set CCB_REQUIRE_POSTGRES=1 to make this a failure).`);
  describe.skip(`${name} [skipped: ${reason}]`, () => body());
}

const asRoot = process.getuid?.() === 0;

/** Runs a Postgres program as the postgres user when we are root. */
function command(program: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(`PostgreSQL server binaries not found under ${POSTGRES_ROOT}; ${INSTALL_HINT}`);
  const dir = mkdtempSync(join(tmpdir(), 'ccb-pg-'));
  const dataDir = join(dir, 'data');
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const [initdb, initArgs] = command(join(bin, 'initdb'), ['-A', 'trust', '-U', 'ccb', '-D', dataDir, '--no-sync', '-E', 'UTF8', '--locale=C']);
  execFileSync(initdb, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const [postgres, serverArgs] = command(join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
  const server = spawn(postgres, serverArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = `postgres://ccb@127.0.0.1:${port}/postgres`;
  const cleanUp = () => killCluster(dataDir, server, dir);
  process.once('exit', cleanUp);
  try {
    await waitUntilAccepting(url, server, () => stderr);
  } catch (error) {
    cleanUp();
    throw error;
  }
  return {
    url,
    createDatabase: async (name) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    stop: async () => {
      process.removeListener('exit', cleanUp);
      const exited = new Promise<void>((resolve) => (server.exitCode !== null ? resolve() : server.once('exit', () => resolve())));
      signalPostmaster(dataDir, 'SIGINT'); // fast shutdown: ends the sessions, no checkpoint wait
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      cleanUp();
    },
  };
}

/** The server's own pid (under runuser, our child is runuser, which need not pass signals on). */
function signalPostmaster(dataDir: string, signal: NodeJS.Signals): void {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, signal);
  } catch {
    // not running (never started, or already gone)
  }
}

function killCluster(dataDir: string, server: ChildProcess, dir: string): void {
  signalPostmaster(dataDir, 'SIGKILL');
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

async function waitUntilAccepting(url: string, server: ChildProcess, stderr: () => string): Promise<void> {
  const giveUpAt = Date.now() + 20_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}: ${stderr()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > giveUpAt) throw new Error(`postgres did not accept connections within 20 s: ${(error as Error).message}\n${stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
