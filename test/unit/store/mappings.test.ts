import { describe, expect, it, vi } from 'vitest';
import { BridgeDatabase } from '../../../lib/store/db';
import { MappingStore } from '../../../lib/store/mappings';

const store = () => new MappingStore(new BridgeDatabase(`mappings-${Math.random()}`));

describe('MappingStore (Dexie on fake-indexeddb)', () => {
  it('keeps contacts per org: the same CRM id in another org is another contact', async () => {
    const mappings = store();
    await mappings.saveContact('org_a', 'L-1', 'c_a', 1);
    await mappings.saveContact('org_b', 'L-1', 'c_b', 2);
    expect(await mappings.findContact('org_a', 'L-1')).toEqual({ orgId: 'org_a', crmId: 'L-1', providerContactId: 'c_a', createdAt: 1 });
    expect((await mappings.findContact('org_b', 'L-1'))?.providerContactId).toBe('c_b');
    expect(await mappings.findContact('org_c', 'L-1')).toBeUndefined();
  });

  it('a CRM id maps to exactly one contact (saving again replaces, never duplicates)', async () => {
    const db = new BridgeDatabase(`unique-${Math.random()}`);
    const mappings = new MappingStore(db);
    await mappings.saveContact('org', 'L-1', 'c_1', 1);
    await mappings.saveContact('org', 'L-1', 'c_1', 2);
    expect(await db.contacts.count()).toBe(1);
  });

  it('records chatroom and assignee together; an assign without chatroom id keeps the known chatroom', async () => {
    const mappings = store();
    await mappings.saveAssignment('org', 'c_1', 'u_alice', 'cr_1', 1);
    await mappings.saveAssignment('org', 'c_1', 'u_bob', undefined, 2);
    expect(await mappings.findChatroomId('org', 'c_1')).toBe('cr_1');
    expect(await mappings.findAssignee('org', 'c_1')).toBe('u_bob');
  });
});

describe('the Chat journal', () => {
  const entry = { orgId: 'org', crmId: 'L-1', attempts: 1, startedAt: 1, updatedAt: 1 };

  it('saving the created contact writes the mapping and advances the entry together', async () => {
    const mappings = store();
    await mappings.writeChatJournal({ ...entry, step: 'creating' });
    await mappings.saveCreatedContact({ ...entry, step: 'created', providerContactId: 'c_1', updatedAt: 2 });
    expect(await mappings.findChatJournal('org', 'L-1')).toEqual({ ...entry, step: 'created', providerContactId: 'c_1', updatedAt: 2 });
    expect(await mappings.findContact('org', 'L-1')).toEqual({ orgId: 'org', crmId: 'L-1', providerContactId: 'c_1', createdAt: 2 });
  });

  it('a failing transaction leaves neither the mapping nor the advanced entry', async () => {
    const db = new BridgeDatabase(`atomic-${Math.random()}`);
    const mappings = new MappingStore(db);
    await mappings.writeChatJournal({ ...entry, step: 'creating' });
    // The journal write (after the mapping's, in the same transaction) fails.
    vi.spyOn(db.journal, 'put').mockRejectedValueOnce(new Error('disk error'));
    await expect(mappings.saveCreatedContact({ ...entry, step: 'created', providerContactId: 'c_1' })).rejects.toThrow('disk error');
    expect(await db.contacts.count()).toBe(0);
    expect(await mappings.findChatJournal('org', 'L-1')).toMatchObject({ step: 'creating' });
  });

  it('finishing a Chat records the assignment and clears only that lead’s entry', async () => {
    const mappings = store();
    await mappings.writeChatJournal({ ...entry, step: 'assigning', providerContactId: 'c_1' });
    await mappings.writeChatJournal({ ...entry, crmId: 'L-2', step: 'creating' });
    await mappings.finishChat('org', 'L-1', 'c_1', 'u_alice', 'cr_1', 5);
    expect(await mappings.findAssignee('org', 'c_1')).toBe('u_alice');
    expect(await mappings.findChatroomId('org', 'c_1')).toBe('cr_1');
    expect((await mappings.unfinishedChats()).map((row) => row.crmId)).toEqual(['L-2']);
  });
});

