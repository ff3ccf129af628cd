import { type DriverPage, demoOptions, type ExtensionDriver, expect, type SandboxControl, test, uniqueLeadId } from '../fixtures';

// The CRM card in the Saleschat dashboard (entrypoints/dashboard.content), once per browser: Chromium (MV3) and
// Firefox ESR (MV2). Every scenario starts where an agent does: the CRM's lead list, or the dashboard's own pages.

const CARD = 'crm-chat-bridge-card';

/** Browser-side: a text inside the card's (open, test-build) shadow root. Self-contained: it is serialised. */
function cardRead(args: { host: string; selector: string }): string | null {
  return document.querySelector(args.host)?.shadowRoot?.querySelector(args.selector)?.textContent ?? null;
}
const cardText = (page: DriverPage, selector: string) => page.evaluate(cardRead, { host: CARD, selector }).catch(() => null);

/** Browser-side: the elements inside the card, by tag, to prove CRM text stayed text. */
function cardElementTags(host: string): string[] {
  const root = document.querySelector(host)?.shadowRoot;
  return root ? [...root.querySelectorAll('*')].map((element) => element.tagName.toLowerCase()) : [];
}

/** The text at `selector` of the tab showing `url` (null while there is none): a poll finds a tab that is still loading. */
async function textInTab(driver: ExtensionDriver, url: string, selector: string): Promise<string | null> {
  const page = (await driver.pages()).find((candidate) => candidate.url() === url);
  return page ? page.textOf(selector) : null;
}

async function tabsShowing(driver: ExtensionDriver, url: string): Promise<number> {
  return (await driver.browserTabs()).filter((tab) => tab.url === url).length;
}

async function dashboardTab(driver: ExtensionDriver, sandbox: SandboxControl): Promise<DriverPage> {
  await expect.poll(async () => (await driver.pages()).filter((page) => page.url().startsWith(`${sandbox.dashboardUrl}/chatrooms/`)).length).toBe(1);
  const [page] = (await driver.pages()).filter((candidate) => candidate.url().startsWith(`${sandbox.dashboardUrl}/chatrooms/`));
  if (!page) throw new Error('the dashboard tab closed');
  return page;
}

/** The agent opens the CRM's lead list and clicks into the lead, as they do every day. */
async function openFromList(driver: ExtensionDriver, sandbox: SandboxControl, name: string): Promise<DriverPage> {
  const crm = await driver.newPage(`${sandbox.crmBase}/crm/leads`);
  await crm.clickLink(name);
  return crm;
}

/** Within the dashboard: to the chatroom's contact page and back into the chatroom, by its links. */
async function leaveAndReenterChatroom(dashboard: DriverPage): Promise<void> {
  const chatroom = dashboard.url();
  await dashboard.click('#chatroom-contact');
  await expect.poll(() => dashboard.url()).toContain('/app/contacts/');
  await dashboard.click('#contact-chatroom');
  await expect.poll(() => dashboard.url()).toBe(chatroom);
}

