import { describe, expect, it } from 'vitest';
import { openChat } from '../../../lib/actions/chat';
import { importMappings } from '../../../lib/actions/transfer';
import type { Lead } from '../../../lib/messaging';
import { MAPPINGS_FORMAT } from '../../../lib/store/transfer';
import { BASE_OPTIONS, makeContext, NOW, providerError, type TestContext } from '../helpers';

const LOOKUP = '{API_URL}/v1/orgs/{ORG_ID}/contacts?crm_id={CRM_ID}';
const lead: Lead = { profileId: 'demo', crmId: 'L-1', firstName: 'Ada', lastName: 'Lovelace', phone: '+14155550132' };

/** A mappings file says lead L-1 is contact c_file, whose chatroom is cr_file. */
async function importFile(ctx: TestContext): Promise<void> {
  const document = {
    format: MAPPINGS_FORMAT,
    version: 2,
    orgId: 'org_1',
    exportedAt: '',
    contacts: [{ crmId: 'L-1', providerContactId: 'c_file', createdAt: 1 }],
    chatrooms: [{ providerContactId: 'c_file', chatroomId: 'cr_file', updatedAt: 1 }],
    assignments: [],
  };
  const result = await importMappings(JSON.stringify(document), { orgId: 'org_1', store: ctx.store, now: () => NOW, importAllowed: true });
  if (!result.ok) throw new Error(result.message);
}

describe('an imported mapping is checked at its first Chat', () => {
  it('without the lookup, an accepted assign confirms it: no create, and the mapping is no longer marked imported', async () => {
    const ctx = makeContext();
    await importFile(ctx);
    expect((await openChat(lead, ctx)).ok).toBe(true);
    expect(ctx.provider.calls).toEqual([{ method: 'assign', args: ['c_file', 'u_alice'] }]);
    // What Saleschat holds for an imported contact is unknown: the CRM's fields become the baseline, unsent.
    const sent = { first_name: 'Ada', last_name: 'Lovelace', phone_number: '+14155550132' };
    expect(await ctx.store.findContact('org_1', 'L-1')).toEqual({ orgId: 'org_1', crmId: 'L-1', providerContactId: 'c_file', createdAt: 1, sent, card: expect.objectContaining({ crmId: 'L-1' }) });
  });

  it('without the lookup, an assign 404 drops it: the lead gets its own contact in the same click', async () => {
    const ctx = makeContext();
    await importFile(ctx);
    ctx.provider.assignResult = async (contactId) => {
      if (contactId === 'c_file') throw providerError('http', { endpoint: 'assign', status: 404 });
      return { chatroomId: `cr_${contactId}`, assignedUserId: 'u_alice' };
    };
    expect((await openChat(lead, ctx)).ok).toBe(true);
    expect(ctx.provider.calls.map((call) => call.method)).toEqual(['assign', 'createContact', 'assign']);
    expect(await ctx.store.findContact('org_1', 'L-1')).toMatchObject({ providerContactId: 'c_1' });
    expect((await ctx.store.findContact('org_1', 'L-1'))?.imported).toBeUndefined();
    expect(await ctx.store.findChatroomId('org_1', 'c_file')).toBeUndefined();
  });

  it('with the lookup naming the same contact: confirmed before the assign', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, contactLookupUrlTemplate: LOOKUP });
    await importFile(ctx);
    ctx.provider.lookupResult = async () => ({ id: 'c_file', crm_id: 'L-1' });
    expect((await openChat(lead, ctx)).ok).toBe(true);
    expect(ctx.provider.calls).toEqual([
      { method: 'lookup', args: ['getContactByCrmId', '/v1/orgs/org_1/contacts?crm_id=L-1'] },
      { method: 'assign', args: ['c_file', 'u_alice'] },
    ]);
    expect((await ctx.store.findContact('org_1', 'L-1'))?.imported).toBeUndefined();
  });

  it.each([
    ['another contact', { id: 'c_real', crm_id: 'L-1' }],
    ['no contact', undefined],
  ])('with the lookup naming %s: the imported mapping is dropped before anything is assigned to it', async (_label, answer) => {
    const ctx = makeContext({ ...BASE_OPTIONS, contactLookupUrlTemplate: LOOKUP });
    await importFile(ctx);
    ctx.provider.lookupResult = async () => answer;
    await openChat(lead, ctx);
    expect(ctx.provider.calls.filter((call) => call.method === 'assign' && call.args[0] === 'c_file')).toEqual([]);
    expect(ctx.provider.calls[1]?.method).toBe('createContact');
    expect(await ctx.store.findChatroomId('org_1', 'c_file')).toBeUndefined();
    expect((await ctx.store.findContact('org_1', 'L-1'))?.providerContactId).not.toBe('c_file');
  });
});
