import { describe, expect, it } from 'vitest';
import { crmTabs, samePage } from '../../../lib/actions/crm-tab';
import type { Lock, SessionStore, TabInfo } from '../../../lib/actions/dashboard-tab';

const LEAD_1 = 'https://crm.example.com/leads/1';
const LEAD_2 = 'https://crm.example.com/leads/2';
const OPENED_KEY = 'crmTabsOpened';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * In-memory tabs and windows that log every call. Every call takes a tick; a created tab is a Chrome-style
 * loading tab (url '' and a pendingUrl) that `query` sees only a tick after `create` resolved, as in a browser.
 */
function fakeBrowser(initial: TabInfo[] = [], createdTab: (url: string) => Partial<TabInfo> = (url) => ({ url: '', pendingUrl: url })) {
  const log: string[] = [];
  const open = new Map<number, TabInfo>(initial.map((tab) => [tab.id ?? -1, { ...tab }]));
  const hidden = new Set<number>();
  let nextId = 100;
  const tabs = {
    get: async (id: number) => {
      log.push(`get ${id}`);
      await tick();
      const tab = open.get(id);
      if (!tab) throw new Error(`No tab with id: ${id}.`);
      return { ...tab };
    },
    query: async (query: Record<string, never>) => {
      log.push(`query ${JSON.stringify(query)}`);
      await tick();
      return [...open.values()].filter((tab) => !hidden.has(tab.id ?? -1)).map((tab) => ({ ...tab }));
    },
    update: async (id: number, change: { active: boolean }) => {
      log.push(`update ${id} active=${change.active}`);
      await tick();
      if (!open.has(id)) throw new Error(`No tab with id: ${id}.`);
      return {};
    },
    create: async (properties: { url: string; active: boolean }) => {
      log.push(`create ${properties.url} active=${properties.active}`);
      const id = nextId++;
      const tab: TabInfo = { id, windowId: 1, status: 'loading', ...createdTab(properties.url) };
      open.set(id, tab);
      hidden.add(id);
      await tick();
      void tick().then(() => hidden.delete(id));
      return { ...tab };
    },
  };
  const windows = {
    update: async (id: number, change: { focused: boolean }) => {
      log.push(`focus window ${id} ${change.focused}`);
      await tick();
      return {};
    },
  };
  return { log, open, tabs, windows };
}

function fakeSession(initial: Record<string, unknown> = {}): SessionStore & { items: Map<string, unknown> } {
  const items = new Map(Object.entries(initial));
  return {
    items,
    get: async (key) => items.get(key),
    set: async (key, value) => void items.set(key, value),
    remove: async (key) => void items.delete(key),
  };
}

function setup(initial: TabInfo[] = [], remembered?: Record<string, number>, more: { lock?: Lock; createdTab?: (url: string) => Partial<TabInfo> } = {}) {
  const fake = fakeBrowser(initial, more.createdTab);
  const session = fakeSession(remembered ? { [OPENED_KEY]: remembered } : {});
  const { show } = crmTabs({ tabs: fake.tabs, windows: fake.windows, session, ...(more.lock ? { lock: more.lock } : {}) });
  return { ...fake, session, show };
}

