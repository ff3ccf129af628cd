import { serialized } from '../../../lib/single-flight';
import { describe, expect, it } from 'vitest';
import {
  coveredByStaticMatches,
  injectIntoOpenTabs,
  type OpenTabsApi,
  RULES_CONTENT_SCRIPT_ID,
  type RegistrationApi,
  ruleHosts,
  syncRuleContentScripts,
} from '../../../lib/background/rule-hosts';

describe('hosts from rule URLs', () => {
  // Each URL form in detail: test/unit/crm/url-pattern-hosts.test.ts. Here: that ruleHosts uses it.
  // `site`: the concrete address the options page checks it can reach (a literal host only, its port kept).
  it.each([
    ['https://crm.acme.test/leads/:id', 'https://crm.acme.test/*', 'https://crm.acme.test/'],
    ['https://crm-*.acme.test/leads/:id', 'https://*.acme.test/*', undefined],
    ['https://*.acme.test/app#/lead/:id', 'https://*.acme.test/*', undefined],
    ['http://CRM.Acme.test:8080/x?id=:id', 'http://crm.acme.test/*', 'http://crm.acme.test:8080/'],
    ['https://:tenant.crm.example/leads/:id', 'https://*.crm.example/*', undefined],
    ['*://crm.acme.test/*', '*://crm.acme.test/*', 'https://crm.acme.test/'],
  ])('%s → %s (site %s)', (url, origin, site) => {
    expect(ruleHosts([{ name: 'R', url }])).toEqual({ hosts: [{ origin, rules: ['R'], ...(site ? { site } : {}) }], unresolved: [] });
  });

  it.each([
    ['^https://crm\\.acme\\.test/leads/(?<id>\\d+)', 'https://crm.acme.test/*'],
    ['^https?://crm\\.acme\\.test(:\\d+)?/.*', '*://crm.acme.test/*'],
    ['https:\\/\\/crm\\.acme\\.test\\/x', 'https://crm.acme.test/*'],
  ])('regex %s → %s', (regex, origin) => {
    expect(ruleHosts([{ name: 'R', url: { regex } }])).toEqual({ hosts: [{ origin, rules: ['R'] }], unresolved: [] });
  });

  it.each([
    ['https://*/leads/:id', 'would need access to every site; name the CRM'],
    ['https://*.com/leads/:id', 'would need access to every site under .com'],
    ['crm.acme.test/leads', 'is not a URL pattern'],
    [{ regex: '^https://(?<tenant>\\w+)\\.acme\\.test/' }, 'does not start with a literal scheme and host'],
    [{ regex: '/leads/(?<id>\\d+)' }, 'does not start with a literal scheme and host'],
  ])('%o cannot be granted: %s', (url, reason) => {
    expect(ruleHosts([{ name: 'R', url }])).toEqual({ hosts: [], unresolved: [{ rule: 'R', reason: expect.stringContaining(reason) }] });
  });

  it('groups rules by host, skips disabled rules and explains what it cannot resolve', () => {
    expect(
      ruleHosts([
        { name: 'Acme', url: ['https://crm.acme.test/leads/:id', 'https://crm.acme.test/contacts/:id'] },
        { name: 'Acme B', url: 'https://crm.acme.test/b/:id' },
        { name: 'Off', enabled: false, url: 'https://off.test/:id' },
        { name: 'Loose', url: { regex: '/lead/(?<id>\\d+)' } },
      ]),
    ).toEqual({
      hosts: [{ origin: 'https://crm.acme.test/*', rules: ['Acme', 'Acme B'], site: 'https://crm.acme.test/' }],
      unresolved: [{ rule: 'Loose', reason: expect.stringContaining('does not start with a literal scheme and host') }],
    });
  });

  it('knows which hosts the manifest already covers', () => {
    expect(coveredByStaticMatches('https://acme.lightning.force.com/*', ['https://*.lightning.force.com/*'])).toBe(true);
    expect(coveredByStaticMatches('https://*.lightning.force.com/*', ['https://*.lightning.force.com/*'])).toBe(true);
    expect(coveredByStaticMatches('https://crm.acme.test/*', ['https://*.lightning.force.com/*'])).toBe(false);
  });
});

