import { describe, expect, it } from 'vitest';
import { openChat } from '../../../lib/actions/chat';
import type { Lead } from '../../../lib/messaging';
import { BASE_OPTIONS, makeContext, NOW, providerError } from '../helpers';

const lead = (overrides: Partial<Lead> = {}): Lead => ({
  profileId: 'demo',
  crmId: 'L-1001',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-0132',
  email: 'ada@example.com',
  ...overrides,
});

describe('Chat on a new lead', () => {
  it('creates the contact (E.164 phone), assigns it to me, stores the mapping and opens the chatroom', async () => {
    const ctx = makeContext();
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toEqual({
      ok: true,
      message: 'Chat with Ada Lovelace opened.',
      // What the CRM write-back and the page events are told: never a login link.
      detail: { chatroomUrl: 'https://app.test/app/chatrooms/cr_c_1', chatroomId: 'cr_c_1', contactId: 'c_1', agentEmail: 'alice@example.com' },
    });
    expect(ctx.provider.calls).toEqual([
      {
        method: 'createContact',
        args: [{ crm_id: 'L-1001', first_name: 'Ada', last_name: 'Lovelace', phone_number: '+14155550132', opt_in_date: new Date(NOW).toISOString() }],
      },
      { method: 'assign', args: ['c_1', 'u_alice'] },
    ]);
    expect(ctx.opened).toEqual(['https://app.test/app/chatrooms/cr_c_1']);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toMatchObject({ providerContactId: 'c_1' });
    expect(await ctx.store.findChatroomId('org_1', 'c_1')).toBe('cr_c_1');
    expect(await ctx.store.findAssignee('org_1', 'c_1')).toBe('u_alice');
  });

  it('reads numbers without a country code as defaultCountry and keeps international ones', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, defaultCountry: 'GB' });
    await openChat(lead({ crmId: 'A', phone: '020 7946 0958' }), ctx);
    await openChat(lead({ crmId: 'B', phone: '0049 30 901820' }), ctx);
    const phones = ctx.provider.calls.filter((call) => call.method === 'createContact').map((call) => (call.args[0] as { phone_number: string }).phone_number);
    expect(phones).toEqual(['+442079460958', '+4930901820']);
  });

  it('sends no phone_number when the lead has none', async () => {
    const ctx = makeContext();
    await openChat(lead({ phone: undefined }), ctx);
    expect(ctx.provider.calls[0]?.args[0]).not.toHaveProperty('phone_number');
  });

  it('refuses an unreadable phone number before calling the provider', async () => {
    const ctx = makeContext();
    const outcome = await openChat(lead({ phone: '12' }), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toContain('"12" could not be read');
    expect(ctx.provider.calls).toEqual([]);
  });

  it('strips the * the provider forbids in names and respects its 128-character limit', async () => {
    const ctx = makeContext();
    await openChat(lead({ firstName: '**VIP** Ada', lastName: 'x'.repeat(200) }), ctx);
    const body = ctx.provider.calls[0]?.args[0] as { first_name: string; last_name: string };
    expect(body.first_name).toBe('VIP Ada');
    expect(body.last_name).toHaveLength(128);
  });

  it('omits a name made only of stars', async () => {
    const ctx = makeContext();
    await openChat(lead({ firstName: '***' }), ctx);
    expect(ctx.provider.calls[0]?.args[0]).not.toHaveProperty('first_name');
  });

  it('refuses a CRM id longer than the provider accepts, without calling it', async () => {
    const ctx = makeContext();
    const outcome = await openChat(lead({ crmId: 'x'.repeat(129) }), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toContain('at most 128');
    expect(ctx.clientsCreated).toBe(0);
  });
});

