import { type DriverPage, demoIdentity, demoOptions, type ExtensionDriver, expect, type SandboxControl, test, uniqueLeadId } from '../fixtures';

// Every test here runs once per Playwright project: in Chromium (MV3) and in Firefox ESR (MV2), through the
// `driver` fixture. Reads are snapshots, so every wait is an expect.poll.

async function dashboardTabs(driver: ExtensionDriver, sandbox: SandboxControl): Promise<DriverPage[]> {
  return (await driver.pages()).filter((page) => page.url().startsWith(sandbox.dashboardUrl));
}

async function dashboardUrls(driver: ExtensionDriver, sandbox: SandboxControl): Promise<string[]> {
  return (await dashboardTabs(driver, sandbox)).map((page) => page.url());
}

/** The one dashboard tab (the provider allows one); fails when there is none or more. */
async function theDashboard(driver: ExtensionDriver, sandbox: SandboxControl): Promise<DriverPage> {
  await expect.poll(async () => (await dashboardTabs(driver, sandbox)).length).toBe(1);
  const [dashboard] = await dashboardTabs(driver, sandbox);
  if (!dashboard) throw new Error('the dashboard tab closed');
  return dashboard;
}

test.describe('Chat', () => {
  test('new lead: one create-contact and one assign, the dashboard shows the chatroom, a success toast', async ({ driver, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Ada', lastName: 'Lovelace', phone: '(415) 555-0132', email: 'ada@example.com' });
    const crm = await driver.newPage(sandbox.crmLeadUrl(lead.id));

    await crm.clickLeadAction('chat');
    await expect.poll(() => crm.toast()).toEqual({ ok: true, errorCode: null, text: 'Chat with Ada Lovelace opened.' });

    expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
    const state = await sandbox.state();
    const contact = state.contacts.find((c) => c.crm_id === demoIdentity(lead.id));
    const chatroom = state.chatrooms.find((room) => room.contact_id === contact?.id);
    expect(contact).toMatchObject({ phone_number: '+14155550132', first_name: 'Ada', last_name: 'Lovelace' });
    expect(chatroom).toMatchObject({ name: `${demoIdentity(lead.id)} Ada Lovelace`, assigned_user_id: 'u_alice' });

    await expect.poll(() => dashboardUrls(driver, sandbox)).toEqual([`${sandbox.dashboardUrl}/chatrooms/${chatroom?.id}`]);
    const dashboard = await theDashboard(driver, sandbox);
    await expect.poll(() => dashboard.textOf('#chatroom-name')).toBe(`${demoIdentity(lead.id)} Ada Lovelace`);
    // The extension brings the dashboard to the front: the agent sees the chatroom.
    await expect.poll(() => driver.frontTabUrl()).toBe(dashboard.url());
  });

  test('known lead: no create-contact, the same chatroom, in the same (focused) dashboard tab', async ({ driver, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Grace', lastName: 'Hopper', phone: '+44 20 7946 0958' });
    const crm = await driver.newPage(sandbox.crmLeadUrl(lead.id));

    await crm.clickLeadAction('chat');
    await expect.poll(() => crm.toast()).toMatchObject({ ok: true });
    await expect.poll(async () => (await dashboardUrls(driver, sandbox))[0] ?? '').toMatch(/\/app\/chatrooms\/./);
    const dashboard = await theDashboard(driver, sandbox);
    const firstRoom = dashboard.url();

    // The agent goes back to the CRM tab and clicks Chat again.
    await crm.clickLeadAction('chat');
    await expect.poll(() => sandbox.counts()).toMatchObject({ createContact: 1, assign: 2 });
    await expect.poll(() => crm.toast()).toMatchObject({ ok: true, text: 'Chat with Grace Hopper opened.' });
    expect(await dashboardUrls(driver, sandbox)).toEqual([firstRoom]);
    await expect.poll(() => driver.frontTabUrl()).toBe(firstRoom);
    expect((await sandbox.state()).contacts.filter((c) => c.crm_id === demoIdentity(lead.id))).toHaveLength(1);
  });

  test('a 403 from the provider shows 4030001 and its message', async ({ driver, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Alan', lastName: 'Turing', phone: '415 555 0199' });
    await sandbox.fault({
      endpoint: 'createContact',
      status: 403,
      body: { error_code: 4030001, error_message: 'FORBIDDEN', error_description: 'User or partner is not allowed', payload: {} },
    });
    const crm = await driver.newPage(sandbox.crmLeadUrl(lead.id));
    await crm.clickLeadAction('chat');
    await expect.poll(() => crm.toast()).toMatchObject({
      ok: false,
      errorCode: '4030001',
      text: expect.stringContaining('4030001 FORBIDDEN — User or partner is not allowed'),
    });
    expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 0 });
    expect(await dashboardTabs(driver, sandbox)).toHaveLength(0);
  });

  test('allowReassign false with the lead owned by another agent: no assign request, a clear message', async ({ driver, sandbox }) => {
    await driver.configure(demoOptions(sandbox, { allowReassign: false }));
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Grace', lastName: 'Hopper', phone: '+1 415 555 0100', ownerEmail: 'bob@example.com', ownerName: 'Bob Agent' });
    const crm = await driver.newPage(sandbox.crmLeadUrl(lead.id));
    await crm.clickLeadAction('chat');
    await expect.poll(() => crm.toast()).toMatchObject({
      ok: false,
      text: expect.stringContaining("This lead's chat belongs to Bob Agent (bob@example.com). Your administrator does not allow taking over"),
    });
    expect(await sandbox.counts()).toMatchObject({ createContact: 0, assign: 0 });
  });

  test('a lead name with markup is shown as text, and the contact gets the literal name', async ({ driver, sandbox }) => {
    const hostile = '<img src=x onerror="window.__pwned=1">';
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: hostile, lastName: 'Smith', phone: '+1 415 555 0101' });
    const crm = await driver.newPage(sandbox.crmLeadUrl(lead.id));
    await crm.clickLeadAction('chat');
    await expect.poll(() => crm.toast()).toMatchObject({ ok: true, text: `Chat with ${hostile} Smith opened.` });
    expect((await sandbox.state()).contacts.find((c) => c.crm_id === demoIdentity(lead.id))?.first_name).toBe(hostile);
    expect(await crm.evaluate(() => document.querySelector('crm-chat-bridge')?.shadowRoot?.querySelectorAll('img').length, undefined)).toBe(0);
    expect(await crm.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null, undefined)).toBeNull();
  });

  test('a synthetic click from the page does nothing', async ({ driver, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Eve', lastName: 'Mallory', phone: '+1 415 555 0102' });
    const crm = await driver.newPage(sandbox.crmLeadUrl(lead.id));
    await expect.poll(() => crm.count('crm-chat-bridge')).toBe(1);
    const clicked = await crm.evaluate(() => {
      const button = document.querySelector('crm-chat-bridge')?.shadowRoot?.querySelector<HTMLButtonElement>('[data-ccb="chat"]');
      button?.click();
      button?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      return Boolean(button);
    }, undefined);
    expect(clicked).toBe(true);
    // Give a (wrongly) triggered action time to reach the sandbox before counting.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await sandbox.counts()).toMatchObject({ createContact: 0, assign: 0, magicLink: 0 });
    expect(await crm.toast()).toBeNull();
  });

  test('a page posting messages shaped like ours, or calling runtime APIs, triggers nothing', async ({ driver, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Mal', lastName: 'Ory', phone: '+1 415 555 0104' });
    const crm = await driver.newPage(sandbox.crmLeadUrl(lead.id));
    await expect.poll(() => crm.count('crm-chat-bridge')).toBe(1);
    const attempts = await crm.evaluate((crmId) => {
      const lead = { profileId: 'demo', crmId, firstName: 'Mal', lastName: 'Ory', phone: '+14155550104' };
      // @webext-core/messaging's wire format, as a page could copy it from our bundle.
      for (const type of ['openChat', 'login']) {
        const message = { id: 1, type, data: lead, timestamp: Date.now() };
        window.postMessage(message, '*');
        window.postMessage(JSON.stringify(message), '*');
        document.dispatchEvent(new CustomEvent(type, { detail: lead }));
        document.querySelector('crm-chat-bridge')?.dispatchEvent(new CustomEvent('message', { detail: message, bubbles: true }));
      }
      // Pages get no runtime messaging to the extension (no externally_connectable).
      const runtime = (globalThis as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome?.runtime;
      return { runtimeSendMessage: typeof runtime?.sendMessage };
    }, lead.id);
    expect(attempts.runtimeSendMessage).toBe('undefined');
    // Give a (wrongly) triggered action time to reach the sandbox before counting.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await sandbox.counts()).toMatchObject({ createContact: 0, assign: 0, magicLink: 0 });
    expect(await crm.toast()).toBeNull();
  });

  test('the buttons sit next to the dialer, once', async ({ driver, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Ada', lastName: 'Byron' });
    const crm = await driver.newPage(sandbox.crmLeadUrl(lead.id));
    await expect.poll(() => crm.count('.quick-actions > crm-chat-bridge')).toBe(1);
    expect(await crm.count('crm-chat-bridge')).toBe(1);
    await crm.goto(sandbox.crmLeadUrl('x').replace(/\/x$/, ''));
    await expect.poll(() => crm.count('.crm-list')).toBe(1);
    expect(await crm.count('crm-chat-bridge')).toBe(0);
  });
});

test.describe('Login', () => {
  test('opens the dashboard logged in as the agent; again: a new link (none is kept by default), still one tab', async ({ driver, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Ada', lastName: 'Lovelace' });
    const crm = await driver.newPage(sandbox.crmLeadUrl(lead.id));

    await crm.clickLeadAction('login');
    await expect.poll(() => crm.toast()).toEqual({ ok: true, errorCode: null, text: 'Saleschat opened, logged in as alice@example.com.' });
    await expect.poll(() => dashboardUrls(driver, sandbox)).toEqual([`${sandbox.dashboardUrl}/`]);
    const dashboard = await theDashboard(driver, sandbox);
    await expect.poll(() => dashboard.attributeOf('#logged-in-as', 'data-user-id')).toBe('u_alice');
    expect((await sandbox.counts()).magicLink).toBe(1);

    await crm.clickLeadAction('login');
    await expect.poll(() => crm.toast()).toMatchObject({ ok: true, text: expect.stringContaining('logged in as alice@example.com') });
    await expect.poll(() => driver.frontTabUrl()).toBe(`${sandbox.dashboardUrl}/`);
    await expect.poll(() => dashboard.attributeOf('#logged-in-as', 'data-user-id')).toBe('u_alice');
    expect((await sandbox.counts()).magicLink).toBe(2);
    expect(await dashboardUrls(driver, sandbox)).toEqual([`${sandbox.dashboardUrl}/`]);
  });

  test('Chat after Login lands in the same, logged-in dashboard tab', async ({ driver, sandbox }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId(), firstName: 'Katherine', lastName: 'Johnson', phone: '+1 415 555 0103' });
    const crm = await driver.newPage(sandbox.crmLeadUrl(lead.id));
    await crm.clickLeadAction('login');
    await expect.poll(() => dashboardUrls(driver, sandbox)).toEqual([`${sandbox.dashboardUrl}/`]);
    const dashboard = await theDashboard(driver, sandbox);
    await expect.poll(() => dashboard.attributeOf('#logged-in-as', 'data-user-id')).toBe('u_alice');

    await crm.clickLeadAction('chat');
    await expect.poll(() => crm.toast()).toMatchObject({ ok: true, text: 'Chat with Katherine Johnson opened.' });
    await expect.poll(() => dashboard.url()).toMatch(/\/app\/chatrooms\/./);
    await expect.poll(() => dashboard.textOf('#chatroom-name')).toContain('Katherine Johnson');
    await expect.poll(() => dashboard.attributeOf('#logged-in-as', 'data-user-id')).toBe('u_alice');
    expect(await dashboardTabs(driver, sandbox)).toHaveLength(1);
  });
});
