import Dexie from 'dexie';
import { describe, expect, it, vi } from 'vitest';
import { openChat, resumeJournal } from '../../../lib/actions/chat';
import type { Lead } from '../../../lib/messaging';
import { BridgeDatabase } from '../../../lib/store/db';
import { MappingStore } from '../../../lib/store/mappings';
import { BASE_OPTIONS, type FakeProvider, makeContext, NOW, providerError, type TestContext } from '../helpers';

/**
 * One lead, one contact, across clicks, crashes and workers (issue 5, items 2–4). The provider double
 * here keeps crm_id unique the way Saleschat does (409 UQ_CONSTRAINT_FAILED), so "a second contact" would
 * show up as a second entry in its `contacts` map, not only as a second call.
 */

const lead = (overrides: Partial<Lead> = {}): Lead => ({
  profileId: 'demo',
  crmId: 'L-1001',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-0132',
  ...overrides,
});

const LOOKUP = '{API_URL}/v1/orgs/{ORG_ID}/contacts?crm_id={CRM_ID}';

interface ProviderSide {
  /** crm_id → contact id, as the provider holds them. */
  contacts: Map<string, string>;
}

/** Makes the fake provider enforce crm_id uniqueness; `payloadId` puts the existing id in the 409 payload. */
function uniqueContacts(provider: FakeProvider, options: { payloadId?: boolean } = {}): ProviderSide {
  const side: ProviderSide = { contacts: new Map() };
  provider.createContactResult = async () => {
    const [body] = provider.calls.filter((call) => call.method === 'createContact').at(-1)?.args ?? [];
    const { crm_id } = body as { crm_id: string };
    const existing = side.contacts.get(crm_id);
    if (existing) {
      throw providerError('http', {
        status: 409,
        errorCode: 4090001,
        errorMessage: 'UQ_CONSTRAINT_FAILED',
        payload: options.payloadId ? { contact_id: existing, crm_id } : {},
      });
    }
    const id = `c_${side.contacts.size + 1}`;
    side.contacts.set(crm_id, id);
    return { id };
  };
  provider.lookupResult = async (path) => {
    const crmId = new URL(path, 'https://api.test').searchParams.get('crm_id') ?? '';
    const id = side.contacts.get(crmId);
    return id ? [{ id, crm_id: crmId }] : [];
  };
  return side;
}

/**
 * A worker stopped mid-Chat is simulated by an error thrown at that point (`stopped`): like a stopped
 * worker, it runs no clean-up of the journal (only a definite "not created" from the provider does), and
 * once it has propagated nothing of the run stays in memory. The next worker is a new Dexie connection to the
 * same database with a new context, as after Chrome restarted the service worker.
 */
const stopped = () => new Error('the service worker was stopped');

function contextOnNamedDb(options: Record<string, unknown> = BASE_OPTIONS, name = `journal-${Math.random()}`) {
  const db = new BridgeDatabase(name);
  const ctx = makeContext(options, new MappingStore(db));
  return { ctx, db, name };
}

function nextWorker(previous: { ctx: TestContext; name: string }, options: Record<string, unknown> = BASE_OPTIONS): TestContext {
  const { ctx } = contextOnNamedDb(options, previous.name);
  ctx.provider = previous.ctx.provider;
  ctx.createClient = () => {
    ctx.clientsCreated += 1;
    return previous.ctx.provider;
  };
  return ctx;
}

