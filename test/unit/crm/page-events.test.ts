// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { dispatchPageEvent, PAGE_EVENT_VERSION, type PageEventDetail, pageEventDetail } from '../../../lib/crm/page-events';
import type { ActionOutcome, Lead } from '../../../lib/messages';

const AT = new Date('2026-11-22T10:00:00.000Z');
const LEAD: Lead = {
  profileId: 'rule:acme',
  crmId: 'rule:acme:crm.acme.test:L-42',
  recordId: 'L-42',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '+14155550132',
  email: 'ada@example.com',
};

describe('pageEventDetail', () => {
  it('chat-opened: version, event, the lead’s ids, the chatroom, the agent, the message, the time', () => {
    const outcome: ActionOutcome = {
      ok: true,
      message: 'Chat opened with Ada Lovelace.',
      detail: { chatroomUrl: 'https://app.test/app/chatrooms/cr_1', chatroomId: 'cr_1', contactId: 'c_1', agentEmail: 'alice@example.com' },
    };
    expect(pageEventDetail('chat-opened', outcome, LEAD, AT)).toEqual({
      version: 1,
      event: 'chat-opened',
      crmId: 'rule:acme:crm.acme.test:L-42',
      recordId: 'L-42',
      chatroomUrl: 'https://app.test/app/chatrooms/cr_1',
      agentEmail: 'alice@example.com',
      message: 'Chat opened with Ada Lovelace.',
      at: '2026-11-22T10:00:00.000Z',
    });
    expect(PAGE_EVENT_VERSION).toBe(1);
  });

  it('chat-failed: the lead’s ids and what the agent was told; nothing of the failure’s internals', () => {
    const outcome: ActionOutcome = {
      ok: false,
      message: 'Saleschat refused the token (401). Ask your administrator.',
      errorCode: 4010001,
      errorMessage: 'UNAUTHORIZED',
      status: 401,
      retryable: false,
    };
    expect(pageEventDetail('chat-failed', outcome, LEAD, AT)).toEqual({
      version: 1,
      event: 'chat-failed',
      crmId: 'rule:acme:crm.acme.test:L-42',
      recordId: 'L-42',
      message: 'Saleschat refused the token (401). Ask your administrator.',
      at: '2026-11-22T10:00:00.000Z',
    });
  });

  it('login: no lead, the agent’s e-mail when known', () => {
    const outcome: ActionOutcome = { ok: true, message: 'Opened the dashboard.', detail: { agentEmail: 'alice@example.com' } };
    expect(pageEventDetail('login', outcome, undefined, AT)).toEqual({
      version: 1,
      event: 'login',
      agentEmail: 'alice@example.com',
      message: 'Opened the dashboard.',
      at: '2026-11-22T10:00:00.000Z',
    });
    expect(pageEventDetail('login', { ok: true, message: 'Opened the dashboard.' }, undefined, AT)).toEqual({
      version: 1,
      event: 'login',
      message: 'Opened the dashboard.',
      at: '2026-11-22T10:00:00.000Z',
    });
  });

  it('a lead without a record id: only its identity', () => {
    const { recordId: _recordId, ...lead } = LEAD;
    expect(pageEventDetail('chat-opened', { ok: true, message: 'Chat opened.' }, lead, AT)).toEqual({
      version: 1,
      event: 'chat-opened',
      crmId: 'rule:acme:crm.acme.test:L-42',
      message: 'Chat opened.',
      at: '2026-11-22T10:00:00.000Z',
    });
  });

  it('never carries the lead’s personal data (name, phone, e-mail)', () => {
    const detail = pageEventDetail('chat-opened', { ok: true, message: 'Chat opened.' }, LEAD, AT);
    const text = JSON.stringify(detail);
    for (const value of ['Ada', 'Lovelace', '+14155550132', 'ada@example.com']) expect(text).not.toContain(value);
  });
});

describe('dispatchPageEvent', () => {
  it.each(['chat-opened', 'chat-failed', 'login'] as const)('dispatches crm-chat-bridge:%s on the document with the detail', (event) => {
    const detail: PageEventDetail = { version: 1, event, crmId: 'rule:acme:crm.acme.test:L-42', message: 'Done.', at: '2026-11-22T10:00:00.000Z' };
    const received: { type: string; detail: unknown; isCustom: boolean }[] = [];
    const listener = (dispatched: Event) => {
      received.push({ type: dispatched.type, detail: (dispatched as CustomEvent).detail, isCustom: dispatched instanceof CustomEvent });
    };
    document.addEventListener(`crm-chat-bridge:${event}`, listener);
    try {
      dispatchPageEvent(document, detail);
    } finally {
      document.removeEventListener(`crm-chat-bridge:${event}`, listener);
    }
    expect(received).toEqual([{ type: `crm-chat-bridge:${event}`, detail, isCustom: true }]);
  });

  it('only the event’s own name is dispatched', () => {
    const heard: string[] = [];
    const names = ['crm-chat-bridge:chat-opened', 'crm-chat-bridge:chat-failed', 'crm-chat-bridge:login'];
    const listeners = names.map((name) => {
      const listener = () => heard.push(name);
      document.addEventListener(name, listener);
      return [name, listener] as const;
    });
    dispatchPageEvent(document, { version: 1, event: 'chat-failed', message: 'No.', at: '2026-11-22T10:00:00.000Z' });
    for (const [name, listener] of listeners) document.removeEventListener(name, listener);
    expect(heard).toEqual(['crm-chat-bridge:chat-failed']);
  });
});
