import type { BrowserContext, Page, Worker } from '@playwright/test';
import { canWritePolicy, reloadPolicies, writeChromiumPolicy } from './chromium-policy';
import { nimbusRule } from './nimbus-rule';
import { demoOptions, leadActions, ORG, type SandboxControl, TOKEN, uniqueLeadId } from './fixtures';
import { expect, test } from './policy-browser';

// Policy lives in a system directory that every Chromium on the machine reads, so these tests write it only
// for their own duration, one at a time, and need root (as in CI).
test.skip(!canWritePolicy(), 'writing /etc/chromium/policies/managed needs root (CI runs as root)');
test.describe.configure({ mode: 'serial' });

function policyFor(sandbox: SandboxControl, overrides: Record<string, unknown> = {}) {
  const { agentEmail: _agentEmail, ...directory } = demoOptions(sandbox);
  return { ...directory, ...overrides };
}

async function popupFor(context: BrowserContext, worker: Worker, extensionId: string, crmPage: Page): Promise<Page> {
  const tabId = await worker.evaluate(async (url) => {
    const api = (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> } } }).chrome;
    return (await api.tabs.query({})).find((tab) => tab.url === url)?.id;
  }, crmPage.url());
  const popup = await context.newPage();
  await popup.goto(`chrome-extension://${extensionId}/popup.html?tabId=${tabId}`);
  return popup;
}

test('provider URL, org, token and agents from policy alone: Chat works, fields are locked, a policy change applies without restart', async ({ sandbox, policyBrowser }) => {
  const { context, id } = await policyBrowser.launch({ ...policyFor(sandbox), agentEmail: 'alice@example.com', allowReassign: true });

  const lead = await sandbox.addLead({ id: uniqueLeadId('POL'), firstName: 'Ada', lastName: 'Policy', phone: '+1 415 555 0150', ownerEmail: 'bob@example.com' });
  const crm = await context.newPage();
  await crm.goto(sandbox.crmLeadUrl(lead.id));
  await leadActions(crm).chat.click();
  await expect(leadActions(crm).toast).toHaveAttribute('data-ok', 'true');
  expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });

  const options = await context.newPage();
  await options.goto(`chrome-extension://${id}/options.html`);
  for (const key of ['providerApiUrl', 'providerDashboardUrl', 'orgId', 'apiToken', 'agents', 'agentEmail', 'allowReassign']) {
    const field = options.locator(`[data-key="${key}"]`);
    await expect(field).toHaveAttribute('data-source', 'policy');
    await expect(field.locator(`#field-${key}`)).toBeDisabled();
    await expect(field).toContainText('Set by your administrator');
  }
  await expect(options.locator('[data-key="defaultCountry"]')).toHaveAttribute('data-source', 'default');
  await expect(options.locator('#field-orgId')).toHaveValue(ORG);
  await expect(options.locator('#field-apiToken')).toHaveValue('');
  expect(await options.content()).not.toContain(TOKEN);

  // The admin forbids taking over chats and reloads policy: no restart, the next click obeys.
  writeChromiumPolicy({ ...policyFor(sandbox), agentEmail: 'alice@example.com', allowReassign: false });
  const admin = await context.newPage();
  await reloadPolicies(admin);
  await expect(options.locator('[data-key="allowReassign"] select')).toHaveValue('false');
  await expect(options.locator('#save-status')).toHaveText('Your administrator changed the settings; the page shows them now.');

  const owned = await sandbox.addLead({ id: uniqueLeadId('POL'), firstName: 'Bobs', lastName: 'Lead', phone: '+1 415 555 0151', ownerEmail: 'bob@example.com' });
  await crm.goto(sandbox.crmLeadUrl(owned.id));
  await leadActions(crm).chat.click();
  await expect(leadActions(crm).toast).toContainText('Your administrator does not allow taking over');
  expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
});