describe('the journal follows a Chat step by step', () => {
  it('is "creating" while the create is out, "created" with the contact id once the create answered, and gone at the end', async () => {
    const { ctx } = contextOnNamedDb();
    const seen: unknown[] = [];
    ctx.provider.createContactResult = async () => {
      seen.push(await ctx.store.findChatJournal('org_1', 'L-1001'));
      return { id: 'c_1' };
    };
    // The assign waits until the mapping's write (which goes on alongside it: whileSaving) has landed.
    let written: () => void = () => undefined;
    const landed = new Promise<void>((resolve) => {
      written = resolve;
    });
    const save = ctx.store.saveCreatedContact.bind(ctx.store);
    vi.spyOn(ctx.store, 'saveCreatedContact').mockImplementation(async (...args) => {
      await save(...args);
      written();
    });
    ctx.provider.assignResult = async (contactId) => {
      await landed;
      seen.push(await ctx.store.findChatJournal('org_1', 'L-1001'));
      seen.push(await ctx.store.findContact('org_1', 'L-1001'));
      return { chatroomId: `cr_${contactId}` };
    };
    expect((await openChat(lead(), ctx)).ok).toBe(true);
    expect(seen).toEqual([
      { orgId: 'org_1', crmId: 'L-1001', step: 'creating', attempts: 1, startedAt: NOW, updatedAt: NOW },
      // No journal write of its own for the assign: the contact id and the mapping are stored together after the create.
      { orgId: 'org_1', crmId: 'L-1001', step: 'created', providerContactId: 'c_1', attempts: 1, startedAt: NOW, updatedAt: NOW },
      { orgId: 'org_1', crmId: 'L-1001', providerContactId: 'c_1', createdAt: NOW, sent: { first_name: 'Ada', last_name: 'Lovelace', phone_number: '+14155550132' } },
    ]);
    expect(await ctx.store.unfinishedChats()).toEqual([]);
  });

  it('sends the assign without waiting for the mapping’s write, and ends only once that write has landed', async () => {
    const { ctx } = contextOnNamedDb();
    const order: string[] = [];
    const save = ctx.store.saveCreatedContact.bind(ctx.store);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    vi.spyOn(ctx.store, 'saveCreatedContact').mockImplementation(async (...args) => {
      order.push('write started');
      await held;
      await save(...args);
      order.push('write landed');
    });
    ctx.provider.assignResult = async (contactId) => {
      order.push('assign sent');
      release();
      return { chatroomId: `cr_${contactId}` };
    };
    expect((await openChat(lead(), ctx)).ok).toBe(true);
    expect(order).toEqual(['write started', 'assign sent', 'write landed']);
    expect(ctx.opened).toEqual(['https://app.test/app/chatrooms/cr_c_1']);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toMatchObject({ providerContactId: 'c_1' });
  });

  it('a refusal before any provider call writes nothing', async () => {
    const { ctx } = contextOnNamedDb({ ...BASE_OPTIONS, allowReassign: false });
    const outcome = await openChat(lead({ ownerEmail: 'bob@example.com' }), ctx);
    expect(outcome.ok).toBe(false);
    expect(ctx.provider.calls).toEqual([]);
    expect(await ctx.store.unfinishedChats()).toEqual([]);
  });
});

describe('concurrent clicks on one lead', () => {
  it('double click and a second tab at once: one create, one assign, everyone told', async () => {
    const { ctx } = contextOnNamedDb();
    const side = uniqueContacts(ctx.provider);
    const outcomes = await Promise.all([openChat(lead(), ctx), openChat(lead(), ctx), openChat(lead({ crmId: ' L-1001 ' }), ctx)]);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(ctx.provider.count('createContact')).toBe(1);
    expect(ctx.provider.count('assign')).toBe(1);
    expect(side.contacts.size).toBe(1);
    expect(await ctx.store.unfinishedChats()).toEqual([]);
  });
});

