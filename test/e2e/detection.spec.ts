import type { Page } from '@playwright/test';
import { demoOptions, expect, leadActions, type SandboxControl, test, uniqueLeadId } from './fixtures';

/**
 * Lead detection end to end: a single-page CRM navigated without reloads, a header re-rendered over and over,
 * a CRM known only through an admin rule, and hostile page content. Pages come from test/fixtures/crm-e2e/,
 * served by the sandbox under /crm/fixtures/ (the dev-hosts build injects the content script on /crm/*).
 */

const crmBase = (sandbox: SandboxControl) => sandbox.apiUrl.replace('127.0.0.1', 'localhost');

const spaRule = {
  name: 'SPA CRM',
  id: 'spa',
  // The hash route first: the SPA, too, lets a #/leads/<id> win over the path.
  url: ['http://localhost/crm/fixtures/spa/*#/leads/:id', 'http://localhost/crm/fixtures/spa/leads/:id'],
  scope: '#record',
  fields: { firstName: { selector: '.first' }, lastName: { selector: '.last' }, phones: { selector: '.phone' } },
  anchor: { selector: '#record-header .toolbar', position: 'append' },
};

type Leads = Record<string, { first: string; last: string; phone: string }>;

async function openSpa(page: Page, sandbox: SandboxControl, leads: Leads, path: string) {
  await page.addInitScript((data) => {
    (window as unknown as { __LEADS: unknown }).__LEADS = data;
  }, leads);
  await page.goto(`${crmBase(sandbox)}/crm/fixtures/spa${path}`);
}

async function clickChat(page: Page) {
  const ui = leadActions(page);
  await ui.chat.click();
  await expect(ui.toast).toHaveAttribute('data-ok', 'true');
  await page.bringToFront();
  return ui;
}

const hostCount = (page: Page) => page.locator('crm-chat-bridge').count();

