import { describe, expect, it } from 'vitest';
import {
  newContactNote,
  phoneChangedWarning,
  phoneChangeRefusal,
  stageFailedNote,
  switchedBackNote,
} from '../../lib/actions/contact-sync';
import type { Lead } from '../../lib/messages';
import { ChatResponseSchema } from '../../lib/team/api';
import { chat } from '../../gateway/core';
import type { TeamChatResult, TeamSettings } from '../../gateway/core/types';
import { auditLog, contacts } from '../../gateway/db/schema';
import { control, getState, type Json, useSandbox } from '../sandbox/helpers';
import { api, demoLead, signIn, startHarness } from './harness';
import { ALICE, BOB, callsSince, coreDeps, newLead, ORG, sandboxCounts, seedTeam, teamSettings, usePglite } from './helpers';

/**
 * Keeping the provider contact true to the CRM in team mode (gateway/core/contact-sync.ts): the core against
 * the real sandbox over HTTP and an in-memory PGlite, counting every provider request per endpoint.
 */

const sandbox = useSandbox();
const database = usePglite();

const STAGE_TEMPLATE = '{API_URL}/v1/orgs/{ORG_ID}/contact/{CONTACT_ID}/stage';
const STAGES = [
  { crmStatus: 'Qualified', stage: 'qualified' },
  { crmStatus: 'Won', stage: 'closed', disposition: 'won' },
];

function deps(overrides: Partial<TeamSettings> = {}) {
  return coreDeps(database.db, teamSettings(sandbox.url, overrides));
}

