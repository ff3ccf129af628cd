import { describe, expect, it, vi } from 'vitest';
import { openChat } from '../../../lib/actions/chat';
import { STAGE_ROUTE_MISSING_NOTE } from '../../../lib/actions/chat-sync';
import { newContactNote, phoneChangedWarning, phoneChangeRefusal, switchedBackNote } from '../../../lib/actions/contact-sync';
import type { Lead } from '../../../lib/messaging';
import { BridgeDatabase } from '../../../lib/store/db';
import { MappingStore } from '../../../lib/store/mappings';
import { BASE_OPTIONS, type FakeProvider, makeContext, NOW, providerError, type TestContext } from '../helpers';

/**
 * Issue 16, direct mode: a Chat on a known lead brings its Saleschat contact up to date with the CRM (names,
 * phone number, stage), at the cost of a request only when something changed.
 */

const lead = (overrides: Partial<Lead> = {}): Lead => ({
  profileId: 'demo',
  crmId: 'L-1001',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-0132',
  ...overrides,
});

const FIRST = '+14155550132';
const SECOND = '+14155550199';
const THIRD = '+14155550177';
const STAGE_ROUTE = '{API_URL}/v1/orgs/{ORG_ID}/contact/{CONTACT_ID}/stage';
const STAGES = [
  { crmStatus: 'Qualified', stage: 'qualified' },
  { crmStatus: 'Closed Won', stage: 'closed', disposition: 'won' },
];
const WITH_STAGES = { ...BASE_OPTIONS, stageMapping: STAGES, contactStageUrlTemplate: STAGE_ROUTE };

const methods = (ctx: TestContext) => ctx.provider.calls.map((call) => call.method);
const createdCrmIds = (ctx: TestContext) =>
  ctx.provider.calls.filter((call) => call.method === 'createContact').map((call) => (call.args[0] as { crm_id: string }).crm_id);

/** A lead this browser chatted with once already (c_1, created with Ada Lovelace and FIRST); calls forgotten. */
async function knownLead(options: Record<string, unknown> = BASE_OPTIONS, first: Partial<Lead> = {}): Promise<TestContext> {
  const ctx = makeContext(options);
  expect((await openChat(lead(first), ctx)).ok).toBe(true);
  ctx.provider.calls = [];
  ctx.opened = [];
  return ctx;
}

/**
 * The provider keeps crm_id unique, as Saleschat does: a second create with one crm_id is a 409, naming the
 * contact in its payload unless `anonymous` is set.
 */
function uniqueContacts(provider: FakeProvider, options: { anonymous?: boolean } = {}): Map<string, string> {
  const contacts = new Map<string, string>();
  provider.createContactResult = async () => {
    const [body] = provider.calls.filter((call) => call.method === 'createContact').at(-1)?.args ?? [];
    const { crm_id } = body as { crm_id: string };
    const existing = contacts.get(crm_id);
    if (existing) {
      const payload = options.anonymous ? {} : { contact_id: existing, crm_id };
      throw providerError('http', { status: 409, errorCode: 4090001, errorMessage: 'UQ_CONSTRAINT_FAILED', payload });
    }
    const id = `c_${contacts.size + 1}`;
    contacts.set(crm_id, id);
    return { id };
  };
  return contacts;
}