describe('Chat on a known lead', () => {
  it('creates no contact and opens the same chatroom', async () => {
    const ctx = makeContext();
    await openChat(lead(), ctx);
    ctx.provider.calls = [];
    const outcome = await openChat(lead(), ctx);
    expect(outcome.ok).toBe(true);
    expect(ctx.provider.calls).toEqual([{ method: 'assign', args: ['c_1', 'u_alice'] }]);
    expect(ctx.opened).toEqual(['https://app.test/app/chatrooms/cr_c_1', 'https://app.test/app/chatrooms/cr_c_1']);
  });

  it('uses the stored chatroom when a later assign response names none', async () => {
    const ctx = makeContext();
    await openChat(lead(), ctx);
    ctx.provider.assignResult = async () => ({});
    await openChat(lead(), ctx);
    expect(ctx.opened[1]).toBe('https://app.test/app/chatrooms/cr_c_1');
  });
});

describe('Chat when the provider returns no chatroom id', () => {
  it('opens the dashboard for the contact instead of failing', async () => {
    const ctx = makeContext();
    ctx.provider.assignResult = async () => ({});
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toEqual({ ok: true, message: 'Chat with Ada Lovelace opened. Saleschat did not say which chatroom, so the contact is shown.', detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
    expect(ctx.opened).toEqual(['https://app.test/app/contacts/c_1']);
  });

  it('honours custom URL templates, encoding the variables', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, chatroomUrlTemplate: '{DASHBOARD_URL}/#/room/{CHATROOM_ID}?crm={CRM_ID}' });
    await openChat(lead({ crmId: 'L 1/2' }), ctx);
    expect(ctx.opened).toEqual(['https://app.test/app/#/room/cr_c_1?crm=L%201%2F2']);
  });
});

describe('Reassignment rules', () => {
  it('says so when the assign response reveals the chat was taken over from another agent', async () => {
    const ctx = makeContext();
    ctx.provider.assignResult = async () => ({ chatroomId: 'cr_9', assignedUserId: 'u_alice', previousAssignedUserId: 'u_bob' });
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toEqual({ ok: true, message: 'Chat with Ada Lovelace opened. It was assigned to Bob Agent (bob@example.com); it is yours now.', detail: expect.objectContaining({ agentEmail: 'alice@example.com' }) });
  });

  it('allowReassign false + lead owned (CRM owner) by another agent: no provider call, a clear message', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, allowReassign: false });
    const outcome = await openChat(lead({ ownerEmail: 'BOB@example.com' }), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toContain('belongs to Bob Agent (bob@example.com)');
    expect(outcome.message).toContain('does not allow');
    expect(ctx.provider.calls).toEqual([]);
  });

  it('allowReassign false + this browser recorded another assignee: no assign call', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, allowReassign: false });
    await ctx.store.saveContact('org_1', 'L-1001', 'c_7', NOW);
    await ctx.store.saveAssignment('org_1', 'c_7', 'u_bob', 'cr_7', NOW);
    const outcome = await openChat(lead(), ctx);
    expect(outcome.ok).toBe(false);
    expect(ctx.provider.count('assign')).toBe(0);
  });

  it('allowReassign false + recorded assignee is me: goes ahead even if the CRM owner is someone else', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, allowReassign: false });
    await ctx.store.saveContact('org_1', 'L-1001', 'c_7', NOW);
    await ctx.store.saveAssignment('org_1', 'c_7', 'u_alice', 'cr_7', NOW);
    const outcome = await openChat(lead({ ownerEmail: 'bob@example.com' }), ctx);
    expect(outcome.ok).toBe(true);
    expect(ctx.provider.calls).toEqual([{ method: 'assign', args: ['c_7', 'u_alice'] }]);
  });

  it('allowReassign false + owner is me: goes ahead; an owner in nobody’s entry: refused (chat-owner.test.ts has the rest)', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, allowReassign: false });
    expect((await openChat(lead({ crmId: 'A', ownerEmail: 'alice@example.com' }), ctx)).ok).toBe(true);
    expect((await openChat(lead({ crmId: 'B', ownerEmail: 'stranger@example.com' }), ctx)).ok).toBe(false);
  });

  it('allowReassign true (default) + owner is another agent: assigns to me', async () => {
    const ctx = makeContext();
    expect((await openChat(lead({ ownerEmail: 'bob@example.com' }), ctx)).ok).toBe(true);
    expect(ctx.provider.calls.at(-1)).toEqual({ method: 'assign', args: ['c_1', 'u_alice'] });
  });
});