function fakeApi(granted: string[]) {
  const calls: string[] = [];
  let registered: { id: string; matches: string[] } | undefined;
  const api: RegistrationApi = {
    permissions: { contains: async ({ origins }) => origins.every((origin) => granted.includes(origin)) },
    scripting: {
      getRegisteredContentScripts: async () => (registered ? [registered] : []),
      registerContentScripts: async (scripts) => {
        calls.push(`register ${JSON.stringify(scripts)}`);
        registered = scripts[0] as { id: string; matches: string[] };
      },
      updateContentScripts: async (scripts) => {
        calls.push(`update ${JSON.stringify(scripts)}`);
        registered = { ...(registered as { id: string; matches: string[] }), ...(scripts[0] as object) };
      },
      unregisterContentScripts: async () => {
        calls.push('unregister');
        registered = undefined;
      },
    },
  };
  return { api, calls, granted };
}

describe('syncRuleContentScripts', () => {
  const rules = [
    { name: 'Acme', url: 'https://crm.acme.test/leads/:id' },
    { name: 'Beta', url: 'https://beta.example/p/:id' },
    { name: 'SF', url: 'https://acme.lightning.force.com/lightning/r/Lead/:id/view' },
  ];
  const STATIC = ['https://*.lightning.force.com/*'];

  it('registers the content script on granted rule hosts only, and reports the others as needing a grant', async () => {
    const fake = fakeApi(['https://crm.acme.test/*']);
    const result = await syncRuleContentScripts(rules, STATIC, 'content-scripts/crm.js', fake.api);
    expect(result.access).toEqual([
      { origin: 'https://crm.acme.test/*', rules: ['Acme'], site: 'https://crm.acme.test/', granted: true },
      { origin: 'https://beta.example/*', rules: ['Beta'], site: 'https://beta.example/', granted: false },
    ]);
    expect(fake.calls).toEqual([
      `register ${JSON.stringify([{ id: RULES_CONTENT_SCRIPT_ID, js: ['content-scripts/crm.js'], matches: ['https://crm.acme.test/*'], runAt: 'document_start', persistAcrossSessions: true }])}`,
    ]);
  });

  it('updates the registration when a grant arrives, and removes it when no granted host is left', async () => {
    const fake = fakeApi(['https://crm.acme.test/*']);
    await syncRuleContentScripts(rules, STATIC, 'crm.js', fake.api);
    fake.granted.push('https://beta.example/*');
    await syncRuleContentScripts(rules, STATIC, 'crm.js', fake.api);
    await syncRuleContentScripts([], STATIC, 'crm.js', fake.api);
    expect(fake.calls.slice(1)).toEqual([
      `update ${JSON.stringify([{ id: RULES_CONTENT_SCRIPT_ID, matches: ['https://crm.acme.test/*', 'https://beta.example/*'], runAt: 'document_start' }])}`,
      'unregister',
    ]);
  });

  it('does nothing when there is nothing to register', async () => {
    const fake = fakeApi([]);
    await syncRuleContentScripts(rules, STATIC, 'crm.js', fake.api);
    expect(fake.calls).toEqual([]);
  });

  it('overlapping syncs (start-up, policy arrival, options page) register once and all succeed', async () => {
    const fake = fakeApi(['https://crm.acme.test/*']);
    // Each browser call yields, as the real async API does, so unserialised syncs would interleave.
    const slow = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return fn(...args);
    };
    const scripting = fake.api.scripting;
    const api: RegistrationApi = {
      permissions: { contains: slow(fake.api.permissions.contains) },
      scripting: {
        getRegisteredContentScripts: slow(scripting.getRegisteredContentScripts),
        registerContentScripts: slow(async (scripts: object[]) => {
          if ((await scripting.getRegisteredContentScripts({ ids: [RULES_CONTENT_SCRIPT_ID] })).length > 0) {
            throw new Error(`Duplicate script ID '${RULES_CONTENT_SCRIPT_ID}'`);
          }
          return scripting.registerContentScripts(scripts);
        }),
        updateContentScripts: slow(scripting.updateContentScripts),
        unregisterContentScripts: slow(scripting.unregisterContentScripts),
      },
    };
    const sync = serialized(() => syncRuleContentScripts(rules, STATIC, 'crm.js', api));
    const results = await Promise.allSettled([sync(), sync(), sync()]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(fake.calls.filter((call) => call.startsWith('register'))).toHaveLength(1);
  });

  it('a failed sync does not block the next one', async () => {
    let attempts = 0;
    const sync = serialized(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('scripting API unavailable');
      return attempts;
    });
    await expect(sync()).rejects.toThrow('scripting API unavailable');
    await expect(sync()).resolves.toBe(2);
  });
});

