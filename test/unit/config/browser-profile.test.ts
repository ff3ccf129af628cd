import { describe, expect, it } from 'vitest';
import { type IdentityParts, readBrowserProfile } from '../../../lib/config/browser-profile';
import { requireAgent, resolveConfig } from '../../../lib/config/resolve';

const AGENTS = [
  { email: 'alice@acme.example', providerUserId: 'u_alice' },
  { email: 'bob@acme.example', providerUserId: 'u_bob' },
];
const POLICY = { orgId: 'org_1', apiToken: 'policy-token', agents: AGENTS, agentFromBrowserProfile: true };

function parts(email: string | undefined, granted = true): IdentityParts & { asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    asked,
    supported: true,
    permissions: { contains: async () => granted },
    identity: {
      getProfileUserInfo: async (details) => {
        asked.push(details);
        return { email: email ?? '' };
      },
    },
  };
}

describe('reading the account signed in to the browser', () => {
  it('asks for the primary account whether or not sync is on, and normalises the e-mail', async () => {
    const identity = parts(' Alice@Acme.example ');
    expect(await readBrowserProfile(identity)).toEqual({ state: 'signed-in', email: 'alice@acme.example' });
    expect(identity.asked).toEqual([{ accountStatus: 'ANY' }]);
  });

  it.each([
    ['no account signed in', parts(undefined), { state: 'signed-out' }],
    ['the permissions not granted', parts('alice@acme.example', false), { state: 'unavailable', why: 'not-granted' }],
    ['no identity API (permission missing in the manifest)', { supported: true, permissions: { contains: async () => true } }, { state: 'unavailable', why: 'not-granted' }],
    ['a browser without the call (Firefox)', { ...parts('alice@acme.example'), supported: false }, { state: 'unavailable', why: 'unsupported' }],
  ])('%s', async (_label, identity, expected) => {
    expect(await readBrowserProfile(identity as IdentityParts)).toEqual(expected);
  });
});

describe('agentFromBrowserProfile', () => {
  it('the agent is the directory entry with the profile’s e-mail, shown as coming from the browser', () => {
    const resolved = resolveConfig({ policy: POLICY, browserProfileEmail: 'bob@acme.example' });
    expect(requireAgent(resolved.values)).toMatchObject({ providerUserId: 'u_bob' });
    expect(resolved.sources.agentEmail).toBe('browser');
  });

  it('wins over the agent’s own pick (agentSelfSelect), not over the administrator’s', () => {
    const selfPick = resolveConfig({ policy: { ...POLICY, agentSelfSelect: true }, agent: { agentEmail: 'alice@acme.example' }, browserProfileEmail: 'bob@acme.example' });
    expect(requireAgent(selfPick.values).providerUserId).toBe('u_bob');
    const adminSays = resolveConfig({ policy: { ...POLICY, agentEmail: 'alice@acme.example' }, browserProfileEmail: 'bob@acme.example' });
    expect(requireAgent(adminSays.values).providerUserId).toBe('u_alice');
  });

  it('an e-mail outside the directory identifies nobody and is reported', () => {
    const resolved = resolveConfig({ policy: POLICY, browserProfileEmail: 'mallory@elsewhere.example' });
    expect(() => requireAgent(resolved.values)).toThrow(/identifies you by the account signed in to this browser, and could not/);
    expect(resolved.problems).toContainEqual({ key: 'agentFromBrowserProfile', source: 'policy', message: 'this browser is signed in as mallory@elsewhere.example, who is not in the agents directory' });
  });

  it('off: the profile’s e-mail is not used', () => {
    const resolved = resolveConfig({ policy: { ...POLICY, agentFromBrowserProfile: false }, browserProfileEmail: 'bob@acme.example' });
    expect(resolved.values.agentEmail).toBeUndefined();
  });

  it('with a policy token the agent cannot turn it on (or off) themselves', () => {
    const { agentFromBrowserProfile: _on, ...policy } = POLICY;
    const resolved = resolveConfig({ policy, agent: { agentFromBrowserProfile: true }, browserProfileEmail: 'bob@acme.example' });
    expect(resolved.values.agentFromBrowserProfile).toBe(false);
    expect(resolved.values.agentEmail).toBeUndefined();
  });
});
