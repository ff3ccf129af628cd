import type { Page } from '@playwright/test';
import { demoIdentity, demoOptions, type Extension, expect, leadActions, ORG, type SandboxControl, test, uniqueLeadId } from './fixtures';

/**
 * The Saleschat contact stays true to the CRM (issue 16), direct mode, in real Chromium against the sandbox.
 * Every scenario goes the way an agent does: the demo CRM's lead list, a click into the lead, Chat. The lead is
 * then edited in the CRM (an upsert through the sandbox's control API: same id, new fields) and the agent opens
 * it again from the list and clicks Chat. What reached Saleschat is read from the sandbox's request log: exact
 * requests, in order, never timings.
 *
 * The contact-sync settings are bound to the API token (lib/config/schema.ts TOKEN_BOUND_KEYS); here the token
 * is the agent's own, so they are agent options too (as allowReassign in owner.spec.ts).
 */

interface CrmLead {
  id: string;
  firstName: string;
  lastName: string;
  phone?: string;
  status?: string;
}

interface LoggedRequest {
  endpoint: string | null;
  method: string;
  path: string;
  status: number;
  body: Record<string, unknown> | null;
}

interface SandboxContact {
  id: string;
  crm_id: string;
  phone_number: string | null;
  first_name: string | null;
  last_name: string | null;
  stage: string | null;
  disposition: string | null;
}

interface SandboxChatroom {
  id: string;
  contact_id: string;
  name: string;
  assigned_user_id: string;
}

const STAGE_TEMPLATE = '{API_URL}/v1/orgs/{ORG_ID}/contact/{CONTACT_ID}/stage';
const STAGE_MAPPING = [
  { crmStatus: 'Qualified', stage: 'QUALIFIED' },
  { crmStatus: 'Won', stage: 'CLOSED_WON', disposition: 'Signed' },
];

/** Creates the lead in the demo CRM, or replaces it (same id): how the tests "edit" a lead. */
async function saveLead(sandbox: SandboxControl, lead: CrmLead): Promise<CrmLead> {
  await sandbox.call('POST', 'leads', lead);
  return lead;
}

/** The agent opens the CRM's lead list and clicks into the lead (a full page load, as the demo CRM is not an SPA). */
async function openFromList(page: Page, sandbox: SandboxControl, lead: CrmLead): Promise<void> {
  await page.goto(`${sandbox.crmBase}/crm/leads`);
  await page.locator(`tr[data-record-id="${lead.id}"] a`).click();
  await expect(page).toHaveURL(sandbox.crmLeadUrl(lead.id));
  // The record as the CRM shows it now: the agent sees the edit.
  await expect(page.locator('.record-name')).toHaveText(`${lead.firstName} ${lead.lastName}`.trim());
}

/** Clicks Chat and waits for its outcome (the toast only appears once the action has finished). */
async function chat(page: Page, ok: boolean): Promise<string> {
  const ui = leadActions(page);
  await ui.chat.click();
  await expect(ui.toast).toHaveAttribute('data-ok', String(ok));
  return (await ui.toast.locator('.ccb-toast-text').textContent()) ?? '';
}

/** Provider requests logged after `mark` (the log's length before the step). */
async function requestsSince(sandbox: SandboxControl, mark: number): Promise<LoggedRequest[]> {
  return ((await sandbox.requests()) as LoggedRequest[]).slice(mark);
}

async function mark(sandbox: SandboxControl): Promise<number> {
  return (await sandbox.requests()).length;
}

async function sandboxState(sandbox: SandboxControl): Promise<{ contacts: SandboxContact[]; chatrooms: SandboxChatroom[] }> {
  return sandbox.call('GET', 'state');
}

async function contactOf(sandbox: SandboxControl, crmId: string): Promise<SandboxContact | undefined> {
  return (await sandboxState(sandbox)).contacts.find((contact) => contact.crm_id === crmId);
}

async function chatroomOf(sandbox: SandboxControl, contactId: string | undefined): Promise<SandboxChatroom | undefined> {
  return (await sandboxState(sandbox)).chatrooms.find((room) => room.contact_id === contactId);
}

/** The one dashboard tab the extension keeps (the provider allows one active tab). */
async function theDashboard(extension: Extension): Promise<Page> {
  await expect.poll(() => extension.dashboardPages().length).toBe(1);
  const [dashboard] = extension.dashboardPages();
  if (!dashboard) throw new Error('the dashboard tab closed');
  return dashboard;
}

/**
 * The setup every scenario shares: a new lead, opened from the list, a first Chat that creates its contact and
 * chatroom (exactly one create and one assign, nothing else). Returns the CRM tab and the lead's contact.
 */
