import { describe, expect, it } from 'vitest';
import { isDashboardUrl, showInDashboardTab, type TabInfo } from '../../../lib/actions/dashboard-tab';

function fakeTabs(tabs: TabInfo[]) {
  const log: string[] = [];
  return {
    log,
    tabs: {
      query: async ({ url }: { url: string }) => {
        log.push(`query ${url}`);
        return tabs;
      },
      update: async (id: number, change: { url: string; active: boolean }) => log.push(`update ${id} ${change.url} active=${change.active}`),
      create: async (properties: { url: string; active: boolean }) => log.push(`create ${properties.url}`),
    },
    windows: { update: async (id: number, change: { focused: boolean }) => log.push(`focus window ${id} ${change.focused}`) },
  };
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

describe('showInDashboardTab keeps one dashboard tab', () => {
  it('opens a new tab when none is open', async () => {
    const fake = fakeTabs([{ id: 1, url: 'http://127.0.0.1:4010/crm/leads/1', windowId: 1 }]);
    expect(await showInDashboardTab('http://127.0.0.1:4010/app/chatrooms/9', 'http://127.0.0.1:4010/app', fake.tabs, fake.windows)).toBe('opened');
    expect(fake.log).toEqual(['query http://127.0.0.1/*', 'create http://127.0.0.1:4010/app/chatrooms/9']);
  });

  it('navigates and focuses the most recently used dashboard tab', async () => {
    const fake = fakeTabs([
      { id: 2, url: 'http://127.0.0.1:4010/app/', windowId: 1, lastAccessed: 10 },
      { id: 3, url: 'http://127.0.0.1:4010/app/chatrooms/1', windowId: 2, lastAccessed: 20 },
    ]);
    expect(await showInDashboardTab('http://127.0.0.1:4010/app/chatrooms/9', 'http://127.0.0.1:4010/app', fake.tabs, fake.windows)).toBe('reused');
    expect(fake.log.slice(1)).toEqual(['update 3 http://127.0.0.1:4010/app/chatrooms/9 active=true', 'focus window 2 true']);
  });
});