describe('syncRuleContentScripts with the built-in CRMs (builtInMatches)', () => {
  const BUILT_INS = ['https://acme.lightning.force.com/*', 'https://app.hubspot.com/*/4151234*', 'https://acme.pipedrive.com/*'];
  const rules = [
    { name: 'Acme', url: 'https://crm.acme.test/leads/:id' },
    { name: 'SF', url: 'https://acme.lightning.force.com/lightning/r/Lead/:id/view' },
    { name: 'HubSpot', url: 'https://app.hubspot.com/contacts/:portal/record/0-2/:id' },
  ];
  const register = (matches: string[]) =>
    `register ${JSON.stringify([{ id: RULES_CONTENT_SCRIPT_ID, js: ['crm.js'], matches, runAt: 'document_start', persistAcrossSessions: true }])}`;
  const update = (matches: string[]) => `update ${JSON.stringify([{ id: RULES_CONTENT_SCRIPT_ID, matches, runAt: 'document_start' }])}`;

  it('registers the built-ins’ matches first, then the granted rule hosts they do not cover', async () => {
    const fake = fakeApi(['https://crm.acme.test/*', 'https://acme.lightning.force.com/*', 'https://app.hubspot.com/*']);
    const result = await syncRuleContentScripts(rules, [], 'crm.js', fake.api, BUILT_INS);
    // The SF rule's host is a built-in tenant already: not asked for, not registered twice. The HubSpot rule
    // covers every portal, which the one portal's pattern does not: it stays a host of its own.
    expect(result.access).toEqual([
      { origin: 'https://crm.acme.test/*', rules: ['Acme'], site: 'https://crm.acme.test/', granted: true },
      { origin: 'https://app.hubspot.com/*', rules: ['HubSpot'], site: 'https://app.hubspot.com/', granted: true },
    ]);
    const expected = [...BUILT_INS, 'https://crm.acme.test/*', 'https://app.hubspot.com/*'];
    expect(result.matches).toEqual(expected);
    expect(fake.calls).toEqual([register(expected)]);
  });

  it('registers the built-ins alone when no rule host is granted', async () => {
    const fake = fakeApi([]);
    const result = await syncRuleContentScripts(rules, [], 'crm.js', fake.api, BUILT_INS);
    expect(result.access.map((host) => [host.origin, host.granted])).toEqual([
      ['https://crm.acme.test/*', false],
      ['https://app.hubspot.com/*', false],
    ]);
    expect(result.matches).toEqual(BUILT_INS);
    expect(fake.calls).toEqual([register(BUILT_INS)]);
  });

  it('a rule host equal to a built-in pattern appears once', async () => {
    const fake = fakeApi(['https://acme.pipedrive.com/*']);
    const result = await syncRuleContentScripts([{ name: 'P', url: 'https://acme.pipedrive.com/deal/:id' }], [], 'crm.js', fake.api, BUILT_INS);
    expect(result.access).toEqual([]);
    expect(result.matches).toEqual(BUILT_INS);
  });

  it('updates only when the matches change, and unregisters when both lists are empty', async () => {
    const fake = fakeApi(['https://crm.acme.test/*']);
    await syncRuleContentScripts(rules, [], 'crm.js', fake.api, BUILT_INS);
    await syncRuleContentScripts(rules, [], 'crm.js', fake.api, BUILT_INS);
    await syncRuleContentScripts(rules, [], 'crm.js', fake.api, [...BUILT_INS]);
    expect(fake.calls).toEqual([register([...BUILT_INS, 'https://crm.acme.test/*'])]);

    // crmTenants changed: another tenant list.
    await syncRuleContentScripts(rules, [], 'crm.js', fake.api, ['https://acme.pipedrive.com/*']);
    // crmTenants: [] (or unreadable): only the granted rule host is left.
    await syncRuleContentScripts(rules, [], 'crm.js', fake.api, []);
    await syncRuleContentScripts(rules, [], 'crm.js', fake.api, []);
    // No rules either: nothing to register.
    await syncRuleContentScripts([], [], 'crm.js', fake.api, []);
    await syncRuleContentScripts([], [], 'crm.js', fake.api, []);
    expect(fake.calls.slice(1)).toEqual([update(['https://acme.pipedrive.com/*', 'https://crm.acme.test/*']), update(['https://crm.acme.test/*']), 'unregister']);
  });

  it('updates a registration whose matches the browser does not report', async () => {
    const calls: string[] = [];
    const api: RegistrationApi = {
      permissions: { contains: async () => false },
      scripting: {
        getRegisteredContentScripts: async () => [{ id: RULES_CONTENT_SCRIPT_ID }],
        registerContentScripts: async () => calls.push('register'),
        updateContentScripts: async (scripts) => calls.push(`update ${JSON.stringify(scripts)}`),
        unregisterContentScripts: async () => calls.push('unregister'),
      },
    };
    await syncRuleContentScripts([], [], 'crm.js', api, ['https://acme.pipedrive.com/*']);
    expect(calls).toEqual([update(['https://acme.pipedrive.com/*'])]);
  });

  it('moves a registration kept at document_idle (an earlier version) to document_start; one already there is left alone', async () => {
    const calls: string[] = [];
    let runAt = 'document_idle';
    const api: RegistrationApi = {
      permissions: { contains: async () => false },
      scripting: {
        getRegisteredContentScripts: async () => [{ id: RULES_CONTENT_SCRIPT_ID, matches: ['https://acme.pipedrive.com/*'], runAt }],
        registerContentScripts: async () => calls.push('register'),
        updateContentScripts: async (scripts) => calls.push(`update ${JSON.stringify(scripts)}`),
        unregisterContentScripts: async () => calls.push('unregister'),
      },
    };
    await syncRuleContentScripts([], [], 'crm.js', api, ['https://acme.pipedrive.com/*']);
    runAt = 'document_start';
    await syncRuleContentScripts([], [], 'crm.js', api, ['https://acme.pipedrive.com/*']);
    expect(calls).toEqual([update(['https://acme.pipedrive.com/*'])]);
  });
});

