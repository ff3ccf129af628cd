import { demoOptions, expect, leadActions, test, uniqueLeadId } from './fixtures';

test.describe('Chat', () => {
  test('new lead: one create-contact and one assign, the dashboard shows the chatroom, a success toast', async ({ extension, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Ada', lastName: 'Lovelace', phone: '(415) 555-0132', email: 'ada@example.com' });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const ui = leadActions(page);

    const dashboardOpened = extension.context.waitForEvent('page');
    await ui.chat.click();
    const dashboard = await dashboardOpened;
    await expect(ui.toast).toHaveAttribute('data-ok', 'true');
    await expect(ui.toast).toContainText('Chat with Ada Lovelace opened.');

    expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
    const state = await sandbox.state();
    const contact = state.contacts.find((c) => c.crm_id === lead.id);
    const chatroom = state.chatrooms.find((room) => room.contact_id === contact?.id);
    expect(contact).toMatchObject({ phone_number: '+14155550132', first_name: 'Ada', last_name: 'Lovelace' });
    expect(chatroom).toMatchObject({ name: `${lead.id} Ada Lovelace`, assigned_user_id: 'u_alice' });

    await dashboard.waitForURL(`${sandbox.dashboardUrl}/chatrooms/${chatroom?.id}`);
    await expect(dashboard.locator('#chatroom-name')).toHaveText(`${lead.id} Ada Lovelace`);
  });

  test('known lead: no create-contact, the same chatroom, in the same dashboard tab', async ({ extension, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Grace', lastName: 'Hopper', phone: '+44 20 7946 0958' });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const ui = leadActions(page);

    const dashboardOpened = extension.context.waitForEvent('page');
    await ui.chat.click();
    const dashboard = await dashboardOpened;
    await expect(ui.toast).toHaveAttribute('data-ok', 'true');
    await dashboard.waitForURL(/\/app\/chatrooms\//);
    const firstRoom = dashboard.url();

    await page.bringToFront();
    await ui.chat.click();
    await expect(ui.toast).toHaveAttribute('data-ok', 'true');
    expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 2 });
    await expect.poll(() => extension.dashboardPages().length).toBe(1);
    expect(dashboard.url()).toBe(firstRoom);
    expect((await sandbox.state()).contacts.filter((c) => c.crm_id === lead.id)).toHaveLength(1);
  });

  test('a 403 from the provider shows 4030001 and its message', async ({ extension, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Alan', lastName: 'Turing', phone: '415 555 0199' });
    await sandbox.fault({
      endpoint: 'createContact',
      status: 403,
      body: { error_code: 4030001, error_message: 'FORBIDDEN', error_description: 'User or partner is not allowed', payload: {} },
    });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const ui = leadActions(page);
    await ui.chat.click();
    await expect(ui.toast).toHaveAttribute('data-ok', 'false');
    await expect(ui.toast).toHaveAttribute('data-error-code', '4030001');
    await expect(ui.toast).toContainText('4030001 FORBIDDEN — User or partner is not allowed');
    expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 0 });
    expect(extension.dashboardPages()).toHaveLength(0);
  });

  test('allowReassign false with the lead owned by another agent: no assign request, a clear message', async ({ extension, sandbox }) => {
    await extension.configure(demoOptions(sandbox, { allowReassign: false }));
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Grace', lastName: 'Hopper', phone: '+1 415 555 0100', ownerEmail: 'bob@example.com', ownerName: 'Bob Agent' });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const ui = leadActions(page);
    await ui.chat.click();
    await expect(ui.toast).toHaveAttribute('data-ok', 'false');
    await expect(ui.toast).toContainText("This lead's chat belongs to Bob Agent (bob@example.com). Your administrator does not allow taking over");
    expect(await sandbox.counts()).toMatchObject({ createContact: 0, assign: 0 });
  });

  test('a lead name with markup is shown as text, and the contact gets the literal name', async ({ extension, sandbox }) => {
    const hostile = '<img src=x onerror="window.__pwned=1">';
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: hostile, lastName: 'Smith', phone: '+1 415 555 0101' });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const ui = leadActions(page);
    await ui.chat.click();
    await expect(ui.toast).toContainText(`Chat with ${hostile} Smith opened.`);
    expect(await ui.toast.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  test('a synthetic click from the page does nothing', async ({ extension, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Eve', lastName: 'Mallory', phone: '+1 415 555 0102' });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    await expect(leadActions(page).chat).toBeVisible();
    await page.evaluate(() => {
      const button = document.querySelector('crm-chat-bridge')?.shadowRoot?.querySelector<HTMLButtonElement>('[data-ccb="chat"]');
      button?.click();
      button?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    });
    // Give a (wrongly) triggered action time to reach the sandbox before counting.
    await page.waitForTimeout(1000);
    expect(await sandbox.counts()).toMatchObject({ createContact: 0, assign: 0, magicLink: 0 });
    await expect(leadActions(page).toast).toHaveCount(0);
  });

  test('the buttons sit next to the dialer, once', async ({ extension, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Ada', lastName: 'Byron' });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    await expect(leadActions(page).chat).toBeVisible();
    expect(await page.locator('.quick-actions > crm-chat-bridge').count()).toBe(1);
    expect(await page.locator('crm-chat-bridge').count()).toBe(1);
    await page.goto(`${sandbox.crmLeadUrl('x').replace(/\/x$/, '')}`);
    await expect(page.locator('.crm-list')).toBeVisible();
    expect(await page.locator('crm-chat-bridge').count()).toBe(0);
  });
});

test.describe('Login', () => {
  test('opens the dashboard logged in as the agent; again within expiry: no new magic link, still one tab', async ({ extension, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Ada', lastName: 'Lovelace' });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const ui = leadActions(page);

    const dashboardOpened = extension.context.waitForEvent('page');
    await ui.login.click();
    const dashboard = await dashboardOpened;
    await expect(ui.toast).toContainText('Saleschat opened, logged in as alice@example.com.');
    await dashboard.waitForURL(`${sandbox.dashboardUrl}/`);
    await expect(dashboard.locator('#logged-in-as')).toHaveAttribute('data-user-id', 'u_alice');
    expect((await sandbox.counts()).magicLink).toBe(1);

    await page.bringToFront();
    await ui.login.click();
    await expect(ui.toast).toContainText('logged in as alice@example.com');
    await expect(dashboard.locator('#logged-in-as')).toHaveAttribute('data-user-id', 'u_alice');
    expect((await sandbox.counts()).magicLink).toBe(1);
    expect(extension.dashboardPages()).toHaveLength(1);
  });

  test('Chat after Login lands in the same, logged-in dashboard tab', async ({ extension, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Katherine', lastName: 'Johnson', phone: '+1 415 555 0103' });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const ui = leadActions(page);
    const dashboardOpened = extension.context.waitForEvent('page');
    await ui.login.click();
    const dashboard = await dashboardOpened;
    await expect(dashboard.locator('#logged-in-as')).toHaveAttribute('data-user-id', 'u_alice');
    await page.bringToFront();
    await ui.chat.click();
    await expect(ui.toast).toHaveAttribute('data-ok', 'true');
    await dashboard.waitForURL(/\/app\/chatrooms\//);
    await expect(dashboard.locator('#chatroom-name')).toContainText('Katherine Johnson');
    await expect(dashboard.locator('#logged-in-as')).toHaveAttribute('data-user-id', 'u_alice');
    expect(extension.dashboardPages()).toHaveLength(1);
  });
});
