import { beforeEach, describe, expect, it } from 'vitest';
import { chat } from '../../gateway/core';
import type { TeamChatResult, TeamSettings } from '../../gateway/core/types';
import { actionJournal, contacts } from '../../gateway/db/schema';
import { control, createContact, getState, useSandbox } from '../sandbox/helpers';
import { ALICE, BOB, coreDeps, newLead, ORG, sandboxCounts, seedTeam, teamSettings, usePglite } from './helpers';

/**
 * One create per lead, team-wide, whatever runs at once: many Chats in one process, and a claim left behind by
 * a request that died (two gateway processes on one Postgres: processes.test.ts). The sandbox answers every call after 100 ms,
 * so the requests genuinely overlap.
 */

const sandbox = useSandbox();

beforeEach(async () => {
  await control(sandbox.url, 'POST', '/__sandbox/latency', { ms: 100 });
});

/** Every result succeeded, all name the same contact, and exactly one request created it. */
function expectOneContact(results: TeamChatResult[], count: number): string {
  const failures = results.filter((result) => !result.ok);
  expect(failures).toEqual([]);
  const ok = results.filter((result): result is Extract<TeamChatResult, { ok: true }> => result.ok);
  expect(ok).toHaveLength(count);
  const ids = new Set(ok.map((result) => result.contactId));
  expect(ids.size).toBe(1);
  expect(ok.filter((result) => result.created)).toHaveLength(1);
  return [...ids][0] as string;
}

describe('in one process (PGlite)', () => {
  const database = usePglite();
  const deps = (overrides: Partial<TeamSettings> = {}) => coreDeps(database.db, teamSettings(sandbox.url, overrides));

  it('50 parallel Chats on a new lead make exactly one contact, and all 50 get it', async () => {
    await seedTeam(database.db);
    const lead = newLead();
    const results = await Promise.all(Array.from({ length: 50 }, (_, index) => chat(deps(), index % 2 ? BOB : ALICE, lead)));

    const contactId = expectOneContact(results, 50);
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 1, assign: 50 });
    expect((await getState(sandbox.url)).contacts.filter((contact) => contact.crm_id === lead.crmId)).toHaveLength(1);
    expect(await database.db.select({ state: contacts.state, id: contacts.providerContactId, attempts: contacts.createAttempts }).from(contacts)).toEqual([
      { state: 'created', id: contactId, attempts: 1 },
    ]);
    const steps = (await database.db.select({ step: actionJournal.step }).from(actionJournal)).map((row) => row.step);
    expect(steps).toEqual(Array(50).fill('done'));
  }, 30_000);

  /** A row a dead request left: 'creating', its lease run out; the contact did land at the provider. */
  async function leftBehind(lead: { crmId: string }, claimExpiresAt = new Date(Date.now() - 1000)): Promise<void> {
    const [namespace, recordId] = [lead.crmId.slice(0, lead.crmId.lastIndexOf(':')), lead.crmId.slice(lead.crmId.lastIndexOf(':') + 1)];
    await database.db.insert(contacts).values({ orgId: ORG, crmNamespace: namespace, crmId: recordId, state: 'creating', claimId: 'dead-request', claimExpiresAt, createAttempts: 1 });
  }

  it('takes over an expired claim: the create answers 409, the lookup names the contact, one assign', async () => {
    await seedTeam(database.db);
    const lead = newLead();
    await leftBehind(lead);
    const landed = await createContact(sandbox.url, { crm_id: lead.crmId });

    const result = await chat(deps(), ALICE, lead);

    expect(result).toMatchObject({ ok: true, contactId: landed, created: false });
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 2, getContactByCrmId: 1, assign: 1 });
    expect((await getState(sandbox.url)).contacts).toHaveLength(1);
    expect(await database.db.select({ state: contacts.state, id: contacts.providerContactId, attempts: contacts.createAttempts, claim: contacts.claimId }).from(contacts)).toEqual([
      { state: 'created', id: landed, attempts: 2, claim: null },
    ]);
  });

  it("takes over an expired claim and reads the contact from the 409's payload when it names the crm_id", async () => {
    await seedTeam(database.db);
    await control(sandbox.url, 'POST', '/__sandbox/settings', { conflictPayloadIncludesId: true });
    const lead = newLead();
    await leftBehind(lead);
    const landed = await createContact(sandbox.url, { crm_id: lead.crmId });

    const result = await chat(deps({ contactLookupUrlTemplate: undefined }), ALICE, lead);

    expect(result).toMatchObject({ ok: true, contactId: landed });
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 2, getContactByCrmId: 0, assign: 1 });
  });

  it('without a lookup, and a 409 that names nothing, says what to configure and drops the claim', async () => {
    await seedTeam(database.db);
    const lead = newLead();
    await leftBehind(lead);
    await createContact(sandbox.url, { crm_id: lead.crmId });

    const result = await chat(deps({ contactLookupUrlTemplate: undefined }), ALICE, lead);

    expect(result).toMatchObject({ ok: false, httpStatus: 409, status: 409, errorCode: 4090001 });
    expect(result.message).toContain('most likely from an earlier Chat on this lead that was interrupted');
    expect(result.message).toContain('CONTACT_LOOKUP_URL_TEMPLATE');
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 2, assign: 0 });
    expect(await database.db.select().from(contacts)).toEqual([]);
  });

  it('waits for a live claim, and takes it over (creating once) when its lease runs out', async () => {
    await seedTeam(database.db);
    const lead = newLead();
    const started = Date.now();
    await leftBehind(lead, new Date(started + 600));

    const result = await chat(deps(), ALICE, lead);

    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(result).toMatchObject({ ok: true, created: true });
    expect(await sandboxCounts(sandbox.url)).toMatchObject({ createContact: 1, getContactByCrmId: 0, assign: 1 });
  });
});

// Two processes on one PostgreSQL: real gateway processes over HTTP, processes.test.ts.
