import { describe, expect, it } from 'vitest';
import { openChat } from '../../../lib/actions/chat';
import type { Lead } from '../../../lib/messaging';
import type { AssignResult } from '../../../lib/provider/responses';
import { makeContext, providerError, type TestContext } from '../helpers';

/**
 * Issue 17: a Chat on a lead whose chatroom is known and already the agent's shows the chatroom while the
 * assign is on its way; the assign's answer still decides what the tab ends on.
 */
const lead = (overrides: Partial<Lead> = {}): Lead => ({
  profileId: 'demo',
  crmId: 'L-1001',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-0132',
  ...overrides,
});

const ROOM = 'https://app.test/app/chatrooms/cr_c_1';

/**
 * A context whose assign waits for `answer`, logging when the tab is shown and the assign answered;
 * `asked` settles when the assign has been sent.
 */
function held(ctx: TestContext) {
  const log: string[] = [];
  let release: (result: AssignResult | Error) => void = () => undefined;
  let sent: () => void = () => undefined;
  const asked = new Promise<void>((resolve) => {
    sent = resolve;
  });
  const showInDashboard = ctx.showInDashboard;
  ctx.showInDashboard = async (url, dashboardUrl) => {
    log.push(`show ${url}`);
    return showInDashboard(url, dashboardUrl);
  };
  ctx.provider.assignResult = () =>
    new Promise<AssignResult>((resolve, reject) => {
      sent();
      release = (result) => {
        log.push('assign answered');
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
    });
  const answer = async (result: AssignResult | Error) => {
    await asked;
    release(result);
  };
  return { log, answer, asked };
}

/** The first Chat maps the lead (new contact c_1, chatroom cr_c_1, assigned to me). */
async function mappedLead(): Promise<TestContext> {
  const ctx = makeContext();
  expect((await openChat(lead(), ctx)).ok).toBe(true);
  ctx.opened.length = 0;
  ctx.provider.calls.length = 0;
  return ctx;
}


describe('Chat on a known lead: the chatroom is shown while the assign is on its way', () => {
  it('shows the known chatroom before the assign answers, once, and writes no journal entry for it', async () => {
    const ctx = await mappedLead();
    const { log, answer, asked } = held(ctx);
    const outcome = openChat(lead(), ctx);
    await asked;
    expect(log).toEqual([`show ${ROOM}`]);
    expect(await ctx.store.unfinishedChats()).toEqual([]);
    await answer({ chatroomId: 'cr_c_1', assignedUserId: 'u_alice' });
    expect(await outcome).toMatchObject({ ok: true, detail: { chatroomUrl: ROOM } });
    expect(log).toEqual([`show ${ROOM}`, 'assign answered']);
    expect(ctx.provider.calls.map((call) => call.method)).toEqual(['assign']);
  });

  it('moves the tab to the chatroom the assign names when it is another', async () => {
    const ctx = await mappedLead();
    const { log, answer } = held(ctx);
    const outcome = openChat(lead(), ctx);
    await answer({ chatroomId: 'cr_new', assignedUserId: 'u_alice' });
    expect(await outcome).toMatchObject({ ok: true, detail: { chatroomId: 'cr_new' } });
    expect(log).toEqual([`show ${ROOM}`, 'assign answered', 'show https://app.test/app/chatrooms/cr_new']);
    expect(await ctx.store.findChatroomId('org_1', 'c_1')).toBe('cr_new');
  });

  it('a failed assign is the outcome; the early show is not repeated', async () => {
    const ctx = await mappedLead();
    const { log, answer } = held(ctx);
    const outcome = openChat(lead(), ctx);
    await answer(providerError('http', { status: 500, endpoint: 'assign', errorMessage: 'Internal error' }));
    expect(await outcome).toMatchObject({ ok: false, message: expect.stringContaining('Internal error') });
    expect(log).toEqual([`show ${ROOM}`, 'assign answered']);
  });

  it('an early show that fails is made again once the assign answered', async () => {
    const ctx = await mappedLead();
    const { log, answer } = held(ctx);
    let shows = 0;
    const show = ctx.showInDashboard;
    ctx.showInDashboard = async (url, dashboardUrl) => {
      shows += 1;
      if (shows === 1) {
        log.push('show failed');
        throw new Error('tabs.create failed');
      }
      return show(url, dashboardUrl);
    };
    const outcome = openChat(lead(), ctx);
    await answer({ chatroomId: 'cr_c_1', assignedUserId: 'u_alice' });
    expect(await outcome).toMatchObject({ ok: true });
    expect(log).toEqual(['show failed', 'assign answered', `show ${ROOM}`]);
  });

  it('waits for the assign when another agent holds the chat (its page would still say so)', async () => {
    const ctx = await mappedLead();
    await ctx.store.saveAssignment('org_1', 'c_1', 'u_bob', 'cr_c_1', 1);
    const { log, answer, asked } = held(ctx);
    const outcome = openChat(lead(), ctx);
    await asked;
    expect(log).toEqual([]);
    await answer({ chatroomId: 'cr_c_1', assignedUserId: 'u_alice', previousAssignedUserId: 'u_bob' });
    await outcome;
    expect(log).toEqual(['assign answered', `show ${ROOM}`]);
  });

  it('waits for the assign when the Chat renames the contact first', async () => {
    const ctx = await mappedLead();
    const { log, answer, asked } = held(ctx);
    const outcome = openChat(lead({ firstName: 'Augusta' }), ctx);
    await asked;
    expect(log).toEqual([]);
    await answer({ chatroomId: 'cr_c_1', assignedUserId: 'u_alice' });
    await outcome;
    expect(log).toEqual(['assign answered', `show ${ROOM}`]);
    expect(ctx.provider.calls.map((call) => call.method)).toEqual(['updateContact', 'assign']);
  });

  it('a new lead is shown only once the assign named its chatroom', async () => {
    const ctx = makeContext();
    const { log, answer, asked } = held(ctx);
    const outcome = openChat(lead({ crmId: 'L-2002' }), ctx);
    await asked;
    expect(log).toEqual([]);
    await answer({ chatroomId: 'cr_c_1', assignedUserId: 'u_alice' });
    await outcome;
    expect(log).toEqual(['assign answered', `show ${ROOM}`]);
  });
});
