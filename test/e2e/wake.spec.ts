import type { BrowserContext, Page } from '@playwright/test';
import { expect, leadActions, test, uniqueLeadId } from './fixtures';
import { stopServiceWorker } from './service-worker';

/**
 * Hiding the MV3 worker's cold start (issue 17): Chrome stops an idle worker, and the pointer moving onto our
 * buttons wakes it (components/LeadActions.tsx, the wakeUp message) before the agent clicks, with no provider
 * request.
 */

/** Whether Chrome lists the extension's service worker as running now. */
async function workerRunning(context: BrowserContext, page: Page, extensionId: string): Promise<boolean> {
  const cdp = await context.newCDPSession(page);
  try {
    const { targetInfos } = await cdp.send('Target.getTargets');
    return targetInfos.some((target) => target.type === 'service_worker' && target.url.startsWith(`chrome-extension://${extensionId}/`));
  } finally {
    await cdp.detach();
  }
}

test('worker stopped on an open lead page: the pointer on Chat starts it again before any click, and no provider request', async ({ extension, sandbox }) => {
  const lead = await sandbox.addLead({ id: uniqueLeadId('WAKE'), firstName: 'Wendy', lastName: 'Wake', phone: '+1 415 555 0168' });
  const crm = await extension.context.newPage();
  // Into the lead from the CRM's list, as an agent goes; then the pointer leaves for a corner, away from where our
  // buttons will be, so only the hover below can wake the worker (a page wakes it once per 20 s at most).
  await crm.goto(`${sandbox.crmBase}/crm/leads`);
  await crm.getByRole('link', { name: `${lead.firstName} ${lead.lastName}`, exact: true }).click();
  await crm.mouse.move(0, 0);
  await expect(leadActions(crm).chat).toBeVisible();

  // A marker in the running worker: the worker the hover starts must be a new one, without it.
  const worker = () => extension.context.serviceWorkers().at(-1) ?? extension.worker;
  await worker().evaluate(() => {
    (globalThis as { __e2eStopped?: boolean }).__e2eStopped = true;
  });
  await stopServiceWorker(extension.context, crm, extension.id);
  await expect.poll(() => workerRunning(extension.context, crm, extension.id)).toBe(false);
  // Nothing else on the open page starts it again.
  await crm.waitForTimeout(1000);
  expect(await workerRunning(extension.context, crm, extension.id)).toBe(false);

  await leadActions(crm).chat.hover();
  await expect.poll(() => workerRunning(extension.context, crm, extension.id), { timeout: 5000 }).toBe(true);
  expect(await worker().evaluate(() => (globalThis as { __e2eStopped?: boolean }).__e2eStopped === true)).toBe(false);
  await expect(leadActions(crm).toast).toHaveCount(0);
  // The woken worker has answered the wake (it warms its config and database, nothing else) by now.
  await crm.waitForTimeout(500);
  expect(await sandbox.counts()).toEqual(expect.objectContaining({ createUser: 0, magicLink: 0, createContact: 0, updateContact: 0, assign: 0 }));
  expect(await sandbox.requests()).toEqual([]);

  // The click that follows meets the woken worker: an ordinary Chat, its own requests only.
  await crm.mouse.down();
  await crm.mouse.up();
  await expect(leadActions(crm).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
  expect(await sandbox.counts()).toEqual(expect.objectContaining({ createContact: 1, assign: 1 }));
});
