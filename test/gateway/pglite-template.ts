import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * A freshly initialised PGlite cluster (initdb only, no migrations: every test database is still migrated by
 * openDatabase), dumped once and loaded by each test database. initdb in WebAssembly takes 5–10 s per database;
 * loading the dump takes 1–3 s. Kept in the temp folder, named after the PGlite version, written by rename so
 * parallel test files never read half a file.
 */

const PGLITE_VERSION = (JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string }).version;
export const PGLITE_TEMPLATE = join(tmpdir(), `ccb-gateway-pglite-${PGLITE_VERSION}-initdb.tar`);

let template: Promise<Blob> | undefined;

export function pgliteTemplate(): Promise<Blob> {
  template ??= loadOrBuild();
  return template;
}

async function loadOrBuild(): Promise<Blob> {
  if (existsSync(PGLITE_TEMPLATE)) return new Blob([readFileSync(PGLITE_TEMPLATE)]);
  const db = await PGlite.create();
  const dump = await db.dumpDataDir('none');
  await db.close();
  const partial = `${PGLITE_TEMPLATE}.${process.pid}.partial`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, PGLITE_TEMPLATE);
  return dump;
}
