import { describe, expect, it } from 'vitest';
import { ACTION_VARIABLES, type ActionEventInput, actionVariables } from '../../../lib/crm-actions/variables';
import type { Lead } from '../../../lib/messages';

const NOW = Date.parse('2026-11-22T10:00:00.250Z');
const LEAD: Lead = {
  profileId: 'salesforce',
  crmId: 'salesforce:acme:00Q5e00000AbCdE',
  recordId: '00Q5e00000AbCdE',
  pageUrl: 'https://acme.lightning.force.test/lightning/r/Lead/00Q5e00000AbCdE/view',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-0132',
  email: 'ada@example.com',
  ownerEmail: 'owner@acme.test',
  ownerName: 'Olivia Owner',
  status: 'Qualified',
};
const INPUT: ActionEventInput = {
  event: 'chat-opened',
  eventId: '6f1c2a4e-0000-4000-8000-000000000001',
  lead: LEAD,
  agent: { email: 'alice@example.com', name: 'Alice Agent', providerUserId: 'u_alice' },
  chat: { chatroomUrl: 'https://app.test/app/chatrooms/cr_1', chatroomId: 'cr_1', contactId: 'c_1' },
  outcome: 'Chat opened with Ada Lovelace.',
  now: NOW,
  defaultCountry: 'US',
};

