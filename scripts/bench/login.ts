import type { Page, Worker } from '@playwright/test';
import type { Harness } from './harness';
import { addedPerPhase } from './chat';
import { comparedRow, type Measured, type Row, ratioTarget } from './report';
import type { Spread } from './stats';

const LOGIN_TRIED =
  'Tried: the config kept in memory and the dashboard tab lookups read together; what remains is the click reaching the worker and finding the dashboard tab (a link is never kept on disk).';

export const DASHBOARD_HOME = /\/app\/?$/;

/**
 * Login without a kept magic link (one provider call) and with one (none; magicLinkReuse is on), click → dashboard loaded and
 * logged in, against the link fetched from Node and opened in a new tab (uncached) and the same link opened
 * in a new tab with no provider call (cached). Run 0 is a warm-up (counts checked, times dropped).
 */
export async function loginRows(harness: Harness, runs: number): Promise<Row[]> {
  const uncached = { ours: [] as Measured[], direct: [] as Measured[] };
  const cached = { ours: [] as Measured[], direct: [] as Measured[] };
  const crm = await harness.newCrmPage();
  await harness.openLead(crm, 'L-1001');
  for (let run = 0; run <= runs; run++) {
    await forgetMagicLinks(await harness.worker());
    const first = await harness.click(crm, 'login', DASHBOARD_HOME);
    await assertLoggedInAsAlice(first.tab);
    uncached.ours.push(first);
    cached.ours.push(await harness.click(crm, 'login', DASHBOARD_HOME));
    const direct = await harness.direct(() => fetchMagicLink(harness), DASHBOARD_HOME);
    uncached.direct.push(direct);
    cached.direct.push(await harness.direct(async () => direct.url, DASHBOARD_HOME));
  }
  await crm.close();
  const uncachedRow = comparedRow('Login, uncached: click → dashboard loaded, logged in', uncached.ours, { label: 'magic link from Node + tab', runs: uncached.direct }, { magicLink: 1 });
  uncachedRow.target = ratioTarget(uncachedRow.data.ratio as Spread, 1.1, 1.2, `${addedPerPhase(uncached)} ${LOGIN_TRIED}`);
  return [uncachedRow, comparedRow('Login, cached', cached.ours, { label: 'the same link opened in a tab', runs: cached.direct }, {})];
}

/** What the extension asks the provider for on an uncached Login, from Node: Alice's magic link. */
export async function fetchMagicLink(harness: Harness): Promise<string> {
  return String((await harness.api('GET', `/v1/org/${harness.org}/user/u_alice/magiclink`)).magic_link);
}

export async function assertLoggedInAsAlice(tab: Page): Promise<void> {
  const user = await tab.locator('#logged-in-as').getAttribute('data-user-id');
  if (user !== 'u_alice') throw new Error(`the dashboard opened logged in as "${user}", not u_alice`);
}

/**
 * Drops the kept login links from the worker's storage.session (lib/actions/login-links.ts), so that the next
 * Login has to ask the provider.
 */
async function forgetMagicLinks(worker: Worker): Promise<void> {
  await worker.evaluate(async (prefix) => {
    type Session = { get(keys: null): Promise<Record<string, unknown>>; remove(keys: string[]): Promise<void> };
    const session = (globalThis as unknown as { chrome: { storage: { session: Session } } }).chrome.storage.session;
    const kept = Object.keys(await session.get(null)).filter((key) => key.startsWith(prefix));
    await session.remove(kept);
  }, 'loginLink:');
}