function expectOk(result: TeamChatResult): Extract<TeamChatResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected success, got ${result.httpStatus} ${result.message}`);
  return result;
}

/** Runs `work` and answers the provider requests it made, per endpoint (only those that changed). */
async function calls<T>(work: () => Promise<T>): Promise<{ result: T; made: Record<string, number> }> {
  const before = await sandboxCounts(sandbox.url);
  const result = await work();
  return { result, made: callsSince(before, await sandboxCounts(sandbox.url)) };
}

async function requests(endpoint: string): Promise<Json[]> {
  return ((await control(sandbox.url, 'GET', '/__sandbox/requests')) as Json[]).filter((request) => request.endpoint === endpoint);
}

async function providerContact(contactId: string) {
  return (await getState(sandbox.url)).contacts.find((contact) => contact.id === contactId);
}

async function chatroomOf(contactId: string) {
  return (await getState(sandbox.url)).chatrooms.find((room) => room.contact_id === contactId);
}

async function row() {
  const rows = await database.db.select().from(contacts);
  expect(rows).toHaveLength(1);
  return rows[0] as (typeof rows)[number];
}

/** A lead chatted once (its contact created and assigned to Alice). */
async function known(overrides: Partial<Lead> = {}, settings: Partial<TeamSettings> = {}) {
  await seedTeam(database.db);
  const lead = newLead(overrides);
  const first = expectOk(await chat(deps(settings), ALICE, lead));
  return { lead, contactId: first.contactId };
}

describe('names', () => {
  it('a renamed lead: exactly one update (only what changed) before the assign, and the chatroom name follows', async () => {
    const { lead, contactId } = await known();
    const { result, made } = await calls(() => chat(deps(), ALICE, { ...lead, firstName: 'Augusta' }));

    expect(made).toEqual({ updateContact: 1, assign: 1 });
    expect(expectOk(result)).toMatchObject({ contactId, created: false, message: 'Chat with Augusta Lovelace opened.' });
    expect((await requests('updateContact')).map((request) => request.body)).toEqual([{ crm_id: lead.crmId, first_name: 'Augusta' }]);
    const order = ((await control(sandbox.url, 'GET', '/__sandbox/requests')) as Json[]).map((request) => request.endpoint);
    expect(order.slice(-2)).toEqual(['updateContact', 'assign']);
    expect(await providerContact(contactId)).toMatchObject({ crm_id: lead.crmId, first_name: 'Augusta', last_name: 'Lovelace' });
    expect((await chatroomOf(contactId))?.name).toBe(`${lead.crmId} Augusta Lovelace`);
    expect((await row()).fieldsSent).toEqual({ first_name: 'Augusta', last_name: 'Lovelace', phone_number: '+14155550132' });
    const audit = await database.db.select({ detail: auditLog.detail }).from(auditLog);
    expect(audit.at(-1)?.detail).toContain(`contact ${contactId} existing (contact updated (first_name))`);
  });

  it('an unchanged lead: the assign alone', async () => {
    const { lead } = await known();
    const { result, made } = await calls(() => chat(deps(), BOB, lead));
    expect(made).toEqual({ assign: 1 });
    expect(expectOk(result).message).toBe('Chat with Ada Lovelace opened. It was assigned to Alice Agent (alice@example.com); it is yours now.');
  });

  it('CONTACT_UPDATE_POLICY never: no update, whatever the CRM shows', async () => {
    const { lead, contactId } = await known();
    const { made } = await calls(() => chat(deps({ contactUpdatePolicy: 'never' }), ALICE, { ...lead, firstName: 'Augusta', lastName: 'King' }));
    expect(made).toEqual({ assign: 1 });
    expect(await providerContact(contactId)).toMatchObject({ first_name: 'Ada', last_name: 'Lovelace' });
  });

  it('CONTACT_UPDATE_POLICY fillEmpty: only the names Saleschat has none of', async () => {
    const { lead, contactId } = await known({ lastName: undefined });
    const fillEmpty = deps({ contactUpdatePolicy: 'fillEmpty' });
    const { made } = await calls(() => chat(fillEmpty, ALICE, { ...lead, firstName: 'Augusta', lastName: 'King' }));

    expect(made).toEqual({ updateContact: 1, assign: 1 });
    expect((await requests('updateContact')).map((request) => request.body)).toEqual([{ crm_id: lead.crmId, last_name: 'King' }]);
    expect(await providerContact(contactId)).toMatchObject({ first_name: 'Ada', last_name: 'King' });
    expect((await calls(() => chat(fillEmpty, ALICE, { ...lead, firstName: 'Augusta', lastName: 'Byron' }))).made).toEqual({ assign: 1 });
  });

  it('an update Saleschat fails: the chat opens with a note, and the next Chat updates', async () => {
    const { lead, contactId } = await known();
    const renamed = { ...lead, firstName: 'Augusta' };
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'updateContact', status: 500 });

    const failed = await calls(() => chat(deps(), ALICE, renamed));
    expect(failed.made).toEqual({ updateContact: 1, assign: 1 });
    const answer = expectOk(failed.result);
    expect(answer.contactId).toBe(contactId);
    expect(answer.message).toMatch(/^Chat with Augusta Lovelace opened\. Saleschat still shows the lead's earlier name \(the update failed: .*500.*\); the next Chat tries again\.$/);
    expect((await row()).fieldsSent).toMatchObject({ first_name: 'Ada' });

    const retried = await calls(() => chat(deps(), ALICE, renamed));
    expect(retried.made).toEqual({ updateContact: 1, assign: 1 });
    expect(expectOk(retried.result).message).toBe('Chat with Augusta Lovelace opened.');
    expect(await providerContact(contactId)).toMatchObject({ first_name: 'Augusta' });
    expect((await row()).fieldsSent).toMatchObject({ first_name: 'Augusta' });
  });

  it('an update answering 404 (the contact deleted in the dashboard) goes on: the assign 404s and the lead is re-created', async () => {
    const { lead, contactId } = await known();
    await control(sandbox.url, 'DELETE', `/__sandbox/contacts/${contactId}`);

    const { result, made } = await calls(() => chat(deps(), ALICE, { ...lead, firstName: 'Augusta' }));

    expect(made).toEqual({ updateContact: 1, assign: 2, createContact: 1 });
    const answer = expectOk(result);
    expect(answer).toMatchObject({ created: true, message: 'Chat with Augusta Lovelace opened.' });
    expect(await providerContact(answer.contactId)).toMatchObject({ crm_id: lead.crmId, first_name: 'Augusta' });
    expect(await row()).toMatchObject({ providerContactId: answer.contactId, fieldsSent: { first_name: 'Augusta', last_name: 'Lovelace', phone_number: '+14155550132' } });
  });

  it('a mapping saved before fields were kept: the first Chat records the CRM as it is, the next one updates', async () => {
    const { lead, contactId } = await known();
    await database.db.update(contacts).set({ fieldsSent: null });

    expect((await calls(() => chat(deps(), ALICE, { ...lead, firstName: 'Augusta' }))).made).toEqual({ assign: 1 });
    expect((await row()).fieldsSent).toEqual({ first_name: 'Augusta', last_name: 'Lovelace', phone_number: '+14155550132' });
    expect((await calls(() => chat(deps(), ALICE, { ...lead, firstName: 'Ada' }))).made).toEqual({ updateContact: 1, assign: 1 });
    expect(await providerContact(contactId)).toMatchObject({ first_name: 'Ada' });
  });
});

describe('a changed phone number', () => {
  const NEW_PHONE = '(415) 555-0199';

  it('PHONE_CHANGE_POLICY warn (default): the existing chat opens, the message names both numbers', async () => {
    const { lead, contactId } = await known();
    const { result, made } = await calls(() => chat(deps(), ALICE, { ...lead, phone: NEW_PHONE }));
    expect(made).toEqual({ assign: 1 });
    const answer = expectOk(result);
    expect(answer.contactId).toBe(contactId);
    expect(answer.message).toBe(`Chat with Ada Lovelace opened.${phoneChangedWarning({ sent: '+14155550132', crm: '+14155550199' })}`);
    expect(answer.message).toContain('+14155550132');
    expect(answer.message).toContain('+14155550199');
  });

  it('PHONE_CHANGE_POLICY refuse: no provider request, a refusal (409, not retryable) saying why', async () => {
    const { lead } = await known();
    const { result, made } = await calls(() => chat(deps({ phoneChangePolicy: 'refuse' }), ALICE, { ...lead, phone: NEW_PHONE, firstName: 'Augusta' }));
    expect(made).toEqual({});
    expect(result).toEqual({ ok: false, httpStatus: 409, retryable: false, message: phoneChangeRefusal({ sent: '+14155550132', crm: '+14155550199' }) });
    const audit = await database.db.select({ outcome: auditLog.outcome }).from(auditLog);
    expect(audit.at(-1)).toEqual({ outcome: 'refused' });
  });

  it('refuse over HTTP (PHONE_CHANGE_POLICY=refuse): 409 with a failure the extension shows as a refusal', async () => {
    const harness = await startHarness({ sandbox: sandbox.sandbox, env: { PHONE_CHANGE_POLICY: 'refuse' } });
    try {
      const session = await signIn(harness.gateway.url, 'alice@example.com');
      const lead = demoLead();
      expect((await api(harness.gateway.url, '/v1/chat', session.idToken, { lead })).status).toBe(200);
      const before = await sandboxCounts(sandbox.url);

      const refused = await api(harness.gateway.url, '/v1/chat', session.idToken, { lead: { ...lead, phone: NEW_PHONE } });

      expect(callsSince(before, await sandboxCounts(sandbox.url))).toEqual({});
      expect(refused.status).toBe(409);
      expect(ChatResponseSchema.parse(refused.body)).toEqual({ ok: false, retryable: false, message: phoneChangeRefusal({ sent: '+14155550100', crm: '+14155550199' }) });
    } finally {
      await harness.close();
    }
  }, 30_000);

  it('PHONE_CHANGE_POLICY newContact: a second contact <id>-2 and its chatroom; back to the first number switches back, no create', async () => {
    const newContact = deps({ phoneChangePolicy: 'newContact' });
    const { lead, contactId: first } = await known();
    const firstRoom = await chatroomOf(first);

    const changed = await calls(() => chat(newContact, ALICE, { ...lead, phone: NEW_PHONE }));
    expect(changed.made).toEqual({ createContact: 1, assign: 1 });
    const second = expectOk(changed.result);
    const secondContact = await providerContact(second.contactId);
    expect(secondContact).toMatchObject({ crm_id: `${lead.crmId}-2`, phone_number: '+14155550199', first_name: 'Ada' });
    const secondRoom = await chatroomOf(second.contactId);
    expect(second).toMatchObject({ created: true, chatroomUrl: `${sandbox.url}/app/chatrooms/${secondRoom?.id}` });
    expect(second.message).toBe(`Chat with Ada Lovelace opened.${newContactNote({ sent: '+14155550132', crm: '+14155550199' }, `${lead.crmId}-2`)}`);
    expect(await row()).toMatchObject({
      providerContactId: second.contactId,
      providerCrmId: `${lead.crmId}-2`,
      earlierContacts: [{ providerContactId: first, providerCrmId: lead.crmId, phone_number: '+14155550132' }],
    });

    expect((await calls(() => chat(newContact, BOB, { ...lead, phone: NEW_PHONE }))).made).toEqual({ assign: 1 });

    const back = await calls(() => chat(newContact, ALICE, lead));
    expect(back.made).toEqual({ assign: 1 });
    expect(expectOk(back.result)).toMatchObject({
      contactId: first,
      created: false,
      chatroomUrl: `${sandbox.url}/app/chatrooms/${firstRoom?.id}`,
      message: `Chat with Ada Lovelace opened.${switchedBackNote({ sent: '+14155550199', crm: '+14155550132' })}`,
    });
    expect(await row()).toMatchObject({ providerContactId: first, providerCrmId: null, earlierContacts: [{ providerContactId: second.contactId, providerCrmId: `${lead.crmId}-2` }] });
    expect((await getState(sandbox.url)).contacts).toHaveLength(2);

    const third = await calls(() => chat(newContact, ALICE, { ...lead, phone: '(415) 555-0177' }));
    expect(third.made).toEqual({ createContact: 1, assign: 1 });
    expect(await providerContact(expectOk(third.result).contactId)).toMatchObject({ crm_id: `${lead.crmId}-3`, phone_number: '+14155550177' });
  });

  it('newContact: a renamed lead back on an earlier number updates that contact with its own crm_id', async () => {
    const newContact = deps({ phoneChangePolicy: 'newContact' });
    const { lead } = await known();
    const second = expectOk(await chat(newContact, ALICE, { ...lead, phone: NEW_PHONE }));
    const { made } = await calls(() => chat(newContact, ALICE, { ...lead, phone: NEW_PHONE, lastName: 'King' }));
    expect(made).toEqual({ updateContact: 1, assign: 1 });
    expect((await requests('updateContact')).map((request) => request.body)).toEqual([{ crm_id: `${lead.crmId}-2`, last_name: 'King' }]);
    expect(await providerContact(second.contactId)).toMatchObject({ crm_id: `${lead.crmId}-2`, last_name: 'King' });
  });

  it('newContact: two agents meeting the new number at once make exactly one new contact', async () => {
    const newContact = deps({ phoneChangePolicy: 'newContact' });
    const { lead, contactId: first } = await known();
    await control(sandbox.url, 'POST', '/__sandbox/latency', { ms: 100 });
    try {
      const changed = { ...lead, phone: NEW_PHONE };
      const { result, made } = await calls(() => Promise.all(Array.from({ length: 6 }, (_, index) => chat(newContact, index % 2 ? BOB : ALICE, changed))));

      expect(made).toEqual({ createContact: 1, assign: 6 });
      const answers = result.map(expectOk);
      const ids = new Set(answers.map((answer) => answer.contactId));
      expect(ids.size).toBe(1);
      expect(ids.has(first)).toBe(false);
      expect(answers.filter((answer) => answer.created)).toHaveLength(1);
      expect((await getState(sandbox.url)).contacts.map((contact) => contact.crm_id).sort()).toEqual([lead.crmId, `${lead.crmId}-2`]);
      expect(await row()).toMatchObject({ state: 'created', providerCrmId: `${lead.crmId}-2`, earlierContacts: [{ providerContactId: first }] });
    } finally {
      await control(sandbox.url, 'POST', '/__sandbox/latency', { ms: 0 });
    }
  }, 30_000);

  it('newContact: a create Saleschat refuses brings the earlier contact back, and the next Chat tries again', async () => {
    const newContact = deps({ phoneChangePolicy: 'newContact' });
    const { lead, contactId: first } = await known();
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', status: 400 });

    const refused = await chat(newContact, ALICE, { ...lead, phone: NEW_PHONE });
    expect(refused).toMatchObject({ ok: false, httpStatus: 502, status: 400 });
    expect(await row()).toMatchObject({ state: 'created', providerContactId: first, providerCrmId: null, claimId: null, earlierContacts: [], fieldsSent: { phone_number: '+14155550132' } });

    const retried = await calls(() => chat(newContact, ALICE, { ...lead, phone: NEW_PHONE }));
    expect(retried.made).toEqual({ createContact: 1, assign: 1 });
    expect(await providerContact(expectOk(retried.result).contactId)).toMatchObject({ crm_id: `${lead.crmId}-2` });
  });

  it('newContact: a claim whose create may have landed is taken over with the same derived crm_id (its 409 resolves)', async () => {
    const { lead, contactId: first } = await known();
    const changed = { ...lead, phone: NEW_PHONE };
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', status: 503, afterHandling: true, times: 3 });
    const lost = await chat(deps({ phoneChangePolicy: 'newContact' }), ALICE, changed);
    expect(lost).toMatchObject({ ok: false, httpStatus: 503 });
    expect(await row()).toMatchObject({ state: 'creating', providerContactId: null, providerCrmId: `${lead.crmId}-2`, earlierContacts: [{ providerContactId: first }] });

    // The lease has run out (a clock 31 s on): the next Chat takes the claim over.
    const later = { ...deps({ phoneChangePolicy: 'newContact' }), now: () => Date.now() + 31_000 };
    const { result, made } = await calls(() => chat(later, ALICE, changed));
    expect(made).toEqual({ createContact: 1, getContactByCrmId: 1, assign: 1 });
    const landed = (await getState(sandbox.url)).contacts.find((contact) => contact.crm_id === `${lead.crmId}-2`);
    expect(expectOk(result).contactId).toBe(landed?.id);
    expect(await row()).toMatchObject({ state: 'created', providerContactId: landed?.id, providerCrmId: `${lead.crmId}-2` });
    // Recorded from the 409: nothing known was sent, so the CRM's fields became the record.
    expect((await row()).fieldsSent).toEqual({ first_name: 'Ada', last_name: 'Lovelace', phone_number: '+14155550199' });
  });

  it('newContact: a left-behind claim met by a page still showing the old number goes back to the old contact, creating nothing', async () => {
    const { lead, contactId: first } = await known();
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', status: 503, afterHandling: true, times: 3 });
    expect(await chat(deps({ phoneChangePolicy: 'newContact' }), ALICE, { ...lead, phone: NEW_PHONE })).toMatchObject({ ok: false, httpStatus: 503 });

    const later = { ...deps({ phoneChangePolicy: 'newContact' }), now: () => Date.now() + 31_000 };
    const { result, made } = await calls(() => chat(later, BOB, lead));
    expect(made).toEqual({ assign: 1 });
    expect(expectOk(result)).toMatchObject({ contactId: first, created: false, message: expect.stringMatching(/^Chat with Ada Lovelace opened\./) });
    expect(await row()).toMatchObject({ state: 'created', providerContactId: first, providerCrmId: null, earlierContacts: [] });

    // The new number again: its claim's create meets the contact that landed (409), no third contact.
    const again = await calls(() => chat(later, ALICE, { ...lead, phone: NEW_PHONE }));
    expect(again.made).toEqual({ createContact: 1, getContactByCrmId: 1, assign: 1 });
    expect((await getState(sandbox.url)).contacts.map((contact) => contact.crm_id).sort()).toEqual([lead.crmId, `${lead.crmId}-2`]);
    expect(await row()).toMatchObject({ providerCrmId: `${lead.crmId}-2`, fieldsSent: { phone_number: '+14155550199' } });
  });

  it("newContact: the derived contact deleted in the dashboard is re-created with its own crm_id", async () => {
    const newContact = deps({ phoneChangePolicy: 'newContact' });
    const { lead } = await known();
    const second = expectOk(await chat(newContact, ALICE, { ...lead, phone: NEW_PHONE }));
    await control(sandbox.url, 'DELETE', `/__sandbox/contacts/${second.contactId}`);

    const { result, made } = await calls(() => chat(newContact, ALICE, { ...lead, phone: NEW_PHONE }));
    expect(made).toEqual({ createContact: 1, assign: 2 });
    const replaced = expectOk(result);
    expect(await providerContact(replaced.contactId)).toMatchObject({ crm_id: `${lead.crmId}-2`, phone_number: '+14155550199' });
    expect(await row()).toMatchObject({ providerContactId: replaced.contactId, providerCrmId: `${lead.crmId}-2` });
  });
});

describe('stage', () => {
  const staged = (overrides: Partial<TeamSettings> = {}) => deps({ stageMapping: STAGES, contactStageUrlTemplate: STAGE_TEMPLATE, ...overrides });

  it('a mapped status is sent once alongside the assign; unchanged, never again; a new one, once more', async () => {
    const { lead, contactId } = await known();
    const qualified = await calls(() => chat(staged(), ALICE, { ...lead, status: 'qualified ' }));
    expect(qualified.made).toEqual({ updateStage: 1, assign: 1 });
    expect(expectOk(qualified.result).message).toBe('Chat with Ada Lovelace opened.');
    expect((await requests('updateStage')).map((request) => [request.path, request.body])).toEqual([
      [`/v1/orgs/${ORG}/contact/${contactId}/stage`, { stage: 'qualified' }],
    ]);
    expect(await providerContact(contactId)).toMatchObject({ stage: 'qualified', disposition: null });
    expect((await row()).fieldsSent).toMatchObject({ stage: 'qualified' });

    expect((await calls(() => chat(staged(), ALICE, { ...lead, status: 'Qualified' }))).made).toEqual({ assign: 1 });
    expect((await calls(() => chat(staged(), ALICE, { ...lead, status: 'Lost' }))).made).toEqual({ assign: 1 });

    expect((await calls(() => chat(staged(), ALICE, { ...lead, status: 'Won' }))).made).toEqual({ updateStage: 1, assign: 1 });
    expect(await providerContact(contactId)).toMatchObject({ stage: 'closed', disposition: 'won' });
    expect((await row()).fieldsSent).toMatchObject({ stage: 'closed', disposition: 'won' });
  });

  it("a new lead's mapped status goes with its first Chat", async () => {
    await seedTeam(database.db);
    const { result, made } = await calls(() => chat(staged(), ALICE, newLead({ status: 'Won' })));
    expect(made).toEqual({ createContact: 1, updateStage: 1, assign: 1 });
    expect(await providerContact(expectOk(result).contactId)).toMatchObject({ stage: 'closed', disposition: 'won' });
  });

  it('a stage Saleschat fails: the chat opens with a note, and the next Chat sends it again', async () => {
    const { lead, contactId } = await known();
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'updateStage', status: 500 });

    const failed = await calls(() => chat(staged(), ALICE, { ...lead, status: 'Won' }));
    expect(failed.made).toEqual({ updateStage: 1, assign: 1 });
    const message = expectOk(failed.result).message;
    expect(message.startsWith('Chat with Ada Lovelace opened. ')).toBe(true);
    expect(message).toContain(stageFailedNote('').split('(')[0] as string);
    expect(message).toContain('500');
    expect((await row()).fieldsSent).not.toHaveProperty('stage');

    expect((await calls(() => chat(staged(), ALICE, { ...lead, status: 'Won' }))).made).toEqual({ updateStage: 1, assign: 1 });
    expect(await providerContact(contactId)).toMatchObject({ stage: 'closed' });
  });

  it('every note at once (phone warning, failed update, failed stage) still fits the answer the extension takes', async () => {
    const { lead } = await known();
    const echo = { error_code: 5000001, error_message: 'x'.repeat(400) };
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'updateContact', status: 500, body: echo });
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'updateStage', status: 500, body: echo });

    const result = expectOk(await chat(staged(), ALICE, { ...lead, firstName: 'Augusta', phone: '(415) 555-0199', status: 'Won' }));

    expect(result.message.length).toBeLessThanOrEqual(500);
    expect(result.message).toContain('+14155550199');
    const { httpStatus: _status, assignee: _assignee, ...answer } = result as typeof result & { httpStatus?: number };
    expect(ChatResponseSchema.parse(answer)).toMatchObject({ ok: true });
  });

  it('a rename and a stage in one Chat: both recorded', async () => {
    const { lead } = await known();
    const { made } = await calls(() => chat(staged(), ALICE, { ...lead, firstName: 'Augusta', status: 'Qualified' }));
    expect(made).toEqual({ updateContact: 1, updateStage: 1, assign: 1 });
    expect((await row()).fieldsSent).toEqual({ first_name: 'Augusta', last_name: 'Lovelace', phone_number: '+14155550132', stage: 'qualified' });
    expect((await calls(() => chat(staged(), ALICE, { ...lead, firstName: 'Augusta', status: 'Qualified' }))).made).toEqual({ assign: 1 });
  });
});