describe('409 on create (the contact exists at the provider, not in this browser)', () => {
  it('uses the contact id from the conflict payload when the payload names this crm_id, without a duplicate', async () => {
    const ctx = makeContext();
    ctx.provider.createContactResult = async () => {
      throw providerError('http', { status: 409, errorCode: 4090001, errorMessage: 'UQ_CONSTRAINT_FAILED', payload: { contact_id: 'c_other', crm_id: 'L-1001' } });
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome.ok).toBe(true);
    expect(ctx.provider.calls.at(-1)).toEqual({ method: 'assign', args: ['c_other', 'u_alice'] });
    expect(await ctx.store.findContact('org_1', 'L-1001')).toMatchObject({ providerContactId: 'c_other' });
  });

  it.each([
    ['a bare id (the conflict may be the phone: it is another person’s contact)', { contact_id: 'c_phone_owner' }],
    ['an id naming another crm_id', { contact_id: 'c_phone_owner', crm_id: 'L-9999' }],
    ['a bare `id`', { id: 'c_phone_owner' }],
  ])('409 with %s: the id is neither used nor saved; the agent reads the conflict, with its code', async (_name, payload) => {
    const ctx = makeContext();
    ctx.provider.createContactResult = async () => {
      throw providerError('http', { status: 409, errorCode: 4090001, errorMessage: 'UQ_CONSTRAINT_FAILED', payload });
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 409, errorCode: 4090001, errorMessage: 'UQ_CONSTRAINT_FAILED' });
    expect(ctx.provider.count('assign')).toBe(0);
    expect(await ctx.store.findContact('org_1', 'L-1001')).toBeUndefined();
    expect(await ctx.store.unfinishedChats()).toEqual([]);
  });

  it('without an id: a clear, actionable refusal and no assign', async () => {
    const ctx = makeContext();
    ctx.provider.createContactResult = async () => {
      throw providerError('http', { status: 409, errorCode: 4090001, errorMessage: 'UQ_CONSTRAINT_FAILED', payload: {} });
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toContain('already has a contact for CRM id L-1001 (4090001 UQ_CONSTRAINT_FAILED)');
    expect(ctx.provider.count('assign')).toBe(0);
  });
});

