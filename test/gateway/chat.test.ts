import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chat, login, resumeJournal, teamRules, whoIs } from '../../gateway/core';
import type { TeamChatResult, TeamSettings } from '../../gateway/core/types';
import { actionJournal, auditLog, contactChatroom, contactChatroomAssignedTo, contacts, users } from '../../gateway/db/schema';
import { control, getState, useSandbox } from '../sandbox/helpers';
import { ALICE, BOB, coreDeps, newLead, ORG, STRANGER, sandboxCounts, seedTeam, TOKEN, teamSettings, usePglite } from './helpers';

/** The core against the real sandbox over HTTP and an in-memory PGlite: Chat, Login, the team's rules, audit. */

const sandbox = useSandbox();
const database = usePglite();

function deps(overrides: Partial<TeamSettings> = {}) {
  return coreDeps(database.db, teamSettings(sandbox.url, overrides));
}

function expectOk(result: TeamChatResult): Extract<TeamChatResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected success, got ${result.httpStatus} ${result.message}`);
  return result;
}

async function contactRows() {
  return database.db.select().from(contacts);
}

describe('chat', () => {
  it('creates the contact once and assigns it to the agent who clicked', async () => {
    await seedTeam(database.db);
    const lead = newLead();
    const result = expectOk(await chat(deps(), ALICE, lead));

    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 1, assign: 1, getContactByCrmId: 0, magicLink: 0 });
    const state = await getState(sandbox.url);
    const room = state.chatrooms.find((chatroom) => chatroom.contact_id === result.contactId);
    expect(room?.assigned_user_id).toBe('u_alice');
    expect(result).toEqual({
      ok: true,
      message: 'Chat with Ada Lovelace opened.',
      chatroomUrl: `${sandbox.url}/app/chatrooms/${room?.id}`,
      contactId: result.contactId,
      chatroomId: room?.id,
      created: true,
      assignee: { email: ALICE.email, name: 'Alice Agent' },
    });
    const [row] = await contactRows();
    const [namespace, recordId] = ['demo:acme', lead.crmId.slice('demo:acme:'.length)];
    expect(row).toMatchObject({
      orgId: ORG,
      crmNamespace: namespace,
      crmId: recordId,
      state: 'created',
      providerContactId: result.contactId,
      claimId: null,
      createAttempts: 1,
      fieldsSent: { first_name: 'Ada', last_name: 'Lovelace', phone_number: '+14155550132' },
      pageUrl: lead.pageUrl,
    });
    expect(await database.db.select().from(contactChatroomAssignedTo)).toMatchObject([
      { providerContactId: result.contactId, providerUserId: 'u_alice', assignedByEmail: ALICE.email },
    ]);
    expect(await database.db.select({ step: actionJournal.step, contact: actionJournal.providerContactId }).from(actionJournal)).toEqual([
      { step: 'done', contact: result.contactId },
    ]);
  });

  it("lets a second agent take the chat over without a second create (allowReassign on)", async () => {
    await seedTeam(database.db);
    const lead = newLead();
    const first = expectOk(await chat(deps(), ALICE, lead));
    const second = expectOk(await chat(deps(), BOB, lead));

    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 1, assign: 2 });
    expect(second.contactId).toBe(first.contactId);
    expect(second.created).toBe(false);
    expect(second.message).toBe('Chat with Ada Lovelace opened. It was assigned to Alice Agent (alice@example.com); it is yours now.');
    expect((await getState(sandbox.url)).chatrooms.find((room) => room.contact_id === first.contactId)?.assigned_user_id).toBe('u_bob');
  });

  it("refuses, naming the holder and before any provider request, a take-over the rules forbid", async () => {
    await seedTeam(database.db);
    const lead = newLead();
    expectOk(await chat(deps(), ALICE, lead));
    const before = await sandboxCounts(sandbox.url);

    const result = await chat(deps({ allowReassign: false }), BOB, lead);

    expect(result).toMatchObject({ ok: false, httpStatus: 403, retryable: false });
    expect(result.message).toBe(
      "This lead's chat belongs to Alice Agent (alice@example.com). Your administrator does not allow taking over another agent's chat; ask them or your manager to reassign it.",
    );
    expect(await sandboxCounts(sandbox.url)).toEqual(before);
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.agentEmail, BOB.email));
    expect(audit).toMatchObject([{ outcome: 'refused', action: 'chat', crmId: lead.crmId }]);
  });

  it('refuses a new lead whose CRM owner is another member when take-overs are not allowed', async () => {
    await seedTeam(database.db);
    const result = await chat(deps({ allowReassign: false }), BOB, newLead({ ownerEmail: 'alice@example.com', ownerName: 'Alice Agent' }));
    expect(result).toMatchObject({ ok: false, httpStatus: 403 });
    expect(result.message).toContain('belongs to Alice Agent (alice@example.com)');
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 0, assign: 0 });
  });

  it('refuses an agent assigning the chat to someone else, with no provider request', async () => {
    await seedTeam(database.db);
    const result = await chat(deps(), BOB, newLead(), { assignTo: 'u_alice' });
    expect(result).toMatchObject({ ok: false, httpStatus: 403, message: expect.stringContaining('only open a chat for yourself') });
    expect(Object.values(await sandboxCounts(sandbox.url)).reduce((sum, count) => sum + count, 0)).toBe(0);
  });

  it('lets a manager assign the chat to a member, even where agents may not take chats over', async () => {
    await seedTeam(database.db, { alice: 'manager' });
    const lead = newLead({ ownerEmail: 'alice@example.com' });
    const result = expectOk(await chat(deps({ allowReassign: false }), ALICE, lead, { assignTo: 'u_bob' }));

    expect(result.assignee).toEqual({ email: BOB.email, name: 'Bob Agent' });
    expect(result.message).toBe('Chat with Ada Lovelace assigned to Bob Agent (bob@example.com).');
    expect((await getState(sandbox.url)).chatrooms.find((room) => room.contact_id === result.contactId)?.assigned_user_id).toBe('u_bob');
    expect(await database.db.select().from(contactChatroomAssignedTo)).toMatchObject([{ providerUserId: 'u_bob', assignedByEmail: ALICE.email }]);
  });

  it('refuses a manager assigning to someone outside the team', async () => {
    await seedTeam(database.db, { alice: 'manager' });
    const result = await chat(deps(), ALICE, newLead(), { assignTo: 'u_nobody' });
    expect(result).toMatchObject({ ok: false, httpStatus: 403, message: expect.stringContaining('u_nobody is not a member') });
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 0, assign: 0 });
  });

  it('refuses someone who is not a member of the team, and audits it', async () => {
    await seedTeam(database.db);
    expect(await whoIs(deps(), STRANGER)).toBeUndefined();
    const result = await chat(deps(), STRANGER, newLead());
    expect(result).toMatchObject({ ok: false, httpStatus: 403, message: 'mallory@example.com is not a member of this team at the gateway. Ask your administrator to add you.' });
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 0, assign: 0 });
    expect(await database.db.select({ outcome: auditLog.outcome, agent: auditLog.agentEmail }).from(auditLog)).toEqual([{ outcome: 'refused', agent: STRANGER.email }]);
    expect(await database.db.select().from(actionJournal)).toEqual([]);
  });

  it('re-creates a contact deleted in the dashboard (assign 404) and assigns the new one', async () => {
    await seedTeam(database.db);
    const lead = newLead();
    const first = expectOk(await chat(deps(), ALICE, lead));
    await control(sandbox.url, 'DELETE', `/__sandbox/contacts/${first.contactId}`);

    const second = expectOk(await chat(deps(), ALICE, lead));

    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 2, assign: 3 });
    expect(second.contactId).not.toBe(first.contactId);
    expect(second.created).toBe(true);
    expect(await contactRows()).toMatchObject([{ state: 'created', providerContactId: second.contactId, createAttempts: 2 }]);
    expect(await database.db.select({ contact: contactChatroom.providerContactId }).from(contactChatroom)).toEqual([{ contact: second.contactId }]);
  });

  it('reads an assign 404 about the user (the contact still there) as that 404, keeping the contact', async () => {
    await upsertTeamWithUnknownBob();
    const lead = newLead();
    const first = expectOk(await chat(deps(), ALICE, lead));
    const result = await chat(deps(), BOB, lead);

    expect(result).toMatchObject({ ok: false, httpStatus: 502, status: 404 });
    expect(result.message).toContain('Assigning the chat failed');
    // The re-create met the same contact (409, found by the lookup): no second contact, the mapping kept.
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 2, assign: 2, getContactByCrmId: 1 });
    expect((await getState(sandbox.url)).contacts).toHaveLength(1);
    expect(await contactRows()).toMatchObject([{ state: 'created', providerContactId: first.contactId }]);
  });

  it('drops the claim when the provider refuses the create, so the next Chat tries again', async () => {
    await seedTeam(database.db);
    const lead = newLead();
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', status: 400 });

    const refused = await chat(deps(), ALICE, lead);
    expect(refused).toMatchObject({ ok: false, httpStatus: 502, status: 400 });
    expect(await contactRows()).toEqual([]);

    const retried = expectOk(await chat(deps(), ALICE, lead));
    expect(retried.created).toBe(true);
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 2, assign: 1 });
    expect(await database.db.select({ step: actionJournal.step }).from(actionJournal).orderBy(actionJournal.id)).toEqual([{ step: 'failed' }, { step: 'done' }]);
  });

  it('keeps the claim when the create may have landed (answers lost), for a later take-over', async () => {
    await seedTeam(database.db);
    const lead = newLead();
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', status: 503, afterHandling: true, times: 3 });

    const result = await chat(deps(), ALICE, lead);

    expect(result).toMatchObject({ ok: false, httpStatus: 503, retryable: true });
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 3, assign: 0 });
    expect(await contactRows()).toMatchObject([{ state: 'creating', providerContactId: null, claimId: expect.any(String) }]);
  });

  it('refuses a lead whose phone cannot be read, before claiming anything', async () => {
    await seedTeam(database.db);
    const result = await chat(deps(), ALICE, newLead({ phone: '12' }));
    expect(result).toMatchObject({ ok: false, httpStatus: 422, message: expect.stringContaining('"12" could not be read') });
    expect(await contactRows()).toEqual([]);
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 0 });
  });

  it('never writes the token or a magic link to the audit log or the answer', async () => {
    await seedTeam(database.db);
    const echo = { error_code: 5000001, error_message: `token ${TOKEN} is not allowed here`, error_description: `Bearer ${TOKEN}` };
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', status: 400, body: echo });
    const failed = await chat(deps(), ALICE, newLead());
    const signedIn = await login(deps(), ALICE);
    expect(signedIn.ok).toBe(true);
    const url = signedIn.ok ? signedIn.url : '';

    const details = (await database.db.select({ detail: auditLog.detail }).from(auditLog)).map((row) => row.detail);
    expect(details).toHaveLength(2);
    expect(details[0]).toContain('Chat on demo:acme:');
    expect(details[0]).toContain('[redacted]');
    for (const text of [...details, failed.message]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(url);
      expect(text).not.toMatch(/\/app\/magic\//);
    }
  });
});

describe('login', () => {
  it('gives the agent a magic link for their own account', async () => {
    await seedTeam(database.db);
    const result = await login(deps(), ALICE);
    expect(result).toEqual({ ok: true, url: expect.stringMatching(`^${sandbox.url}/app/magic/`), expiresAt: expect.any(Number) });
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ magicLink: 1 });
    expect(await database.db.select({ outcome: auditLog.outcome, action: auditLog.action }).from(auditLog)).toEqual([{ outcome: 'ok', action: 'login' }]);
  });

  it("refuses a link for someone else's account, with no provider request", async () => {
    await seedTeam(database.db);
    const result = await login(deps(), BOB, { userId: 'u_alice' });
    expect(result).toMatchObject({ ok: false, httpStatus: 403, message: expect.stringContaining('You can only sign in as yourself') });
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ magicLink: 0 });
    expect((await login(deps(), BOB, { userId: 'u_bob' })).ok).toBe(true);
  });

  it('refuses a stranger', async () => {
    const result = await login(deps(), STRANGER);
    expect(result).toMatchObject({ ok: false, httpStatus: 403 });
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ magicLink: 0 });
  });

  it('asks for a new link every time and keeps none, by default', async () => {
    await seedTeam(database.db);
    await login(deps(), ALICE);
    await login(deps(), ALICE);
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ magicLink: 2 });
    expect(await database.db.select({ link: users.magicLink }).from(users).where(eq(users.email, ALICE.email))).toEqual([{ link: null }]);
  });

  it('reuses a kept link with magicLinkReuse, until it nears its expiry, and drops it once reuse is off', async () => {
    await seedTeam(database.db);
    const first = await login(deps({ magicLinkReuse: true }), ALICE);
    const second = await login(deps({ magicLinkReuse: true }), ALICE);
    expect(second).toEqual(first);
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ magicLink: 1 });

    // The sandbox's links last 900 s: 20 s before that the kept one is not handed out any more.
    const later = { ...deps({ magicLinkReuse: true }), now: () => Date.now() + 880_000 };
    await login(later, ALICE);
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ magicLink: 2 });

    await login(deps({ magicLinkReuse: false }), ALICE);
    expect(await database.db.select({ link: users.magicLink }).from(users).where(eq(users.email, ALICE.email))).toEqual([{ link: null }]);
  });
});

describe('team rules and the journal', () => {
  it("tells the extension the team's rules and nothing secret", () => {
    const settings = teamSettings('https://api.example.com');
    expect(teamRules(settings)).toEqual({
      allowReassign: true,
      reassignWhenOwnerUnknown: 'allow',
      providerDashboardUrl: 'https://api.example.com/app',
      orgId: ORG,
      defaultCountry: 'US',
    });
  });

  it('closes only journal entries too old to belong to a running request, and assigns nothing', async () => {
    await seedTeam(database.db);
    const old = new Date(Date.now() - 10 * 60_000);
    const entry = { orgId: ORG, agentEmail: ALICE.email, action: 'chat' as const, startedAt: old, updatedAt: old };
    await database.db.insert(actionJournal).values([
      { ...entry, crmId: 'a', step: 'assigning', providerContactId: 'c_1' },
      { ...entry, crmId: 'b', step: 'creating' },
      { ...entry, crmId: 'c', step: 'creating', updatedAt: new Date() },
      { ...entry, crmId: 'd', step: 'done', providerContactId: 'c_2' },
    ]);
    await database.db.insert(contacts).values({ orgId: ORG, crmId: 'b', state: 'creating', claimId: 'x', claimExpiresAt: old });

    expect(await resumeJournal(deps())).toEqual({ interruptedWithContact: 1, interruptedWithoutContact: 1, pendingCreates: 1 });
    const steps = await database.db.select({ crmId: actionJournal.crmId, step: actionJournal.step }).from(actionJournal).orderBy(actionJournal.crmId);
    expect(steps).toEqual([
      { crmId: 'a', step: 'failed' },
      { crmId: 'b', step: 'failed' },
      { crmId: 'c', step: 'creating' },
      { crmId: 'd', step: 'done' },
    ]);
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ assign: 0, createContact: 0 });
  });
});

/** Bob is in the team but not at the provider (his Saleschat user id is wrong): assigning to him answers 404. */
async function upsertTeamWithUnknownBob(): Promise<void> {
  await seedTeam(database.db);
  await database.db.update(users).set({ providerUserId: 'u_gone' }).where(eq(users.email, BOB.email));
}