describe('a worker stopped between create-contact and assign', () => {
  it('the next worker’s click creates nothing and assigns the contact the first one created', async () => {
    const first = contextOnNamedDb();
    const side = uniqueContacts(first.ctx.provider);
    first.ctx.provider.assignResult = async () => {
      throw stopped(); // the worker is stopped while its assign is out
    };
    await openChat(lead(), first.ctx);

    const second = nextWorker(first);
    second.provider.assignResult = async (contactId) => ({ chatroomId: `cr_${contactId}`, assignedUserId: 'u_alice' });
    expect(await resumeJournal(second)).toEqual({ restored: 0, present: 1, differs: 0, pending: 0, expired: 0 });
    const outcome = await openChat(lead(), second);

    expect(outcome).toEqual({ ok: true, message: 'Chat with Ada Lovelace opened.', detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(second.provider.count('createContact')).toBe(1);
    expect(second.provider.calls.filter((call) => call.method === 'assign').map((call) => call.args)).toEqual([
      ['c_1', 'u_alice'],
      ['c_1', 'u_alice'],
    ]);
    expect(side.contacts.size).toBe(1);
    expect(await second.store.findAssignee('org_1', 'c_1')).toBe('u_alice');
    expect(await second.store.unfinishedChats()).toEqual([]);
  });

  it('a run that dies after the create (assign throws), then a second click: no second create, the assign happens', async () => {
    const { ctx } = contextOnNamedDb();
    const side = uniqueContacts(ctx.provider);
    ctx.provider.assignResult = async () => {
      throw stopped();
    };
    expect((await openChat(lead(), ctx)).ok).toBe(false);
    expect(await ctx.store.findChatJournal('org_1', 'L-1001')).toMatchObject({ step: 'created', providerContactId: 'c_1' });

    ctx.provider.assignResult = async (contactId) => ({ chatroomId: `cr_${contactId}` });
    expect((await openChat(lead(), ctx)).ok).toBe(true);
    expect(ctx.provider.count('createContact')).toBe(1);
    expect(ctx.provider.count('assign')).toBe(2);
    expect(side.contacts.size).toBe(1);
    expect(await ctx.store.unfinishedChats()).toEqual([]);
  });

  it('stopped after the provider created the contact but before the answer was stored: the re-issued create meets 409 and uses the payload id', async () => {
    const { ctx } = contextOnNamedDb();
    const side = uniqueContacts(ctx.provider, { payloadId: true });
    // The answer arrives but the worker dies before writing it: the store throws right there.
    const save = vi.spyOn(ctx.store, 'saveCreatedContact').mockRejectedValueOnce(stopped());
    expect((await openChat(lead(), ctx)).ok).toBe(false);
    save.mockRestore();
    expect(await ctx.store.findChatJournal('org_1', 'L-1001')).toMatchObject({ step: 'creating', attempts: 1 });
    expect(await ctx.store.findContact('org_1', 'L-1001')).toBeUndefined();

    const outcome = await openChat(lead(), ctx);
    expect(outcome.ok).toBe(true);
    expect(ctx.provider.count('createContact')).toBe(2);
    expect(side.contacts.size).toBe(1);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toMatchObject({ providerContactId: 'c_1' });
    expect(ctx.provider.calls.at(-1)).toEqual({ method: 'assign', args: ['c_1', 'u_alice'] });
  });

  it('stopped while the create was out (it landed): the next worker resolves the 409 through the configured lookup', async () => {
    const options = { ...BASE_OPTIONS, contactLookupUrlTemplate: LOOKUP };
    const first = contextOnNamedDb(options);
    const side = uniqueContacts(first.ctx.provider);
    const create = first.ctx.provider.createContactResult;
    first.ctx.provider.createContactResult = async () => {
      await create(); // the provider creates the contact…
      throw stopped(); // …and the worker is stopped before the answer arrives
    };
    await openChat(lead(), first.ctx);
    expect(side.contacts.size).toBe(1);

    const second = nextWorker(first, options);
    second.provider.createContactResult = create;
    expect(await resumeJournal(second)).toEqual({ restored: 0, present: 0, differs: 0, pending: 1, expired: 0 });
    const outcome = await openChat(lead(), second);

    expect(outcome.ok).toBe(true);
    expect(side.contacts.size).toBe(1);
    expect(second.provider.calls.map((call) => call.method)).toEqual(['createContact', 'createContact', 'lookup', 'assign']);
    expect(second.provider.calls[2]?.args).toEqual(['getContactByCrmId', '/v1/orgs/org_1/contacts?crm_id=L-1001']);
    expect(await second.store.findContact('org_1', 'L-1001')).toMatchObject({ providerContactId: 'c_1' });
    expect(await second.store.unfinishedChats()).toEqual([]);
  });

  it('stopped while the create was out, no id anywhere: an actionable message naming the interrupted Chat, never a second contact', async () => {
    const { ctx } = contextOnNamedDb();
    const side = uniqueContacts(ctx.provider);
    const save = vi.spyOn(ctx.store, 'saveCreatedContact').mockRejectedValueOnce(stopped());
    await openChat(lead(), ctx);
    save.mockRestore();

    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toBe(
      'Saleschat already has a contact for CRM id L-1001 (4090001 UQ_CONSTRAINT_FAILED), most likely from your earlier Chat on this lead, which was interrupted before Saleschat answered, and did not say which. Ask your administrator to set up the contact lookup (contactLookupUrlTemplate) or to import the team\'s contact mappings.',
    );
    expect(side.contacts.size).toBe(1);
    // The first click's assign went out while the mapping was being written (whileSaving); the second sends none.
    expect(ctx.provider.count('assign')).toBe(1);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toBeUndefined();
  });
});

describe('start-up reconciliation (no provider calls)', () => {
  it('restores a missing mapping from an entry that knew the contact id, keeps a different mapping, leaves "creating" entries', async () => {
    const { ctx, db } = contextOnNamedDb();
    const entry = { orgId: 'org_1', attempts: 1, startedAt: NOW - 2000, updatedAt: NOW - 1000 };
    await ctx.store.writeChatJournal({ ...entry, crmId: 'L-1', step: 'created', providerContactId: 'c_1' });
    await ctx.store.writeChatJournal({ ...entry, crmId: 'L-2', step: 'assigning', providerContactId: 'c_2' });
    await ctx.store.saveContact('org_1', 'L-2', 'c_imported', 0);
    await ctx.store.writeChatJournal({ ...entry, crmId: 'L-3', step: 'creating' });

    expect(await resumeJournal(ctx)).toEqual({ restored: 1, present: 0, differs: 1, pending: 1, expired: 0 });
    expect(await ctx.store.findContact('org_1', 'L-1')).toMatchObject({ providerContactId: 'c_1' });
    expect(await ctx.store.findContact('org_1', 'L-2')).toMatchObject({ providerContactId: 'c_imported' });
    expect((await db.journal.toArray()).map((row) => row.crmId)).toEqual(['L-3']);
    expect(ctx.provider.calls).toEqual([]);
  });

  it('the click after a restored mapping assigns without creating', async () => {
    const { ctx } = contextOnNamedDb();
    await ctx.store.writeChatJournal({ orgId: 'org_1', crmId: 'L-1001', step: 'created', providerContactId: 'c_9', attempts: 1, startedAt: 1, updatedAt: 1 });
    await resumeJournal(ctx);
    await openChat(lead(), ctx);
    expect(ctx.provider.calls).toEqual([{ method: 'assign', args: ['c_9', 'u_alice'] }]);
  });

  it('a click that finds an entry with the contact id but no mapping (no start-up ran) never creates', async () => {
    const { ctx } = contextOnNamedDb();
    await ctx.store.writeChatJournal({ orgId: 'org_1', crmId: 'L-1001', step: 'assigning', providerContactId: 'c_9', attempts: 1, startedAt: 1, updatedAt: 1 });
    expect((await openChat(lead(), ctx)).ok).toBe(true);
    expect(ctx.provider.calls).toEqual([{ method: 'assign', args: ['c_9', 'u_alice'] }]);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toMatchObject({ providerContactId: 'c_9' });
  });
});

describe('409 on create', () => {
  const elsewhere = (ctx: TestContext, options: { payloadId?: boolean } = {}) => {
    const side = uniqueContacts(ctx.provider, options);
    side.contacts.set('L-1001', 'c_other_browser');
    return side;
  };

  it('with the id in the payload: that contact, no lookup', async () => {
    const { ctx } = contextOnNamedDb({ ...BASE_OPTIONS, contactLookupUrlTemplate: LOOKUP });
    elsewhere(ctx, { payloadId: true });
    expect((await openChat(lead(), ctx)).ok).toBe(true);
    expect(ctx.provider.calls.map((call) => call.method)).toEqual(['createContact', 'assign']);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toMatchObject({ providerContactId: 'c_other_browser' });
  });

  it('without an id, lookup configured: the looked-up contact (CRM id URL-encoded into the path)', async () => {
    const { ctx } = contextOnNamedDb({ ...BASE_OPTIONS, contactLookupUrlTemplate: LOOKUP });
    const side = elsewhere(ctx);
    side.contacts.set('L 1/2', 'c_slash');
    expect((await openChat(lead({ crmId: 'L 1/2' }), ctx)).ok).toBe(true);
    expect(ctx.provider.calls[1]).toEqual({ method: 'lookup', args: ['getContactByCrmId', '/v1/orgs/org_1/contacts?crm_id=L%201%2F2'] });
    expect(ctx.provider.calls[2]).toEqual({ method: 'assign', args: ['c_slash', 'u_alice'] });
    expect(side.contacts.size).toBe(2);
  });

  it('without an id, the lookup finds nothing: says the conflict is probably the phone, no assign, no entry left', async () => {
    const { ctx } = contextOnNamedDb({ ...BASE_OPTIONS, contactLookupUrlTemplate: LOOKUP });
    elsewhere(ctx);
    ctx.provider.lookupResult = async () => undefined; // the route answered 404
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toContain('the contact lookup found none with this CRM id, so the conflict is probably the phone number');
    expect(ctx.provider.count('assign')).toBe(0);
    expect(await ctx.store.unfinishedChats()).toEqual([]);
  });

  it('without an id, the lookup fails on the network: a retryable toast naming the lookup; the entry stays for the next click', async () => {
    const { ctx } = contextOnNamedDb({ ...BASE_OPTIONS, contactLookupUrlTemplate: LOOKUP });
    elsewhere(ctx);
    ctx.provider.lookupResult = async () => {
      throw providerError('network', { endpoint: 'getContactByCrmId', errorMessage: 'Cannot reach Saleschat' });
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(outcome.message).toMatch(/^Looking up the existing Saleschat contact failed: /);
    expect(await ctx.store.findChatJournal('org_1', 'L-1001')).toMatchObject({ step: 'creating' });
  });

  it('without an id and without a lookup: the actionable message, no assign, nothing mapped', async () => {
    const { ctx } = contextOnNamedDb();
    elsewhere(ctx);
    const outcome = await openChat(lead(), ctx);
    expect(outcome.message).toMatch(/^Saleschat already has a contact for CRM id L-1001 \(4090001 UQ_CONSTRAINT_FAILED\), created from another browser or by an earlier request whose answer was lost, and did not say which\. Ask your administrator/);
    expect(ctx.provider.calls.map((call) => call.method)).toEqual(['createContact']);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toBeUndefined();
  });

  it('a lookup answer naming another crm_id is not taken', async () => {
    const { ctx } = contextOnNamedDb({ ...BASE_OPTIONS, contactLookupUrlTemplate: LOOKUP });
    elsewhere(ctx);
    ctx.provider.lookupResult = async () => ({ id: 'c_wrong', crm_id: 'L-9999' });
    expect((await openChat(lead(), ctx)).ok).toBe(false);
    expect(ctx.provider.count('assign')).toBe(0);
  });
});

describe('what the journal keeps after a failed create', () => {
  it.each([
    ['a 400 (nothing was created)', false, providerError('http', { status: 400, errorCode: 4000001 })],
    ['a 403 (nothing was created)', false, providerError('http', { status: 403, errorCode: 4030001 })],
    ['a timeout (it may have landed)', true, providerError('timeout')],
    ['a 502 (it may have landed)', true, providerError('http', { status: 502 })],
    ['an unreadable 200 (it probably landed)', true, providerError('invalid-response', { status: 200 })],
  ])('%s → journal entry kept: %s', async (_label, kept, error) => {
    const { ctx } = contextOnNamedDb();
    ctx.provider.createContactResult = async () => {
      throw error;
    };
    await openChat(lead(), ctx);
    expect((await ctx.store.findChatJournal('org_1', 'L-1001')) !== undefined).toBe(kept);
  });

  it('counts create attempts across clicks', async () => {
    const { ctx } = contextOnNamedDb();
    ctx.provider.createContactResult = async () => {
      throw providerError('timeout');
    };
    await openChat(lead(), ctx);
    await openChat(lead(), ctx);
    expect(await ctx.store.findChatJournal('org_1', 'L-1001')).toMatchObject({ step: 'creating', attempts: 2, startedAt: NOW });
  });
});

describe('storage failures are told, not swallowed', () => {
  it('a full disk (QuotaExceededError inside Dexie’s AbortError): says so and what to do, before any provider call', async () => {
    const { ctx } = contextOnNamedDb();
    vi.spyOn(ctx.store, 'writeChatJournal').mockRejectedValue(
      new Dexie.AbortError('Transaction aborted', new DOMException('The quota has been exceeded.', 'QuotaExceededError')),
    );
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toEqual({
      ok: false,
      retryable: true,
      message:
        "The browser's storage for CRM Chat Bridge is full (QuotaExceededError), so this chat could not be remembered. Free some disk space or clear other sites' data, then try again.",
    });
    expect(ctx.provider.calls).toEqual([]);
  });

  it('a closed database (DatabaseClosedError): the storage failed, try again or restart the browser', async () => {
    const { ctx, db } = contextOnNamedDb();
    db.close({ disableAutoOpen: true });
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toEqual({
      ok: false,
      retryable: true,
      message: "The browser's storage for CRM Chat Bridge failed (IndexedDB: DatabaseClosedError). Try again; if it keeps failing, restart the browser.",
    });
    expect(ctx.provider.calls).toEqual([]);
  });

  it('IndexedDB unavailable (MissingAPIError): private window / blocked site data', async () => {
    const { ctx } = contextOnNamedDb();
    vi.spyOn(ctx.store, 'findLeadState').mockRejectedValue(new Dexie.MissingAPIError('IndexedDB API missing'));
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toContain('does not let CRM Chat Bridge use its storage (IndexedDB: MissingAPIError)');
  });
});
