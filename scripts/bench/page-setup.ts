import type { Worker } from '@playwright/test';
import type { Harness } from './harness';
import { type Row, tally } from './report';

/** Loads of the stopped-worker case: enough to see whether a load starts it, each costs a worker stop. */
const COLD_LOADS = 3;

/** Once the first message arrived, how long more messages may still come from the same load. */
const AFTER_FIRST_MESSAGE_MS = 300;

/**
 * A page of a matched CRM host that shows no lead (the demo CRM's lead list): which messages its content script
 * sends the worker per load, and whether a load starts a stopped worker. Issue 17's goal is a URL test only.
 * The count is exact and checked (one getPageSetup, no wakeUp), so a page that starts asking more fails the run.
 */
export async function nonLeadPageRow(harness: Harness, runs: number): Promise<Row> {
  const page = await harness.newCrmPage();
  const listUrl = `${harness.sandbox.crmBase}/crm/leads`;
  const perLoad: string[] = [];
  for (let run = 0; run <= runs; run++) {
    const worker = await harness.worker();
    await countMessages(worker);
    await page.goto(listUrl);
    perLoad.push(await messagesOfTheLoad(worker));
  }
  let started = 0;
  for (let load = 0; load < COLD_LOADS; load++) {
    await harness.stopWorker();
    await page.goto(listUrl);
    await page.waitForTimeout(1000);
    if (await harness.isFreshStart()) started += 1;
  }
  await page.close();
  const expected = 'getPageSetup';
  const measured = tally(perLoad);
  return {
    figure: 'Page cost: a page of a matched CRM host that shows no lead (the lead list): messages to the worker per load',
    ours: measured,
    baseline: 'goal: a URL test only (no message)',
    ratio: '',
    roundTrips: '',
    data: { loads: perLoad.length, stoppedWorkerStartedByLoad: started, coldLoads: COLD_LOADS },
    target: {
      goal: 'a URL test only',
      met: perLoad.every((messages) => messages === 'none'),
      missed:
        `Measured: ${measured}; with the worker stopped, ${started} of ${COLD_LOADS} loads started it. ` +
        'Which addresses are lead pages (the admin rules, the built-ins in force, the tenants) only the worker knows: every storage area is closed to content scripts, so that a compromised CRM page’s process cannot read what the extension keeps, ' +
        'and the built-ins’ URL tests in the content script would not cover admin rules and would cost its size budget. One message per page load, none per in-page navigation (a single-page CRM asks once), is the floor with storage closed',
    },
    checks: [{ what: `messages per load of a page without a lead = ${expected}`, ok: perLoad.every((messages) => messages === expected), measured }],
  };
}

/** Starts counting, in the running worker, the messages it receives (by their type). */
async function countMessages(worker: Worker): Promise<void> {
  await worker.evaluate(() => {
    const scope = globalThis as unknown as { __benchMessages?: string[]; chrome: { runtime: { onMessage: { addListener(listener: (message: unknown) => void): void } } } };
    if (!scope.__benchMessages) {
      scope.chrome.runtime.onMessage.addListener((message) => {
        scope.__benchMessages?.push(String((message as { type?: unknown } | null)?.type ?? 'unknown'));
      });
    }
    scope.__benchMessages = [];
  });
}

/** The messages the load sent ("getPageSetup", "none", or "a + b"): waits for the first, then a while for more. */
async function messagesOfTheLoad(worker: Worker): Promise<string> {
  const read = () => worker.evaluate(() => [...((globalThis as { __benchMessages?: string[] }).__benchMessages ?? [])]);
  const deadline = Date.now() + 3000;
  while ((await read()).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, AFTER_FIRST_MESSAGE_MS));
  const messages = await read();
  return messages.length === 0 ? 'none' : messages.join(' + ');
}
