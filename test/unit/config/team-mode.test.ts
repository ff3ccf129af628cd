import { describe, expect, it } from 'vitest';
import { isTeamMode, resolveConfig } from '../../../lib/config/resolve';

const GATEWAY = 'https://gateway.example.com';

describe('team mode (gatewayUrl)', () => {
  it('a policy apiToken is dropped with a visible reason; the browser keeps no token value', () => {
    const config = resolveConfig({ policy: { gatewayUrl: GATEWAY, apiToken: 'policy-token-that-must-not-be-used', orgId: 'org_1' } });
    expect(isTeamMode(config)).toBe(true);
    expect(config.values.apiToken).toBeUndefined();
    expect(config.ignored).toContainEqual({
      key: 'apiToken',
      message: 'ignored in team mode: the team gateway holds the Saleschat token, so this browser keeps none (remove apiToken from the policy)',
    });
  });

  it("the agent's own identity keys are ignored: the gateway knows who they are", () => {
    const config = resolveConfig({
      policy: { gatewayUrl: GATEWAY },
      agent: { agentEmail: 'admin@example.com', agentProviderUserId: 'u_admin', apiToken: 'typed-by-the-agent', defaultCountry: 'DE' },
    });
    expect(config.values).not.toHaveProperty('agentEmail');
    expect(config.values).not.toHaveProperty('agentProviderUserId');
    expect(config.values).not.toHaveProperty('apiToken');
    expect(config.ignored.map((entry) => entry.key).sort()).toEqual(['agentEmail', 'agentProviderUserId', 'apiToken']);
    expect(config.values.defaultCountry).toBe('DE');
  });

  it('an agent may set gatewayUrl themselves (no token is at stake); the policy value wins', () => {
    expect(resolveConfig({ agent: { gatewayUrl: GATEWAY } }).values.gatewayUrl).toBe(GATEWAY);
    const both = resolveConfig({ policy: { gatewayUrl: GATEWAY }, agent: { gatewayUrl: 'https://elsewhere.example.com' } });
    expect(both.values.gatewayUrl).toBe(GATEWAY);
    expect(both.locked).toContain('gatewayUrl');
  });

  it('gatewayUrl must be https (loopback http only in test builds)', () => {
    const config = resolveConfig({ policy: { gatewayUrl: 'http://gateway.example.com' } });
    expect(isTeamMode(config)).toBe(false);
    expect(config.problems).toContainEqual(expect.objectContaining({ key: 'gatewayUrl', source: 'policy' }));
  });

  it('without gatewayUrl nothing changes (direct mode)', () => {
    const config = resolveConfig({ policy: { apiToken: 'policy-token-that-must-not-be-used', orgId: 'org_1' } });
    expect(isTeamMode(config)).toBe(false);
    expect(config.values.apiToken).toBe('policy-token-that-must-not-be-used');
    expect(config.ignored).toEqual([]);
  });
});
