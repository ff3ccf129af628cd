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

describe('upgrading a version-1 database', () => {
  it('keeps every row intact, adds the journal, and the mapping queries and journal work on it', async () => {
    const name = `upgrade-${Math.random()}`;
    await writeVersion1(name);

    const db = new BridgeDatabase(name);
    await db.open();
    expect(db.verno).toBe(2);
    expect(db.tables.map((table) => table.name).sort()).toEqual(['assignments', 'contactChatrooms', 'contacts', 'journal', 'users']);
    for (const [table, rows] of Object.entries(V1_ROWS)) {
      expect(await db.table(table).toArray(), table).toEqual(expect.arrayContaining(rows as object[]));
      expect(await db.table(table).count(), table).toBe(rows.length);
    }

    const store = new MappingStore(db);
    expect(await store.findContact('org_1', 'L-2')).toEqual(V1_ROWS.contacts[1]);
    expect(await store.findChatroomId('org_1', 'c_1')).toBe('cr_1');
    expect(await store.findAssignee('org_1', 'c_1')).toBe('u_alice');
    expect((await store.findAgentUser('org_1', 'u_alice'))?.magicLink).toBe('https://app.test/m/1');
    // The old secondary index still answers (export's conflict check uses it).
    expect(await db.contacts.where('[orgId+providerContactId]').equals(['org_2', 'c_9']).first()).toEqual(V1_ROWS.contacts[2]);

    expect(await store.unfinishedChats()).toEqual([]);
    await store.writeChatJournal({ orgId: 'org_1', crmId: 'L-3', step: 'creating', attempts: 1, startedAt: 6, updatedAt: 6 });
    await store.saveCreatedContact({ orgId: 'org_1', crmId: 'L-3', step: 'created', providerContactId: 'c_3', attempts: 1, startedAt: 6, updatedAt: 7 });
    expect(await store.findChatJournal('org_1', 'L-3')).toMatchObject({ step: 'created', providerContactId: 'c_3' });
    expect(await store.findContact('org_1', 'L-3')).toMatchObject({ providerContactId: 'c_3' });
    db.close();
  });

  it('a version-2 database opens again as it is (no second upgrade, journal rows kept)', async () => {
    const name = `reopen-${Math.random()}`;
    const first = new BridgeDatabase(name);
    await new MappingStore(first).writeChatJournal({ orgId: 'o', crmId: 'L', step: 'creating', attempts: 1, startedAt: 1, updatedAt: 1 });
    first.close();
    const again = new BridgeDatabase(name);
    expect(await new MappingStore(again).unfinishedChats()).toHaveLength(1);
    again.close();
  });
});
