import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page, Worker } from '@playwright/test';
import { canWritePolicy, reloadPolicies, writeChromiumPolicy } from './chromium-policy';
import { demoOptions, leadActions, type SandboxControl } from './fixtures';
import { expect, test } from './policy-browser';
import { collectIsolatedWorlds } from './isolated-worlds';

/**
 * `crmTenants` (issue 13), in real Chromium reading a real policy file: the built-in CRM profiles run on the
 * company's own tenants only. Anyone can open a free trial of Pipedrive or HubSpot; a page there must not be a
 * "CRM page" whose lead Chat would send to the company's Saleschat. The SaaS hosts are routed to the built-in
 * profiles' fixture pages (as in release-build.spec.ts), so the extension sees the real tenants' URLs.
 *
 * "The content script never ran there" is read the way DevTools sees it: no isolated world of the extension was
 * created in the page. The company's own tenant, open in the same browser, is the control that it would have.
 */

test.skip(!canWritePolicy(), 'writing /etc/chromium/policies/managed needs root (CI runs as root)');
test.describe.configure({ mode: 'serial' });

const PIPEDRIVE_FIXTURE = readFileSync(path.resolve('test/fixtures/crm/pipedrive/person.html'), 'utf8');
const HUBSPOT_FIXTURE = readFileSync(path.resolve('test/fixtures/crm/hubspot/contact-record.html'), 'utf8');
const OWN_PIPEDRIVE = 'https://acme.pipedrive.com/person/1234';
const TRIAL_PIPEDRIVE = 'https://trial-4821.pipedrive.com/person/1234';
const OWN_PORTAL = 'https://app.hubspot.com/contacts/4151234/record/0-1/51234567';
/** Another HubSpot account on the same host: only the portal id in the path tells it apart. */
const OTHER_PORTAL = 'https://app.hubspot.com/contacts/9151234/record/0-1/51234567';


function policy(sandbox: SandboxControl, crmTenants: string[]) {
  return { ...demoOptions(sandbox), crmTenants };
}

async function routeSaasCrms(context: BrowserContext): Promise<void> {
  const html = (body: string) => ({ status: 200, contentType: 'text/html; charset=utf-8', body });
  await context.route('https://*.pipedrive.com/**', (route) => route.fulfill(html(PIPEDRIVE_FIXTURE)));
  await context.route('https://app.hubspot.com/**', (route) => route.fulfill(html(HUBSPOT_FIXTURE)));
}

/** Where the background registered the content script (what the browser injects it into), sorted. */
async function registeredMatches(worker: Worker): Promise<string[]> {
  return worker.evaluate(async () => {
    const api = (globalThis as unknown as { chrome: { scripting: { getRegisteredContentScripts(filter: { ids: string[] }): Promise<{ matches?: string[] }[]> } } }).chrome;
    return (await api.scripting.getRegisteredContentScripts({ ids: ['crm-chat-bridge-admin-rules'] })).flatMap((script) => script.matches ?? []);
  }).then((matches) => matches.sort());
}

/** Opens a URL in a new tab the way an agent does, recording the extension's isolated worlds in it. */
async function open(context: BrowserContext, extensionId: string, url: string): Promise<{ page: Page; worlds: number[] }> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const worlds = collectIsolatedWorlds(cdp, extensionId);
  await cdp.send('Runtime.enable');
  await page.goto(url);
  return { page, worlds };
}

test('the company’s Pipedrive and HubSpot portal get the buttons; a trial Pipedrive and another HubSpot portal get no content script at all', async ({ sandbox, policyBrowser }) => {
  await sandbox.forgetContactFor('pipedrive:acme.pipedrive.com:1234');
  const { context, worker, id } = await policyBrowser.launch(policy(sandbox, ['acme.pipedrive.com', '4151234']));
  await routeSaasCrms(context);
  await expect
    .poll(() => registeredMatches(worker))
    .toEqual([
      'https://acme.pipedrive.com/*',
      'https://app-eu1.hubspot.com/*/4151234*',
      'https://app-na2.hubspot.com/*/4151234*',
      'https://app.hubspot.com/*/4151234*',
    ]);

  // The agent is phished into (or wanders onto) a free trial first.
  const trial = await open(context, id, TRIAL_PIPEDRIVE);
  const otherPortal = await open(context, id, OTHER_PORTAL);

  // Their own tenants, in the same browser: the buttons, and Chat works.
  const own = await open(context, id, OWN_PIPEDRIVE);
  await leadActions(own.page).chat.click();
  await expect(leadActions(own.page).toast).toHaveAttribute('data-ok', 'true');
  const ownPortal = await open(context, id, OWN_PORTAL);
  await expect(leadActions(ownPortal.page).chat).toBeVisible();
  expect(own.worlds.length).toBeGreaterThan(0);
  expect(ownPortal.worlds.length).toBeGreaterThan(0);

  // The two foreign accounts, loaded before and still open: never a content script, never a button.
  expect(trial.worlds).toEqual([]);
  expect(otherPortal.worlds).toEqual([]);
  await expect(leadActions(trial.page).host).toHaveCount(0);
  await expect(leadActions(otherPortal.page).host).toHaveCount(0);
  // Only the one Chat the agent made on their own tenant reached the provider.
  expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
  // (The worker's sandbox keeps other specs' contacts: only the built-in SaaS CRMs' are this test's.)
  const contacts = (await sandbox.state()).contacts.map((contact) => contact.crm_id).filter((id) => /^(pipedrive|hubspot):/.test(id));
  expect(contacts).toEqual(['pipedrive:acme.pipedrive.com:1234']);
});

test('a crmTenants entry the extension cannot read is named in the options page, and the built-in CRMs then run nowhere (fail closed)', async ({ sandbox, policyBrowser }) => {
  const { context, worker, id } = await policyBrowser.launch(policy(sandbox, ['acme.pipedrive.com', 'https://trial-4821.pipedrive.com/']));
  await routeSaasCrms(context);

  const options = await context.newPage();
  await options.goto(`chrome-extension://${id}/options.html`);
  await expect(options.locator('#config-problems')).toContainText('crmTenants');
  await expect(options.locator('#config-problems')).toContainText('without https://');
  expect(await registeredMatches(worker)).toEqual([]);

  const own = await open(context, id, OWN_PIPEDRIVE);
  await expect(own.page.locator('h1')).toHaveText('Tiina Tamm');
  expect(own.worlds).toEqual([]);
  await expect(leadActions(own.page).host).toHaveCount(0);
  expect(Object.entries(await sandbox.counts()).filter(([, count]) => count !== 0)).toEqual([]);

  // The admin corrects the entry and reloads policy: the company's tenant comes back, without a restart.
  writeChromiumPolicy(policy(sandbox, ['acme.pipedrive.com']));
  await reloadPolicies(options);
  await expect.poll(() => registeredMatches(worker)).toEqual(['https://acme.pipedrive.com/*']);
  await own.page.reload();
  await expect(leadActions(own.page).chat).toBeVisible();
});
