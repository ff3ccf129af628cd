import type { BrowserContext, Page } from '@playwright/test';
import { demoOptions, leadActions, type SandboxControl, TOKEN, uniqueLeadId } from './fixtures';
import { expect, test } from './policy-browser';
import { stopServiceWorker } from './service-worker';

/**
 * The CRM learns the chat happened (crmActions), in real Chromium against the sandbox's provider and its fake CRM
 * API (sandbox/README.md, "CRM API"). crmActions hold the CRM's credentials, so only policy sets them: these specs
 * write Chrome's machine-wide policy (the chromium-policy project, never beside another Chromium test), in the form
 * Chrome policy carries (bodyJson). Every scenario starts on the demo CRM's lead list, as an agent does.
 */

/** A Salesforce Task on the lead, as docs/crm-actions.md's preset writes it, pointed at the sandbox's Salesforce. */
function salesforceTask(sandbox: SandboxControl) {
  const base = `${sandbox.crmApiUrl}/salesforce`;
  return {
    name: 'Salesforce',
    on: ['chat-opened'],
    auth: { type: 'oauth-client-credentials', tokenUrl: `${base}/services/oauth2/token`, clientId: 'sandbox-salesforce-client', clientSecret: 'sandbox-salesforce-secret' },
    steps: [
      {
        name: 'create task',
        method: 'POST',
        url: `${base}/services/data/v62.0/sobjects/Task`,
        bodyJson: JSON.stringify({
          WhoId: '{CRM_ID}',
          Subject: 'Chat in Saleschat',
          Description: 'Opened by {AGENT_NAME} ({AGENT_EMAIL}) for {FULL_NAME}: {CHATROOM_URL}',
          Status: 'Completed',
          ActivityDate: '{TODAY}',
        }),
      },
    ],
  };
}

/** A Salesforce-shaped lead (Task.WhoId takes a lead id 00Q…), entered from the CRM's list. */
async function leadFromList(page: Page, sandbox: SandboxControl): Promise<{ id: string; name: string }> {
  // A lead id as Salesforce writes them: 00Q and 12 more letters or digits.
  const id = `00Q${uniqueLeadId('').replace(/[^A-Za-z0-9]/g, '').slice(-12).padStart(12, '0')}`;
  const lead = await sandbox.addLead({ id, firstName: 'Wanda', lastName: `Writeback ${id}`, phone: '+1 415 555 0166', email: 'wanda@example.com' });
  await page.goto(`${sandbox.crmBase}/crm/leads`);
  await page.getByRole('link', { name: `${lead.firstName} ${lead.lastName}`, exact: true }).click();
  return { id, name: `${lead.firstName} ${lead.lastName}` };
}

/** The browser with the provider settings and the Salesforce action in policy, and a CRM tab. */
async function withWriteBack(policyBrowser: { launch(policy: Record<string, unknown>): Promise<{ context: BrowserContext; id: string }> }, sandbox: SandboxControl) {
  const { agentEmail: _agentEmail, ...directory } = demoOptions(sandbox);
  const launched = await policyBrowser.launch({ ...directory, agentEmail: 'alice@example.com', crmActions: [salesforceTask(sandbox)] });
  return { ...launched, crm: await launched.context.newPage() };
}

const notice = (page: Page) => page.locator('crm-chat-bridge [data-ccb="notice"] .ccb-toast-text');
const tasks = async (sandbox: SandboxControl) => (await sandbox.crmApiRecords()).salesforce?.tasks ?? [];
const taskRequests = async (sandbox: SandboxControl) => (await sandbox.crmApiRequests()).filter((request) => request.endpoint === 'salesforce.task');

test.describe('CRM write-back (crmActions)', () => {
  test.beforeEach(async ({ sandbox }) => {
    await sandbox.crmApiReset();
  });

  test('Chat on a new lead: the chat opens, then exactly one Task with the configured body; Chat again: one more; one token for both', async ({
    policyBrowser,
    sandbox,
  }) => {
    const { crm } = await withWriteBack(policyBrowser, sandbox);
    const lead = await leadFromList(crm, sandbox);

    await leadActions(crm).chat.click();
    await expect(leadActions(crm).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
    await expect(notice(crm)).toHaveText(`Logged to Salesforce: chat with ${lead.name}.`, { timeout: 15_000 });
    const [task] = await tasks(sandbox);
    const room = (await sandbox.state()).chatrooms.at(-1);
    expect(await tasks(sandbox)).toHaveLength(1);
    expect(task?.body).toEqual({
      WhoId: lead.id,
      Subject: 'Chat in Saleschat',
      Description: `Opened by Alice Agent (alice@example.com) for ${lead.name}: ${sandbox.dashboardUrl}/chatrooms/${room?.id}`,
      Status: 'Completed',
      ActivityDate: new Date().toISOString().slice(0, 10),
    });

    await leadActions(crm).chat.click();
    await expect(notice(crm)).toHaveText(`Logged to Salesforce: chat with ${lead.name}.`);
    await expect.poll(async () => (await tasks(sandbox)).length).toBe(2);
    expect(await sandbox.crmApiCounts()).toMatchObject({ 'salesforce.token': 1, 'salesforce.task': 2 });
    // The CRM's credentials never reach the page: nothing in the toasts or the page's DOM.
    expect(await crm.content()).not.toContain('sandbox-salesforce-secret');
    expect(await crm.content()).not.toContain(TOKEN);
  });

  test('the CRM answers 500 twice, then 201: the chat opened at once, the Task is created once, the agent is told', async ({ policyBrowser, sandbox }) => {
    await sandbox.crmApiFault({ endpoint: 'salesforce.task', status: 500, times: 2 });
    const { crm } = await withWriteBack(policyBrowser, sandbox);
    const lead = await leadFromList(crm, sandbox);

    await leadActions(crm).chat.click();
    await expect(leadActions(crm).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
    await expect(notice(crm)).toContainText('Could not log to Salesforce yet (step "create task" answered 500');
    await expect(notice(crm)).toContainText('will try again in 2 s');
    await expect(notice(crm)).toHaveText(`Logged to Salesforce after 3 tries: chat with ${lead.name}.`, { timeout: 20_000 });
    expect(await tasks(sandbox)).toHaveLength(1);
    expect((await taskRequests(sandbox)).map((request) => request.status)).toEqual([500, 500, 201]);
  });

  test('the worker stops while a write-back waits to be retried: after it starts again, the Task is created once', async ({ policyBrowser, sandbox }) => {
    await sandbox.crmApiFault({ endpoint: 'salesforce.task', status: 503, times: 1 });
    const { crm, context, id } = await withWriteBack(policyBrowser, sandbox);
    await leadFromList(crm, sandbox);

    await leadActions(crm).chat.click();
    await expect(notice(crm)).toContainText('will try again in 2 s', { timeout: 20_000 });
    // The worker goes, and its timer with it; the row waits in IndexedDB.
    await stopServiceWorker(context, crm, id);
    // Whatever starts the worker again (here: the agent opens the options page; Chrome may restart it sooner)
    // runs the row when it is due.
    const options = await context.newPage();
    await options.goto(`chrome-extension://${id}/options.html`);
    await expect.poll(async () => (await tasks(sandbox)).length, { timeout: 15_000 }).toBe(1);
    expect((await taskRequests(sandbox)).map((request) => request.status)).toEqual([503, 201]);
  });
});
