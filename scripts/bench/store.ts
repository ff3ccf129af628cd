import { DATABASE_NAME } from '../../lib/store/db';
import type { Harness } from './harness';
import type { Row } from './report';
import { spread, thousands } from './stats';

/** Rows per insert transaction (what an import of exported mappings would do, lib/store/transfer.ts). */
const BATCH = 1000;
const LOOKUPS = 1000;
/** An org of its own, so the bench's rows never meet the agent's and are deleted afterwards by key range. */
const BENCH_ORG = 'org_bench_store';

interface StoreFigures {
  insertMs: number;
  inserted: number;
  /** Lookups at BATCH rows (the baseline) and at the full size. */
  smallMs: number[];
  smallFound: number;
  largeMs: number[];
  largeFound: number;
  usageBefore: number;
  usageAfter: number;
}

/**
 * `size` mapped leads in the worker's own IndexedDB (the extension's database and `contacts` table, with its
 * [orgId+crmId] key and [orgId+providerContactId] index): insert throughput in batches, the lookup Chat
 * makes for every click (one get by [orgId, crmId] in its own transaction, as MappingStore.findContact does)
 * on random keys, at BATCH rows and at `size`, and the origin's storage growth. Raw IndexedDB opened without
 * a version, so it follows whatever schema version the extension is at.
 */
export async function storeRows(harness: Harness, size: number): Promise<Row[]> {
  const worker = await harness.worker();
  const figures: StoreFigures = await worker.evaluate(
    async ({ name, org, size, batch, lookups }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name);
        // Never create the database: the extension owns its schema.
        open.onupgradeneeded = () => open.transaction?.abort();
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error ?? new Error(`no database ${name}`));
      });
      const settled = (transaction: IDBTransaction) =>
        new Promise<void>((resolve, reject) => {
          transaction.oncomplete = () => resolve();
          transaction.onerror = () => reject(transaction.error);
          transaction.onabort = () => reject(transaction.error);
        });
      const result = <T>(request: IDBRequest<T>) =>
        new Promise<T>((resolve, reject) => {
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      // Salesforce-like 18-character record ids.
      const crmId = (i: number) => `00Q${i.toString(36).padStart(15, '0')}`;
      const usage = async () => (await navigator.storage.estimate()).usage ?? 0;
      const insert = async (from: number, to: number) => {
        const started = performance.now();
        for (let start = from; start < to; start += batch) {
          const transaction = db.transaction('contacts', 'readwrite');
          const contacts = transaction.objectStore('contacts');
          for (let i = start; i < Math.min(to, start + batch); i++) {
            contacts.put({ orgId: org, crmId: crmId(i), providerContactId: `c_bench_${i}`, createdAt: Date.now() });
          }
          await settled(transaction);
        }
        return performance.now() - started;
      };
      const lookUp = async (among: number) => {
        const times: number[] = [];
        let found = 0;
        for (let n = 0; n < lookups; n++) {
          const key = [org, crmId(Math.floor(Math.random() * among))];
          const started = performance.now();
          const row = await result(db.transaction('contacts', 'readonly').objectStore('contacts').get(key));
          times.push(performance.now() - started);
          if (row) found += 1;
        }
        return { times, found };
      };
      const range = IDBKeyRange.bound([org, ''], [org, '\uffff']);
      const usageBefore = await usage();
      const first = Math.min(batch, size);
      let insertMs = await insert(0, first);
      const small = await lookUp(first);
      insertMs += await insert(first, size);
      const large = await lookUp(size);
      const inserted = await result(db.transaction('contacts', 'readonly').objectStore('contacts').count(range));
      const usageAfter = await usage();
      const cleanup = db.transaction('contacts', 'readwrite');
      cleanup.objectStore('contacts').delete(range);
      await settled(cleanup);
      db.close();
      return { insertMs, inserted, smallMs: small.times, smallFound: small.found, largeMs: large.times, largeFound: large.found, usageBefore, usageAfter };
    },
    { name: DATABASE_NAME, org: BENCH_ORG, size, batch: BATCH, lookups: LOOKUPS },
  );

  const large = spread(figures.largeMs);
  const small = spread(figures.smallMs);
  const bytes = figures.usageAfter - figures.usageBefore;
  const perSecond = size / (figures.insertMs / 1000);
  const counted = (what: string, measured: number, expected: number) => ({ what, ok: measured === expected, measured: thousands(measured) });
  return [
    {
      figure: `Store: lookup by [orgId+crmId] among ${thousands(size)} leads (worker IndexedDB)`,
      ours: `p50 ${large.p50.toFixed(2)} · p99 ${large.p99.toFixed(2)} ms`,
      baseline: `among ${thousands(Math.min(BATCH, size))}: p50 ${small.p50.toFixed(2)} · p99 ${small.p99.toFixed(2)} ms`,
      ratio: `×${(large.p50 / small.p50).toFixed(2)} · p99 ×${(large.p99 / small.p99).toFixed(2)}`,
      roundTrips: '',
      data: { lookup: large, baselineLookup: small, lookups: LOOKUPS },
      checks: [
        counted(`every lookup found its lead (${LOOKUPS} among ${thousands(size)})`, figures.largeFound, LOOKUPS),
        counted(`every lookup found its lead (${LOOKUPS} among ${thousands(Math.min(BATCH, size))})`, figures.smallFound, LOOKUPS),
      ],
    },
    {
      figure: `Store: insert ${thousands(size)} leads, ${thousands(BATCH)} per transaction`,
      ours: `${thousands(perSecond)} rows/s (${(figures.insertMs / 1000).toFixed(1)} s)`,
      baseline: '',
      ratio: '',
      roundTrips: '',
      data: { insertMs: figures.insertMs, rowsPerSecond: perSecond, batch: BATCH },
      checks: [counted(`rows stored = ${thousands(size)}`, figures.inserted, size)],
    },
    {
      figure: `Store: size of ${thousands(size)} leads (navigator.storage.estimate growth)`,
      ours: `${(bytes / 1024 / 1024).toFixed(1)} MB`,
      baseline: '',
      ratio: `${thousands(bytes / size)} bytes per lead`,
      roundTrips: '',
      data: { bytes, usageBefore: figures.usageBefore, usageAfter: figures.usageAfter },
      checks: [],
    },
  ];
}