describe('injectIntoOpenTabs', () => {
  function fakeTabs(tabs: { id?: number }[], refuse: number[] = []) {
    const calls: string[] = [];
    const api: OpenTabsApi = {
      tabs: {
        query: async (query) => {
          calls.push(`query ${JSON.stringify(query)}`);
          return tabs;
        },
      },
      scripting: {
        executeScript: async (injection) => {
          calls.push(`inject ${JSON.stringify(injection)}`);
          if (refuse.includes(injection.target.tabId)) throw new Error('Cannot access contents of the page');
          return [];
        },
      },
    };
    return { api, calls };
  }

  it('injects into each open tab with an id the matches cover, and counts the tabs that took it', async () => {
    const matches = ['https://acme.pipedrive.com/*', 'https://app.hubspot.com/*/4151234*'];
    const fake = fakeTabs([{ id: 1 }, {}, { id: 3 }, { id: 4 }], [3]);
    await expect(injectIntoOpenTabs(matches, 'content-scripts/crm.js', fake.api)).resolves.toBe(2);
    expect(fake.calls).toEqual([
      `query ${JSON.stringify({ url: matches })}`,
      `inject ${JSON.stringify({ target: { tabId: 1 }, files: ['content-scripts/crm.js'] })}`,
      `inject ${JSON.stringify({ target: { tabId: 3 }, files: ['content-scripts/crm.js'] })}`,
      `inject ${JSON.stringify({ target: { tabId: 4 }, files: ['content-scripts/crm.js'] })}`,
    ]);
  });

  it('no open tab: nothing injected', async () => {
    const fake = fakeTabs([]);
    await expect(injectIntoOpenTabs(['https://acme.pipedrive.com/*'], 'crm.js', fake.api)).resolves.toBe(0);
    expect(fake.calls).toEqual([`query ${JSON.stringify({ url: ['https://acme.pipedrive.com/*'] })}`]);
  });

  it('no matches: 0, without asking the browser for tabs', async () => {
    const fake = fakeTabs([{ id: 1 }]);
    await expect(injectIntoOpenTabs([], 'crm.js', fake.api)).resolves.toBe(0);
    expect(fake.calls).toEqual([]);
  });
});