async function firstChat(extension: Extension, sandbox: SandboxControl, lead: CrmLead) {
  await saveLead(sandbox, lead);
  const page = await extension.context.newPage();
  const before = await mark(sandbox);
  await openFromList(page, sandbox, lead);
  await chat(page, true);
  expect((await requestsSince(sandbox, before)).map((request) => request.endpoint)).toEqual(['createContact', 'assign']);
  const contact = await contactOf(sandbox, demoIdentity(lead.id));
  if (!contact) throw new Error(`no contact for ${lead.id}`);
  const room = await chatroomOf(sandbox, contact.id);
  if (!room) throw new Error(`no chatroom for ${lead.id}`);
  await expect.poll(() => extension.dashboardPages().map((tab) => tab.url())).toEqual([`${sandbox.dashboardUrl}/chatrooms/${room.id}`]);
  return { page, contact, room };
}

test.describe('names: the contact follows the CRM', () => {
  test('lead renamed in the CRM: the next Chat sends one update with the new names, then one assign; the chatroom shows the new name', async ({
    extension,
    sandbox,
  }) => {
    const lead: CrmLead = { id: uniqueLeadId('SYNC'), firstName: 'Ada', lastName: 'Lovelace', phone: '+1 415 555 0170' };
    const { page, contact, room } = await firstChat(extension, sandbox, lead);

    await saveLead(sandbox, { ...lead, firstName: 'Augusta', lastName: 'King' });
    const before = await mark(sandbox);
    await openFromList(page, sandbox, { ...lead, firstName: 'Augusta', lastName: 'King' });
    await chat(page, true);

    const sent = await requestsSince(sandbox, before);
    expect(sent.map((request) => request.endpoint)).toEqual(['updateContact', 'assign']);
    expect(sent[0]).toMatchObject({
      method: 'PUT',
      path: `/v1/orgs/${ORG}/contact/${contact.id}`,
      status: 200,
      body: { crm_id: demoIdentity(lead.id), first_name: 'Augusta', last_name: 'King' },
    });
    expect(Object.keys(sent[0]?.body ?? {}).sort()).toEqual(['crm_id', 'first_name', 'last_name']);
    expect(sent[1]).toMatchObject({ path: `/v3/orgs/${ORG}/contacts/${contact.id}/assign`, status: 200 });

    expect(await contactOf(sandbox, demoIdentity(lead.id))).toMatchObject({ id: contact.id, first_name: 'Augusta', last_name: 'King' });
    expect(await chatroomOf(sandbox, contact.id)).toMatchObject({ id: room.id, name: `${demoIdentity(lead.id)} Augusta King` });
    // The same chatroom, reopened in the one dashboard tab, under its new name.
    const dashboard = await theDashboard(extension);
    await expect(dashboard).toHaveURL(`${sandbox.dashboardUrl}/chatrooms/${room.id}`);
    await expect(dashboard.locator('#chatroom-name')).toHaveText(`${demoIdentity(lead.id)} Augusta King`);
    await expect(dashboard.locator('#chatroom-contact-name')).toHaveText('Augusta King');
  });

  test('lead unchanged: the next Chat sends no update, exactly one assign', async ({ extension, sandbox }) => {
    const lead: CrmLead = { id: uniqueLeadId('SYNC'), firstName: 'Grace', lastName: 'Hopper', phone: '+1 415 555 0171' };
    const { page, contact } = await firstChat(extension, sandbox, lead);

    const before = await mark(sandbox);
    await openFromList(page, sandbox, lead);
    await chat(page, true);
    const sent = await requestsSince(sandbox, before);
    expect(sent.map((request) => request.endpoint)).toEqual(['assign']);
    expect(sent[0]).toMatchObject({ path: `/v3/orgs/${ORG}/contacts/${contact.id}/assign`, status: 200 });
  });

  test('contactUpdatePolicy never: a renamed lead sends no update; Saleschat keeps the old name', async ({ extension, sandbox }) => {
    await extension.configure(demoOptions(sandbox, { contactUpdatePolicy: 'never' }));
    const lead: CrmLead = { id: uniqueLeadId('SYNC'), firstName: 'Alan', lastName: 'Turing', phone: '+1 415 555 0172' };
    const { page, contact, room } = await firstChat(extension, sandbox, lead);

    const renamed = { ...lead, firstName: 'Alan M.', lastName: 'Turing-Smith' };
    await saveLead(sandbox, renamed);
    const before = await mark(sandbox);
    await openFromList(page, sandbox, renamed);
    await chat(page, true);
    expect((await requestsSince(sandbox, before)).map((request) => request.endpoint)).toEqual(['assign']);
    expect(await contactOf(sandbox, demoIdentity(lead.id))).toMatchObject({ id: contact.id, first_name: 'Alan', last_name: 'Turing' });
    expect(await chatroomOf(sandbox, contact.id)).toMatchObject({ name: `${demoIdentity(lead.id)} Alan Turing` });
    await expect((await theDashboard(extension)).locator('#chatroom-name')).toHaveText(room.name);
  });

  test('contactUpdatePolicy fillEmpty: a lead created without last name later gets one (and a new first name): only last_name is sent', async ({
    extension,
    sandbox,
  }) => {
    await extension.configure(demoOptions(sandbox, { contactUpdatePolicy: 'fillEmpty' }));
    const lead: CrmLead = { id: uniqueLeadId('SYNC'), firstName: 'Hedy', lastName: '', phone: '+1 415 555 0173' };
    const { page, contact } = await firstChat(extension, sandbox, lead);
    expect(contact).toMatchObject({ first_name: 'Hedy', last_name: null });

    const completed = { ...lead, firstName: 'Hedwig', lastName: 'Lamarr' };
    await saveLead(sandbox, completed);
    const before = await mark(sandbox);
    await openFromList(page, sandbox, completed);
    await chat(page, true);

    const sent = await requestsSince(sandbox, before);
    expect(sent.map((request) => request.endpoint)).toEqual(['updateContact', 'assign']);
    expect(sent[0]?.body).toEqual({ crm_id: demoIdentity(lead.id), last_name: 'Lamarr' });
    expect(await contactOf(sandbox, demoIdentity(lead.id))).toMatchObject({ first_name: 'Hedy', last_name: 'Lamarr' });
    expect(await chatroomOf(sandbox, contact.id)).toMatchObject({ name: `${demoIdentity(lead.id)} Hedy Lamarr` });
  });
});