describe('names', () => {
  it('a lead renamed in the CRM: exactly [update, assign], in that order, the update carrying the crm_id and the new names', async () => {
    const ctx = await knownLead();
    const outcome = await openChat(lead({ firstName: 'Augusta Ada', lastName: 'King' }), ctx);
    expect(outcome).toEqual({ ok: true, message: 'Chat with Augusta Ada King opened.', detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(ctx.provider.calls).toEqual([
      { method: 'updateContact', args: ['c_1', { crm_id: 'L-1001', first_name: 'Augusta Ada', last_name: 'King' }] },
      { method: 'assign', args: ['c_1', 'u_alice'] },
    ]);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).toEqual({ first_name: 'Augusta Ada', last_name: 'King', phone_number: FIRST });

    // Recorded: the next Chat on the renamed lead costs the assign alone.
    ctx.provider.calls = [];
    await openChat(lead({ firstName: 'Augusta Ada', lastName: 'King' }), ctx);
    expect(methods(ctx)).toEqual(['assign']);
  });

  it('only the name that changed is sent', async () => {
    const ctx = await knownLead();
    await openChat(lead({ lastName: 'King' }), ctx);
    expect(ctx.provider.calls[0]).toEqual({ method: 'updateContact', args: ['c_1', { crm_id: 'L-1001', last_name: 'King' }] });
  });

  it('an unchanged lead: the assign alone (1 round trip)', async () => {
    const ctx = await knownLead();
    expect((await openChat(lead(), ctx)).ok).toBe(true);
    expect(ctx.provider.calls).toEqual([{ method: 'assign', args: ['c_1', 'u_alice'] }]);
  });

  it('a new lead without a stage configured: create and assign (2 round trips), its fields kept', async () => {
    const ctx = makeContext();
    await openChat(lead(), ctx);
    expect(methods(ctx)).toEqual(['createContact', 'assign']);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).toEqual({ first_name: 'Ada', last_name: 'Lovelace', phone_number: FIRST });
  });

  it('contactUpdatePolicy never: no update, whatever changed', async () => {
    const ctx = await knownLead({ ...BASE_OPTIONS, contactUpdatePolicy: 'never' });
    await openChat(lead({ firstName: 'Augusta', lastName: 'King' }), ctx);
    await openChat(lead({ firstName: 'Augusta', lastName: 'King' }), ctx);
    expect(methods(ctx)).toEqual(['assign', 'assign']);
  });

  it('contactUpdatePolicy fillEmpty: only the names Saleschat was never sent', async () => {
    const ctx = await knownLead({ ...BASE_OPTIONS, contactUpdatePolicy: 'fillEmpty' }, { lastName: undefined });
    await openChat(lead({ firstName: 'Augusta', lastName: 'King' }), ctx);
    expect(ctx.provider.calls).toEqual([
      { method: 'updateContact', args: ['c_1', { crm_id: 'L-1001', last_name: 'King' }] },
      { method: 'assign', args: ['c_1', 'u_alice'] },
    ]);
  });

  it('the update fails (500): the chat opens and says so; the next Chat updates again', async () => {
    const ctx = await knownLead();
    ctx.provider.updateContactResult = async () => {
      throw providerError('http', { endpoint: 'updateContact', status: 500, errorCode: 5000001, errorMessage: 'INTERNAL_ERROR' });
    };
    const outcome = await openChat(lead({ lastName: 'King' }), ctx);
    expect(outcome).toEqual({
      ok: true,
      message: "Chat with Ada King opened. Saleschat still shows the lead's earlier name (the update failed: Saleschat error 5000001 INTERNAL_ERROR); the next Chat tries again.",
      detail: expect.objectContaining({ agentEmail: 'alice@example.com' }),
    });
    expect(ctx.opened).toEqual(['https://app.test/app/chatrooms/cr_c_1']);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).toMatchObject({ last_name: 'Lovelace' });

    ctx.provider.updateContactResult = async (contactId) => ({ id: contactId });
    ctx.provider.calls = [];
    expect(await openChat(lead({ lastName: 'King' }), ctx)).toEqual({ ok: true, message: 'Chat with Ada King opened.', detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(methods(ctx)).toEqual(['updateContact', 'assign']);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).toMatchObject({ last_name: 'King' });
  });

  it('the update meets a 404 (the contact is gone): the assign’s 404 re-creates it with the current names, no note', async () => {
    const ctx = await knownLead();
    const gone = (endpoint: string) => providerError('http', { endpoint, status: 404, errorCode: 4040001, errorMessage: 'NOT_FOUND' });
    ctx.provider.updateContactResult = async () => {
      throw gone('updateContact');
    };
    ctx.provider.assignResult = async (contactId) => {
      if (contactId === 'c_1') throw gone('assign');
      return { chatroomId: `cr_${contactId}`, assignedUserId: 'u_alice' };
    };
    const outcome = await openChat(lead({ lastName: 'King' }), ctx);
    expect(outcome).toEqual({ ok: true, message: 'Chat with Ada King opened.', detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(methods(ctx)).toEqual(['updateContact', 'assign', 'createContact', 'assign']);
    expect(ctx.provider.calls[2]?.args[0]).toMatchObject({ crm_id: 'L-1001', first_name: 'Ada', last_name: 'King', phone_number: FIRST });
    expect(await ctx.store.findContact('org_1', 'L-1001')).toMatchObject({ providerContactId: 'c_2', sent: { first_name: 'Ada', last_name: 'King', phone_number: FIRST } });
  });

  it('a mapping saved before the fields were kept: no update, the CRM’s fields become the baseline', async () => {
    const ctx = makeContext();
    await ctx.store.saveContact('org_1', 'L-1001', 'c_7', NOW);
    expect(await openChat(lead({ lastName: 'King', phone: '415-555-0199' }), ctx)).toEqual({ ok: true, message: 'Chat with Ada King opened.', detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(ctx.provider.calls).toEqual([{ method: 'assign', args: ['c_7', 'u_alice'] }]);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).toEqual({ first_name: 'Ada', last_name: 'King', phone_number: SECOND });

    // From the baseline on, changes are sent.
    ctx.provider.calls = [];
    await openChat(lead({ lastName: 'Byron', phone: '415-555-0199' }), ctx);
    expect(methods(ctx)).toEqual(['updateContact', 'assign']);
  });

  it('a contact learnt from a 409 gets the CRM’s fields as baseline, not the create’s', async () => {
    const ctx = makeContext();
    ctx.provider.createContactResult = async () => {
      throw providerError('http', { status: 409, errorCode: 4090001, errorMessage: 'UQ_CONSTRAINT_FAILED', payload: { contact_id: 'c_other', crm_id: 'L-1001' } });
    };
    const saved = vi.spyOn(ctx.store, 'saveCreatedContact');
    expect((await openChat(lead(), ctx)).ok).toBe(true);
    expect(saved.mock.calls[0]?.[1]).toEqual({});
    expect(await ctx.store.findContact('org_1', 'L-1001')).toMatchObject({ providerContactId: 'c_other', sent: { first_name: 'Ada', last_name: 'Lovelace', phone_number: FIRST } });
  });

  it('a known lead whose phone the page shows unreadably still chats, its names still synced', async () => {
    const ctx = await knownLead();
    expect((await openChat(lead({ lastName: 'King', phone: '12' }), ctx)).ok).toBe(true);
    expect(methods(ctx)).toEqual(['updateContact', 'assign']);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).toEqual({ first_name: 'Ada', last_name: 'King', phone_number: FIRST });
  });
});

describe('phone number changed in the CRM', () => {
  const changed = { sent: FIRST, crm: SECOND };

  it('warn (default): the existing chat opens, the agent reads both numbers, one assign', async () => {
    const ctx = await knownLead();
    const outcome = await openChat(lead({ phone: '415-555-0199' }), ctx);
    expect(outcome).toEqual({ ok: true, message: `Chat with Ada Lovelace opened.${phoneChangedWarning(changed)}`, detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(outcome.message).toContain(FIRST);
    expect(outcome.message).toContain(SECOND);
    expect(ctx.provider.calls).toEqual([{ method: 'assign', args: ['c_1', 'u_alice'] }]);
    expect(ctx.opened).toEqual(['https://app.test/app/chatrooms/cr_c_1']);
    // The contact still has the old number: the next Chat warns again.
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent?.phone_number).toBe(FIRST);
  });

  it('refuse: no provider call at all, and a message saying why', async () => {
    const ctx = await knownLead({ ...BASE_OPTIONS, phoneChangePolicy: 'refuse' });
    const clients = ctx.clientsCreated;
    const outcome = await openChat(lead({ phone: '415-555-0199' }), ctx);
    expect(outcome).toEqual({ ok: false, retryable: false, message: phoneChangeRefusal(changed) });
    expect(ctx.provider.calls).toEqual([]);
    expect(ctx.clientsCreated).toBe(clients);
    expect(ctx.opened).toEqual([]);
    expect(await ctx.store.unfinishedChats()).toEqual([]);
  });

  it('newContact: a contact <id>-2 with the new number, its chatroom opened, both remembered; a third number: <id>-3', async () => {
    const ctx = await knownLead({ ...BASE_OPTIONS, phoneChangePolicy: 'newContact' });
    const outcome = await openChat(lead({ phone: '415-555-0199' }), ctx);
    expect(outcome).toEqual({ ok: true, message: `Chat with Ada Lovelace opened.${newContactNote(changed, 'L-1001-2')}`, detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(ctx.provider.calls).toEqual([
      { method: 'createContact', args: [{ crm_id: 'L-1001-2', first_name: 'Ada', last_name: 'Lovelace', phone_number: SECOND, opt_in_date: new Date(NOW).toISOString() }] },
      { method: 'assign', args: ['c_2', 'u_alice'] },
    ]);
    expect(ctx.opened).toEqual(['https://app.test/app/chatrooms/cr_c_2']);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toEqual({
      card: expect.objectContaining({ crmId: 'L-1001', openedAt: NOW }),
      orgId: 'org_1',
      crmId: 'L-1001',
      providerContactId: 'c_2',
      providerCrmId: 'L-1001-2',
      createdAt: NOW,
      sent: { first_name: 'Ada', last_name: 'Lovelace', phone_number: SECOND },
      earlier: [{ providerContactId: 'c_1', providerCrmId: 'L-1001', phone_number: FIRST }],
    });

    // The same number again: the new contact, nothing else.
    ctx.provider.calls = [];
    await openChat(lead({ phone: '415-555-0199' }), ctx);
    expect(ctx.provider.calls).toEqual([{ method: 'assign', args: ['c_2', 'u_alice'] }]);

    ctx.provider.calls = [];
    await openChat(lead({ phone: '415-555-0177' }), ctx);
    expect(createdCrmIds(ctx)).toEqual(['L-1001-3']);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toMatchObject({
      providerContactId: 'c_3',
      providerCrmId: 'L-1001-3',
      earlier: [
        { providerContactId: 'c_1', providerCrmId: 'L-1001', phone_number: FIRST },
        { providerContactId: 'c_2', providerCrmId: 'L-1001-2', phone_number: SECOND },
      ],
    });
  });

  it('newContact, back to an earlier number: its chat again, no create; a later new number still derives from the first crm_id', async () => {
    const ctx = await knownLead({ ...BASE_OPTIONS, phoneChangePolicy: 'newContact' });
    await openChat(lead({ phone: '415-555-0199' }), ctx);
    ctx.provider.calls = [];
    ctx.opened = [];

    const outcome = await openChat(lead(), ctx);
    expect(outcome).toEqual({ ok: true, message: `Chat with Ada Lovelace opened.${switchedBackNote({ sent: SECOND, crm: FIRST })}`, detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    // Only its number is known for sure of the contact it returns to: its names are brought up to date.
    expect(ctx.provider.calls).toEqual([
      { method: 'updateContact', args: ['c_1', { crm_id: 'L-1001', first_name: 'Ada', last_name: 'Lovelace' }] },
      { method: 'assign', args: ['c_1', 'u_alice'] },
    ]);
    expect(ctx.opened).toEqual(['https://app.test/app/chatrooms/cr_c_1']);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toEqual({
      card: expect.objectContaining({ crmId: 'L-1001', openedAt: NOW }),
      orgId: 'org_1',
      crmId: 'L-1001',
      providerContactId: 'c_1',
      createdAt: NOW,
      sent: { first_name: 'Ada', last_name: 'Lovelace', phone_number: FIRST },
      earlier: [{ providerContactId: 'c_2', providerCrmId: 'L-1001-2', phone_number: SECOND }],
    });

    // The lead has had two contacts: a third number gets <id>-3, from the first crm_id, not from L-1001-2.
    ctx.provider.calls = [];
    await openChat(lead({ phone: '415-555-0177' }), ctx);
    expect(createdCrmIds(ctx)).toEqual(['L-1001-3']);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.earlier?.map((contact) => contact.phone_number)).toEqual([SECOND, FIRST]);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent?.phone_number).toBe(THIRD);
  });

  it('newContact, back to a number whose chat another agent holds (allowReassign false): refused before any request', async () => {
    const ctx = await knownLead({ ...BASE_OPTIONS, phoneChangePolicy: 'newContact', allowReassign: false });
    await openChat(lead({ phone: '415-555-0199' }), ctx);
    await ctx.store.saveAssignment('org_1', 'c_1', 'u_bob', 'cr_c_1', NOW);
    ctx.provider.calls = [];
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toContain('belongs to Bob Agent (bob@example.com)');
    expect(ctx.provider.calls).toEqual([]);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toMatchObject({ providerContactId: 'c_2' });
  });

  it('newContact, and the derived crm_id would be longer than Saleschat accepts: refused before any request', async () => {
    const crmId = `L-${'9'.repeat(125)}`; // 127 characters: "-2" makes 129
    const ctx = await knownLead({ ...BASE_OPTIONS, phoneChangePolicy: 'newContact' }, { crmId });
    const outcome = await openChat(lead({ crmId, phone: '415-555-0199' }), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toContain('longer than the 128 characters Saleschat accepts');
    expect(outcome.message).toContain('phoneChangePolicy');
    expect(ctx.provider.calls).toEqual([]);
  });
});

describe('a worker stopped while creating the contact for a new number', () => {
  const stopped = () => new Error('the service worker was stopped');
  const options = { ...BASE_OPTIONS, phoneChangePolicy: 'newContact' };

  /** Click 1 created c_1; click 2 (new number) is stopped while its create is out, after the provider made c_2. */
  async function interrupted(provider: { anonymous?: boolean } = {}): Promise<{ ctx: TestContext; contacts: Map<string, string> }> {
    const ctx = makeContext(options, new MappingStore(new BridgeDatabase(`sync-stopped-${Math.random()}`)));
    const contacts = uniqueContacts(ctx.provider, provider);
    await openChat(lead(), ctx);
    const create = ctx.provider.createContactResult;
    ctx.provider.createContactResult = async () => {
      await create();
      throw stopped();
    };
    expect((await openChat(lead({ phone: '415-555-0199' }), ctx)).ok).toBe(false);
    ctx.provider.createContactResult = create;
    expect(await ctx.store.findChatJournal('org_1', 'L-1001')).toMatchObject({ step: 'creating', providerCrmId: 'L-1001-2', attempts: 1 });
    expect(await ctx.store.findContact('org_1', 'L-1001')).toMatchObject({ providerContactId: 'c_1' });
    expect([...contacts.values()]).toEqual(['c_1', 'c_2']);
    ctx.provider.calls = [];
    return { ctx, contacts };
  }

  it('the next click re-derives <id>-2, meets the 409 and takes the contact that landed: nothing new created', async () => {
    const { ctx, contacts } = await interrupted();
    const outcome = await openChat(lead({ phone: '415-555-0199' }), ctx);
    expect(outcome.ok).toBe(true);
    expect(methods(ctx)).toEqual(['createContact', 'assign']);
    expect(createdCrmIds(ctx)).toEqual(['L-1001-2']);
    expect(contacts.size).toBe(2);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toEqual({
      card: expect.objectContaining({ crmId: 'L-1001', openedAt: NOW }),
      orgId: 'org_1',
      crmId: 'L-1001',
      providerContactId: 'c_2',
      providerCrmId: 'L-1001-2',
      createdAt: NOW,
      // Learnt from the 409: the CRM's fields are the baseline.
      sent: { first_name: 'Ada', last_name: 'Lovelace', phone_number: SECOND },
      earlier: [{ providerContactId: 'c_1', providerCrmId: 'L-1001', phone_number: FIRST }],
    });
    expect(await ctx.store.unfinishedChats()).toEqual([]);
  });

  it('no id anywhere: the agent reads the interrupted Chat’s message, the mapping stays, still no new contact', async () => {
    const { ctx, contacts } = await interrupted({ anonymous: true });
    const outcome = await openChat(lead({ phone: '415-555-0199' }), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toContain('CRM id L-1001-2');
    expect(outcome.message).toContain('interrupted before Saleschat answered');
    expect(methods(ctx)).toEqual(['createContact']);
    expect(contacts.size).toBe(2);
    const mapping = await ctx.store.findContact('org_1', 'L-1001');
    expect(mapping).toMatchObject({ providerContactId: 'c_1', sent: { phone_number: FIRST } });
    expect(mapping).not.toHaveProperty('earlier');
  });

  it('the entry’s derived crm_id is not the mapped contact’s: back on the first number, the update and URL carry L-1001', async () => {
    const { ctx, contacts } = await interrupted();
    const withCrm = makeContext({ ...options, chatroomUrlTemplate: '{DASHBOARD_URL}/chatrooms/{CHATROOM_ID}?crm={CRM_ID}' }, ctx.store);
    withCrm.provider = ctx.provider;
    withCrm.createClient = () => ctx.provider;
    expect((await openChat(lead({ lastName: 'King' }), withCrm)).ok).toBe(true);
    expect(ctx.provider.calls).toEqual([
      { method: 'updateContact', args: ['c_1', { crm_id: 'L-1001', last_name: 'King' }] },
      { method: 'assign', args: ['c_1', 'u_alice'] },
    ]);
    expect(withCrm.opened).toEqual(['https://app.test/app/chatrooms/cr_c_1?crm=L-1001']);
    expect(contacts.size).toBe(2);
    expect(await ctx.store.unfinishedChats()).toEqual([]);
  });

  it('stopped after the new contact was saved: the next click assigns it, creating nothing', async () => {
    const ctx = makeContext(options);
    const contacts = uniqueContacts(ctx.provider);
    await openChat(lead(), ctx);
    ctx.provider.assignResult = async () => {
      throw stopped();
    };
    expect((await openChat(lead({ phone: '415-555-0199' }), ctx)).ok).toBe(false);
    ctx.provider.assignResult = async (contactId) => ({ chatroomId: `cr_${contactId}` });
    ctx.provider.calls = [];
    expect((await openChat(lead({ phone: '415-555-0199' }), ctx)).ok).toBe(true);
    expect(ctx.provider.calls).toEqual([{ method: 'assign', args: ['c_2', 'u_alice'] }]);
    expect(contacts.size).toBe(2);
  });
});

describe('stage', () => {
  const stageCalls = (ctx: TestContext) => ctx.provider.calls.filter((call) => call.method === 'updateStage').map((call) => call.args);

  it('a mapped status that changed: one stage request at the configured route, alongside the assign', async () => {
    const ctx = await knownLead(WITH_STAGES);
    expect(await openChat(lead({ status: 'closed won' }), ctx)).toEqual({ ok: true, message: 'Chat with Ada Lovelace opened.', detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(ctx.provider.calls).toHaveLength(2);
    expect(stageCalls(ctx)).toEqual([['/v1/orgs/org_1/contact/c_1/stage', { stage: 'closed', disposition: 'won' }]]);
    expect(ctx.provider.calls.filter((call) => call.method === 'assign')).toEqual([{ method: 'assign', args: ['c_1', 'u_alice'] }]);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).toMatchObject({ stage: 'closed', disposition: 'won' });

    // Unchanged: no stage request.
    ctx.provider.calls = [];
    await openChat(lead({ status: 'Closed Won' }), ctx);
    expect(methods(ctx)).toEqual(['assign']);
  });

  it('an unmapped status, or none: no stage request', async () => {
    const ctx = await knownLead(WITH_STAGES);
    await openChat(lead({ status: 'Nurturing' }), ctx);
    await openChat(lead(), ctx);
    expect(methods(ctx)).toEqual(['assign', 'assign']);
  });

  it('a new lead with a mapped status: create, then stage and assign (3 round trips)', async () => {
    const ctx = makeContext(WITH_STAGES);
    expect((await openChat(lead({ status: 'Qualified' }), ctx)).ok).toBe(true);
    expect(ctx.provider.calls[0]?.method).toBe('createContact');
    expect(methods(ctx).slice(1).sort()).toEqual(['assign', 'updateStage']);
    expect(stageCalls(ctx)).toEqual([['/v1/orgs/org_1/contact/c_1/stage', { stage: 'qualified' }]]);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).toEqual({ first_name: 'Ada', last_name: 'Lovelace', phone_number: FIRST, stage: 'qualified' });
  });

  it('the stage request fails: the chat opens, the agent is told, and the next Chat sends it again', async () => {
    const ctx = await knownLead(WITH_STAGES);
    ctx.provider.updateStageResult = async () => {
      throw providerError('http', { endpoint: 'updateStage', status: 404, errorMessage: 'Saleschat answered HTTP 404 Not Found' });
    };
    const outcome = await openChat(lead({ status: 'Qualified' }), ctx);
    expect(outcome).toEqual({
      ok: true,
      message: "Chat with Ada Lovelace opened. The lead's stage was not updated in Saleschat (Saleschat answered HTTP 404 Not Found.); the next Chat tries again.",
      detail: expect.objectContaining({ agentEmail: 'alice@example.com' }),
    });
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).not.toHaveProperty('stage');

    ctx.provider.updateStageResult = async () => undefined;
    ctx.provider.calls = [];
    expect(await openChat(lead({ status: 'Qualified' }), ctx)).toEqual({ ok: true, message: 'Chat with Ada Lovelace opened.', detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(stageCalls(ctx)).toHaveLength(1);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).toMatchObject({ stage: 'qualified' });
  });

  it('stageMapping without contactStageUrlTemplate: the chat opens, no stage request, the message asks for the route', async () => {
    const ctx = await knownLead({ ...BASE_OPTIONS, stageMapping: STAGES });
    const outcome = await openChat(lead({ status: 'Qualified' }), ctx);
    expect(outcome).toEqual({ ok: true, message: `Chat with Ada Lovelace opened.${STAGE_ROUTE_MISSING_NOTE}`, detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(outcome.message).toContain('contactStageUrlTemplate');
    expect(methods(ctx)).toEqual(['assign']);
  });

  it('a renamed lead with a new stage: update first, then stage and assign; both failing are both told', async () => {
    const ctx = await knownLead(WITH_STAGES);
    ctx.provider.updateContactResult = async () => {
      throw providerError('timeout', { endpoint: 'updateContact', errorMessage: 'Saleschat did not answer within 8 s' });
    };
    ctx.provider.updateStageResult = async () => {
      throw providerError('timeout', { endpoint: 'updateStage', errorMessage: 'Saleschat did not answer within 8 s' });
    };
    const outcome = await openChat(lead({ lastName: 'King', status: 'Qualified' }), ctx);
    expect(outcome.ok).toBe(true);
    expect(outcome.message).toContain("Saleschat still shows the lead's earlier name");
    expect(outcome.message).toContain("The lead's stage was not updated");
    expect(ctx.provider.calls[0]?.method).toBe('updateContact');
    expect(methods(ctx).slice(1).sort()).toEqual(['assign', 'updateStage']);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).toEqual({ first_name: 'Ada', last_name: 'Lovelace', phone_number: FIRST });
  });

  it('the assign fails: the Chat fails as before and nothing of the stage is recorded', async () => {
    const ctx = await knownLead(WITH_STAGES);
    ctx.provider.assignResult = async () => {
      throw providerError('http', { endpoint: 'assign', status: 503, errorMessage: 'Saleschat answered HTTP 503' });
    };
    const outcome = await openChat(lead({ status: 'Qualified' }), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(outcome.message).toMatch(/^Assigning the chat failed/);
    expect(stageCalls(ctx)).toHaveLength(1);
    expect((await ctx.store.findContact('org_1', 'L-1001'))?.sent).not.toHaveProperty('stage');
  });
});

describe('what the agent reads', () => {
  it('stays within the 500 characters a success message may have, the notes kept whole', async () => {
    const ctx = await knownLead({ ...WITH_STAGES, phoneChangePolicy: 'warn' });
    ctx.provider.updateContactResult = async () => {
      throw providerError('http', { endpoint: 'updateContact', status: 500, errorCode: 5000001, errorMessage: 'INTERNAL_ERROR', errorDescription: 'x'.repeat(300) });
    };
    const outcome = await openChat(lead({ firstName: 'A'.repeat(256), lastName: 'B'.repeat(256), phone: '415-555-0199' }), ctx);
    expect(outcome.ok).toBe(true);
    expect(outcome.message.length).toBeLessThanOrEqual(500);
    expect(outcome.message).toContain(phoneChangedWarning({ sent: FIRST, crm: SECOND }));
    expect(outcome.message).toMatch(/the next Chat tries again\.$/);
  });
});
