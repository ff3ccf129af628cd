import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import type { CrmCard } from '../../../lib/messages';
import { BridgeDatabase } from '../../../lib/store/db';
import { MappingStore } from '../../../lib/store/mappings';

const fresh = () => {
  const db = new BridgeDatabase(`card-${Math.random()}`);
  return { db, store: new MappingStore(db) };
};

const CARD: CrmCard = {
  crmId: 'demo:crm.example.com:L-1',
  crmLabel: 'Demo CRM',
  pageUrl: 'https://crm.example.com/leads/L-1',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-0132',
  extra: [{ label: 'Company', value: 'Analytical Engines' }],
  openedBy: { email: 'alice@example.com', name: 'Alice Agent' },
  openedAt: 1_800_000_000_000,
};
const CRM_ID = CARD.crmId;

describe('the CRM card kept with the mapping (direct mode)', () => {
  it('a card saved when the Chat finishes is found by the chatroom’s id', async () => {
    const { store } = fresh();
    await store.saveContact('org_1', CRM_ID, 'c_1', 1);
    await store.finishChat('org_1', CRM_ID, 'c_1', 'u_alice', 'cr_1', 2, undefined, CARD);
    expect(await store.cardForChatroom('org_1', 'cr_1')).toEqual(CARD);
  });

  it('another org’s chatroom of the same id, or an unknown chatroom: no card', async () => {
    const { store } = fresh();
    await store.saveContact('org_1', CRM_ID, 'c_1', 1);
    await store.finishChat('org_1', CRM_ID, 'c_1', 'u_alice', 'cr_1', 2, undefined, CARD);
    await store.saveContact('org_2', CRM_ID, 'c_1', 1);
    await store.saveAssignment('org_2', 'c_1', 'u_bob', 'cr_2', 3);
    expect(await store.cardForChatroom('org_2', 'cr_1')).toBeUndefined();
    expect(await store.cardForChatroom('org_2', 'cr_2')).toBeUndefined();
    expect(await store.cardForChatroom('org_1', 'cr_9')).toBeUndefined();
  });

  it('a chatroom whose contact was mapped before cards were kept has none', async () => {
    const { store } = fresh();
    await store.saveContact('org_1', CRM_ID, 'c_1', 1);
    await store.finishChat('org_1', CRM_ID, 'c_1', 'u_alice', 'cr_1', 2);
    expect(await store.cardForChatroom('org_1', 'cr_1')).toBeUndefined();
  });

  it('each Chat rewrites the card; what Saleschat was sent is kept beside it', async () => {
    const { db, store } = fresh();
    await store.saveContact('org_1', CRM_ID, 'c_1', 1);
    await store.finishChat('org_1', CRM_ID, 'c_1', 'u_alice', 'cr_1', 2, { first_name: 'Ada', phone_number: '+14155550132' }, CARD);
    const later = { ...CARD, status: 'Won', openedBy: { email: 'bob@example.com' }, openedAt: CARD.openedAt + 60_000 };
    await store.finishChat('org_1', CRM_ID, 'c_1', 'u_bob', 'cr_1', 3, undefined, later);
    expect(await store.cardForChatroom('org_1', 'cr_1')).toEqual(later);
    expect((await db.contacts.get(['org_1', CRM_ID]))?.sent).toEqual({ first_name: 'Ada', phone_number: '+14155550132' });
  });

  it('an assign that named no chatroom: the card is found under the chatroom known from before', async () => {
    const { store } = fresh();
    await store.saveContact('org_1', CRM_ID, 'c_1', 1);
    await store.finishChat('org_1', CRM_ID, 'c_1', 'u_alice', 'cr_1', 2);
    await store.finishChat('org_1', CRM_ID, 'c_1', 'u_alice', undefined, 3, undefined, CARD);
    expect(await store.cardForChatroom('org_1', 'cr_1')).toEqual(CARD);
  });

  it('not kept when the lead’s mapping names another contact than the one assigned', async () => {
    const { store } = fresh();
    await store.saveContact('org_1', CRM_ID, 'c_other', 1);
    await store.finishChat('org_1', CRM_ID, 'c_1', 'u_alice', 'cr_1', 2, undefined, CARD);
    expect(await store.cardForChatroom('org_1', 'cr_1')).toBeUndefined();
  });
});

