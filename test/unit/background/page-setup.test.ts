import { describe, expect, it } from 'vitest';
import { effectiveTenants, pageSetup } from '../../../lib/background/page-setup';
import { type ResolvedConfig, resolveConfig } from '../../../lib/config/resolve';
import { PageSetupSchema } from '../../../lib/messages';

type TenantConfig = Pick<ResolvedConfig, 'values' | 'problems' | 'sources'>;

const UNREADABLE = { key: 'crmTenants', source: 'policy' as const, message: '1: "https://acme.pipedrive.com" is not a host name' };

describe('effectiveTenants', () => {
  it('absent: undefined (every tenant)', () => {
    expect(effectiveTenants({ values: {}, problems: [], sources: {} })).toBeUndefined();
    expect(effectiveTenants(resolveConfig({}))).toBeUndefined();
  });

  it('readable: the list, as a copy', () => {
    const list = ['acme.pipedrive.com', '4151234'];
    const config: TenantConfig = { values: { crmTenants: list }, problems: [], sources: { crmTenants: 'policy' } };
    const tenants = effectiveTenants(config);
    expect(tenants).toEqual(['acme.pipedrive.com', '4151234']);
    expect(tenants).not.toBe(list);
    expect(effectiveTenants({ values: { crmTenants: [] }, problems: [], sources: { crmTenants: 'agent' } })).toEqual([]);
  });

  it('unreadable and not from policy: no tenant at all (fail closed), whatever another layer says', () => {
    // No layer could be read: no value.
    expect(effectiveTenants({ values: {}, problems: [UNREADABLE], sources: {} })).toEqual([]);
    // The policy's list was unreadable, the agent's own is used by resolveConfig: still nothing.
    expect(
      effectiveTenants({ values: { crmTenants: ['acme.pipedrive.com'] }, problems: [UNREADABLE], sources: { crmTenants: 'agent' } }),
    ).toEqual([]);
    expect(effectiveTenants({ values: { crmTenants: ['acme.pipedrive.com'] }, problems: [UNREADABLE], sources: { crmTenants: 'default' } })).toEqual([]);
  });

  it('a problem with another key changes nothing', () => {
    const config: TenantConfig = {
      values: { crmTenants: ['acme.pipedrive.com'] },
      problems: [{ key: 'crmProfiles', source: 'policy', message: 'x' }],
      sources: { crmTenants: 'agent' },
    };
    expect(effectiveTenants(config)).toEqual(['acme.pipedrive.com']);
    expect(effectiveTenants({ values: {}, problems: [{ key: 'crmRules', source: 'agent', message: 'x' }], sources: {} })).toBeUndefined();
  });

  it('from policy despite a crmTenants problem: the policy value in force', () => {
    const config: TenantConfig = {
      values: { crmTenants: ['acme.pipedrive.com'] },
      problems: [{ key: 'crmTenants', source: 'agent', message: 'unreadable' }],
      sources: { crmTenants: 'policy' },
    };
    expect(effectiveTenants(config)).toEqual(['acme.pipedrive.com']);
  });

  describe('through resolveConfig', () => {
    const bad = ['acme.pipedrive.com', 'https://acme.pipedrive.com'];

    it('a malformed policy list allows nothing, even with a readable agent list', () => {
      const alone = resolveConfig({ policy: { crmTenants: bad } });
      expect(alone.problems.map((problem) => [problem.key, problem.source])).toEqual([['crmTenants', 'policy']]);
      expect(alone.problems[0]?.message).toBe(
        '1: "https://acme.pipedrive.com" is not a host name: write the host only, without https://, a path or a port (e.g. acme.pipedrive.com)',
      );
      expect(effectiveTenants(alone)).toEqual([]);

      const withAgent = resolveConfig({ policy: { crmTenants: bad }, agent: { crmTenants: ['trial.pipedrive.com'] } });
      expect(withAgent.values.crmTenants).toEqual(['trial.pipedrive.com']);
      expect(withAgent.sources.crmTenants).toBe('agent');
      expect(effectiveTenants(withAgent)).toEqual([]);
    });

    it('a malformed agent list allows nothing', () => {
      const resolved = resolveConfig({ agent: { crmTenants: bad } });
      expect(resolved.problems.map((problem) => [problem.key, problem.source])).toEqual([['crmTenants', 'agent']]);
      expect(effectiveTenants(resolved)).toEqual([]);
    });

    it('a readable list, normalised', () => {
      expect(effectiveTenants(resolveConfig({ policy: { crmTenants: [' ACME.pipedrive.com', 'Org746753262'] } }))).toEqual(['acme.pipedrive.com', 'org746753262']);
      expect(effectiveTenants(resolveConfig({ policy: { crmTenants: ['acme.pipedrive.com'] }, agent: { crmTenants: bad } }))).toEqual(['acme.pipedrive.com']);
    });
  });
});

describe('pageSetup and crmTenants', () => {
  it('carries the tenant list as given, beside the other setup problems', () => {
    const setup = pageSetup({ crmProfiles: ['pipedrive', 'nope'] as never }, ['acme.pipedrive.com', '4151234']);
    expect(setup.crmTenants).toEqual(['acme.pipedrive.com', '4151234']);
    expect(setup.problems).toEqual(['crmProfiles names an unknown built-in profile "nope"']);
    expect(PageSetupSchema.safeParse(setup).success).toBe(true);
  });

  it('the list defaults to the values’ own, and is a copy', () => {
    const list = ['acme.pipedrive.com'];
    const setup = pageSetup({ crmTenants: list });
    expect(setup.crmTenants).toEqual(['acme.pipedrive.com']);
    expect(setup.crmTenants).not.toBe(list);
    expect(setup.problems).toEqual([]);
  });

  it('the effective list wins over the values’ (fail closed reaches the content script)', () => {
    expect(pageSetup({ crmTenants: ['acme.pipedrive.com'] }, []).crmTenants).toEqual([]);
  });

  it('an empty list is carried (nothing allowed); an absent one is not (everything allowed)', () => {
    const empty = pageSetup({}, []);
    expect('crmTenants' in empty).toBe(true);
    expect(empty.crmTenants).toEqual([]);
    const absent = pageSetup({}, undefined);
    expect('crmTenants' in absent).toBe(false);
    expect(absent.problems).toEqual([]);
  });
});