test.describe('phone: a contact cannot change its number', () => {
  const FIRST = { shown: '+1 415 555 0180', e164: '+14155550180' };
  const SECOND = { shown: '+1 415 555 0181', e164: '+14155550181' };

  test('phoneChangePolicy warn (default): the existing chat opens, the toast shows both numbers; one assign, no create', async ({ extension, sandbox }) => {
    const lead: CrmLead = { id: uniqueLeadId('SYNC'), firstName: 'Katherine', lastName: 'Johnson', phone: FIRST.shown };
    const { page, contact, room } = await firstChat(extension, sandbox, lead);

    await saveLead(sandbox, { ...lead, phone: SECOND.shown });
    const before = await mark(sandbox);
    await openFromList(page, sandbox, lead);
    const text = await chat(page, true);
    expect(text).toContain(FIRST.e164);
    expect(text).toContain(SECOND.e164);

    const sent = await requestsSince(sandbox, before);
    expect(sent.map((request) => request.endpoint)).toEqual(['assign']);
    expect(sent[0]).toMatchObject({ path: `/v3/orgs/${ORG}/contacts/${contact.id}/assign` });
    const identity = demoIdentity(lead.id);
    expect((await sandboxState(sandbox)).contacts.filter((c) => c.crm_id === identity || c.crm_id.startsWith(`${identity}-`))).toEqual([
      expect.objectContaining({ id: contact.id, phone_number: FIRST.e164 }),
    ]);
    await expect(await theDashboard(extension)).toHaveURL(`${sandbox.dashboardUrl}/chatrooms/${room.id}`);
  });

  test('phoneChangePolicy newContact: a second contact <crm_id>-2 with the new number, and its chatroom opens', async ({ extension, sandbox }) => {
    await extension.configure(demoOptions(sandbox, { phoneChangePolicy: 'newContact' }));
    const lead: CrmLead = { id: uniqueLeadId('SYNC'), firstName: 'Margaret', lastName: 'Hamilton', phone: FIRST.shown };
    const { page, contact, room } = await firstChat(extension, sandbox, lead);

    await saveLead(sandbox, { ...lead, phone: SECOND.shown });
    const before = await mark(sandbox);
    await openFromList(page, sandbox, lead);
    await chat(page, true);

    const secondCrmId = `${contact.crm_id}-2`;
    const second = await contactOf(sandbox, secondCrmId);
    expect(second).toMatchObject({ crm_id: secondCrmId, phone_number: SECOND.e164, first_name: 'Margaret', last_name: 'Hamilton' });
    const sent = await requestsSince(sandbox, before);
    expect(sent.map((request) => request.endpoint)).toEqual(['createContact', 'assign']);
    expect(sent[0]?.body).toMatchObject({ crm_id: secondCrmId, phone_number: SECOND.e164 });
    expect(sent[1]).toMatchObject({ path: `/v3/orgs/${ORG}/contacts/${second?.id}/assign`, status: 200 });

    // The first contact and its chatroom are still there, untouched.
    expect(await contactOf(sandbox, contact.crm_id)).toMatchObject({ id: contact.id, phone_number: FIRST.e164 });
    const secondRoom = await chatroomOf(sandbox, second?.id);
    expect(secondRoom).toMatchObject({ name: `${secondCrmId} Margaret Hamilton`, assigned_user_id: 'u_alice' });
    expect(secondRoom?.id).not.toBe(room.id);
    const dashboard = await theDashboard(extension);
    await expect(dashboard).toHaveURL(`${sandbox.dashboardUrl}/chatrooms/${secondRoom?.id}`);
    await expect(dashboard.locator('#chatroom-name')).toHaveText(`${secondCrmId} Margaret Hamilton`);
    await expect(dashboard.locator('#chatroom-contact-phone')).toHaveText(SECOND.e164);
  });

  test('phoneChangePolicy refuse: no provider request at all, a message naming both numbers and the policy', async ({ extension, sandbox }) => {
    await extension.configure(demoOptions(sandbox, { phoneChangePolicy: 'refuse' }));
    const lead: CrmLead = { id: uniqueLeadId('SYNC'), firstName: 'Dorothy', lastName: 'Vaughan', phone: FIRST.shown };
    const { page, room } = await firstChat(extension, sandbox, lead);
    const countsBefore = await sandbox.counts();

    await saveLead(sandbox, { ...lead, phone: SECOND.shown });
    const before = await mark(sandbox);
    await openFromList(page, sandbox, lead);
    const text = await chat(page, false);
    expect(text).toContain(FIRST.e164);
    expect(text).toContain(SECOND.e164);
    expect(text).toContain('phoneChangePolicy: refuse');

    expect(await requestsSince(sandbox, before)).toEqual([]);
    expect(await sandbox.counts()).toEqual(countsBefore);
    // The dashboard was not sent anywhere.
    await expect(await theDashboard(extension)).toHaveURL(`${sandbox.dashboardUrl}/chatrooms/${room.id}`);
  });
});