describe('Provider failures become toasts with the provider code and message', () => {
  it('403 on create: error code and message, not retryable, nothing stored', async () => {
    const ctx = makeContext();
    ctx.provider.createContactResult = async () => {
      throw providerError('http', { status: 403, errorCode: 4030001, errorMessage: 'FORBIDDEN', errorDescription: 'Partner not allowed' });
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toEqual({
      ok: false,
      message: 'Creating the Saleschat contact failed: Saleschat error 4030001 FORBIDDEN — Partner not allowed',
      status: 403,
      errorCode: 4030001,
      errorMessage: 'FORBIDDEN',
      retryable: false,
    });
    expect(await ctx.store.findContact('org_1', 'L-1001')).toBeUndefined();
  });

  it('failure on assign keeps the created contact, so a retry creates no second one', async () => {
    const ctx = makeContext();
    ctx.provider.assignResult = async () => {
      throw providerError('http', { endpoint: 'assign', status: 503, errorCode: 5030001, errorMessage: 'UNAVAILABLE' });
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: true, errorCode: 5030001 });
    expect(outcome.message).toMatch(/^Assigning the chat failed: /);
    ctx.provider.assignResult = async () => ({ chatroomId: 'cr_1' });
    expect((await openChat(lead(), ctx)).ok).toBe(true);
    expect(ctx.provider.count('createContact')).toBe(1);
  });

  it('401: says the token was rejected', async () => {
    const ctx = makeContext();
    ctx.provider.createContactResult = async () => {
      throw providerError('http', { status: 401, errorCode: 4010001, errorMessage: 'UNAUTHENTICATED' });
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome.message).toBe(
      'Creating the Saleschat contact failed: Saleschat rejected the API token (4010001 UNAUTHENTICATED). Ask your administrator to check apiToken.',
    );
    // Retrying cannot fix a token: no Retry button.
    expect(outcome).toMatchObject({ ok: false, retryable: false });
  });

  it('500: not repeated by the client, but the agent is offered Retry', async () => {
    const ctx = makeContext();
    ctx.provider.assignResult = async () => {
      throw providerError('http', { endpoint: 'assign', status: 500, errorCode: 5000001, errorMessage: 'INTERNAL_ERROR' });
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, status: 500, retryable: true });
  });

  it('an HTTP error without a provider body reports the status', async () => {
    const ctx = makeContext();
    ctx.provider.createContactResult = async () => {
      throw providerError('http', { status: 502, errorMessage: 'Saleschat answered HTTP 502 Bad Gateway' });
    };
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, status: 502, retryable: true });
    expect(outcome.message).toContain('HTTP 502 Bad Gateway');
  });

  it.each([
    ['network', 'Cannot reach Saleschat at https://api.test (fetch failed)'],
    ['timeout', 'Saleschat did not answer within 8 s'],
    ['invalid-response', 'Saleschat sent a response that is not valid JSON'],
  ] as const)('%s errors carry their explanation', async (kind, text) => {
    const ctx = makeContext();
    ctx.provider.createContactResult = async () => {
      throw providerError(kind, { errorMessage: text });
    };
    const outcome = await openChat(lead(), ctx);
    // All three offer Retry: an unreadable answer is not repeated automatically, but the agent may try again.
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(outcome.message).toBe(`Creating the Saleschat contact failed: ${text}.`);
  });

  it('an unexpected exception still produces a message, never silence', async () => {
    const ctx = makeContext();
    ctx.showInDashboard = async () => {
      throw new Error('No tab with id 5');
    };
    expect(await openChat(lead(), ctx)).toEqual({ ok: false, message: 'Something unexpected went wrong: No tab with id 5', retryable: true });
  });
});

describe('Configuration gaps refuse before any provider request', () => {
  it.each([
    ['apiToken', 'API token (apiToken) is not set'],
    ['orgId', 'organisation id (orgId) is not set'],
    ['providerDashboardUrl', 'provider dashboard URL (providerDashboardUrl) is not set'],
  ])('missing %s', async (key, text) => {
    const options: Record<string, unknown> = { ...BASE_OPTIONS };
    delete options[key];
    const ctx = makeContext(options);
    const outcome = await openChat(lead(), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.message).toContain(text);
    expect(ctx.clientsCreated).toBe(0);
  });

  it('an invalid value is named as invalid', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, providerApiUrl: 'not a url' });
    const outcome = await openChat(lead(), ctx);
    expect(outcome.message).toContain('provider API URL (providerApiUrl) is invalid');
    expect(ctx.clientsCreated).toBe(0);
  });

  it('unknown agent: asks the agent to pick themselves', async () => {
    const ctx = makeContext({ ...BASE_OPTIONS, agentEmail: 'nobody@example.com' });
    const outcome = await openChat(lead(), ctx);
    expect(outcome.message).toContain('does not know who you are');
    expect(ctx.clientsCreated).toBe(0);
  });
});

describe('Concurrency', () => {
  it('a double click on one lead runs once: one create, one assign, both callers get the outcome', async () => {
    const ctx = makeContext();
    const [first, second] = await Promise.all([openChat(lead(), ctx), openChat(lead(), ctx)]);
    expect(first).toEqual(second);
    expect(ctx.provider.count('createContact')).toBe(1);
    expect(ctx.provider.count('assign')).toBe(1);
  });

  it('different leads run independently', async () => {
    const ctx = makeContext();
    await Promise.all([openChat(lead({ crmId: 'A' }), ctx), openChat(lead({ crmId: 'B' }), ctx)]);
    expect(ctx.provider.count('createContact')).toBe(2);
  });
});
