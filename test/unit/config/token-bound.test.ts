import { describe, expect, it } from 'vitest';
import { requireAgent, resolveConfig } from '../../../lib/config/resolve';
import { insecureProviderUrl, TOKEN_BOUND_KEYS } from '../../../lib/config/schema';

const AGENTS = [
  { email: 'alice@acme.example', providerUserId: 'u_alice' },
  { email: 'boss@acme.example', providerUserId: 'u_admin' },
];
const POLICY = { providerApiUrl: 'https://apis.saleschat.pro', providerDashboardUrl: 'https://app.saleschat.pro', orgId: 'org_1', apiToken: 'policy-token', agents: AGENTS };

describe('the policy token binds where it goes and whom it acts for', () => {
  it('a policy that sets the token but not the URL: the agent’s URL, identity and lookup route are ignored and reported', () => {
    const { providerApiUrl: _url, ...policy } = POLICY;
    const resolved = resolveConfig({
      policy,
      agent: {
        providerApiUrl: 'http://evil.example',
        agentProviderUserId: 'u_admin',
        agentEmail: 'boss@acme.example',
        contactLookupUrlTemplate: '{API_URL}/x?crm_id={CRM_ID}',
        defaultCountry: 'DE',
      },
    });
    // The default URL, not the agent's: requests (and the token) go to Saleschat.
    expect(resolved.values).toMatchObject({ providerApiUrl: 'https://apis.saleschat.pro', orgId: 'org_1', defaultCountry: 'DE' });
    expect(resolved.sources.providerApiUrl).toBe('default');
    expect(resolved.values.agentProviderUserId).toBeUndefined();
    expect(resolved.values.agentEmail).toBeUndefined();
    expect(resolved.values.contactLookupUrlTemplate).toBeUndefined();
    expect(resolved.ignored.map((entry) => entry.key).sort()).toEqual(['agentEmail', 'agentProviderUserId', 'contactLookupUrlTemplate', 'providerApiUrl']);
    expect(resolved.ignored.find((entry) => entry.key === 'providerApiUrl')?.message).toContain('your administrator sets the API token');
    expect(() => requireAgent(resolved.values)).toThrow(/does not know who you are/);
  });

  it('keys the policy sets itself are locked as before (the agent’s value is overridden, not reported twice)', () => {
    const resolved = resolveConfig({ policy: POLICY, agent: { providerApiUrl: 'https://evil.example', orgId: 'org_other' } });
    expect(resolved.values).toMatchObject({ providerApiUrl: 'https://apis.saleschat.pro', orgId: 'org_1' });
    expect(resolved.locked).toEqual(expect.arrayContaining(['providerApiUrl', 'orgId']));
    expect(resolved.ignored).toEqual([]);
  });

  it('agents may not pick themselves by default when the token comes from policy; agentSelfSelect lets them', () => {
    expect(resolveConfig({ policy: POLICY, agent: { agentEmail: 'alice@acme.example' } }).values).toMatchObject({ agentSelfSelect: false });
    const picked = resolveConfig({ policy: { ...POLICY, agentSelfSelect: true }, agent: { agentEmail: 'alice@acme.example' } });
    expect(requireAgent(picked.values)).toMatchObject({ providerUserId: 'u_alice', via: 'agentEmail' });
    expect(picked.ignored).toEqual([]);
  });

  it('without a policy token nothing is bound: the agent sets up their own connection (and may pick themselves)', () => {
    const own = resolveConfig({ agent: { ...POLICY, apiToken: 'my-token', agentEmail: 'alice@acme.example' } });
    expect(own.ignored).toEqual([]);
    expect(own.values).toMatchObject({ agentSelfSelect: true, agentEmail: 'alice@acme.example' });
  });

  it('a policy value of a bound key is used as it is (only the agent’s are ignored)', () => {
    const resolved = resolveConfig({ policy: { ...POLICY, agentEmail: 'alice@acme.example' }, agent: { agentEmail: 'boss@acme.example' } });
    expect(resolved.values.agentEmail).toBe('alice@acme.example');
  });

  it('the bound keys include every key that routes the token or names the agent', () => {
    for (const key of ['providerApiUrl', 'providerDashboardUrl', 'orgId', 'agentProviderUserId', 'agentEmail', 'agents', 'contactLookupUrlTemplate']) {
      expect(TOKEN_BOUND_KEYS).toContain(key);
    }
  });
});

describe('agentProviderUserId must name an agents entry', () => {
  it('an id outside the directory is refused by name, and identifies nobody', () => {
    const resolved = resolveConfig({ agent: { ...POLICY, apiToken: 'mine', agentProviderUserId: 'u_whoever' } });
    expect(resolved.values.agentProviderUserId).toBeUndefined();
    expect(resolved.problems).toContainEqual({ key: 'agentProviderUserId', source: 'agent', message: 'names u_whoever, who is not in the agents directory' });
  });
});

describe('provider URLs carry the token: https only', () => {
  it.each([
    ['https://apis.saleschat.pro', false, undefined],
    ['http://apis.saleschat.pro', false, 'must start with https://'],
    ['http://127.0.0.1:4010', false, 'must start with https://'],
    ['http://127.0.0.1:4010', true, undefined],
    ['http://localhost:4010', true, undefined],
    ['http://sandbox.test:4010', true, 'must start with https://'],
  ] as const)('%s (loopback allowed: %s)', (url, allowLoopback, problem) => {
    const found = insecureProviderUrl(url, allowLoopback);
    if (problem) expect(found).toContain(problem);
    else expect(found).toBeUndefined();
  });

  it('a policy http URL is refused with the key named (never silently replaced by the default)', () => {
    const resolved = resolveConfig({ policy: { ...POLICY, providerApiUrl: 'http://apis.example' } });
    expect(resolved.values.providerApiUrl).toBeUndefined();
    expect(resolved.problems).toContainEqual(expect.objectContaining({ key: 'providerApiUrl', source: 'policy', message: expect.stringContaining('https://') }));
  });
});
