import { describe, expect, expectTypeOf, it } from 'vitest';
import type { browser } from 'wxt/browser';
import {
  createDashboardTab,
  DASHBOARD_LOCK_NAME,
  DASHBOARD_TAB_AT_KEY,
  DASHBOARD_TAB_KEY,
  type DashboardBrowser,
  DashboardTab,
  dashboardAccess,
  dashboardOriginPattern,
  isDashboardUrl,
  NAVIGATION_GRACE_MS,
  type Lock,
  promiseChainLock,
  type SessionStore,
  type ShowInDashboard,
  type TabInfo,
  webLock,
} from '../../../lib/actions/dashboard-tab';
import type { ActionContext } from '../../../lib/actions/context';

const DASH = 'http://127.0.0.1:4010/app';
const CHAT_1 = 'http://127.0.0.1:4010/app/chatrooms/1';
const CHAT_2 = 'http://127.0.0.1:4010/app/chatrooms/2';
const LOGIN = 'http://127.0.0.1:4010/app/magic/xyz';
const QUERY = 'query http://127.0.0.1/*';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * In-memory tabs/windows: every call takes a tick; `create` resolves after a tick, and the created tab (a
 * Chrome-style loading tab: url '' with a pendingUrl) is visible to `query` only a tick later, as in a browser.
 */
