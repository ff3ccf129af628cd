import { describe, expect, it } from 'vitest';
import type { Lead } from '../../../lib/messaging';
import { teamChat, type TeamActionContext } from '../../../lib/team/actions';
import type { StoredSession } from '../../../lib/team/session';
import { freshStore, NOW } from '../helpers';

/**
 * Team mode, issue 17: a lead whose chat the gateway last gave this agent has its chatroom shown while the
 * gateway works; the gateway's answer still decides what the tab ends on.
 */
const DASHBOARD = 'https://app.test/app';
const ROOM = `${DASHBOARD}/chatrooms/cr_1`;
const session: StoredSession = {
  gatewayUrl: 'https://gateway.test',
  idToken: 'id-token',
  expiresAt: NOW + 3_600_000,
  email: 'alice@example.com',
  providerUserId: 'u_alice',
  rules: { orgId: 'org_1', providerDashboardUrl: DASHBOARD, allowReassign: true, reassignWhenOwnerUnknown: 'allow', defaultCountry: 'US' },
};
const lead: Lead = { profileId: 'demo', crmId: 'L-1', firstName: 'Ada', lastName: 'Lovelace', phone: '(415) 555-0132' };

/** A context whose gateway answers each Chat only when `answer` is called; logs shows and answers in order. */
function teamContext() {
  const log: string[] = [];
  let reply: (body: unknown) => void = () => undefined;
  let asked: () => void = () => undefined;
  const called = new Promise<void>((resolve) => {
    asked = resolve;
  });
  const ctx: TeamActionContext = {
    gateway: {
      session: async () => session,
      call: () =>
        new Promise((resolve) => {
          asked();
          reply = (body) => {
            log.push('gateway answered');
            resolve(body);
          };
        }),
    },
    showInDashboard: async (url) => {
      log.push(`show ${url}`);
      return 'opened';
    },
    store: freshStore(),
    now: () => NOW,
  };
  const answer = async (body: unknown) => {
    await called;
    reply(body);
  };
  return { ctx, log, answer, called };
}

const chatAnswer = (chatroomId: string) => ({ ok: true, message: 'Chat with Ada Lovelace opened.', chatroomUrl: `${DASHBOARD}/chatrooms/${chatroomId}`, contactId: 'c_1', chatroomId, created: false });

describe('team Chat on a lead the gateway last gave this agent', () => {
  it('the first Chat waits for the gateway; the next shows the chatroom while the gateway works, once', async () => {
    const first = teamContext();
    const outcome = teamChat(lead, first.ctx);
    await first.called;
    expect(first.log).toEqual([]);
    await first.answer(chatAnswer('cr_1'));
    expect(await outcome).toMatchObject({ ok: true });
    expect(first.log).toEqual(['gateway answered', `show ${ROOM}`]);

    const second = teamContext();
    second.ctx.store = first.ctx.store;
    const cards: string[] = [];
    second.ctx.rememberCard = (chatroomId, card) => cards.push(`${chatroomId} ${card.firstName} ${card.openedBy?.email}`);
    const again = teamChat(lead, second.ctx);
    await second.called;
    expect(second.log).toEqual([`show ${ROOM}`]);
    // The page it loads asks for its card before the gateway answered: it is there already (no gateway request).
    expect(cards).toEqual(['cr_1 Ada alice@example.com']);
    await second.answer(chatAnswer('cr_1'));
    expect(await again).toMatchObject({ ok: true, detail: { chatroomUrl: ROOM } });
    expect(second.log).toEqual([`show ${ROOM}`, 'gateway answered']);
  });

  it('moves the tab when the gateway names another chatroom, and keeps the page when it refuses', async () => {
    const setup = teamContext();
    const done = teamChat(lead, setup.ctx);
    await setup.answer(chatAnswer('cr_1'));
    await done;

    const moved = teamContext();
    moved.ctx.store = setup.ctx.store;
    const outcome = teamChat(lead, moved.ctx);
    await moved.answer(chatAnswer('cr_2'));
    await outcome;
    expect(moved.log).toEqual([`show ${ROOM}`, 'gateway answered', `show ${DASHBOARD}/chatrooms/cr_2`]);

    const refused = teamContext();
    refused.ctx.store = setup.ctx.store;
    const refusal = teamChat(lead, refused.ctx);
    await refused.answer({ ok: false, message: "This lead's chat belongs to Bob Agent.", retryable: false });
    expect(await refusal).toMatchObject({ ok: false, message: "This lead's chat belongs to Bob Agent." });
    expect(refused.log).toEqual([`show ${DASHBOARD}/chatrooms/cr_2`, 'gateway answered']);
  });

  it('a lead whose chat this browser last saw go to someone else is not shown early', async () => {
    const setup = teamContext();
    const done = teamChat(lead, setup.ctx);
    await setup.answer(chatAnswer('cr_1'));
    await done;
    await setup.ctx.store.saveAssignment('org_1', 'c_1', 'u_bob', 'cr_1', NOW);

    const next = teamContext();
    next.ctx.store = setup.ctx.store;
    const outcome = teamChat(lead, next.ctx);
    await next.called;
    expect(next.log).toEqual([]);
    await next.answer(chatAnswer('cr_1'));
    await outcome;
    expect(next.log).toEqual(['gateway answered', `show ${ROOM}`]);
  });
});
