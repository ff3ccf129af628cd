import type { Page } from '@playwright/test';
import { leadActions } from '../../test/e2e/fixtures';
import { CHATROOM_PAGE, diff, type Harness } from './harness';
import { comparedRow, type Measured, type Row } from './report';

/**
 * Chat on a known lead right after Chrome stopped the MV3 worker (as it does after 30 s idle): the click
 * has to start the worker, which reads its config and database before it can send the assign. Trusted click
 * → first provider request at the sandbox, against the same click with the worker warm, in the same run.
 * Each cold run checks that the worker really was stopped and that the one answering is a new start.
 */
export async function coldStartRows(harness: Harness, runs: number): Promise<Row[]> {
  const crm = await harness.newCrmPage();
  const id = `BENCH-COLD-${Date.now().toString(36)}`;
  await harness.addLead(id);
  await harness.openLead(crm, id);
  await harness.click(crm, 'chat', CHATROOM_PAGE); // maps the lead: from now on a Chat is one assign
  const cold: Measured[] = [];
  const warm: Measured[] = [];
  let freshStarts = 0;
  for (let run = 0; run <= runs; run++) {
    await harness.stopWorker();
    cold.push(await clickToFirstRequest(harness, crm));
    if (await harness.isFreshStart()) freshStarts += 1;
    warm.push(await clickToFirstRequest(harness, crm));
  }
  await crm.close();
  const row = comparedRow('Worker cold start: worker stopped → click → first provider request', cold, { label: 'warm worker', runs: warm }, { assign: 1 });
  const starts = runs + 1;
  row.checks.push({ what: `worker stopped and started anew for every cold click (${starts})`, ok: freshStarts === starts, measured: `${freshStarts} of ${starts}` });
  return [row];
}

/** One Chat click: the time to the first provider request it caused, and every request of the whole Chat. */
async function clickToFirstRequest(harness: Harness, crm: Page): Promise<Measured> {
  const before = await harness.prepareClick(crm);
  await leadActions(crm).chat.click();
  const clickedAt = await harness.clickedAt(crm);
  const firstRequestAt = await harness.firstRequestSince(clickedAt);
  await harness.outcome(crm);
  return { ms: firstRequestAt - clickedAt, requests: diff(before, await harness.requestCounts()) };
}