describe('what Saleschat was sent, per mapping (issue 16)', () => {
  const entry = { orgId: 'org', crmId: 'L-1', attempts: 1, startedAt: 1, updatedAt: 1 };
  const SENT = { first_name: 'Ada', last_name: 'Lovelace', phone_number: '+14155550132' };
  const EARLIER = [{ providerContactId: 'c_0', providerCrmId: 'L-1', phone_number: '+14155550100' }];

  it('a created contact is saved with the create’s fields; one learnt from a 409 without any', async () => {
    const mappings = store();
    await mappings.saveCreatedContact({ ...entry, step: 'created', providerContactId: 'c_1' }, { sent: SENT });
    await mappings.saveCreatedContact({ ...entry, crmId: 'L-2', step: 'created', providerContactId: 'c_2' });
    expect(await mappings.findContact('org', 'L-1')).toEqual({ orgId: 'org', crmId: 'L-1', providerContactId: 'c_1', createdAt: 1, sent: SENT });
    expect(await mappings.findContact('org', 'L-2')).toEqual({ orgId: 'org', crmId: 'L-2', providerContactId: 'c_2', createdAt: 1 });
  });

  it('re-creating a lead’s contact keeps its earlier contacts, and drops the old contact’s `sent`', async () => {
    const mappings = store();
    await mappings.saveCreatedContact({ ...entry, step: 'created', providerContactId: 'c_1', providerCrmId: 'L-1-2' }, { sent: SENT, earlier: EARLIER });
    await mappings.saveCreatedContact({ ...entry, step: 'created', providerContactId: 'c_2', providerCrmId: 'L-1-2', updatedAt: 2 });
    expect(await mappings.findContact('org', 'L-1')).toEqual({ orgId: 'org', crmId: 'L-1', providerContactId: 'c_2', providerCrmId: 'L-1-2', createdAt: 2, earlier: EARLIER });
  });

  it('finishing a Chat keeps the new `sent` with the assignment, only for the contact the mapping still names', async () => {
    const mappings = store();
    await mappings.saveCreatedContact({ ...entry, step: 'created', providerContactId: 'c_1' }, { sent: SENT });
    await mappings.finishChat('org', 'L-1', 'c_1', 'u_alice', 'cr_1', 5, { ...SENT, last_name: 'King', stage: 'qualified' });
    expect((await mappings.findContact('org', 'L-1'))?.sent).toEqual({ ...SENT, last_name: 'King', stage: 'qualified' });
    await mappings.finishChat('org', 'L-1', 'c_other', 'u_alice', 'cr_9', 6, { first_name: 'Nobody' });
    expect((await mappings.findContact('org', 'L-1'))?.sent).toEqual({ ...SENT, last_name: 'King', stage: 'qualified' });
    // Without a `sent` (nothing learnt), the row stays as it was.
    await mappings.finishChat('org', 'L-1', 'c_1', 'u_alice', 'cr_1', 7);
    expect((await mappings.findContact('org', 'L-1'))?.sent).toEqual({ ...SENT, last_name: 'King', stage: 'qualified' });
  });

  it('a failing finish keeps neither the assignment nor the new `sent`', async () => {
    const db = new BridgeDatabase(`finish-atomic-${Math.random()}`);
    const mappings = new MappingStore(db);
    await mappings.saveCreatedContact({ ...entry, step: 'created', providerContactId: 'c_1' }, { sent: SENT });
    vi.spyOn(db.contacts, 'update').mockRejectedValueOnce(new Error('disk error'));
    await expect(mappings.finishChat('org', 'L-1', 'c_1', 'u_alice', 'cr_1', 5, { ...SENT, stage: 'qualified' })).rejects.toThrow('disk error');
    expect(await mappings.findAssignee('org', 'c_1')).toBeUndefined();
    expect(await mappings.findChatJournal('org', 'L-1')).toMatchObject({ step: 'created' });
    expect((await mappings.findContact('org', 'L-1'))?.sent).toEqual(SENT);
  });

  it('switching back to an earlier contact: the mapping names it, its number is its `sent`, the list is the one given', async () => {
    const mappings = store();
    await mappings.saveCreatedContact({ ...entry, step: 'created', providerContactId: 'c_1', providerCrmId: 'L-1-2' }, { sent: SENT, earlier: EARLIER });
    const current = { providerContactId: 'c_1', providerCrmId: 'L-1-2', phone_number: SENT.phone_number };
    await mappings.switchContact('org', 'L-1', EARLIER[0] as (typeof EARLIER)[number], [current]);
    expect(await mappings.findContact('org', 'L-1')).toEqual({
      orgId: 'org',
      crmId: 'L-1',
      providerContactId: 'c_0',
      createdAt: 1,
      sent: { phone_number: '+14155550100' },
      earlier: [current],
    });
  });

  it('the rows found for a lead carry both (findLeadState), and the export leaves them out', async () => {
    const mappings = store();
    await mappings.saveCreatedContact({ ...entry, step: 'created', providerContactId: 'c_1' }, { sent: SENT, earlier: EARLIER });
    expect((await mappings.findLeadState('org', 'L-1', undefined)).contact).toMatchObject({ sent: SENT, earlier: EARLIER });
    expect((await mappings.exportMappings('org', 0)).contacts).toEqual([{ crmId: 'L-1', providerContactId: 'c_1', createdAt: 1 }]);
  });
});
