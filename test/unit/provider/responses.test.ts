import { describe, expect, it } from 'vitest';
import { parseAssign, parseMagicLink, parseTimestamp } from '../../../lib/provider/responses';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const LIFETIME = 300_000;

describe('parseMagicLink accepts every plausible shape (provider-api.md 2.3 is UNCONFIRMED)', () => {
  it.each([
    ['a bare URL string', 'https://app.test/magic/abc', 'https://app.test/magic/abc', NOW + LIFETIME, false],
    ['magic_link + expiry_ts (epoch seconds)', { magic_link: 'https://a.test/m/1', expiry_ts: NOW / 1000 + 900 }, 'https://a.test/m/1', NOW + 900_000, true],
    ['magicLink + expires_at (ISO)', { magicLink: 'https://a.test/m/2', expires_at: '2026-11-22T10:15:00Z' }, 'https://a.test/m/2', NOW + 900_000, true],
    ['link + expiry (epoch ms)', { link: 'https://a.test/m/3', expiry: NOW + 60_000 }, 'https://a.test/m/3', NOW + 60_000, true],
    ['url without expiry', { url: 'https://a.test/m/4' }, 'https://a.test/m/4', NOW + LIFETIME, false],
  ])('%s', (_name, body, url, expiresAt, expiryKnown) => {
    expect(parseMagicLink(body, NOW, LIFETIME)).toEqual({ url, expiresAt, expiryKnown });
  });

  it.each([
    ['no link field', { token: 'x' }],
    ['a non-URL string', 'not a url'],
    ['a javascript: URL', { magic_link: 'javascript:alert(1)' }],
    ['null', null],
    ['an array', ['https://a.test']],
  ])('rejects %s', (_name, body) => {
    expect(() => parseMagicLink(body, NOW, LIFETIME)).toThrow(/no link/);
  });

  it('ignores an unreadable expiry and uses the configured lifetime', () => {
    expect(parseMagicLink({ magic_link: 'https://a.test/m', expiry: 'soon' }, NOW, LIFETIME).expiresAt).toBe(NOW + LIFETIME);
  });
});

describe('parseTimestamp', () => {
  it('reads seconds, milliseconds, numeric strings and ISO dates', () => {
    expect(parseTimestamp(1_800_000_000)).toBe(1_800_000_000_000);
    expect(parseTimestamp(1_800_000_000_000)).toBe(1_800_000_000_000);
    expect(parseTimestamp('1800000000')).toBe(1_800_000_000_000);
    expect(parseTimestamp('2027-01-15T08:00:00Z')).toBe(Date.parse('2027-01-15T08:00:00Z'));
    expect(parseTimestamp(undefined)).toBeUndefined();
    expect(parseTimestamp(-5)).toBeUndefined();
    expect(parseTimestamp('')).toBeUndefined();
  });
});

describe('parseAssign finds the chatroom id wherever the provider puts it', () => {
  it.each([
    ['chatroom_id', { chatroom_id: 'cr_1', assigned_user_id: 'u_a', previous_assigned_user_id: 'u_b' }, { chatroomId: 'cr_1', assignedUserId: 'u_a', previousAssignedUserId: 'u_b' }],
    ['chatroomId', { chatroomId: 'cr_2' }, { chatroomId: 'cr_2' }],
    ['chatroom.id', { chatroom: { id: 'cr_3', assigned_user_id: 'u_a' } }, { chatroomId: 'cr_3', assignedUserId: 'u_a' }],
    ['a bare id (it may be the contact\'s or the assignment\'s): not a chatroom id', { id: 42 }, {}],
    ['a bare id next to the assignee: still no chatroom id', { id: 'as_9', assigned_user_id: 'u_a' }, { assignedUserId: 'u_a' }],
    ['an empty object', {}, {}],
    ['no body', undefined, {}],
    ['a string', 'ok', {}],
    ['null previous assignee', { chatroom_id: 'cr_4', previous_assigned_user_id: null }, { chatroomId: 'cr_4' }],
  ])('%s', (_name, body, expected) => {
    expect(parseAssign(body)).toEqual(expected);
  });
});