test('invalid policy: the popup names each bad key; a missing token means no provider request', async ({ sandbox, policyBrowser }) => {
  const { apiToken: _token, ...withoutToken } = policyFor(sandbox);
  const { context, worker, id } = await policyBrowser.launch({
    ...withoutToken,
    agentEmail: 'alice@example.com',
    providerDashboardUrl: 'app.saleschat.pro',
    requestTimeoutMs: 50,
    defaultCountry: 'Germany',
  });

  const lead = await sandbox.addLead({ id: uniqueLeadId('BAD'), firstName: 'Ada', lastName: 'Invalid', phone: '+1 415 555 0152' });
  const crm = await context.newPage();
  await crm.goto(sandbox.crmLeadUrl(lead.id));
  await leadActions(crm).chat.click();
  await expect(leadActions(crm).toast).toContainText('API token (apiToken) is not set');
  await expect(leadActions(crm).toast).toContainText('provider dashboard URL (providerDashboardUrl) is invalid');
  await leadActions(crm).login.click();
  await expect(leadActions(crm).toast).toContainText('API token (apiToken) is not set');
  // Not one request to any provider endpoint (listed by name when one slips through).
  expect(Object.entries(await sandbox.counts()).filter(([, count]) => count !== 0)).toEqual([]);

  const popup = await popupFor(context, worker, id, crm);
  await expect(popup.locator('#connection')).toHaveAttribute('data-state', 'not-configured');
  await expect(popup.locator('#config-problems [data-key="providerDashboardUrl"]')).toContainText('set by your administrator');
  await expect(popup.locator('#config-problems [data-key="requestTimeoutMs"]')).toContainText('>=1000');
  await expect(popup.locator('#config-problems [data-key="defaultCountry"]')).toContainText('two-letter country code');
  await expect(popup.locator('#login')).toBeDisabled();

  const options = await context.newPage();
  await options.goto(`chrome-extension://${id}/options.html`);
  await expect(options.locator('#config-problems')).toContainText('providerDashboardUrl (administrator)');
  await expect(options.locator('[data-key="requestTimeoutMs"]')).toContainText(
    'Set by your administrator, but invalid (Too small: expected number to be >=1000), using the default',
  );
  await expect(options.locator('#field-requestTimeoutMs')).toHaveValue('8000');
  await expect(options.locator('[data-key="providerDashboardUrl"]')).toContainText('so it is not set');
});

test('a CRM rule from policy alone: the content script is registered on its host, Chat works, no double buttons', async ({ sandbox, policyBrowser }) => {
  // /other-crm/ is outside the manifest's content-script patterns: only the dynamic registration reaches it.
  // The CRM's port is in the pattern, as an admin copies it from the address bar: the options page checks the
  // site answers there.
  const port = new URL(sandbox.apiUrl).port;
  // extraFields is a dictionary (label → sources): Chrome keeps its labels only because the schema declares them.
  const extraFields = { 'Lead number': [{ label: ['Lead number'] }] };
  const rule = { ...nimbusRule(`http://localhost:${port}/other-crm/labels/:id`), extraFields };
  const { context, id } = await policyBrowser.launch({ ...policyFor(sandbox), agentEmail: 'alice@example.com', crmRules: [rule] });

  const options = await context.newPage();
  await options.goto(`chrome-extension://${id}/options.html`);
  const managed = await options.evaluate(async () => {
    const storage = (globalThis as unknown as { chrome: { storage: { managed: { get(key: string): Promise<Record<string, unknown>> } } } }).chrome.storage;
    return storage.managed.get('crmRules');
  });
  expect((managed.crmRules as { extraFields?: unknown }[])[0]?.extraFields).toEqual(extraFields);
  await expect(options.locator('#rule-hosts [data-origin="http://localhost/*"]')).toHaveAttribute('data-granted', 'true');
  await expect(options.locator('#rule-hosts [data-origin="http://localhost/*"]')).toHaveAttribute('data-access', 'allowed');
  await expect(options.locator('#rule-hosts')).toContainText('(Nimbus): allowed');

  const lead = uniqueLeadId('NIMPOL');
  const crm = await context.newPage();
  await crm.goto(`${sandbox.crmLeadUrl('x').replace(/\/crm\/leads\/x$/, '')}/other-crm/labels/${lead}`);
  await expect(leadActions(crm).chat).toBeVisible();
  await leadActions(crm).chat.click();
  await expect(leadActions(crm).toast).toContainText('Chat with Hedy Lamarr opened.');
  expect((await sandbox.state()).contacts.find((contact) => contact.crm_id === `rule:nimbus:localhost:${lead}`)).toMatchObject({
    first_name: 'Hedy',
    last_name: 'Lamarr',
    phone_number: '+13105550199',
  });

  // The demo CRM is matched by the manifest and by the rule's host registration: still one set of buttons.
  await crm.goto(sandbox.crmLeadUrl('L-1001'));
  await expect(leadActions(crm).chat).toBeVisible();
  await crm.waitForTimeout(500);
  await expect(crm.locator('crm-chat-bridge')).toHaveCount(1);
});
