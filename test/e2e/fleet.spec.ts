import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext, Worker } from '@playwright/test';
import { canWritePolicy } from './chromium-policy';
import { CHROMIUM, demoOptions, expect, test as base, uniqueLeadId } from './fixtures';
import { CRM_A, CRM_B, extensionWorker, launchAgentChromium, type WithChrome } from './fleet/browser';
import { readClosedUi } from './closed-ui';
import { type PackedCrx, packCrx } from './fleet/crx';
import { fleetPolicy, removeFleetPolicies, writeFleetPolicies } from './fleet/policy';
import { startUpdateServer, type UpdateServer } from './fleet/update-server';
import { nimbusRule } from './nimbus-rule';

/**
 * The fleet build (`npm run build:fleet`) self-hosted and force-installed: ONE managed-policy file
 * (fleet/policy.ts `fleetPolicy`) installs it from a local update server with no click, configures it, and
 * confines it to the company's hosts. crm-a.test is allowed (runtime_allowed_hosts), crm-b.test is not
 * (runtime_blocked_hosts *://*), although an admin rule names both and the build requires all sites.
 * Both host names resolve to the sandbox, which serves the Nimbus CRM page whatever the Host header.
 *
 * Chromium-only (playwright.config.ts runs nothing outside cross-browser/ and firefox/ in Firefox).
 */

const FLEET_DIR = path.resolve(process.env.CCB_FLEET_DIR ?? '.output/fleet/chrome-mv3');

interface Fleet {
  context: BrowserContext;
  worker: Worker;
  crx: PackedCrx;
  updateServer: UpdateServer;
}

const test = base.extend<{ fleet: Fleet }>({
  /** Packs, serves and force-installs the fleet build; everything is undone in teardown, also on timeout. */
  fleet: async ({ sandbox }, use) => {
    await sandbox.call('POST', 'reset', {});
    const workDir = mkdtempSync(path.join(tmpdir(), 'ccb-fleet-'));
    // Last resort if the runner dies mid-test: never leave policy behind for the machine's other Chromiums.
    process.on('exit', removeFleetPolicies);
    let updateServer: UpdateServer | undefined;
    let context: BrowserContext | undefined;
    try {
      const crx = await packCrx(CHROMIUM, FLEET_DIR, workDir);
      updateServer = await startUpdateServer(crx);
      const settings = {
        ...demoOptions(sandbox),
        crmRules: [
          nimbusRule(`http://${CRM_A}/other-crm/labels/:id`),
          { ...nimbusRule(`http://${CRM_B}/other-crm/labels/:id`), name: 'Nimbus B' },
        ],
      };
      // 127.0.0.1 is the sandbox: the Saleschat API and dashboard (in production *://*.saleschat.pro).
      writeFleetPolicies(fleetPolicy({ id: crx.id, updateUrl: updateServer.updateUrl, allowedHosts: [`*://${CRM_A}`, '*://127.0.0.1'], settings }));
      context = await launchAgentChromium(new URL(sandbox.apiUrl).port);
      // Never open a chrome-extension:// page before this: the worker appears once Chrome installed the CRX.
      const worker = await extensionWorker(context, crx.id, 20_000);
      await use({ context, worker, crx, updateServer });
    } finally {
      await context?.close().catch(() => undefined);
      await updateServer?.close();
      removeFleetPolicies();
      process.off('exit', removeFleetPolicies);
      rmSync(workDir, { recursive: true, force: true });
    }
  },
});

// Policy lives in a system directory that every Chromium on the machine reads: written only for this test's
// duration, and it needs root (as in CI).
test.skip(!canWritePolicy(), 'writing /etc/chromium/policies/managed needs root (CI runs as root)');
test.skip(
  !existsSync(path.join(FLEET_DIR, 'manifest.json')),
  `No fleet build at ${FLEET_DIR}: run "npm run build:fleet" (npm test does) or set CCB_FLEET_DIR.`,
);

