import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, chatroomCard } from '../../gateway/core';
import type { CoreDeps, GatewayDb, TeamChatResult, TeamSettings } from '../../gateway/core/types';
import { type OpenedDatabase, openDatabase } from '../../gateway/db/open';
import { auditLog, contacts } from '../../gateway/db/schema';
import type { CrmCard, Lead } from '../../lib/messages';
import { CardResponseSchema } from '../../lib/team/api';
import { useSandbox } from '../sandbox/helpers';
import { ALICE, BOB, coreDeps, newLead, STRANGER, seedTeam, teamSettings, usePglite } from './helpers';
import { describeWithPostgres, startPostgres, type TestPostgres } from './postgres';

/**
 * The dashboard's CRM card in team mode (gateway/core/card.ts): stored on the lead's row at every Chat, read by
 * chatroom id by any member. The core against the real sandbox over HTTP and an in-memory PGlite.
 */

const sandbox = useSandbox();
const database = usePglite();

const T0 = 1_800_000_000_000;

/** Core deps with a clock the test moves, and the core's log events kept. */
function deps(overrides: Partial<TeamSettings> = {}, clock = { now: T0 }, db: GatewayDb = database.db): CoreDeps & { events: Record<string, unknown>[] } {
  const events: Record<string, unknown>[] = [];
  return { ...coreDeps(db, teamSettings(sandbox.url, overrides), (event) => events.push(event)), now: () => clock.now, events };
}

function expectOk(result: TeamChatResult): Extract<TeamChatResult, { ok: true; chatroomId?: string }> & { chatroomId: string } {
  if (!result.ok) throw new Error(`expected success, got ${result.httpStatus} ${result.message}`);
  if (!result.chatroomId) throw new Error('the sandbox named no chatroom');
  return { ...result, chatroomId: result.chatroomId };
}

/** A lead with everything a card shows. */
function richLead(overrides: Partial<Lead> = {}): Lead {
  return newLead({
    profileLabel: 'Demo CRM',
    email: 'ada@example.com',
    ownerName: 'Alice Agent',
    ownerEmail: 'alice@example.com',
    status: 'Qualified',
    extra: [
      { label: 'Company', value: 'Analytical Engines' },
      { label: 'Deal value', value: '€ 12,000' },
    ],
    ...overrides,
  });
}

function expectedCard(lead: Lead, opener: { email: string; name: string }, openedAt: number): CrmCard {
  return {
    crmId: lead.crmId,
    crmLabel: 'Demo CRM',
    pageUrl: lead.pageUrl,
    firstName: 'Ada',
    lastName: 'Lovelace',
    phone: '(415) 555-0132',
    email: 'ada@example.com',
    ownerName: 'Alice Agent',
    ownerEmail: 'alice@example.com',
    status: 'Qualified',
    extra: lead.extra ?? [],
    openedBy: opener,
    openedAt,
  };
}

const alice = { email: ALICE.email, name: 'Alice Agent' };
const bob = { email: BOB.email, name: 'Bob Agent' };

