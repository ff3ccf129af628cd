import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { BridgeDatabase } from '../../../lib/store/db';
import { MappingStore } from '../../../lib/store/mappings';

/**
 * A database written by the shipped version 1 (these stores are copied from it on purpose, not imported:
 * the test must keep describing what old browsers have on disk even if db.ts is edited by mistake),
 * opened by the current BridgeDatabase.
 */
const V1_STORES = {
  users: '[orgId+providerUserId]',
  contacts: '[orgId+crmId], [orgId+providerContactId]',
  contactChatrooms: '[orgId+providerContactId]',
  assignments: '[orgId+providerContactId]',
};

const V1_ROWS = {
  users: [{ orgId: 'org_1', providerUserId: 'u_alice', email: 'alice@example.com', magicLink: 'https://app.test/m/1', magicLinkExpiresAt: 2_000 }],
  contacts: [
    { orgId: 'org_1', crmId: 'L-1', providerContactId: 'c_1', createdAt: 1 },
    { orgId: 'org_1', crmId: 'L-2', providerContactId: 'c_2', createdAt: 2 },
    { orgId: 'org_2', crmId: 'L-1', providerContactId: 'c_9', createdAt: 3 },
  ],
  contactChatrooms: [{ orgId: 'org_1', providerContactId: 'c_1', chatroomId: 'cr_1', updatedAt: 4 }],
  assignments: [{ orgId: 'org_1', providerContactId: 'c_1', providerUserId: 'u_alice', assignedAt: 5 }],
};

async function writeVersion1(name: string): Promise<void> {
  const old = new Dexie(name);
  old.version(1).stores(V1_STORES);
  await old.open();
  await old.transaction('rw', old.tables, async () => {
    for (const [table, rows] of Object.entries(V1_ROWS)) await old.table(table).bulkPut(rows);
  });
  old.close();
}

/** Version 3 marks every contact written before it as legacy: its key and crm_id are the bare record id. */
const asLegacy = <T extends { crmId: string }>(row: T) => ({ ...row, providerCrmId: row.crmId, legacy: true });

describe('upgrading a version-1 database', () => {
  it('keeps every mapping row intact, adds the journal, marks contacts legacy, drops stored login links, and the mapping queries and journal work on it', async () => {
    const name = `upgrade-${Math.random()}`;
    await writeVersion1(name);

    const db = new BridgeDatabase(name);
    await db.open();
    expect(db.verno).toBe(6);
    expect(db.tables.map((table) => table.name).sort()).toEqual(['assignments', 'contactChatrooms', 'contacts', 'crmActions', 'journal', 'secrets', 'users']);
    // Version 4 deletes the stored login links and keeps the rest of the agent's row.
    const users = V1_ROWS.users.map(({ magicLink: _link, magicLinkExpiresAt: _expiry, ...rest }) => rest);
    const expected: Record<string, object[]> = { ...V1_ROWS, users, contacts: V1_ROWS.contacts.map(asLegacy) };
    for (const [table, rows] of Object.entries(expected)) {
      expect(await db.table(table).toArray(), table).toEqual(expect.arrayContaining(rows));
      expect(await db.table(table).count(), table).toBe(rows.length);
    }

    const store = new MappingStore(db);
    expect(await store.findContact('org_1', 'L-2')).toEqual(asLegacy(V1_ROWS.contacts[1] as (typeof V1_ROWS.contacts)[number]));
    expect(await store.findChatroomId('org_1', 'c_1')).toBe('cr_1');
    expect(await store.findAssignee('org_1', 'c_1')).toBe('u_alice');
    expect(JSON.stringify(await db.users.toArray())).not.toContain('/m/1');
    // The old secondary index still answers (export's conflict check uses it).
    expect(await db.contacts.where('[orgId+providerContactId]').equals(['org_2', 'c_9']).first()).toMatchObject(V1_ROWS.contacts[2] as object);

    expect(await store.unfinishedChats()).toEqual([]);
    await store.writeChatJournal({ orgId: 'org_1', crmId: 'L-3', step: 'creating', attempts: 1, startedAt: 6, updatedAt: 6 });
    await store.saveCreatedContact({ orgId: 'org_1', crmId: 'L-3', step: 'created', providerContactId: 'c_3', attempts: 1, startedAt: 6, updatedAt: 7 });
    expect(await store.findChatJournal('org_1', 'L-3')).toMatchObject({ step: 'created', providerContactId: 'c_3' });
    expect(await store.findContact('org_1', 'L-3')).toMatchObject({ providerContactId: 'c_3' });
    db.close();
  });

  it('a version-3 database opens again as it is (no second upgrade, journal rows kept)', async () => {
    const name = `reopen-${Math.random()}`;
    const first = new BridgeDatabase(name);
    await new MappingStore(first).writeChatJournal({ orgId: 'o', crmId: 'L', step: 'creating', attempts: 1, startedAt: 1, updatedAt: 1 });
    first.close();
    const again = new BridgeDatabase(name);
    expect(await new MappingStore(again).unfinishedChats()).toHaveLength(1);
    again.close();
  });
});

