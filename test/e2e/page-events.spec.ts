import type { Page } from '@playwright/test';
import { demoOptions, expect, leadActions, type SandboxControl, test, TOKEN, uniqueLeadId } from './fixtures';

/** Page events (a rule's pageEvents): the CRM page itself hears what Chat and Login did (docs/crm-actions.md#page-events). */

async function leadFromList(page: Page, sandbox: SandboxControl): Promise<{ id: string; name: string }> {
  const id = uniqueLeadId('EVT');
  const lead = await sandbox.addLead({ id, firstName: 'Eve', lastName: `Events ${id}`, phone: '+1 415 555 0167' });
  await page.goto(`${sandbox.crmBase}/crm/leads`);
  await page.getByRole('link', { name: `${lead.firstName} ${lead.lastName}`, exact: true }).click();
  return { id, name: `${lead.firstName} ${lead.lastName}` };
}

test('page events: a rule with pageEvents tells the demo CRM page what happened, with the documented detail and nothing secret', async ({
  extension,
  sandbox,
}) => {
  const rule = {
    name: 'Demo CRM with events',
    id: 'demo-events',
    url: ['http://localhost/crm/leads/:id'],
    scope: 'main.crm-record[data-record-type="lead"]',
    fields: { firstName: { selector: '.record-name .first-name' }, lastName: { selector: '.record-name .last-name' }, phones: { selector: '.field-phone' } },
    anchor: { selector: '.quick-actions', position: 'append' },
    pageEvents: true,
  };
  await extension.configure(demoOptions(sandbox, { crmRules: [rule] }));
  const crm = await extension.context.newPage();
  const lead = await leadFromList(crm, sandbox);
  // The CRM's own script, as docs/crm-actions.md shows it.
  await crm.evaluate(() => {
    const seen: unknown[] = [];
    (window as unknown as { seen: unknown[] }).seen = seen;
    for (const name of ['chat-opened', 'chat-failed', 'login']) document.addEventListener(`crm-chat-bridge:${name}`, (event) => seen.push((event as CustomEvent).detail));
  });

  await leadActions(crm).chat.click();
  await expect(leadActions(crm).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
  await leadActions(crm).login.click();
  await expect.poll(() => crm.evaluate(() => (window as unknown as { seen: unknown[] }).seen.length)).toBe(2);
  const seen = await crm.evaluate(() => (window as unknown as { seen: unknown[] }).seen);
  const room = (await sandbox.state()).chatrooms.at(-1);
  expect(seen).toEqual([
    {
      version: 1,
      event: 'chat-opened',
      crmId: `demo-events:localhost:${lead.id}`,
      recordId: lead.id,
      chatroomUrl: `${sandbox.dashboardUrl}/chatrooms/${room?.id}`,
      agentEmail: 'alice@example.com',
      message: `Chat with ${lead.name} opened.`,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    },
    { version: 1, event: 'login', agentEmail: 'alice@example.com', message: 'Saleschat opened, logged in as alice@example.com.', at: expect.any(String) },
  ]);
  expect(JSON.stringify(seen)).not.toContain(TOKEN);
  expect(JSON.stringify(seen)).not.toContain('/app/magic/');
});