describe('the CRM card', () => {
  it("is stored at a Chat; any member reads it by chatroom id; the next Chat's opener replaces it", async () => {
    await seedTeam(database.db);
    const clock = { now: T0 };
    const lead = richLead();
    const first = expectOk(await chat(deps({}, clock), ALICE, lead));

    const read = await chatroomCard(deps(), BOB, first.chatroomId);
    expect(read).toEqual({ found: true, card: expectedCard(lead, alice, T0) });
    expect(CardResponseSchema.safeParse(read).success).toBe(true);

    clock.now = T0 + 60_000;
    const second = expectOk(await chat(deps({}, clock), BOB, { ...lead, ownerName: 'Bob Agent', extra: [] }));
    expect(second.chatroomId).toBe(first.chatroomId);
    expect(await chatroomCard(deps(), ALICE, first.chatroomId)).toEqual({
      found: true,
      card: { ...expectedCard(lead, bob, T0 + 60_000), ownerName: 'Bob Agent', extra: [] },
    });
  });

  it("names the manager who opened it, not the member they assigned the chat to", async () => {
    await seedTeam(database.db, { alice: 'manager' });
    const result = expectOk(await chat(deps(), ALICE, richLead(), { assignTo: 'u_bob' }));
    expect(result.assignee.email).toBe(BOB.email);
    expect(await chatroomCard(deps(), BOB, result.chatroomId)).toMatchObject({ found: true, card: { openedBy: alice } });
  });

  it('found: false for a chatroom the team did not open, and for a lead mapped before cards were kept', async () => {
    await seedTeam(database.db);
    expect(await chatroomCard(deps(), ALICE, 'r_never_opened')).toEqual({ found: false });

    const result = expectOk(await chat(deps(), ALICE, richLead()));
    await database.db.update(contacts).set({ crmCard: null });
    expect(await chatroomCard(deps(), ALICE, result.chatroomId)).toEqual({ found: false });
  });

  it("found: false for another org's chatroom (another gateway on the same database)", async () => {
    await seedTeam(database.db);
    const result = expectOk(await chat(deps(), ALICE, richLead()));
    expect(await chatroomCard(deps({ orgId: 'org_other' }), ALICE, result.chatroomId)).toEqual({ found: false });
    expect(await chatroomCard(deps(), ALICE, result.chatroomId)).toMatchObject({ found: true });
  });

  it('refuses someone who is not a member of the team', async () => {
    await seedTeam(database.db);
    const result = expectOk(await chat(deps(), ALICE, richLead()));
    expect(await chatroomCard(deps(), STRANGER, result.chatroomId)).toBe('not-a-member');
  });

  it("follows the lead to its new contact when its phone changes (newContact), and stays on the earlier contact's chatroom", async () => {
    await seedTeam(database.db);
    const clock = { now: T0 };
    const newContact = (at: number) => deps({ phoneChangePolicy: 'newContact' }, { ...clock, now: at });
    const lead = richLead();
    const first = expectOk(await chat(newContact(T0), ALICE, lead));
    const moved = expectOk(await chat(newContact(T0 + 1000), BOB, { ...lead, phone: '(415) 555-0199' }));
    expect(moved.contactId).not.toBe(first.contactId);
    expect(moved.chatroomId).not.toBe(first.chatroomId);

    const latest = { ...expectedCard(lead, bob, T0 + 1000), phone: '(415) 555-0199' };
    expect(await chatroomCard(deps(), ALICE, moved.chatroomId)).toEqual({ found: true, card: latest });
    // The first chatroom is still the same lead's (its earlier number): it shows the lead's card.
    expect(await chatroomCard(deps(), ALICE, first.chatroomId)).toEqual({ found: true, card: latest });
  });

  it('a card the database refuses to write does not fail the Chat: it is logged, without the lead data', async () => {
    await seedTeam(database.db);
    // A real write failure: the database itself refuses any card on the row.
    await database.db.execute(sql`ALTER TABLE contacts ADD CONSTRAINT test_refuses_cards CHECK (crm_card IS NULL)`);
    try {
      const refusing = deps();
      const result = expectOk(await chat(refusing, ALICE, richLead()));

      expect(result).toMatchObject({ ok: true, message: 'Chat with Ada Lovelace opened.', created: true });
      const failed = refusing.events.filter((event) => event.event === 'chat.card-failed');
      expect(failed).toEqual([{ event: 'chat.card-failed', crmId: expect.any(String), contactId: result.contactId, error: expect.stringContaining('test_refuses_cards') }]);
      expect(JSON.stringify(failed)).not.toMatch(/Lovelace|ada@example.com|555/);
      expect(refusing.events.map((event) => event.event)).toContain('chat.done');
      expect(await database.db.select({ outcome: auditLog.outcome }).from(auditLog)).toEqual([{ outcome: 'ok' }]);
      expect(await chatroomCard(deps(), ALICE, result.chatroomId)).toEqual({ found: false });
    } finally {
      await database.db.execute(sql`ALTER TABLE contacts DROP CONSTRAINT test_refuses_cards`);
    }
  });
});

describeWithPostgres('the CRM card on a real PostgreSQL', () => {
  let server: TestPostgres;
  let opened: OpenedDatabase;
  beforeAll(async () => {
    server = await startPostgres();
    opened = await openDatabase({ databaseUrl: await server.createDatabase('card') });
    await seedTeam(opened.db);
  }, 60_000);
  afterAll(async () => {
    await opened?.close();
    await server?.stop();
  });

  it("stores and overwrites the card, found by the lead's current and earlier chatrooms, in this org only", async () => {
    const at = (now: number, overrides: Partial<TeamSettings> = {}) => deps({ phoneChangePolicy: 'newContact', ...overrides }, { now }, opened.db);
    const lead = richLead();
    const first = expectOk(await chat(at(T0), ALICE, lead));
    expect(await chatroomCard(at(T0), BOB, first.chatroomId)).toEqual({ found: true, card: expectedCard(lead, alice, T0) });

    const moved = expectOk(await chat(at(T0 + 1000), BOB, { ...lead, phone: '(415) 555-0199' }));
    const latest = { found: true, card: { ...expectedCard(lead, bob, T0 + 1000), phone: '(415) 555-0199' } };
    expect(await chatroomCard(at(T0), ALICE, moved.chatroomId)).toEqual(latest);
    expect(await chatroomCard(at(T0), ALICE, first.chatroomId)).toEqual(latest);
    expect(await chatroomCard(at(T0, { orgId: 'org_other' }), ALICE, first.chatroomId)).toEqual({ found: false });
    expect(await chatroomCard(at(T0), ALICE, 'r_never_opened')).toEqual({ found: false });
  });
});