test.describe('stage: the CRM status, mapped', () => {
  test('a mapped status sends one stage call with the mapped stage; unchanged, none; changed, one more', async ({ extension, sandbox }) => {
    await extension.configure(demoOptions(sandbox, { stageMapping: STAGE_MAPPING, contactStageUrlTemplate: STAGE_TEMPLATE }));
    // A status no mapping names: the first Chat sends no stage.
    const lead: CrmLead = { id: uniqueLeadId('SYNC'), firstName: 'Mary', lastName: 'Jackson', phone: '+1 415 555 0190', status: 'New' };
    const { page, contact } = await firstChat(extension, sandbox, lead);
    expect(contact).toMatchObject({ stage: null });
    const stagePath = `/v1/orgs/${ORG}/contact/${contact.id}/stage`;

    // Qualified in the CRM: one stage call, QUALIFIED.
    await saveLead(sandbox, { ...lead, status: 'Qualified' });
    let before = await mark(sandbox);
    await openFromList(page, sandbox, lead);
    await expect(page.locator('.field-status')).toHaveText('Qualified');
    await chat(page, true);
    let sent = await requestsSince(sandbox, before);
    expect(sent.filter((request) => request.endpoint === 'updateStage')).toEqual([
      expect.objectContaining({ method: 'PUT', path: stagePath, status: 200, body: { stage: 'QUALIFIED' } }),
    ]);
    expect(sent.map((request) => request.endpoint).sort()).toEqual(['assign', 'updateStage']);
    expect(await contactOf(sandbox, contact.crm_id)).toMatchObject({ stage: 'QUALIFIED', disposition: null });
    await expect((await theDashboard(extension)).locator('#chatroom-contact-stage')).toHaveText('QUALIFIED');

    // Chat again, status unchanged: no stage call.
    before = await mark(sandbox);
    await openFromList(page, sandbox, lead);
    await chat(page, true);
    expect((await requestsSince(sandbox, before)).map((request) => request.endpoint)).toEqual(['assign']);

    // Won in the CRM: one stage call, CLOSED_WON with its disposition.
    await saveLead(sandbox, { ...lead, status: 'Won' });
    before = await mark(sandbox);
    await openFromList(page, sandbox, lead);
    await chat(page, true);
    sent = await requestsSince(sandbox, before);
    expect(sent.filter((request) => request.endpoint === 'updateStage')).toEqual([
      expect.objectContaining({ path: stagePath, status: 200, body: { stage: 'CLOSED_WON', disposition: 'Signed' } }),
    ]);
    expect(sent.map((request) => request.endpoint).sort()).toEqual(['assign', 'updateStage']);
    expect(await contactOf(sandbox, contact.crm_id)).toMatchObject({ stage: 'CLOSED_WON', disposition: 'Signed' });
    const dashboard = await theDashboard(extension);
    await expect(dashboard.locator('#chatroom-contact-stage')).toHaveText('CLOSED_WON');
    await expect(dashboard.locator('#chatroom-contact-disposition')).toHaveText('Signed');
  });
});