function fakeBrowser(initial: TabInfo[] = [], options: { createdTab?: (url: string) => Partial<TabInfo> } = {}) {
  const log: string[] = [];
  const open = new Map<number, TabInfo>(initial.map((tab) => [tab.id ?? -1, { ...tab }]));
  const hiddenFromQuery = new Set<number>();
  let nextId = 100;
  let closeOnGet = false;
  let queryThrows = false;
  const tabs = {
    get: async (id: number) => {
      log.push(`get ${id}`);
      await tick();
      const tab = open.get(id);
      if (!tab) throw new Error(`No tab with id: ${id}.`);
      if (closeOnGet) open.delete(id);
      return { ...tab };
    },
    query: async ({ url }: { url: string }) => {
      log.push(`query ${url}`);
      await tick();
      if (queryThrows) throw new Error(`Invalid url pattern '${url}'`);
      return [...open.values()].filter((tab) => !hiddenFromQuery.has(tab.id ?? -1)).map((tab) => ({ ...tab }));
    },
    update: async (id: number, change: { url: string; active: boolean }) => {
      log.push(`update ${id} ${change.url} active=${change.active}`);
      await tick();
      const tab = open.get(id);
      if (!tab) throw new Error(`No tab with id: ${id}.`);
      Object.assign(tab, { url: '', pendingUrl: change.url, status: 'loading' });
      return { ...tab };
    },
    create: async (properties: { url: string; active: boolean }) => {
      log.push(`create ${properties.url} active=${properties.active}`);
      const id = nextId++;
      const tab: TabInfo = { id, windowId: 1, url: '', pendingUrl: properties.url, status: 'loading', ...options.createdTab?.(properties.url) };
      open.set(id, tab);
      hiddenFromQuery.add(id);
      await tick();
      void tick().then(() => hiddenFromQuery.delete(id));
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
  return {
    log,
    open,
    tabs,
    windows,
    closeTabOnGet: () => {
      closeOnGet = true;
    },
    makeQueryThrow: () => {
      queryThrows = true;
    },
  };
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

const NOW = 1_000_000;

function setup(
  initial: TabInfo[] = [],
  remembered?: number,
  more: { lock?: Lock; granted?: boolean; createdTab?: (url: string) => Partial<TabInfo>; sentAt?: number } = {},
) {
  const fake = fakeBrowser(initial, more.createdTab ? { createdTab: more.createdTab } : {});
  const session = fakeSession({
    ...(remembered === undefined ? {} : { [DASHBOARD_TAB_KEY]: remembered }),
    ...(more.sentAt === undefined ? {} : { [DASHBOARD_TAB_AT_KEY]: more.sentAt }),
  });
  const granted = more.granted;
  const dashboard = new DashboardTab({
    tabs: fake.tabs,
    windows: fake.windows,
    session,
    lock: more.lock ?? promiseChainLock(),
    now: () => NOW,
    ...(granted === undefined
      ? {}
      : {
          permissions: {
            contains: async ({ origins }: { origins: string[] }) => {
              fake.log.push(`contains ${origins.join(',')}`);
              return granted;
            },
          },
        }),
  });
  return { ...fake, session, dashboard, show: dashboard.show };
}

describe('isDashboardUrl', () => {
  it.each([
    ['http://127.0.0.1:4010/app/chatrooms/1', 'http://127.0.0.1:4010/app', true],
    ['http://127.0.0.1:4010/app', 'http://127.0.0.1:4010/app', true],
    ['http://127.0.0.1:4011/app/x', 'http://127.0.0.1:4010/app', false],
    ['http://127.0.0.1:4010/application', 'http://127.0.0.1:4010/app', false],
    ['http://127.0.0.1:4010/crm/leads/1', 'http://127.0.0.1:4010/app', false],
    ['https://app.saleschat.pro/anything', 'https://app.saleschat.pro', true],
    [undefined, 'https://app.saleschat.pro', false],
    ['not a url', 'https://app.saleschat.pro', false],
  ])('%s under %s → %s', (url, base, expected) => {
    expect(isDashboardUrl(url, base)).toBe(expected);
  });
});

describe('DashboardTab: query and open', () => {
  it('opens a new tab when none is open, and remembers it', async () => {
    const t = setup([{ id: 1, url: 'http://127.0.0.1:4010/crm/leads/1', windowId: 1 }]);
    expect(await t.show(CHAT_1, DASH)).toBe('opened');
    expect(t.log).toEqual([QUERY, `create ${CHAT_1} active=true`]);
    expect(t.session.items.get(DASHBOARD_TAB_KEY)).toBe(100);
  });

  it('navigates and focuses the most recently used dashboard tab, and remembers it', async () => {
    const t = setup([
      { id: 2, url: 'http://127.0.0.1:4010/app/', windowId: 1, lastAccessed: 10 },
      { id: 3, url: 'http://127.0.0.1:4010/app/chatrooms/1', windowId: 2, lastAccessed: 30 },
      { id: 4, url: 'http://127.0.0.1:4010/app/x', windowId: 3, lastAccessed: 20 },
    ]);
    expect(await t.show(CHAT_2, DASH)).toBe('reused');
    expect(t.log).toEqual([QUERY, `update 3 ${CHAT_2} active=true`, 'focus window 2 true']);
    expect(t.session.items.get(DASHBOARD_TAB_KEY)).toBe(3);
  });

  it('finds a loading tab through its pendingUrl', async () => {
    const t = setup([{ id: 5, url: '', pendingUrl: CHAT_1, status: 'loading', windowId: 4 }]);
    expect(await t.show(CHAT_2, DASH)).toBe('reused');
    expect(t.log).toEqual([QUERY, `update 5 ${CHAT_2} active=true`, 'focus window 4 true']);
  });

  it('treats a throwing query (a pattern the browser rejects) as no candidates', async () => {
    const t = setup([{ id: 5, url: CHAT_1, windowId: 4 }]);
    t.makeQueryThrow();
    expect(await t.show(CHAT_2, DASH)).toBe('opened');
    expect(t.log).toEqual([QUERY, `create ${CHAT_2} active=true`]);
  });

  it('does not query for a non-http dashboard URL, and opens a tab', async () => {
    const t = setup([{ id: 5, url: CHAT_1, windowId: 4 }]);
    expect(await t.show('ftp://example.com/x', 'ftp://example.com/')).toBe('opened');
    expect(t.log).toEqual(['create ftp://example.com/x active=true']);
  });

  it('still reuses the tab when focusing its window fails, or there is no windows API (Firefox for Android)', async () => {
    const t = setup([{ id: 3, url: CHAT_1, windowId: 2 }]);
    t.windows.update = async (id: number) => {
      t.log.push(`focus window ${id} rejected`);
      throw new Error('No window with id');
    };
    expect(await t.show(CHAT_2, DASH)).toBe('reused');
    expect(t.log).toEqual([QUERY, `update 3 ${CHAT_2} active=true`, 'focus window 2 rejected']);

    const fake = fakeBrowser([{ id: 3, url: CHAT_1, windowId: 2 }]);
    const noWindows = new DashboardTab({ tabs: fake.tabs, session: fakeSession(), lock: promiseChainLock() });
    expect(await noWindows.show(CHAT_2, DASH)).toBe('reused');
    expect(fake.log).toEqual([QUERY, `update 3 ${CHAT_2} active=true`]);
  });
});

describe('DashboardTab: concurrent shows open one tab', () => {
  it('two shows at once: the first opens the tab, the second navigates that tab', async () => {
    const t = setup();
    const outcomes = await Promise.all([t.show(CHAT_1, DASH), t.show(CHAT_2, DASH)]);
    expect(outcomes).toEqual(['opened', 'reused']);
    expect(t.log).toEqual([QUERY, `create ${CHAT_1} active=true`, 'get 100', `update 100 ${CHAT_2} active=true`, 'focus window 1 true']);
    expect(t.open.size).toBe(1);
  });

  it('the fake does model the race: without a lock, two shows open two tabs', async () => {
    const t = setup([], undefined, { lock: { run: (task) => task() } });
    expect(await Promise.all([t.show(CHAT_1, DASH), t.show(CHAT_2, DASH)])).toEqual(['opened', 'opened']);
    expect(t.log.filter((line) => line.startsWith('create'))).toHaveLength(2);
  });

  it('Chat, Login and Chat interleaved: one tab, navigated in call order', async () => {
    const t = setup([{ id: 1, url: 'http://127.0.0.1:4010/crm/leads/1', windowId: 1 }]);
    const outcomes = await Promise.all([t.show(CHAT_1, DASH), t.show(LOGIN, DASH), t.show(CHAT_2, DASH)]);
    expect(outcomes).toEqual(['opened', 'reused', 'reused']);
    expect(t.log.filter((line) => /^(create|update|query)/.test(line))).toEqual([
      QUERY,
      `create ${CHAT_1} active=true`,
      `update 100 ${LOGIN} active=true`,
      `update 100 ${CHAT_2} active=true`,
    ]);
    expect(t.open.get(100)?.pendingUrl).toBe(CHAT_2);
  });

  it('a failing show does not block the next one', async () => {
    const t = setup();
    const create = t.tabs.create;
    let failures = 1;
    t.tabs.create = async (properties) => {
      if (failures-- > 0) throw new Error('create failed');
      return create(properties);
    };
    const first = t.show(CHAT_1, DASH);
    const second = t.show(CHAT_2, DASH);
    await expect(first).rejects.toThrow('create failed');
    expect(await second).toBe('opened');
    expect(t.log).toEqual([QUERY, QUERY, `create ${CHAT_2} active=true`]);
  });
});

describe('DashboardTab: the remembered tab', () => {
  it('is reused when its URL is hidden from us (dashboard on an origin without host permission)', async () => {
    const t = setup([{ id: 7, windowId: 3, status: 'complete' }], 7);
    expect(await t.show(CHAT_2, DASH)).toBe('reused');
    expect(t.log).toEqual(['get 7', `update 7 ${CHAT_2} active=true`, 'focus window 3 true']);
    expect(t.session.items.get(DASHBOARD_TAB_KEY)).toBe(7);
  });

  it('is forgotten when its URL is hidden although we hold the dashboard permission (it left the dashboard)', async () => {
    const t = setup([{ id: 7, windowId: 3, status: 'complete' }], 7, { granted: true });
    expect(await t.show(CHAT_2, DASH)).toBe('opened');
    expect(t.log).toEqual(['get 7', 'contains http://127.0.0.1/*', QUERY, `create ${CHAT_2} active=true`]);
    expect(t.session.items.get(DASHBOARD_TAB_KEY)).toBe(100);
  });

  it('Firefox: hidden while our own navigation of it is on its way (sent moments ago): reused, whatever the status', async () => {
    const t = setup([{ id: 7, windowId: 3, status: 'complete' }], 7, { granted: true, sentAt: NOW - 2000 });
    expect(await t.show(CHAT_2, DASH)).toBe('reused');
    expect(t.log).toEqual(['get 7', `update 7 ${CHAT_2} active=true`, 'focus window 3 true']);
    // Long after we sent it there, a hidden URL means the agent took it elsewhere.
    const later = setup([{ id: 7, windowId: 3, status: 'complete' }], 7, { granted: true, sentAt: NOW - NAVIGATION_GRACE_MS - 1 });
    expect(await later.show(CHAT_2, DASH)).toBe('opened');
  });

  it('is reused when its URL is hidden and we lack the permission (permissions API says so)', async () => {
    const t = setup([{ id: 7, windowId: 3, status: 'complete' }], 7, { granted: false });
    expect(await t.show(CHAT_2, DASH)).toBe('reused');
    expect(t.log).toEqual(['get 7', 'contains http://127.0.0.1/*', `update 7 ${CHAT_2} active=true`, 'focus window 3 true']);
  });

  it('is reused when it is showing the dashboard, without a query', async () => {
    const t = setup([{ id: 7, url: CHAT_1, windowId: 3 }, { id: 8, url: CHAT_1, windowId: 4, lastAccessed: 99 }], 7);
    expect(await t.show(CHAT_2, DASH)).toBe('reused');
    expect(t.log).toEqual(['get 7', `update 7 ${CHAT_2} active=true`, 'focus window 3 true']);
  });

  it('gone: forgotten, then query, then open', async () => {
    const t = setup([], 7);
    expect(await t.show(CHAT_1, DASH)).toBe('opened');
    expect(t.log).toEqual(['get 7', QUERY, `create ${CHAT_1} active=true`]);
    expect(t.session.items.get(DASHBOARD_TAB_KEY)).toBe(100);
  });

  it('navigated by the agent to another site: not reused, another dashboard tab is', async () => {
    const t = setup(
      [
        { id: 7, url: 'https://mail.example.com/inbox', windowId: 3, status: 'complete' },
        { id: 9, url: CHAT_1, windowId: 5 },
      ],
      7,
      { granted: false },
    );
    expect(await t.show(CHAT_2, DASH)).toBe('reused');
    expect(t.log).toEqual(['get 7', QUERY, `update 9 ${CHAT_2} active=true`, 'focus window 5 true']);
    expect(t.session.items.get(DASHBOARD_TAB_KEY)).toBe(9);
  });

  it('navigated away and no other dashboard tab: a new tab is opened', async () => {
    const t = setup([{ id: 7, url: 'https://mail.example.com/inbox', windowId: 3, status: 'complete' }], 7);
    expect(await t.show(CHAT_2, DASH)).toBe('opened');
    expect(t.log).toEqual(['get 7', QUERY, `create ${CHAT_2} active=true`]);
  });

  it('Firefox: the tab we just created, still blank (about:blank or \'\'), is reused whatever its status says', async () => {
    // Seen in Firefox ESR: the blank placeholder of a tab created with a URL reports status 'complete'
    // before its load starts.
    for (const [url, status] of [['about:blank', 'loading'], ['about:blank', 'complete'], ['', 'complete'], ['', 'loading']]) {
      const t = setup([{ id: 7, url, status, windowId: 3 }], 7);
      expect(await t.show(CHAT_2, DASH)).toBe('reused');
      expect(t.log).toEqual(['get 7', `update 7 ${CHAT_2} active=true`, 'focus window 3 true']);
    }
  });

  it('Firefox: a loading tab whose placeholder URL is hidden counts as ours even with the permission', async () => {
    const t = setup([{ id: 7, status: 'loading', windowId: 3 }], 7, { granted: true });
    expect(await t.show(CHAT_2, DASH)).toBe('reused');
    expect(t.log).toEqual(['get 7', `update 7 ${CHAT_2} active=true`, 'focus window 3 true']);
  });

  it.each(['loading', 'complete'])('Firefox race: two shows at once where the created tab reports about:blank (%s): one tab', async (status) => {
    const t = setup([], undefined, { createdTab: () => ({ url: 'about:blank', status }) });
    expect(await Promise.all([t.show(CHAT_1, DASH), t.show(LOGIN, DASH)])).toEqual(['opened', 'reused']);
    expect(t.log).toEqual([QUERY, `create ${CHAT_1} active=true`, 'get 100', `update 100 ${LOGIN} active=true`, 'focus window 1 true']);
  });

  it('closed between get and update: forgotten, then a new tab is opened (the click never fails for it)', async () => {
    const t = setup([{ id: 7, url: CHAT_1, windowId: 3 }], 7);
    t.closeTabOnGet();
    expect(await t.show(CHAT_2, DASH)).toBe('opened');
    expect(t.log).toEqual(['get 7', `update 7 ${CHAT_2} active=true`, QUERY, `create ${CHAT_2} active=true`]);
    expect(t.session.items.get(DASHBOARD_TAB_KEY)).toBe(100);
  });

  it('a tab found by query that closed before update: a new tab is opened', async () => {
    const t = setup([{ id: 9, url: CHAT_1, windowId: 5 }]);
    const query = t.tabs.query;
    t.tabs.query = async (q) => {
      const found = await query(q);
      t.open.delete(9);
      return found;
    };
    expect(await t.show(CHAT_2, DASH)).toBe('opened');
    expect(t.log).toEqual([QUERY, `update 9 ${CHAT_2} active=true`, `create ${CHAT_2} active=true`]);
  });

  it('ignores a malformed remembered value', async () => {
    const t = setup([{ id: 7, url: CHAT_1, windowId: 3 }], undefined);
    t.session.items.set(DASHBOARD_TAB_KEY, '7');
    expect(await t.show(CHAT_2, DASH)).toBe('reused');
    expect(t.log).toEqual([QUERY, `update 7 ${CHAT_2} active=true`, 'focus window 3 true']);
  });
});

describe('locks', () => {
  it('promiseChainLock runs tasks one after another, in call order, past a failure', async () => {
    const lock = promiseChainLock();
    const events: string[] = [];
    const task = (name: string, fail = false) => async () => {
      events.push(`${name} start`);
      await tick();
      events.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock.run(task('a')), lock.run(task('b', true)), lock.run(task('c'))]);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('webLock requests the named Web Lock and returns the task result', async () => {
    const names: string[] = [];
    const lock = webLock({
      request: async (name, callback) => {
        names.push(name);
        return callback();
      },
    });
    expect(await lock.run(async () => 42)).toBe(42);
    expect(names).toEqual([DASHBOARD_LOCK_NAME]);
  });
});

describe('createDashboardTab', () => {
  it('accepts the extension `browser` object and provides the ActionContext shape', () => {
    expectTypeOf<typeof browser>().toExtend<DashboardBrowser>();
    expectTypeOf<ShowInDashboard>().toEqualTypeOf<ActionContext['showInDashboard']>();
    expectTypeOf(createDashboardTab).parameter(0).toEqualTypeOf<DashboardBrowser>();
  });

  it('remembers the tab in storage.session', async () => {
    const fake = fakeBrowser();
    const stored: Record<string, unknown> = {};
    const calls: string[] = [];
    const session = {
      get: async (key: string) => {
        calls.push(`get ${key}`);
        return key in stored ? { [key]: stored[key] } : {};
      },
      set: async (items: Record<string, unknown>) => {
        calls.push(`set ${JSON.stringify(items)}`);
        Object.assign(stored, items);
      },
      remove: async (key: string) => {
        calls.push(`remove ${key}`);
        delete stored[key];
      },
    };
    const dashboard = createDashboardTab({ tabs: fake.tabs, windows: fake.windows, storage: { session } }, promiseChainLock());
    expect(await dashboard.show(CHAT_1, DASH)).toBe('opened');
    expect(await dashboard.show(CHAT_2, DASH)).toBe('reused');
    expect(calls.map((call) => call.replace(/"dashboardTabAt":\d+/, '"dashboardTabAt":T'))).toEqual([
      // Both keys are read at once (the second is only used when the first names a tab).
      'get dashboardTabAt',
      'get dashboardTabId',
      'set {"dashboardTabId":100}',
      'set {"dashboardTabAt":T}',
      'get dashboardTabAt',
      'get dashboardTabId',
      'set {"dashboardTabId":100}',
      'set {"dashboardTabAt":T}',
    ]);
    expect(fake.log).toEqual([QUERY, `create ${CHAT_1} active=true`, 'get 100', `update 100 ${CHAT_2} active=true`, 'focus window 1 true']);
  });

  it('falls back to memory without storage.session', async () => {
    const fake = fakeBrowser();
    const dashboard = createDashboardTab({ tabs: fake.tabs, windows: fake.windows, storage: {} }, promiseChainLock());
    await dashboard.show(CHAT_1, DASH);
    expect(await dashboard.show(CHAT_2, DASH)).toBe('reused');
    expect(fake.log).toEqual([QUERY, `create ${CHAT_1} active=true`, 'get 100', `update 100 ${CHAT_2} active=true`, 'focus window 1 true']);
  });
});

describe('dashboard permission helpers', () => {
  it.each([
    ['https://chat.acme.example/app', 'https://chat.acme.example/*'],
    ['https://chat.acme.example:8443/app', 'https://chat.acme.example/*'],
    ['http://127.0.0.1:4010/app', 'http://127.0.0.1/*'],
    ['https://app.saleschat.pro', 'https://app.saleschat.pro/*'],
    ['ftp://files.example/', undefined],
    ['not a url', undefined],
  ])('dashboardOriginPattern(%s) → %s', (url, pattern) => {
    expect(dashboardOriginPattern(url)).toBe(pattern);
  });

});

describe('dashboardAccess: the dashboard origin the options page offers to allow', () => {
  const MANIFEST = ['https://apis.saleschat.pro/*', 'https://*.saleschat.pro/*'];
  const permissions = (granted: string[]) => ({ contains: async ({ origins }: { origins: string[] }) => origins.every((origin) => granted.includes(origin)) });

  it('nothing to ask for a dashboard on a built-in host', async () => {
    expect(await dashboardAccess('https://app.saleschat.pro/app', { permissions: permissions([]), manifestHosts: MANIFEST })).toBeUndefined();
  });

  it('a company’s own dashboard: its origin, and whether the agent allowed it', async () => {
    expect(await dashboardAccess('https://chat.acme.example:8443/app', { permissions: permissions([]), manifestHosts: MANIFEST })).toEqual({
      origin: 'https://chat.acme.example/*',
      granted: false,
    });
    expect(await dashboardAccess('https://chat.acme.example/app', { permissions: permissions(['https://chat.acme.example/*']), manifestHosts: MANIFEST })).toEqual({
      origin: 'https://chat.acme.example/*',
      granted: true,
    });
  });

  it('no dashboard configured, or one no permission can be asked for: nothing', async () => {
    expect(await dashboardAccess(undefined, { permissions: permissions([]), manifestHosts: MANIFEST })).toBeUndefined();
    expect(await dashboardAccess('ftp://files.example/app', { permissions: permissions([]), manifestHosts: MANIFEST })).toBeUndefined();
  });
});
