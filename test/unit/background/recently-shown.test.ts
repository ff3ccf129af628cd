import { describe, expect, it } from 'vitest';
import type { SessionStore } from '../../../lib/actions/dashboard-tab';
import { recentlyShown, SHOWN_BY_CHAT_MS } from '../../../lib/background/recently-shown';

const CHAT_1 = 'https://app.saleschat.pro/app/chatrooms/1';
const CHAT_2 = 'https://app.saleschat.pro/app/chatrooms/2';

function fakeSession(): SessionStore & { items: Map<string, unknown> } {
  const items = new Map<string, unknown>();
  return {
    items,
    get: async (key) => items.get(key),
    set: async (key, value) => void items.set(key, value),
    remove: async (key) => void items.delete(key),
  };
}

function setup() {
  const clock = { now: 1_000_000 };
  const session = fakeSession();
  return { clock, session, shown: recentlyShown(session, () => clock.now) };
}

describe('recentlyShown: the chatroom page our Chat just showed', () => {
  it('is true once for that page within 60 s, then false (the visit after it is the agent’s own)', async () => {
    const { clock, shown } = setup();
    await shown.note(CHAT_1);
    clock.now += SHOWN_BY_CHAT_MS - 1;
    expect(await shown.recently(CHAT_1)).toBe(true);
    expect(await shown.recently(CHAT_1)).toBe(false);
  });

  it('the window is 60 s', () => {
    expect(SHOWN_BY_CHAT_MS).toBe(60_000);
  });

  it('is false 60 s after the Chat showed it', async () => {
    const { clock, shown } = setup();
    await shown.note(CHAT_1);
    clock.now += SHOWN_BY_CHAT_MS;
    expect(await shown.recently(CHAT_1)).toBe(false);
  });

  it('is false for another chatroom, which does not consume the noted one', async () => {
    const { shown } = setup();
    await shown.note(CHAT_1);
    expect(await shown.recently(CHAT_2)).toBe(false);
    expect(await shown.recently(CHAT_1)).toBe(true);
  });

  it('the same page with a trailing slash counts', async () => {
    const { shown } = setup();
    await shown.note(`${CHAT_1}/`);
    expect(await shown.recently(CHAT_1)).toBe(true);
  });

  it('only the last page noted counts', async () => {
    const { shown } = setup();
    await shown.note(CHAT_1);
    await shown.note(CHAT_2);
    expect(await shown.recently(CHAT_1)).toBe(false);
    expect(await shown.recently(CHAT_2)).toBe(true);
  });

  it('is false when nothing was noted, or session storage holds something else under the key', async () => {
    const { session, shown } = setup();
    expect(await shown.recently(CHAT_1)).toBe(false);
    session.items.set('shownByChat', { url: CHAT_1, at: '1000000' });
    expect(await shown.recently(CHAT_1)).toBe(false);
    session.items.set('shownByChat', 'junk');
    expect(await shown.recently(CHAT_1)).toBe(false);
  });

  it('is kept in session storage, so a restarted worker still knows', async () => {
    const { clock, session, shown } = setup();
    await shown.note(CHAT_1);
    expect(session.items.get('shownByChat')).toEqual({ url: CHAT_1, at: 1_000_000 });
    const restarted = recentlyShown(session, () => clock.now + 5_000);
    expect(await restarted.recently(CHAT_1)).toBe(true);
    expect(session.items.has('shownByChat')).toBe(false);
  });

  it('a failing session storage reads as not shown, and noting never throws', async () => {
    const failing: SessionStore = {
      get: async () => {
        throw new Error('storage gone');
      },
      set: async () => {
        throw new Error('storage gone');
      },
      remove: async () => {
        throw new Error('storage gone');
      },
    };
    const shown = recentlyShown(failing, () => 0);
    await expect(shown.note(CHAT_1)).resolves.toBeUndefined();
    expect(await shown.recently(CHAT_1)).toBe(false);
  });
});