describe('crmTabs().show: a tab already shows the page', () => {
  it('focuses the most recently used tab that shows it, and its window; nothing is opened', async () => {
    const t = setup([
      { id: 1, url: LEAD_1, windowId: 1, lastAccessed: 10 },
      { id: 2, url: LEAD_2, windowId: 2, lastAccessed: 99 },
      { id: 3, url: LEAD_1, windowId: 3, lastAccessed: 30 },
      { id: 4, url: 'https://mail.example.com/', windowId: 4, lastAccessed: 50 },
    ]);
    expect(await t.show(LEAD_1, true)).toBe('focused');
    expect(t.log).toEqual(['query {}', 'update 3 active=true', 'focus window 3 true']);
    expect(t.session.items.has(OPENED_KEY)).toBe(false);
  });

  it('with open=false as well (screen pop "focus")', async () => {
    const t = setup([{ id: 5, url: LEAD_1, windowId: 2 }]);
    expect(await t.show(LEAD_1, false)).toBe('focused');
    expect(t.log).toEqual(['query {}', 'update 5 active=true', 'focus window 2 true']);
  });

  it('ignores a trailing slash on either side', async () => {
    const t = setup([{ id: 5, url: `${LEAD_1}/`, windowId: 2 }]);
    expect(await t.show(LEAD_1, false)).toBe('focused');
    expect(t.log).toEqual(['query {}', 'update 5 active=true', 'focus window 2 true']);
    const u = setup([{ id: 6, url: LEAD_1, windowId: 2 }]);
    expect(await u.show(`${LEAD_1}/`, false)).toBe('focused');
  });

  it('finds a loading tab by its pendingUrl', async () => {
    const t = setup([{ id: 5, url: '', pendingUrl: LEAD_1, windowId: 2 }]);
    expect(await t.show(LEAD_1, false)).toBe('focused');
    expect(t.log).toEqual(['query {}', 'update 5 active=true', 'focus window 2 true']);
  });

  it('still focuses the tab when focusing its window fails, or without a windows API', async () => {
    const t = setup([{ id: 5, url: LEAD_1, windowId: 2 }]);
    t.windows.update = async (id: number) => {
      t.log.push(`focus window ${id} rejected`);
      throw new Error('No window with id');
    };
    expect(await t.show(LEAD_1, false)).toBe('focused');
    expect(t.log).toEqual(['query {}', 'update 5 active=true', 'focus window 2 rejected']);

    const fake = fakeBrowser([{ id: 5, url: LEAD_1, windowId: 2 }]);
    expect(await crmTabs({ tabs: fake.tabs, session: fakeSession() }).show(LEAD_1, false)).toBe('focused');
    expect(fake.log).toEqual(['query {}', 'update 5 active=true']);
  });
});

describe('crmTabs().show: no tab shows the page', () => {
  it('open=false (screen pop "focus"): not-open, and no tab is created', async () => {
    const t = setup([{ id: 1, url: LEAD_2, windowId: 1 }]);
    expect(await t.show(LEAD_1, false)).toBe('not-open');
    expect(t.log).toEqual(['query {}']);
    expect(t.session.items.has(OPENED_KEY)).toBe(false);
  });

  it('open=true: opens it, active, and remembers the new tab for the page', async () => {
    const t = setup([{ id: 1, url: LEAD_2, windowId: 1 }]);
    expect(await t.show(LEAD_1, true)).toBe('opened');
    expect(t.log).toEqual(['query {}', `create ${LEAD_1} active=true`]);
    expect(t.session.items.get(OPENED_KEY)).toEqual({ [LEAD_1]: 100 });
  });

  it('a query that fails counts as no tab', async () => {
    const t = setup([{ id: 1, url: LEAD_1, windowId: 1 }]);
    t.tabs.query = async () => {
      t.log.push('query rejected');
      throw new Error('query failed');
    };
    expect(await t.show(LEAD_1, true)).toBe('opened');
    expect(t.log).toEqual(['query rejected', `create ${LEAD_1} active=true`]);
  });
});