test('fleet build: one policy file installs, configures and confines the extension, with no click', async ({ fleet, sandbox }) => {
  const { context, worker, crx, updateServer } = fleet;
  const id = crx.id;
  const lead = uniqueLeadId('FLEET');
  const leadUrl = (host: string) => `http://${host}/other-crm/labels/${lead}`;

  await test.step('Chrome installed the CRX from the update server, under the CRX key (not the manifest key)', async () => {
    expect(updateServer.requests).toEqual(expect.arrayContaining(['/updates.xml', '/ext.crx']));
    expect(crx.manifestKeyId).not.toBe(id);
    const installed = await worker.evaluate(async () => {
      const { chrome } = globalThis as unknown as WithChrome;
      return { self: await chrome.management.getSelf(), key: chrome.runtime.getManifest().key };
    });
    expect(installed.self).toMatchObject({ id, installType: 'admin' });
    expect(installed.key).toBe(crx.publicKey);
  });

  const counts = await test.step(`${CRM_A} (allowed): the buttons appear with no click, Chat creates one contact`, async () => {
    // The admin rules arrive by policy a moment after the install; the content script is registered for their
    // hosts then. A page loaded before that would need a reload. (Reloading the CRM page in a tight loop instead
    // kept Chromium 156 from ever delivering the policy to the new extension: wait on the worker.)
    await expect
      .poll(
        () =>
          worker.evaluate(async () => {
            const { chrome } = globalThis as unknown as WithChrome;
            if (!chrome?.scripting) return [];
            return (await chrome.scripting.getRegisteredContentScripts()).flatMap((script) => script.matches ?? []);
          }),
        { timeout: 15_000, intervals: [100, 200] },
      )
      .toContain(`http://${CRM_A}/*`);

    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(leadUrl(CRM_A));
    await expect(page.locator('crm-chat-bridge')).toHaveCount(1);
    const cdp = await context.newCDPSession(page);
    await expect.poll(async () => (await readClosedUi(cdp)).chatCenter).not.toBeNull();
    const ui = await readClosedUi(cdp);
    expect(ui.mode).toBe('closed');
    if (!ui.chatCenter) throw new Error('no Chat button');
    await page.bringToFront();
    await page.mouse.click(ui.chatCenter.x, ui.chatCenter.y);

    await expect.poll(async () => (await readClosedUi(cdp)).toast).toEqual({ ok: true, text: 'Chat with Hedy Lamarr opened.' });
    const after = await sandbox.counts();
    expect(after).toMatchObject({ createContact: 1, assign: 1 });
    const contacts = (await sandbox.state()).contacts.filter((contact) => contact.crm_id === `rule:nimbus:${CRM_A}:${lead}`);
    expect(contacts).toEqual([expect.objectContaining({ first_name: 'Hedy', last_name: 'Lamarr', phone_number: '+13105550199' })]);
    await expect
      .poll(() => context.pages().filter((tab) => tab.url().startsWith(`${sandbox.dashboardUrl}/chatrooms/`)).length)
      .toBe(1);
    return after;
  });

  const blockedTabId = await test.step(`${CRM_B} (blocked by policy): no buttons, no provider call`, async () => {
    const tabIds = () =>
      worker.evaluate(async () => {
        const { chrome } = globalThis as unknown as WithChrome;
        return (await chrome.tabs.query({})).map((tab) => ({ id: tab.id ?? -1, url: tab.url }));
      });
    const before = new Set((await tabIds()).map((tab) => tab.id));
    const page = await context.newPage();
    await page.goto(leadUrl(CRM_B));
    // Chrome hides a policy-blocked tab's url (and title) from the extension: find the tab by elimination.
    const opened = (await tabIds()).filter((tab) => !before.has(tab.id));
    expect(opened).toEqual([{ id: expect.any(Number), url: undefined }]);
    const tabId = opened[0]?.id ?? -1;

    // Chrome's own verdict, definitive where "no buttons yet" is not.
    const refusal = await worker.evaluate(async (target) => {
      const { chrome } = globalThis as unknown as WithChrome;
      try {
        await chrome.scripting.executeScript({ target: { tabId: target }, func: () => document.title });
        return 'ran';
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    }, tabId);
    expect(refusal).toBe('This page cannot be scripted due to an ExtensionsSettings policy.');

    // On crm-a.test the buttons came within a fraction of a second of the load; give crm-b.test ample time.
    await page.waitForTimeout(2_000);
    await expect(page.locator('crm-chat-bridge')).toHaveCount(0);
    expect(await sandbox.counts()).toEqual(counts);
    return tabId;
  });

  await test.step('the popup says the policy blocks the tab; the options page lists each rule host with its access', async () => {
    const popup = await context.newPage();
    await popup.goto(`chrome-extension://${id}/popup.html?tabId=${blockedTabId}`);
    await expect(popup.locator('#access')).toHaveAttribute('data-state', 'blocked-by-policy');
    await expect(popup.locator('#access')).toContainText('policy');

    const options = await context.newPage();
    await options.goto(`chrome-extension://${id}/options.html`);
    await expect(options.locator(`#rule-hosts li[data-origin="http://${CRM_A}/*"]`)).toHaveAttribute('data-access', 'allowed');
    await expect(options.locator(`#rule-hosts li[data-origin="http://${CRM_B}/*"]`)).toHaveAttribute('data-access', 'blocked');
  });
});
