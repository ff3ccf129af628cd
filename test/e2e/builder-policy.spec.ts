import { CHROME_EXTENSION_ID } from '../../lib/extension-ids';
import { e164, exportedPolicy, openBuilder, orbitTenant, pick } from './builder-steps';
import { canWritePolicy, } from './chromium-policy';
import { demoOptions, leadActions } from './fixtures';
import { expect, test } from './policy-browser';

// The exported policy goes into the system directory every Chromium on the machine reads: root only, and never
// beside another browser test (project chromium-policy).
test.skip(!canWritePolicy(), 'writing /etc/chromium/policies/managed needs root (CI runs as root)');

test('the builder’s exported Chrome policy JSON, written to the real policy folder, gives a fresh profile buttons and a correct Chat on other records', async ({ driver, sandbox, policyBrowser }) => {
  const { tenant, leads } = await orbitTenant(sandbox, 'pol');
  const others = leads.slice(1, 4);

  // The admin teaches Orbit in their own browser, without saving, and copies the Chrome JSON.
  await driver.configure(demoOptions(sandbox));
  const crm = await driver.newPage(sandbox.orbitUrl(tenant, '/leads'));
  await crm.clickLink('Ada Lovelace');
  await expect.poll(() => crm.textOf('main#record .first-name')).toBe('Ada');
  await openBuilder(driver, crm);
  await pick(crm, 'firstName', 'main#record .first-name', 'Ada');
  await pick(crm, 'lastName', 'main#record .last-name', 'Lovelace');
  await pick(crm, 'phones', 'main#record [data-field="mobile"]', '+1 415 555 0132');
  const exported = JSON.parse(await exportedPolicy(crm, 'chrome-json')) as { '3rdparty': { extensions: Record<string, Record<string, unknown>> } };
  expect(Object.keys(exported['3rdparty'].extensions)).toEqual([CHROME_EXTENSION_ID]);
  const settings = exported['3rdparty'].extensions[CHROME_EXTENSION_ID] ?? {};
  expect(Object.keys(settings)).toEqual(['crmRules']);
  await driver.close();

  // The file as exported, with the company's provider settings beside the rule (as in its existing policy file).
  const { agentEmail: _agentEmail, ...provider } = demoOptions(sandbox);
  exported['3rdparty'].extensions[CHROME_EXTENSION_ID] = { ...provider, agentEmail: 'alice@example.com', ...settings };
  const { context, worker } = await policyBrowser.launch(exported, undefined, { asFile: true });

  const page = await context.newPage();
  // The extension registers its CRM script on the rule's site once it has read the policy.
  const registered = () =>
    worker.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: { scripting: { getRegisteredContentScripts(): Promise<{ id: string; matches?: string[] }[]> } } }).chrome;
      return (await api.scripting.getRegisteredContentScripts()).flatMap((script) => (script.id === 'crm-chat-bridge-admin-rules' ? (script.matches ?? []) : []));
    });
  await expect.poll(registered, { timeout: 15_000 }).toContain('http://localhost/*');
  for (const lead of others) {
    await page.goto(sandbox.orbitUrl(tenant, '/leads'));
    await page.getByRole('link', { name: `${lead.firstName} ${lead.lastName}`, exact: true }).click();
    await expect(page.locator('main#record .first-name')).toHaveText(lead.firstName);
    await expect(leadActions(page).chat).toBeVisible({ timeout: 15_000 });
    await leadActions(page).chat.click();
    await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
    expect(await sandbox.contactFor(`rule:orbit-crm:localhost:${lead.id}`)).toMatchObject({
      first_name: lead.firstName,
      last_name: lead.lastName,
      phone_number: e164(lead.mobile ?? ''),
    });
    await page.bringToFront();
  }
  expect(await sandbox.counts()).toMatchObject({ createContact: 3, assign: 3 });
});
