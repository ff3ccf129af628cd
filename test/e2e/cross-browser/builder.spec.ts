import { BUILDER, e164, openBuilder, orbitTenant, panel, pick, pickAnchor, saveRule, startFrom, urlPattern } from '../builder-steps';
import { type DriverPage, demoIdentity, demoOptions, expect, type SandboxControl, test, uniqueLeadId } from '../fixtures';

/**
 * The rule builder ("Teach this page", issue 18) as an admin uses it, on two CRMs no rule or built-in knows:
 * Orbit (client-side routed, records render after the address changes) and Ledger (server-rendered, PHP-style
 * query addresses, a button row the page re-renders after load). The admin enters a record from the CRM's list,
 * opens the builder from the popup, clicks the name, the phone and the place for the buttons, saves; then the
 * rule gives buttons and a correct Chat on three other records, reached by clicking through the CRM.
 */

async function expectChat(sandbox: SandboxControl, crm: DriverPage, lead: { first: string; last: string; e164: string }, identity: string): Promise<void> {
  await expect.poll(() => crm.count('crm-chat-bridge')).toBe(1);
  await crm.clickLeadAction('chat');
  await expect.poll(() => crm.toast(), { timeout: 20_000 }).toEqual({ ok: true, errorCode: null, text: `Chat with ${lead.first} ${lead.last} opened.` });
  const contact = await sandbox.contactFor(identity);
  expect(contact).toMatchObject({ first_name: lead.first, last_name: lead.last, phone_number: lead.e164 });
  await crm.bringToFront();
}