describe('actionVariables', () => {
  it('every variable from a full event', () => {
    expect(actionVariables(INPUT)).toEqual({
      CRM_ID: '00Q5e00000AbCdE',
      LEAD_IDENTITY: 'salesforce:acme:00Q5e00000AbCdE',
      RECORD_URL: 'https://acme.lightning.force.test/lightning/r/Lead/00Q5e00000AbCdE/view',
      FIRST_NAME: 'Ada',
      LAST_NAME: 'Lovelace',
      FULL_NAME: 'Ada Lovelace',
      PHONE_E164: '+14155550132',
      PHONE_NATIONAL: '(415) 555-0132',
      PHONE_DIGITS: '14155550132',
      EMAIL: 'ada@example.com',
      OWNER_EMAIL: 'owner@acme.test',
      OWNER_NAME: 'Olivia Owner',
      STATUS: 'Qualified',
      AGENT_EMAIL: 'alice@example.com',
      AGENT_NAME: 'Alice Agent',
      AGENT_ID: 'u_alice',
      CHATROOM_URL: 'https://app.test/app/chatrooms/cr_1',
      CHATROOM_ID: 'cr_1',
      CONTACT_ID: 'c_1',
      EVENT: 'chat-opened',
      EVENT_ID: '6f1c2a4e-0000-4000-8000-000000000001',
      OUTCOME: 'Chat opened with Ada Lovelace.',
      NOW_ISO: '2026-11-22T10:00:00.250Z',
      NOW_MS: String(NOW),
      TODAY: '2026-11-22',
    });
  });

  it('gives only documented variables', () => {
    expect(Object.keys(actionVariables(INPUT)).sort()).toEqual([...ACTION_VARIABLES].sort());
  });

  it('values the event lacks are absent, not empty', () => {
    const vars = actionVariables({ event: 'login', eventId: 'ev-1', now: NOW, defaultCountry: 'US' });
    expect(vars).toEqual({ EVENT: 'login', EVENT_ID: 'ev-1', NOW_ISO: '2026-11-22T10:00:00.250Z', NOW_MS: String(NOW), TODAY: '2026-11-22' });
  });

  it('a lead with only its identity: the rest absent', () => {
    const vars = actionVariables({ ...INPUT, lead: { profileId: 'rule:acme', crmId: 'rule:acme:crm.acme.test:42' }, agent: {}, chat: {} });
    expect(Object.keys(vars)).toEqual(['LEAD_IDENTITY', 'EVENT', 'EVENT_ID', 'OUTCOME', 'NOW_ISO', 'NOW_MS', 'TODAY']);
  });

  it('blank values are absent; values are trimmed', () => {
    const vars = actionVariables({
      ...INPUT,
      lead: { ...LEAD, firstName: '  ', lastName: ' Lovelace ', email: ' ', status: '' },
      chat: { chatroomUrl: '  https://app.test/app/chatrooms/cr_1  ' },
    });
    expect(vars).toMatchObject({ LAST_NAME: 'Lovelace', FULL_NAME: 'Lovelace', CHATROOM_URL: 'https://app.test/app/chatrooms/cr_1' });
    for (const name of ['FIRST_NAME', 'EMAIL', 'STATUS', 'CHATROOM_ID', 'CONTACT_ID']) expect(vars).not.toHaveProperty(name);
  });

  it('FULL_NAME is the first or last name alone when the lead has one', () => {
    expect(actionVariables({ ...INPUT, lead: { ...LEAD, lastName: undefined } }).FULL_NAME).toBe('Ada');
    expect(actionVariables({ ...INPUT, lead: { ...LEAD, firstName: undefined } }).FULL_NAME).toBe('Lovelace');
  });

  describe('phone forms', () => {
    const phones = (lead: Partial<Lead>, defaultCountry = 'US') => {
      const vars = actionVariables({ ...INPUT, lead: { profileId: 'p', crmId: 'c', ...lead }, defaultCountry });
      return { e164: vars.PHONE_E164, national: vars.PHONE_NATIONAL, digits: vars.PHONE_DIGITS };
    };

    it('a local number read in the default country', () => {
      expect(phones({ phone: '(415) 555-0132' })).toEqual({ e164: '+14155550132', national: '(415) 555-0132', digits: '14155550132' });
      expect(phones({ phone: '0151 12345678' }, 'DE')).toEqual({ e164: '+4915112345678', national: '01511 2345678', digits: '4915112345678' });
    });

    it('an international number keeps its country (national form of its own country)', () => {
      expect(phones({ phone: '+49 151 12345678' })).toEqual({ e164: '+4915112345678', national: '01511 2345678', digits: '4915112345678' });
      expect(phones({ phone: '0049 151 12345678' })).toEqual({ e164: '+4915112345678', national: '01511 2345678', digits: '4915112345678' });
    });

    it('of several numbers, the one labelled mobile', () => {
      expect(phones({ phones: [{ number: '(415) 555-0132', label: 'Work' }, { number: '+44 7700 900123', label: 'Mobile' }] })).toEqual({
        e164: '+447700900123',
        national: '07700 900123',
        digits: '447700900123',
      });
    });

    it('a number that cannot be read: no phone variables, no error', () => {
      expect(phones({ phone: 'call me maybe' })).toEqual({ e164: undefined, national: undefined, digits: undefined });
    });

    it('no phone: no phone variables', () => {
      expect(phones({})).toEqual({ e164: undefined, national: undefined, digits: undefined });
    });
  });

  describe('time', () => {
    it('NOW_ISO, NOW_MS and TODAY come from `now` (UTC)', () => {
      const late = Date.parse('2026-12-31T23:59:59.999Z');
      expect(actionVariables({ ...INPUT, now: late })).toMatchObject({ NOW_ISO: '2026-12-31T23:59:59.999Z', NOW_MS: String(late), TODAY: '2026-12-31' });
      const early = Date.parse('2027-01-01T00:00:00.000Z');
      expect(actionVariables({ ...INPUT, now: early })).toMatchObject({ NOW_ISO: '2027-01-01T00:00:00.000Z', TODAY: '2027-01-01' });
    });
  });

  describe('the agent', () => {
    it('AGENT_NAME falls back to the e-mail when the agent has no name', () => {
      const vars = actionVariables({ ...INPUT, agent: { email: 'bob@example.com', providerUserId: 'u_bob' } });
      expect(vars).toMatchObject({ AGENT_NAME: 'bob@example.com', AGENT_EMAIL: 'bob@example.com', AGENT_ID: 'u_bob' });
    });

    it('no agent: no agent variables', () => {
      const { agent: _agent, ...rest } = INPUT;
      const vars = actionVariables(rest);
      for (const name of ['AGENT_NAME', 'AGENT_EMAIL', 'AGENT_ID']) expect(vars).not.toHaveProperty(name);
    });
  });
});