test.describe('Lead detection in a single-page CRM', () => {
  test('A → B → list → A by pushState and hash: one set of buttons per lead page, none on the list, Chat sends the lead shown', async ({ extension, sandbox }) => {
    await extension.configure(demoOptions(sandbox, { crmRules: [spaRule] }));
    const a = uniqueLeadId('SPA-A');
    const b = uniqueLeadId('SPA-B');
    const leads: Leads = { [a]: { first: 'Alan', last: 'Turing', phone: '+44 20 7946 0001' }, [b]: { first: 'Barbara', last: 'Liskov', phone: '(617) 555-0102' } };
    const page = await extension.context.newPage();
    await openSpa(page, sandbox, leads, `/leads/${encodeURIComponent(a)}`);
    const ui = leadActions(page);
    await expect(ui.chat).toBeVisible();
    expect(await page.locator('#record-header .toolbar > crm-chat-bridge').count()).toBe(1);

    // pushState to B: same document, the header is rebuilt.
    await page.evaluate((id) => (window as unknown as { crm: { push(p: string): void } }).crm.push(`/crm/fixtures/spa/leads/${encodeURIComponent(id)}`), b);
    await expect(page.locator('#record[data-id] .first')).toHaveText('Barbara');
    await expect(ui.chat).toBeVisible();
    expect(await hostCount(page)).toBe(1);
    await clickChat(page);
    let state = await sandbox.state();
    expect(state.contacts.find((c) => c.crm_id === `spa:localhost:${b}`)).toMatchObject({ first_name: 'Barbara', last_name: 'Liskov', phone_number: '+16175550102' });
    expect(state.contacts.find((c) => c.crm_id === `spa:localhost:${a}`)).toBeUndefined();

    // The list (a click on the nav link, pushState): no buttons.
    await page.getByRole('link', { name: 'Leads' }).click();
    await expect(page.locator('main.list')).toBeVisible();
    await expect(page.locator('crm-chat-bridge')).toHaveCount(0);

    // Hash route back to A.
    await page.evaluate((id) => (window as unknown as { crm: { hash(id: string): void } }).crm.hash(id), a);
    await expect(page.locator('#record .first')).toHaveText('Alan');
    await expect(ui.chat).toBeVisible();
    expect(await hostCount(page)).toBe(1);
    await clickChat(page);
    state = await sandbox.state();
    expect(state.contacts.find((c) => c.crm_id === `spa:localhost:${a}`)).toMatchObject({ first_name: 'Alan', last_name: 'Turing', phone_number: '+442079460001' });

    // Back button (popstate) to the list, forward again.
    await page.goBack();
    await expect(page.locator('main.list')).toBeVisible();
    await expect(page.locator('crm-chat-bridge')).toHaveCount(0);
  });

  test('re-rendering the header 100 times, and removing and re-adding the anchor, leaves exactly one set of buttons', async ({ extension, sandbox }) => {
    await extension.configure(demoOptions(sandbox, { crmRules: [spaRule] }));
    const id = uniqueLeadId('SPA-R');
    const page = await extension.context.newPage();
    await openSpa(page, sandbox, { [id]: { first: 'Radia', last: 'Perlman', phone: '+1 415 555 0142' } }, `/leads/${id}`);
    await expect(leadActions(page).chat).toBeVisible();

    // 100 re-renders in one task, then 100 in separate tasks.
    await page.evaluate(() => (window as unknown as { crm: { rerender(n: number): void } }).crm.rerender(100));
    await page.evaluate(async () => {
      for (let i = 0; i < 100; i++) {
        (window as unknown as { crm: { rerender(n: number): void } }).crm.rerender(1);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    });
    await expect(page.locator('#record-header .toolbar > crm-chat-bridge')).toHaveCount(1);
    expect(await hostCount(page)).toBe(1);

    await page.evaluate(() => (window as unknown as { crm: { removeToolbar(): void } }).crm.removeToolbar());
    await expect(page.locator('crm-chat-bridge')).toHaveCount(0);
    await page.evaluate(() => (window as unknown as { crm: { restoreToolbar(): void } }).crm.restoreToolbar());
    await expect(page.locator('#record-header .toolbar > crm-chat-bridge')).toHaveCount(1);
    expect(await hostCount(page)).toBe(1);

    await clickChat(page);
    expect((await sandbox.state()).contacts.find((c) => c.crm_id === `spa:localhost:${id}`)).toMatchObject({ first_name: 'Radia', last_name: 'Perlman' });
  });

  test('untrusted page content (markup, a script) in the name is shown and sent as text', async ({ extension, sandbox }) => {
    await extension.configure(demoOptions(sandbox, { crmRules: [spaRule] }));
    const id = uniqueLeadId('SPA-H');
    const first = '<img src=x onerror="window.__pwned=1">';
    const last = '<script>window.__pwned=2</script>';
    const page = await extension.context.newPage();
    await openSpa(page, sandbox, { [id]: { first, last, phone: '+1 415 555 0166' } }, `/leads/${id}`);
    const ui = await clickChat(page);
    await expect(ui.toast).toContainText(`Chat with ${first} ${last} opened.`);
    expect(await ui.host.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect((await sandbox.state()).contacts.find((c) => c.crm_id === `spa:localhost:${id}`)).toMatchObject({ first_name: first });
  });
});

test('an admin rule for a CRM the code has never heard of (labels only) works end to end, configured purely through config', async ({ extension, sandbox }) => {
  await extension.configure(
    demoOptions(sandbox, {
      crmRules: [
        {
          name: 'Nimbus',
          url: 'http://localhost/crm/fixtures/labels/:id',
          require: ['phone'],
          fields: {
            recordId: { label: 'Lead number' },
            firstName: { label: 'Given name' },
            lastName: { label: 'Family name' },
            phones: [{ label: 'Office' }, { label: 'Mobile' }],
            email: { label: 'E-mail' },
          },
          anchor: { label: 'Dial', position: 'after' },
        },
      ],
    }),
  );
  const id = uniqueLeadId('NIM');
  const page = await extension.context.newPage();
  await page.goto(`${crmBase(sandbox)}/crm/fixtures/labels/${id}`);
  const ui = leadActions(page);
  await expect(ui.chat).toBeVisible();
  expect(await page.locator('button:text("Dial") + crm-chat-bridge').count()).toBe(1);
  await ui.chat.click();
  await expect(ui.toast).toHaveAttribute('data-ok', 'true');
  await expect(ui.toast).toContainText('Chat with Hedy Lamarr opened.');
  const contact = (await sandbox.state()).contacts.find((c) => c.crm_id === `rule:nimbus:localhost:${id}`);
  // Office is listed first in the rule, but the mobile wins.
  expect(contact).toMatchObject({ first_name: 'Hedy', last_name: 'Lamarr', phone_number: '+13105550199' });

  // The same page without the rule: nothing (the built-ins do not know it).
  await extension.configure(demoOptions(sandbox));
  const other = await extension.context.newPage();
  await other.goto(`${crmBase(sandbox)}/crm/fixtures/labels/${id}`);
  await other.waitForTimeout(500);
  await expect(other.locator('crm-chat-bridge')).toHaveCount(0);
});
