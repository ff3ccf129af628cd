import type { Page, Worker } from '@playwright/test';
import { DATABASE_NAME } from '../../lib/store/db';
import type { Harness } from './harness';
import { comparedRow, type Measured, type Row } from './report';

const DASHBOARD_HOME = /\/app\/?$/;

/**
 * Login without a cached magic link (one provider call) and with one (none), click → dashboard loaded and
 * logged in, against the link fetched from Node and opened in a new tab (uncached) and the same link opened
 * in a new tab with no provider call (cached). Run 0 is a warm-up (counts checked, times dropped).
 */
export async function loginRows(harness: Harness, runs: number): Promise<Row[]> {
  const uncached = { ours: [] as Measured[], direct: [] as Measured[] };
  const cached = { ours: [] as Measured[], direct: [] as Measured[] };
  const crm = await harness.newCrmPage();
  await harness.openLead(crm, 'L-1001');
  const fetchLink = async () => String((await harness.api('GET', `/v1/org/${harness.org}/user/u_alice/magiclink`)).magic_link);
  for (let run = 0; run <= runs; run++) {
    await forgetMagicLinks(await harness.worker());
    const first = await harness.click(crm, 'login', DASHBOARD_HOME);
    await assertLoggedInAsAlice(first.tab);
    uncached.ours.push(first);
    cached.ours.push(await harness.click(crm, 'login', DASHBOARD_HOME));
    const direct = await harness.direct(fetchLink, DASHBOARD_HOME);
    uncached.direct.push(direct);
    cached.direct.push(await harness.direct(async () => direct.url, DASHBOARD_HOME));
  }
  await crm.close();
  return [
    comparedRow('Login, uncached: click → dashboard loaded, logged in', uncached.ours, { label: 'magic link from Node + tab', runs: uncached.direct }, { magicLink: 1 }),
    comparedRow('Login, cached', cached.ours, { label: 'the same link opened in a tab', runs: cached.direct }, {}),
  ];
}

async function assertLoggedInAsAlice(tab: Page): Promise<void> {
  const user = await tab.locator('#logged-in-as').getAttribute('data-user-id');
  if (user !== 'u_alice') throw new Error(`the dashboard opened logged in as "${user}", not u_alice`);
}

/**
 * Drops the cached magic links from the worker's database (what MappingStore.forgetMagicLink does, for every
 * agent), so the next Login has to ask the provider. Raw IndexedDB, opened without a version so that it
 * works whatever the schema's version; it refuses to create the database if the extension has not.
 */
async function forgetMagicLinks(worker: Worker): Promise<void> {
  await worker.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onupgradeneeded = () => open.transaction?.abort();
        open.onerror = () => reject(open.error ?? new Error(`no database ${name}`));
        open.onsuccess = () => {
          const db = open.result;
          const transaction = db.transaction('users', 'readwrite');
          const cursor = transaction.objectStore('users').openCursor();
          cursor.onsuccess = () => {
            const row = cursor.result;
            if (!row) return;
            const { magicLink: _link, magicLinkExpiresAt: _expiry, ...rest } = row.value as Record<string, unknown>;
            row.update(rest);
            row.continue();
          };
          transaction.oncomplete = () => {
            db.close();
            resolve();
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
    DATABASE_NAME,
  );
}
