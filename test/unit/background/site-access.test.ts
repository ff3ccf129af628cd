import { afterEach, describe, expect, it, vi } from 'vitest';
import { ruleHosts } from '../../../lib/background/rule-hosts';
import { siteAnswer, siteStates, type TabAccessDeps, tabAccess } from '../../../lib/background/site-access';
import { compileRules } from '../../../lib/crm/rules/engine';

const rule = (name: string, url: string) => ({ name, url, fields: {} });
const RULES = [rule('Acme', 'https://crm.acme.test:8443/leads/:id'), rule('Globex', 'https://*.globex.test/leads/:id')];
const { profiles } = compileRules(RULES, 'rule');

describe('rule sites the options page checks', () => {
  it('a concrete site per pattern with a literal host (its port kept); none for wildcard hosts', () => {
    expect(ruleHosts(RULES).hosts).toEqual([
      { origin: 'https://crm.acme.test/*', rules: ['Acme'], site: 'https://crm.acme.test:8443/' },
      { origin: 'https://*.globex.test/*', rules: ['Globex'] },
    ]);
  });

  it('granted: what the site answers; a wildcard host cannot be asked (unconfirmed); not granted: not asked', async () => {
    const asked: string[] = [];
    const answer = async (site: string) => {
      asked.push(site);
      return site.includes('acme') ? ('allowed' as const) : ('blocked' as const);
    };
    const access = [
      { origin: 'https://crm.acme.test/*', rules: ['Acme'], site: 'https://crm.acme.test:8443/', granted: true },
      { origin: 'https://crm.blocked.test/*', rules: ['B'], site: 'https://crm.blocked.test/', granted: true },
      { origin: 'https://crm.new.test/*', rules: ['N'], site: 'https://crm.new.test/', granted: false },
      { origin: 'https://*.globex.test/*', rules: ['Globex'], granted: true },
    ];
    expect((await siteStates(access, answer)).map((host) => [host.origin, host.state])).toEqual([
      ['https://crm.acme.test/*', 'allowed'],
      ['https://crm.blocked.test/*', 'blocked'],
      ['https://crm.new.test/*', 'not-granted'],
      ['https://*.globex.test/*', 'unconfirmed'],
    ]);
    expect(asked).toEqual(['https://crm.acme.test:8443/', 'https://crm.blocked.test/']);
  });
});

describe('siteAnswer: how Chrome lets the request through', () => {
  afterEach(() => vi.unstubAllGlobals());
  const answering = (type: ResponseType | Error) =>
    vi.stubGlobal('fetch', async () => {
      if (type instanceof Error) throw type;
      return { type } as Response;
    });

  it.each([
    ['basic', 'allowed'],
    ['cors', 'blocked'],
    ['opaqueredirect', 'unconfirmed'],
  ] as const)('a %s response: %s', async (type, state) => {
    answering(type);
    expect(await siteAnswer('https://crm.acme.test/')).toBe(state);
  });

  it('no answer (blocked for a site that allows no other origins, or not reachable): blocked', async () => {
    answering(new TypeError('Failed to fetch'));
    expect(await siteAnswer('https://crm.acme.test/')).toBe('blocked');
  });
});

describe('tabAccess: why no content script answers in a tab', () => {
  const deps = (over: Partial<TabAccessDeps>): TabAccessDeps => ({
    getTab: async () => ({}),
    probe: async () => undefined,
    profiles: async () => profiles,
    ruleAccess: async () => [
      { origin: 'https://crm.acme.test/*', rules: ['Acme'], granted: true },
      { origin: 'https://*.globex.test/*', rules: ['Globex'], granted: false },
    ],
    ...over,
  });

  it('Chrome refuses to run there because of the ExtensionSettings policy: blocked by policy', async () => {
    const refused = async () => {
      throw new Error('This page cannot be scripted due to an ExtensionsSettings policy.');
    };
    expect(await tabAccess(3, deps({ probe: refused }))).toEqual({ state: 'blocked-by-policy' });
  });

  it('the address is hidden (no permission there): every rule site not allowed yet, each with its one click', async () => {
    const refused = async () => {
      throw new Error('Cannot access contents of the page. Extension manifest must request permission to access the respective host.');
    };
    expect(await tabAccess(3, deps({ probe: refused }))).toEqual({ state: 'needs-access', hosts: [{ origin: 'https://*.globex.test/*', rules: ['Globex'] }] });
  });

  it('the address is visible (e.g. after a toolbar click): the matching site only; or reload when the extension may run there', async () => {
    expect(await tabAccess(3, deps({ getTab: async () => ({ url: 'https://eu.globex.test/leads/9' }) }))).toEqual({
      state: 'needs-access',
      hosts: [{ origin: 'https://*.globex.test/*', rules: ['Globex'] }],
    });
    expect(await tabAccess(3, deps({ getTab: async () => ({ url: 'https://crm.acme.test:8443/leads/1' }) }))).toEqual({ state: 'reload', rule: 'Acme' });
    expect(await tabAccess(3, deps({ getTab: async () => ({ url: 'https://news.example/' }) }))).toEqual({ state: 'not-crm' });
  });

  it('nothing to allow and the address hidden: not a CRM page', async () => {
    const allGranted = async () => [{ origin: 'https://crm.acme.test/*', rules: ['Acme'], granted: true }];
    expect(await tabAccess(3, deps({ ruleAccess: allGranted, probe: async () => Promise.reject(new Error('Cannot access')) }))).toEqual({ state: 'not-crm' });
  });
});