describe('upgrading a version-2 database (identities before namespacing)', () => {
  const V2_CONTACTS = [
    { orgId: 'org_1', crmId: '1234', providerContactId: 'c_1', createdAt: 1 },
    { orgId: 'org_1', crmId: '00Q5g00000AbCdE', providerContactId: 'c_2', createdAt: 2 },
  ];
  const V2_JOURNAL = [
    { orgId: 'org_1', crmId: '77', step: 'creating', attempts: 2, startedAt: 3, updatedAt: 4 },
    { orgId: 'org_1', crmId: '1234', step: 'assigning', providerContactId: 'c_1', attempts: 1, startedAt: 5, updatedAt: 6 },
  ];

  async function writeVersion2(name: string): Promise<void> {
    const old = new Dexie(name);
    old.version(1).stores(V1_STORES);
    old.version(2).stores({ journal: '[orgId+crmId]' });
    await old.open();
    await old.table('contacts').bulkPut(V2_CONTACTS);
    await old.table('journal').bulkPut(V2_JOURNAL);
    await old.table('contactChatrooms').put({ orgId: 'org_1', providerContactId: 'c_1', chatroomId: 'cr_1', updatedAt: 7 });
    old.close();
  }

  it('keeps every row under its key, marks contacts and journal entries legacy with their crm_id, and a lead adopts them once', async () => {
    const name = `upgrade-v2-${Math.random()}`;
    await writeVersion2(name);
    const db = new BridgeDatabase(name);
    await db.open();
    expect(db.verno).toBe(6);
    expect(await db.contacts.toArray()).toEqual(expect.arrayContaining(V2_CONTACTS.map(asLegacy)));
    expect(await db.journal.toArray()).toEqual(expect.arrayContaining(V2_JOURNAL.map(asLegacy)));
    expect(await db.contactChatrooms.get(['org_1', 'c_1'])).toMatchObject({ chatroomId: 'cr_1' });

    const store = new MappingStore(db);
    const adopted = await store.findLeadState('org_1', 'pipedrive:acme.pipedrive.com:1234', '1234');
    expect(adopted.contact).toEqual({ orgId: 'org_1', crmId: 'pipedrive:acme.pipedrive.com:1234', providerContactId: 'c_1', providerCrmId: '1234', createdAt: 1 });
    expect(adopted.journal).toMatchObject({ crmId: 'pipedrive:acme.pipedrive.com:1234', providerContactId: 'c_1', providerCrmId: '1234' });
    expect(adopted.journal).not.toHaveProperty('legacy');
    expect(await db.contacts.get(['org_1', '1234'])).toBeUndefined();
    // Adopted once: another tenant's record 1234 finds nothing.
    expect(await store.findLeadState('org_1', 'pipedrive:globex.pipedrive.com:1234', '1234')).toEqual({});
    // A rule keeping bare ids ({ID}) finds its own rows and clears the mark.
    expect((await store.findLeadState('org_1', '00Q5g00000AbCdE', '00Q5g00000AbCdE')).contact).toEqual({
      orgId: 'org_1',
      crmId: '00Q5g00000AbCdE',
      providerContactId: 'c_2',
      providerCrmId: '00Q5g00000AbCdE',
      createdAt: 2,
    });
    db.close();
  });
});