test.describe('CRM card in the dashboard', () => {
  test('Chat on a lead: the chatroom page shows the card (name, phone, owner, CRM, an extra field; hostile text stays text), and Open in CRM focuses the lead page, or opens exactly one', async ({
    driver,
    sandbox,
  }) => {
    const suffix = uniqueLeadId('C');
    const lead = await sandbox.addLead({
      id: suffix,
      firstName: 'Ada',
      lastName: `Card ${suffix}`,
      phone: '(415) 555-0142',
      ownerEmail: 'alice@example.com',
      ownerName: 'Alice Agent',
      company: '<img src=x onerror="document.title=\'owned\'"> Engines',
    });
    const crm = await openFromList(driver, sandbox, `Ada Card ${suffix}`);
    await crm.clickLeadAction('chat');
    await expect.poll(() => crm.toast()).toMatchObject({ ok: true });

    const dashboard = await dashboardTab(driver, sandbox);
    await expect.poll(() => cardText(dashboard, '[data-field="name"]')).toBe(`Ada Card ${suffix}`);
    expect(await cardText(dashboard, '[data-field="phone"]')).toBe('(415) 555-0142');
    expect(await cardText(dashboard, '[data-field="owner"]')).toBe('Alice Agent');
    expect(await cardText(dashboard, '[data-field="crm"]')).toBe('Demo CRM');
    expect(await cardText(dashboard, '[data-field="extra"]')).toBe('<img src=x onerror="document.title=\'owned\'"> Engines');
    expect(await cardText(dashboard, '[data-field="opened"]')).toContain('Opened from the CRM by Alice Agent');
    expect(await dashboard.evaluate(cardElementTags, CARD)).not.toContain('img');
    // Chat brought the dashboard forward; the card did not send the agent back (screen pop is off by default).
    await expect.poll(() => driver.frontTabUrl()).toBe(dashboard.url());

    await dashboard.clickInUi(CARD, '.open-in-crm');
    await expect.poll(() => cardText(dashboard, '.outcome')).toBe(`Switched to Ada Card ${suffix} in Demo CRM.`);
    await expect.poll(() => driver.frontTabUrl()).toBe(sandbox.crmLeadUrl(lead.id));
    expect(await tabsShowing(driver, sandbox.crmLeadUrl(lead.id))).toBe(1);

    await crm.close();
    await expect.poll(() => tabsShowing(driver, sandbox.crmLeadUrl(lead.id))).toBe(0);
    await dashboard.clickInUi(CARD, '.open-in-crm');
    await expect.poll(() => cardText(dashboard, '.outcome')).toBe(`Opened Ada Card ${suffix} in Demo CRM.`);
    await expect.poll(() => tabsShowing(driver, sandbox.crmLeadUrl(lead.id))).toBe(1);
    await expect.poll(() => driver.frontTabUrl()).toBe(sandbox.crmLeadUrl(lead.id));
  });

  test('a chatroom Saleschat started: the card reads the phone from the dashboard page, Find in CRM opens the lookup with the E.164 number URL-encoded; with no phone the {EMAIL|PHONE_E164} fallback uses the e-mail', async ({
    driver,
    sandbox,
  }) => {
    await driver.configure(
      demoOptions(sandbox, {
        crmLookupUrlTemplates: [
          { label: 'Demo CRM', url: `${sandbox.crmBase}/crm/search?phone={PHONE_E164}` },
          { label: 'Demo CRM by e-mail', url: `${sandbox.crmBase}/crm/search?q={EMAIL|PHONE_E164}` },
        ],
      }),
    );
    const withPhone = await sandbox.addExternalChatroom({ firstName: 'Walt', lastName: 'Webchat', phone: '+14155550199' });
    const withEmail = await sandbox.addExternalChatroom({ firstName: 'Erin', lastName: 'Email', email: 'erin+chat@example.com' });

    // The agent logs in from the CRM and opens the chatroom from the dashboard's list.
    const crm = await driver.newPage(sandbox.crmLeadUrl('L-1001'));
    await crm.clickLeadAction('login');
    await expect.poll(() => crm.toast()).toMatchObject({ ok: true });
    const dashboardPage = async () => (await driver.pages()).find((page) => page.url().startsWith(`${sandbox.dashboardUrl}/`));
    await expect.poll(async () => (await dashboardPage())?.url()).toBe(`${sandbox.dashboardUrl}/`);
    const dashboard = (await dashboardPage()) as DriverPage;
    await expect.poll(() => dashboard.count(`a[data-chatroom-id="${withPhone.chatroomId}"]`)).toBe(1);
    await dashboard.click(`a[data-chatroom-id="${withPhone.chatroomId}"]`);
    await expect.poll(() => cardText(dashboard, '.not-ours')).toBe('Not opened from the CRM.');

    await dashboard.clickInUi(CARD, '.find-in-crm[data-lookup="0"]');
    const search = sandbox.crmSearchUrl({ phone: '+14155550199' });
    expect(search).toContain('phone=%2B14155550199');
    await expect.poll(() => tabsShowing(driver, search)).toBe(1);
    await expect.poll(() => textInTab(driver, search, '#search-query')).toBe('phone=+14155550199');

    await dashboard.goto(withEmail.chatroomUrl);
    await expect.poll(() => cardText(dashboard, '.not-ours')).toBe('Not opened from the CRM.');
    await dashboard.clickInUi(CARD, '.find-in-crm[data-lookup="0"]');
    await expect.poll(() => cardText(dashboard, '.outcome')).toBe('“Demo CRM” needs {PHONE_E164}, which this chat does not show.');
    await dashboard.clickInUi(CARD, '.find-in-crm[data-lookup="1"]');
    const byEmail = sandbox.crmSearchUrl({ q: 'erin+chat@example.com' });
    await expect.poll(() => tabsShowing(driver, byEmail)).toBe(1);
    await expect.poll(() => textInTab(driver, byEmail, '#search-query')).toBe('q=erin+chat@example.com');
  });

  test('screen pop: focus brings the open lead page forward (no new tab); open opens exactly one when none is open; a Chat never pops back', async ({
    driver,
    sandbox,
  }) => {
    await driver.configure(demoOptions(sandbox, { screenPop: 'focus' }));
    const suffix = uniqueLeadId('P');
    const lead = await sandbox.addLead({ id: suffix, firstName: 'Pop', lastName: `Lead ${suffix}`, phone: '(415) 555-0177' });
    const crm = await openFromList(driver, sandbox, `Pop Lead ${suffix}`);
    await crm.clickLeadAction('chat');
    await expect.poll(() => crm.toast()).toMatchObject({ ok: true });
    const dashboard = await dashboardTab(driver, sandbox);
    await expect.poll(() => cardText(dashboard, '[data-field="name"]')).toBe(`Pop Lead ${suffix}`);
    // The agent came from the CRM: the dashboard stays in front.
    await expect.poll(() => driver.frontTabUrl()).toBe(dashboard.url());

    await leaveAndReenterChatroom(dashboard);
    await expect.poll(() => driver.frontTabUrl()).toBe(sandbox.crmLeadUrl(lead.id));
    expect(await tabsShowing(driver, sandbox.crmLeadUrl(lead.id))).toBe(1);

    // focus never opens a tab.
    await crm.close();
    await dashboard.bringToFront();
    await leaveAndReenterChatroom(dashboard);
    await expect.poll(() => cardText(dashboard, '[data-field="name"]')).toBe(`Pop Lead ${suffix}`);
    expect(await tabsShowing(driver, sandbox.crmLeadUrl(lead.id))).toBe(0);

    await driver.configure(demoOptions(sandbox, { screenPop: 'open' }));
    await dashboard.bringToFront();
    await leaveAndReenterChatroom(dashboard);
    await expect.poll(() => tabsShowing(driver, sandbox.crmLeadUrl(lead.id))).toBe(1);
    await expect.poll(() => driver.frontTabUrl()).toBe(sandbox.crmLeadUrl(lead.id));
    // Again: the tab it opened is focused, never a second one.
    await dashboard.bringToFront();
    await leaveAndReenterChatroom(dashboard);
    await expect.poll(() => driver.frontTabUrl()).toBe(sandbox.crmLeadUrl(lead.id));
    expect(await tabsShowing(driver, sandbox.crmLeadUrl(lead.id))).toBe(1);
  });
});