/**
 * A database written by the shipped version 4 (these stores are copied from it on purpose, not imported: the
 * test must keep describing what browsers have on disk even if db.ts is edited by mistake).
 */
const V4_STORES: [number, Record<string, string>][] = [
  [1, { users: '[orgId+providerUserId]', contacts: '[orgId+crmId], [orgId+providerContactId]', contactChatrooms: '[orgId+providerContactId]', assignments: '[orgId+providerContactId]' }],
  [2, { journal: '[orgId+crmId]' }],
  [3, {}],
  [4, { secrets: 'name' }],
];

const V4_ROWS = {
  users: [{ orgId: 'org_1', providerUserId: 'u_alice', email: 'alice@example.com' }],
  contacts: [
    { orgId: 'org_1', crmId: CRM_ID, providerContactId: 'c_1', createdAt: 1, sent: { first_name: 'Ada' } },
    { orgId: 'org_1', crmId: 'L-legacy', providerContactId: 'c_2', createdAt: 2, providerCrmId: 'L-legacy', legacy: true },
    { orgId: 'org_2', crmId: CRM_ID, providerContactId: 'c_1', createdAt: 3 },
  ],
  contactChatrooms: [
    { orgId: 'org_1', providerContactId: 'c_1', chatroomId: 'cr_1', updatedAt: 4 },
    { orgId: 'org_1', providerContactId: 'c_2', chatroomId: 'cr_2', updatedAt: 5 },
    { orgId: 'org_2', providerContactId: 'c_1', chatroomId: 'cr_9', updatedAt: 6 },
  ],
  assignments: [{ orgId: 'org_1', providerContactId: 'c_1', providerUserId: 'u_alice', assignedAt: 7 }],
  journal: [{ orgId: 'org_1', crmId: 'L-3', step: 'creating', attempts: 1, startedAt: 8, updatedAt: 8 }],
  secrets: [{ name: 'apiToken', value: 'token-1234' }],
};

async function writeVersion4(name: string): Promise<void> {
  const old = new Dexie(name);
  for (const [version, stores] of V4_STORES) old.version(version).stores(stores);
  await old.open();
  await old.transaction('rw', old.tables, async () => {
    for (const [table, rows] of Object.entries(V4_ROWS)) await old.table(table).bulkPut(rows);
  });
  old.close();
}

describe('upgrading a version-4 database to version 5', () => {
  it('opens at version 5 with every row intact', async () => {
    const name = `upgrade-v4-${Math.random()}`;
    await writeVersion4(name);
    const db = new BridgeDatabase(name);
    await db.open();
    expect(db.verno).toBe(6);
    expect(db.tables.map((table) => table.name).sort()).toEqual(['assignments', 'contactChatrooms', 'contacts', 'crmActions', 'journal', 'secrets', 'users']);
    for (const [table, rows] of Object.entries(V4_ROWS) as [string, object[]][]) {
      expect(await db.table(table).toArray(), table).toEqual(expect.arrayContaining(rows));
      expect(await db.table(table).count(), table).toBe(rows.length);
    }
    db.close();
  });

  it('finds the chatrooms written by version 4 by their id, and a card saved after the upgrade', async () => {
    const name = `upgrade-v4-card-${Math.random()}`;
    await writeVersion4(name);
    const db = new BridgeDatabase(name);
    const store = new MappingStore(db);
    expect(await db.contactChatrooms.where('[orgId+chatroomId]').equals(['org_1', 'cr_2']).first()).toEqual(V4_ROWS.contactChatrooms[1]);
    expect(await store.cardForChatroom('org_1', 'cr_1')).toBeUndefined();
    // An assign without a chatroom id leaves version 4's chatroom row as it was: only the new index finds it.
    await store.finishChat('org_1', CRM_ID, 'c_1', 'u_alice', undefined, 9, undefined, CARD);
    expect(await db.contactChatrooms.get(['org_1', 'c_1'])).toEqual(V4_ROWS.contactChatrooms[0]);
    expect(await store.cardForChatroom('org_1', 'cr_1')).toEqual(CARD);
    expect(await store.cardForChatroom('org_2', 'cr_9')).toBeUndefined();
    expect((await db.contacts.get(['org_1', CRM_ID]))?.sent).toEqual({ first_name: 'Ada' });
    db.close();
  });
});