describe('crmTabs().show: never two tabs for one lead', () => {
  it('two shows at once with open=true: one tab is created, the second show focuses it', async () => {
    const t = setup();
    expect(await Promise.all([t.show(LEAD_1, true), t.show(LEAD_1, true)])).toEqual(['opened', 'focused']);
    expect(t.log.filter((line) => line.startsWith('create'))).toEqual([`create ${LEAD_1} active=true`]);
    expect(t.log).toEqual(['query {}', `create ${LEAD_1} active=true`, 'get 100', 'update 100 active=true', 'focus window 1 true']);
    expect(t.open.size).toBe(1);
  });

  it('the fake does model the race: without a lock, two shows create two tabs', async () => {
    const t = setup([], undefined, { lock: { run: (task) => task() } });
    expect(await Promise.all([t.show(LEAD_1, true), t.show(LEAD_1, true)])).toEqual(['opened', 'opened']);
    expect(t.log.filter((line) => line.startsWith('create'))).toHaveLength(2);
  });

  it.each([
    ['Chrome: url \'\' while loading', { url: '' }],
    ['Firefox: url about:blank while loading', { url: 'about:blank' }],
    ['url hidden (undefined)', {}],
  ])('a remembered tab still loading (%s) is focused, not duplicated', async (_name, shown) => {
    const t = setup([{ id: 7, windowId: 3, status: 'loading', ...shown }], { [LEAD_1]: 7 });
    expect(await t.show(LEAD_1, true)).toBe('focused');
    expect(t.log).toEqual(['get 7', 'update 7 active=true', 'focus window 3 true']);
  });

  it('a remembered tab is found under the page whatever its trailing slash', async () => {
    const t = setup([{ id: 7, windowId: 3, url: '' }], { [LEAD_1]: 7 });
    expect(await t.show(`${LEAD_1}/`, false)).toBe('focused');
    expect(t.log).toEqual(['get 7', 'update 7 active=true', 'focus window 3 true']);
  });

  it('a remembered tab that was closed (get rejects): a new one is opened and remembered', async () => {
    const t = setup([], { [LEAD_1]: 7 });
    expect(await t.show(LEAD_1, true)).toBe('opened');
    expect(t.log).toEqual(['get 7', 'query {}', `create ${LEAD_1} active=true`]);
    expect(t.session.items.get(OPENED_KEY)).toEqual({ [LEAD_1]: 100 });
  });

  it('a remembered tab the agent took to another page is not focused for this one', async () => {
    const t = setup([{ id: 7, windowId: 3, url: LEAD_2 }], { [LEAD_1]: 7 });
    expect(await t.show(LEAD_1, false)).toBe('not-open');
    expect(t.log).toEqual(['get 7', 'query {}']);
  });

  it('a tab closed between finding and focusing: opened anew with open=true, not-open without', async () => {
    const t = setup([{ id: 5, url: LEAD_1, windowId: 2 }]);
    const update = t.tabs.update;
    t.tabs.update = async (id, change) => {
      t.open.delete(id);
      return update(id, change);
    };
    expect(await t.show(LEAD_1, true)).toBe('opened');
    expect(t.log).toEqual(['query {}', 'update 5 active=true', `create ${LEAD_1} active=true`]);

    const u = setup([{ id: 5, url: LEAD_1, windowId: 2 }]);
    const closing = u.tabs.update;
    u.tabs.update = async (id, change) => {
      u.open.delete(id);
      return closing(id, change);
    };
    expect(await u.show(LEAD_1, false)).toBe('not-open');
    expect(u.log).toEqual(['query {}', 'update 5 active=true']);
  });

  it('remembers each page’s tab apart', async () => {
    const t = setup();
    await t.show(LEAD_1, true);
    await t.show(LEAD_2, true);
    expect(t.session.items.get(OPENED_KEY)).toEqual({ [LEAD_1]: 100, [LEAD_2]: 101 });
  });
});

describe('samePage', () => {
  it.each([
    [LEAD_1, LEAD_1, true],
    [`${LEAD_1}/`, LEAD_1, true],
    [LEAD_1, `${LEAD_1}//`, true],
    ['https://crm.example.com', 'https://crm.example.com/', true],
    ['https://CRM.example.com/leads/1', LEAD_1, true],
    [LEAD_2, LEAD_1, false],
    [`${LEAD_1}?tab=notes`, LEAD_1, false],
    ['http://crm.example.com/leads/1', LEAD_1, false],
    [undefined, LEAD_1, false],
  ])('%s and %s → %s', (shown, url, expected) => {
    expect(samePage(shown, url)).toBe(expected);
  });
});
