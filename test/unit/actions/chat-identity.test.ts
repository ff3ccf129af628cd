import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { JOURNAL_ENTRY_LIFETIME_MS, openChat, resumeJournal } from '../../../lib/actions/chat';
import type { Lead } from '../../../lib/messaging';
import { BridgeDatabase } from '../../../lib/store/db';
import { MappingStore } from '../../../lib/store/mappings';
import { BASE_OPTIONS, makeContext, NOW, providerError } from '../helpers';

/** A lead as the content script sends it now: a namespaced identity, and the record id as the CRM shows it. */
const lead = (overrides: Partial<Lead> = {}): Lead => ({
  profileId: 'pipedrive',
  crmId: 'pipedrive:acme.pipedrive.com:1234',
  recordId: '1234',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '+1 415 555 0132',
  ...overrides,
});
const createdCrmIds = (ctx: ReturnType<typeof makeContext>) =>
  ctx.provider.calls.filter((call) => call.method === 'createContact').map((call) => (call.args[0] as { crm_id: string }).crm_id);

/** Rows as version 2 wrote them (bare record ids), opened by today's database: the version-3 upgrade runs. */
async function storeUpgradedFromVersion2(rows: { contacts?: object[]; journal?: object[] }): Promise<MappingStore> {
  const name = `identity-upgrade-${Math.random()}`;
  const old = new Dexie(name);
  old.version(1).stores({ users: '[orgId+providerUserId]', contacts: '[orgId+crmId], [orgId+providerContactId]', contactChatrooms: '[orgId+providerContactId]', assignments: '[orgId+providerContactId]' });
  old.version(2).stores({ journal: '[orgId+crmId]' });
  await old.open();
  await old.table('contacts').bulkPut(rows.contacts ?? []);
  await old.table('journal').bulkPut(rows.journal ?? []);
  old.close();
  return new MappingStore(new BridgeDatabase(name));
}

