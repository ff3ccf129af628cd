import { describe, expect, it } from 'vitest';
import { fillUrlTemplate, requireProviderConfig, resolveAgent, resolveConfig } from '../../../lib/config/resolve';
import { CONFIG_DEFAULTS } from '../../../lib/config/schema';
import { AGENTS, BASE_OPTIONS } from '../helpers';

describe('resolveConfig', () => {
  it('applies defaults for unset keys and marks their source', () => {
    const resolved = resolveConfig({});
    // agentSelfSelect depends on where the token comes from: no policy token here, so the agent may pick.
    expect(resolved.values).toEqual({ ...CONFIG_DEFAULTS, agentSelfSelect: true });
    expect(resolved.sources.providerApiUrl).toBe('default');
    expect(resolved.sources.orgId).toBeUndefined();
    expect(resolved.problems).toEqual([]);
  });

  it('policy beats the agent, which beats the default; policy keys are locked', () => {
    const resolved = resolveConfig({
      policy: { orgId: 'org_policy', allowReassign: false },
      agent: { orgId: 'org_agent', defaultCountry: 'de', allowReassign: true },
    });
    expect(resolved.values.orgId).toBe('org_policy');
    expect(resolved.values.allowReassign).toBe(false);
    expect(resolved.values.defaultCountry).toBe('DE');
    expect(resolved.sources).toMatchObject({ orgId: 'policy', allowReassign: 'policy', defaultCountry: 'agent', requestTimeoutMs: 'default' });
    expect(resolved.locked.sort()).toEqual(['allowReassign', 'orgId']);
  });

  it('a key present with a falsy value is present (absence, not falsiness)', () => {
    const resolved = resolveConfig({ policy: { allowReassign: false, agents: [] }, agent: { allowReassign: true } });
    expect(resolved.values.allowReassign).toBe(false);
    expect(resolved.locked).toContain('agents');
  });

  it('reports a wrong-typed key by name and keeps the valid ones', () => {
    const resolved = resolveConfig({ policy: { requestTimeoutMs: 'fast', orgId: 'org_1' } });
    expect(resolved.values.orgId).toBe('org_1');
    expect(resolved.values.requestTimeoutMs).toBe(8000);
    expect(resolved.problems).toEqual([{ key: 'requestTimeoutMs', source: 'policy', message: expect.stringContaining('expected number') }]);
  });

  it('an invalid ordinary key falls back to the next layer', () => {
    const resolved = resolveConfig({ policy: { defaultCountry: 'Germany' }, agent: { defaultCountry: 'FR' } });
    expect(resolved.values.defaultCountry).toBe('FR');
    expect(resolved.sources.defaultCountry).toBe('agent');
  });

  it('an invalid critical key stays unset (never the production default, never a lower layer)', () => {
    const resolved = resolveConfig({ policy: { providerApiUrl: 'apis.example' }, agent: { providerApiUrl: 'https://agent.example' } });
    expect(resolved.values.providerApiUrl).toBeUndefined();
    expect(resolved.problems.map((problem) => problem.key)).toEqual(['providerApiUrl']);
  });

  it('names unknown keys', () => {
    const resolved = resolveConfig({ policy: { orgID: 'x' } });
    expect(resolved.problems).toEqual([{ key: 'orgID', source: 'policy', message: 'is not a known setting (check the spelling)' }]);
  });

  it('normalises URLs (no trailing slash) and agent e-mails (lower case)', () => {
    const resolved = resolveConfig({ agent: { providerApiUrl: 'https://api.test/', agents: [{ email: 'A@X.COM', providerUserId: 'u' }] } });
    expect(resolved.values.providerApiUrl).toBe('https://api.test');
    expect(resolved.values.agents).toEqual([{ email: 'a@x.com', providerUserId: 'u' }]);
  });

  it('ignores non-object layers', () => {
    expect(resolveConfig({ policy: 'nonsense', agent: [1, 2] }).problems).toEqual([]);
  });
});

describe('requireProviderConfig', () => {
  it('returns the four provider settings', () => {
    expect(requireProviderConfig(resolveConfig({ agent: BASE_OPTIONS }))).toEqual({
      providerApiUrl: 'https://api.test',
      providerDashboardUrl: 'https://app.test/app',
      orgId: 'org_1',
      apiToken: 'token-1234',
    });
  });

  it('lists every missing or invalid key in one message', () => {
    expect(() => requireProviderConfig(resolveConfig({ agent: { orgId: '' } }))).toThrow(
      'CRM Chat Bridge is not configured: organisation id (orgId) is invalid, API token (apiToken) is not set, provider dashboard URL (providerDashboardUrl) is not set.',
    );
  });
});

describe('resolveAgent (config.md order)', () => {
  it('agentProviderUserId first, with the directory entry when there is one', () => {
    expect(resolveAgent({ agents: AGENTS, agentProviderUserId: 'u_bob', agentEmail: 'alice@example.com' })).toEqual({
      providerUserId: 'u_bob',
      email: 'bob@example.com',
      name: 'Bob Agent',
      via: 'agentProviderUserId',
    });
  });

  it('then agentEmail in the directory (case-insensitive)', () => {
    expect(resolveAgent({ agents: AGENTS, agentEmail: 'alice@example.com' })?.providerUserId).toBe('u_alice');
  });

  it('undefined when nothing identifies the agent', () => {
    expect(resolveAgent({ agents: AGENTS, agentEmail: 'carol@example.com' })).toBeUndefined();
    expect(resolveAgent({})).toBeUndefined();
  });
});

describe('fillUrlTemplate', () => {
  it('fills known variables, encodes values, keeps the dashboard URL as is and unknown variables untouched', () => {
    expect(fillUrlTemplate('{DASHBOARD_URL}/c/{CHATROOM_ID}/{OTHER}', { DASHBOARD_URL: 'https://a.test/app', CHATROOM_ID: 'a b' })).toBe(
      'https://a.test/app/c/a%20b/{OTHER}',
    );
  });
});

describe('list entries are validated one by one', () => {
  it('a malformed rule is named and left out; the other rules apply', () => {
    const good = { name: 'Acme', url: 'https://crm.acme.test/leads/:id', fields: { firstName: { label: 'First name' } } };
    const resolved = resolveConfig({ policy: { crmRules: [good, { name: 'Broken', url: 5, fields: {} }] } });
    expect(resolved.values.crmRules).toHaveLength(1);
    expect(resolved.values.crmRules?.[0]?.name).toBe('Acme');
    expect(resolved.sources.crmRules).toBe('policy');
    expect(resolved.problems).toEqual([
      { key: 'crmRules[1]', source: 'policy', message: expect.stringMatching(/^rule 'Broken': url: .*\(this entry is ignored\)$/) },
    ]);
  });

  it('a malformed agent entry is named by its e-mail; the others still identify agents', () => {
    const resolved = resolveConfig({ policy: { agents: [AGENTS[0], { email: 'bob@example.com' }] } });
    expect(resolved.values.agents).toEqual([AGENTS[0]]);
    expect(resolved.problems[0]).toMatchObject({ key: 'agents[1]', message: expect.stringContaining('bob@example.com: providerUserId') });
  });

  it('an unknown built-in profile id is named', () => {
    const resolved = resolveConfig({ policy: { crmProfiles: ['salesforce', 'salesforc'] } });
    expect(resolved.values.crmProfiles).toBeUndefined();
    expect(resolved.problems).toEqual([
      { key: 'crmProfiles', source: 'policy', message: expect.stringContaining('1: must be one of salesforce, hubspot, zoho, pipedrive, dynamics, freshsales, demo') },
    ]);
  });
});