test.describe('Teach this page: a rule built by clicking', () => {
  test('Orbit (client-side routed): list → record, pick name, phone and buttons, save; three other records get buttons and a correct Chat; a record without a mobile names the field, and adding its work phone fixes it', async ({ driver, sandbox }) => {
    await driver.configure(demoOptions(sandbox));
    // Records answer 300 ms after the address changed, the previous record left on screen meanwhile (as React CRMs do).
    const { tenant, leads } = await orbitTenant(sandbox, 'bld');
    await sandbox.orbitSettings({ recordDelayMs: 300, whileLoading: 'keep' });
    const identity = (id: string) => `rule:orbit-crm:localhost:${id}`;
    try {
      const crm = await driver.newPage(sandbox.orbitUrl(tenant, '/leads'));
      const openFromList = async (lead: (typeof leads)[number]) => {
        await crm.click('nav a.nav-leads');
        await expect.poll(() => crm.count('main#list tr[data-record-id]')).toBe(leads.length);
        await expect.poll(() => crm.count('crm-chat-bridge')).toBe(0);
        await crm.clickLink(`${lead.firstName} ${lead.lastName}`);
        await expect.poll(() => crm.textOf('main#record .first-name')).toBe(lead.firstName);
      };
      await expect.poll(() => crm.count('main#list tr[data-record-id]')).toBe(leads.length);
      await crm.clickLink('Ada Lovelace');
      await expect.poll(() => crm.textOf('main#record .first-name')).toBe('Ada');
      expect(await crm.count('crm-chat-bridge')).toBe(0);

      await openBuilder(driver, crm);
      await pick(crm, 'firstName', 'main#record .first-name', 'Ada');
      await pick(crm, 'lastName', 'main#record .last-name', 'Lovelace');
      await pick(crm, 'phones', 'main#record [data-field="mobile"]', '+1 415 555 0132');
      await pickAnchor(crm, 'main#record .record-actions button');
      await expect.poll(() => panel(crm, '[data-builder="check"]', 'data-ok')).toBe('true');
      // The record id came from the address, generalised: the rule is for every record of every tenant.
      expect(await urlPattern(crm)).toBe('http://localhost/spa-crm/*/leads/:id');
      // The record view carries its id: the buttons act only once the view shows the record the address names.
      expect(await panel(crm, '[data-builder="shown-record-id"] code')).toBe(':scope @data-record-id');
      await saveRule(crm);
      await expect.poll(() => crm.count('.record-actions > crm-chat-bridge'), { timeout: 15_000 }).toBe(1);

      // Three other records, reached by clicking through the CRM: each is checked, gets buttons, and Chat sends its own lead.
      for (const lead of leads.slice(1, 4)) {
        await openFromList(lead);
        await expect.poll(() => panel(crm, `[data-builder="checked"] [data-record="${lead.id}"]`, 'data-ok')).toBe('true');
        await expectChat(sandbox, crm, { first: lead.firstName, last: lead.lastName, e164: e164(lead.mobile ?? '') }, identity(lead.id));
      }

      // A record without a mobile: no buttons, and the builder names the field that read nothing.
      const alan = leads[4] as (typeof leads)[number];
      await openFromList(alan);
      await expect.poll(() => panel(crm, `[data-builder="checked"] [data-record="${alan.id}"]`, 'data-ok'), { timeout: 10_000 }).toBe('false');
      expect(await panel(crm, `[data-builder="checked"] [data-record="${alan.id}"]`)).toContain('(field phones)');
      expect(await crm.count('crm-chat-bridge')).toBe(0);
      // The admin adds the work phone as a second phone source, and saves the rule again (replacing it).
      await crm.clickInUi(BUILDER, '[data-builder="restore"]');
      await pick(crm, 'anotherPhone', 'main#record [data-field="phone"]', '+44 20 7946 0199', 'phones');
      await expect.poll(() => panel(crm, '[data-builder="check"]', 'data-ok')).toBe('true');
      await saveRule(crm);
      await expectChat(sandbox, crm, { first: 'Alan', last: 'Turing', e164: e164(alan.phone ?? '') }, identity(alan.id));
      expect(await sandbox.counts()).toMatchObject({ createContact: 4, assign: 4 });
    } finally {
      await sandbox.orbitSettings({ recordDelayMs: 0, whileLoading: 'clear' });
    }
  });

  test('Ledger (server-rendered, query addresses, buttons re-rendered after load): pick, save; three other records opened from the list', async ({ driver, sandbox }) => {
    await driver.configure(demoOptions(sandbox));
    const people = [
      { first: 'Lena', last: 'Ledger', phone: '+1 415 555 0171' },
      { first: 'Omar', last: 'Okafor', phone: '+1 415 555 0172' },
      { first: 'Priya', last: 'Patel', phone: '+1 415 555 0173' },
      { first: 'Quinn', last: 'Quarry', phone: '+1 415 555 0174' },
    ];
    const leads = [];
    for (const person of people) {
      leads.push(await sandbox.addLead({ id: uniqueLeadId('LDG'), firstName: person.first, lastName: person.last, phone: person.phone, email: `${person.first.toLowerCase()}@example.com` }));
    }
    const crm = await driver.newPage(`${sandbox.crmBase}/ledger/index.php?module=Contacts&action=ListView`);
    await crm.clickLink('Lena Ledger');
    await expect.poll(() => crm.textOf('.moduleTitle h2')).toBe('Lena Ledger');

    await openBuilder(driver, crm);
    await pick(crm, 'fullName', '.moduleTitle h2', 'Lena Ledger');
    await pick(crm, 'phones', 'table.detail span.phone', '+1 415 555 0171');
    await pickAnchor(crm, '#detail-actions input[value="Edit"]');
    await expect.poll(() => panel(crm, '[data-builder="check"]', 'data-ok')).toBe('true');
    // The id is in the query among parameters that change between visits: only the route's words are kept.
    expect(await urlPattern(crm)).toBe('http://localhost/ledger/index.php?module=Contacts&action=DetailView&record=:id');
    await saveRule(crm);
    await expect.poll(() => crm.count('#detail-actions crm-chat-bridge'), { timeout: 15_000 }).toBe(1);

    // The page re-renders its button row 300 ms after load: the buttons come back into it.
    await crm.evaluate(() => new Promise((resolve) => setTimeout(resolve, 600)), undefined);
    await expect.poll(() => crm.count('#detail-actions crm-chat-bridge')).toBe(1);

    for (const [index, lead] of leads.slice(1).entries()) {
      const person = people[index + 1] as (typeof people)[number];
      await crm.click('#header a');
      await crm.clickLink(`${person.first} ${person.last}`);
      await expect.poll(() => crm.textOf('.moduleTitle h2')).toBe(`${person.first} ${person.last}`);
      await expect.poll(() => panel(crm, `[data-builder="checked"] [data-record="${lead.id}"]`, 'data-ok'), { timeout: 15_000 }).toBe('true');
      await expectChat(sandbox, crm, { first: person.first, last: person.last, e164: person.phone.replace(/\s/g, '') }, `rule:ledger-crm:localhost:${lead.id}`);
    }
  });

  test('a built-in profile as the starting point: edited and saved, it keeps the leads’ identity, so a lead chatted before keeps its contact', async ({ driver, sandbox }) => {
    await driver.configure(demoOptions(sandbox));
    const lead = await sandbox.addLead({ id: uniqueLeadId('BLT'), firstName: 'Bianca', lastName: 'Builtin', phone: '+1 415 555 0181' });
    const crm = await driver.newPage(`${sandbox.crmBase}/crm/leads`);
    await crm.clickLink('Bianca Builtin');
    await expectChat(sandbox, crm, { first: 'Bianca', last: 'Builtin', e164: '+14155550181' }, demoIdentity(lead.id));

    // The admin starts from the built-in Demo CRM profile and reads the phone by its visible label instead.
    await openBuilder(driver, crm);
    await startFrom(crm, 'Demo CRM (built-in)');
    await expect.poll(() => panel(crm, '[data-builder="check"]', 'data-ok')).toBe('true');
    await pick(crm, 'phones', 'dd.field-phone', '+1 415 555 0181');
    expect(await panel(crm, '[data-field="phones"] [data-builder="source"]')).toBe('label “Phone”');
    await saveRule(crm);

    // One set of buttons (the saved rule wins over the built-in it copies), and the same contact: no second one.
    await expect.poll(() => crm.count('.quick-actions > crm-chat-bridge'), { timeout: 15_000 }).toBe(1);
    expect(await crm.count('crm-chat-bridge')).toBe(1);
    await expectChat(sandbox, crm, { first: 'Bianca', last: 'Builtin', e164: '+14155550181' }, demoIdentity(lead.id));
    expect((await sandbox.createdContacts()).filter((contact) => contact.crm_id === demoIdentity(lead.id))).toHaveLength(1);
  });
});