describe('namespaced lead identities', () => {
  it('the same record id in two CRMs or tenants: two contacts, two mappings, each lead its own chat', async () => {
    const ctx = makeContext();
    await openChat(lead(), ctx);
    await openChat(lead({ crmId: 'pipedrive:globex.pipedrive.com:1234', firstName: 'Hedy' }), ctx);
    await openChat(lead({ profileId: 'hubspot', crmId: 'hubspot:99:1234', firstName: 'Grace' }), ctx);
    expect(createdCrmIds(ctx)).toEqual(['pipedrive:acme.pipedrive.com:1234', 'pipedrive:globex.pipedrive.com:1234', 'hubspot:99:1234']);
    expect(await ctx.store.findContact('org_1', 'pipedrive:acme.pipedrive.com:1234')).toMatchObject({ providerContactId: 'c_1' });
    expect(await ctx.store.findContact('org_1', 'pipedrive:globex.pipedrive.com:1234')).toMatchObject({ providerContactId: 'c_2' });
    expect(await ctx.store.findContact('org_1', 'hubspot:99:1234')).toMatchObject({ providerContactId: 'c_3' });
  });

  it('a mapping saved before identities were namespaced is adopted by the first lead with its record id, then by no other', async () => {
    const ctx = makeContext(BASE_OPTIONS, await storeUpgradedFromVersion2({ contacts: [{ orgId: 'org_1', crmId: '1234', providerContactId: 'c_old', createdAt: 1 }] }));

    expect((await openChat(lead(), ctx)).ok).toBe(true);
    expect(ctx.provider.calls).toEqual([{ method: 'assign', args: ['c_old', 'u_alice'] }]);
    expect(ctx.opened).toEqual(['https://app.test/app/chatrooms/cr_c_old']);
    expect(ctx.provider.calls).toHaveLength(1);
    expect(await ctx.store.findContact('org_1', 'pipedrive:acme.pipedrive.com:1234')).toEqual({
      orgId: 'org_1',
      crmId: 'pipedrive:acme.pipedrive.com:1234',
      providerContactId: 'c_old',
      providerCrmId: '1234',
      createdAt: 1,
      // The first Chat since fields were kept records the CRM's as the baseline (no update request).
      sent: { first_name: 'Ada', last_name: 'Lovelace', phone_number: '+14155550132' },
      // The dashboard's CRM card: the lead as this Chat saw it.
      card: expect.objectContaining({ crmId: 'pipedrive:acme.pipedrive.com:1234', firstName: 'Ada', openedBy: { email: 'alice@example.com', name: 'Alice Agent' } }),
    });
    expect(await ctx.store.findContact('org_1', '1234')).toBeUndefined();

    // Another tenant's record 1234 no longer finds it: it gets its own contact.
    await openChat(lead({ crmId: 'pipedrive:globex.pipedrive.com:1234' }), ctx);
    expect(createdCrmIds(ctx)).toEqual(['pipedrive:globex.pipedrive.com:1234']);
  });

  it('an unfinished create from before the upgrade re-sends the crm_id the provider may already hold', async () => {
    const ctx = makeContext(BASE_OPTIONS, await storeUpgradedFromVersion2({ journal: [{ orgId: 'org_1', crmId: '1234', step: 'creating', attempts: 1, startedAt: NOW, updatedAt: NOW }] }));
    expect((await openChat(lead(), ctx)).ok).toBe(true);
    expect(createdCrmIds(ctx)).toEqual(['1234']);
    expect(await ctx.store.findContact('org_1', 'pipedrive:acme.pipedrive.com:1234')).toMatchObject({ providerContactId: 'c_1', providerCrmId: '1234' });
  });

  it('refuses an identity longer than the provider’s crm_id limit, naming the template to shorten', async () => {
    const ctx = makeContext();
    const outcome = await openChat(lead({ crmId: `rule:x:${'h'.repeat(130)}:1` }), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toContain('crmIdTemplate');
    expect(ctx.clientsCreated).toBe(0);
  });
});

describe('assign answers 404 on a known lead (the contact is gone at the provider)', () => {
  const gone = () => providerError('http', { endpoint: 'assign', status: 404, errorCode: 4040001, errorMessage: 'NOT_FOUND' });

  it('re-creates the contact through the journal and assigns it, in the same click', async () => {
    const ctx = makeContext();
    await openChat(lead(), ctx);
    ctx.provider.calls = [];
    ctx.provider.assignResult = async (contactId) => {
      if (contactId === 'c_1') throw gone();
      return { chatroomId: `cr_${contactId}`, assignedUserId: 'u_alice' };
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toEqual({ ok: true, message: 'Chat with Ada Lovelace opened.', detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(ctx.provider.calls.map((call) => [call.method, call.method === 'assign' ? call.args[0] : undefined])).toEqual([
      ['assign', 'c_1'],
      ['createContact', undefined],
      ['assign', 'c_2'],
    ]);
    expect(await ctx.store.findContact('org_1', lead().crmId)).toMatchObject({ providerContactId: 'c_2' });
    expect(await ctx.store.findChatroomId('org_1', 'c_1')).toBeUndefined();
    expect(ctx.opened.at(-1)).toBe('https://app.test/app/chatrooms/cr_c_2');
    expect(await ctx.store.unfinishedChats()).toEqual([]);
  });

  it('the create finds the same contact still there (409 naming it): the 404 was about something else, the mapping stays', async () => {
    const ctx = makeContext();
    await openChat(lead(), ctx);
    ctx.provider.assignResult = async () => {
      throw gone();
    };
    ctx.provider.createContactResult = async () => {
      throw providerError('http', { status: 409, errorCode: 4090001, errorMessage: 'UQ_CONSTRAINT_FAILED', payload: { contact_id: 'c_1', crm_id: lead().crmId } });
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, status: 404, errorCode: 4040001 });
    expect(outcome.message).toContain('Assigning the chat failed');
    expect(await ctx.store.findContact('org_1', lead().crmId)).toMatchObject({ providerContactId: 'c_1' });
    expect(await ctx.store.unfinishedChats()).toEqual([]);
  });

  it('the create meets a 409 it cannot resolve: the original 404 is reported and the mapping stays', async () => {
    const ctx = makeContext();
    await openChat(lead(), ctx);
    ctx.provider.assignResult = async () => {
      throw gone();
    };
    ctx.provider.createContactResult = async () => {
      throw providerError('http', { status: 409, errorCode: 4090001, errorMessage: 'UQ_CONSTRAINT_FAILED', payload: {} });
    };
    expect(await openChat(lead(), ctx)).toMatchObject({ ok: false, status: 404 });
    expect(await ctx.store.findContact('org_1', lead().crmId)).toMatchObject({ providerContactId: 'c_1' });
  });

  it('re-creates once only: a second 404 ends the click with the provider’s answer', async () => {
    const ctx = makeContext();
    await openChat(lead(), ctx);
    ctx.provider.calls = [];
    ctx.provider.assignResult = async () => {
      throw gone();
    };
    expect(await openChat(lead(), ctx)).toMatchObject({ ok: false, status: 404 });
    expect(ctx.provider.calls.map((call) => call.method)).toEqual(['assign', 'createContact', 'assign']);
  });
});

describe('journal entries expire', () => {
  it('a "creating" entry older than a day is dropped at start-up; a younger one stays', async () => {
    const ctx = makeContext();
    const entry = { orgId: 'org_1', step: 'creating' as const, attempts: 1, startedAt: 1 };
    await ctx.store.writeChatJournal({ ...entry, crmId: 'old', updatedAt: NOW - JOURNAL_ENTRY_LIFETIME_MS - 1 });
    await ctx.store.writeChatJournal({ ...entry, crmId: 'young', updatedAt: NOW - 1000 });
    expect(await resumeJournal(ctx)).toMatchObject({ expired: 1, pending: 1 });
    expect((await ctx.store.unfinishedChats()).map((row) => row.crmId)).toEqual(['young']);
  });

  it('a click ignores an expired entry: its create counts as the first attempt', async () => {
    const ctx = makeContext();
    await ctx.store.writeChatJournal({ orgId: 'org_1', crmId: lead().crmId, step: 'creating', attempts: 3, startedAt: 1, updatedAt: NOW - JOURNAL_ENTRY_LIFETIME_MS - 1 });
    ctx.provider.createContactResult = async () => {
      throw providerError('http', { status: 409, errorCode: 4090001, errorMessage: 'UQ_CONSTRAINT_FAILED', payload: {} });
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome.message).toContain('created from another browser or by an earlier request whose answer was lost');
  });
});
