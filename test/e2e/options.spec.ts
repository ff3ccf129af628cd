import type { Page } from '@playwright/test';
import { demoOptions, expect, leadActions, ORG, test, TOKEN, uniqueLeadId } from './fixtures';

async function openOptions(page: Page, extensionId: string) {
  await page.goto(`chrome-extension://${extensionId}/options.html`);
  await expect(page.locator('#save')).toBeVisible();
}

async function fill(page: Page, values: Record<string, string>) {
  for (const [key, value] of Object.entries(values)) await page.locator(`#field-${key}`).fill(value);
  await page.locator('#save').click();
}

async function testConnection(page: Page) {
  await page.locator('#test-connection').click();
  const report = page.locator('#connection-report');
  await expect(report).toBeVisible();
  return report;
}

test.describe('Options page', () => {
  test('configured through the form alone, Chat works; the token is never shown back', async ({ extension, sandbox }) => {
    await extension.configure({});
    const page = await extension.context.newPage();
    await openOptions(page, extension.id);
    await expect(page.locator('#agent-identity')).toContainText('not been identified');

    await fill(page, {
      providerApiUrl: sandbox.apiUrl,
      providerDashboardUrl: sandbox.dashboardUrl,
      orgId: ORG,
      apiToken: TOKEN,
      agents: JSON.stringify([{ email: 'alice@example.com', providerUserId: 'u_alice', name: 'Alice Agent' }]),
      agentEmail: 'alice@example.com',
    });
    await expect(page.locator('#save-status')).toHaveText('Saved.');
    await expect(page.locator('#agent-identity')).toContainText('You are Alice Agent (Saleschat user u_alice).');
    await expect(page.locator('[data-key="orgId"]')).toHaveAttribute('data-source', 'agent');
    await expect(page.locator('[data-key="requestTimeoutMs"]')).toHaveAttribute('data-source', 'default');
    await expect(page.locator('#field-apiToken')).toHaveValue('');
    // The sandbox's token is short: the hint is a fixed mask, none of its characters.
    await expect(page.locator('#field-apiToken')).toHaveAttribute('placeholder', /^••••••••/);
    expect(await page.content()).not.toContain(TOKEN);

    const report = await testConnection(page);
    await expect(report).toHaveAttribute('data-ok', 'true');
    await expect(report).toContainText('✓ Agent: alice@example.com is Saleschat user u_alice in org_demo');

    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Ada', lastName: 'Lovelace', phone: '+1 415 555 0132' });
    const crm = await extension.context.newPage();
    await crm.goto(sandbox.crmLeadUrl(lead.id));
    await leadActions(crm).chat.click();
    await expect(leadActions(crm).toast).toHaveAttribute('data-ok', 'true');
  });

  test('rejects an invalid value by name and saves nothing', async ({ extension }) => {
    const page = await extension.context.newPage();
    await openOptions(page, extension.id);
    await fill(page, { requestTimeoutMs: '50', orgId: 'org_changed' });
    await expect(page.locator('#save-status')).toHaveText('Not saved: fix the fields marked below.');
    await expect(page.locator('[data-key="requestTimeoutMs"] [role="alert"]')).toContainText('expected number to be >=1000');
    await page.reload();
    await expect(page.locator('#field-orgId')).toHaveValue(ORG);
  });

  test.describe('Test connection names exactly what failed', () => {
    test('unreachable URL', async ({ extension }) => {
      const page = await extension.context.newPage();
      await openOptions(page, extension.id);
      await fill(page, { providerApiUrl: 'http://127.0.0.1:9' });
      const report = await testConnection(page);
      await expect(report).toHaveAttribute('data-ok', 'false');
      await expect(report).toContainText('✗ Provider reachable: Cannot reach Saleschat at http://127.0.0.1:9');
    });

    test('401: wrong token', async ({ extension }) => {
      const page = await extension.context.newPage();
      await openOptions(page, extension.id);
      await fill(page, { apiToken: 'not-the-token' });
      const report = await testConnection(page);
      await expect(report).toContainText('✗ API token: Rejected (HTTP 401, 4010001 UNAUTHENTICATED). Check apiToken.');
    });

    test('403: the token is for another org', async ({ extension }) => {
      const page = await extension.context.newPage();
      await openOptions(page, extension.id);
      await fill(page, { orgId: 'org_other' });
      const report = await testConnection(page);
      await expect(report).toContainText('✓ API token: accepted');
      await expect(report).toContainText('✗ Organisation: The token may not act in organisation "org_other" (HTTP 403, 4030001 FORBIDDEN)');
    });

    // The agent is checked by a user lookup by e-mail, never by minting a login link.
    test('404: the agent is not a user of the org', async ({ extension, sandbox }) => {
      await extension.configure(demoOptions(sandbox, { agents: [{ email: 'nobody@example.com', providerUserId: 'u_nobody' }], agentEmail: 'nobody@example.com' }));
      const page = await extension.context.newPage();
      await openOptions(page, extension.id);
      const report = await testConnection(page);
      await expect(report).toContainText('✓ Organisation');
      await expect(report).toContainText('✗ Agent: Saleschat has no user nobody@example.com in org_demo');
      expect((await sandbox.requests()).filter((request) => request.endpoint === 'magicLink' && request.status !== 404)).toEqual([]);
    });

    test('the directory names the agent with another user id than Saleschat has', async ({ extension, sandbox }) => {
      await extension.configure(demoOptions(sandbox, { agents: [{ email: 'alice@example.com', providerUserId: 'u_bob' }] }));
      const page = await extension.context.newPage();
      await openOptions(page, extension.id);
      const report = await testConnection(page);
      await expect(report).toContainText('✗ Agent: The agents directory says alice@example.com is u_bob, but Saleschat says u_alice.');
    });
  });
});
