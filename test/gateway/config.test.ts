import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayConfigError, loadDatabaseConfig, loadGatewayConfig } from '../../gateway/config';

const MINIMAL = {
  SALESCHAT_DASHBOARD_URL: 'https://app.saleschat.pro',
  SALESCHAT_ORG_ID: 'org_1',
  SALESCHAT_API_TOKEN: 'provider-token-for-config-tests',
  OIDC_ISSUER: 'https://login.example.com',
  OIDC_CLIENT_ID: 'gateway',
};

describe('gateway configuration (environment)', () => {
  it('every missing variable is named at once', () => {
    let message = '';
    try {
      loadGatewayConfig({});
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayConfigError);
      message = (error as Error).message;
    }
    for (const name of Object.keys(MINIMAL)) expect(message).toContain(name);
  });

  it('defaults: embedded database under .gateway/data, port 4020 on loopback, the team rules of direct mode', () => {
    const config = loadGatewayConfig(MINIMAL);
    expect(config).toMatchObject({ host: '127.0.0.1', port: 4020, database: { dataDir: expect.stringMatching(/\.gateway[\\/]data$/) } });
    expect(config.team).toMatchObject({ providerApiUrl: 'https://apis.saleschat.pro', allowReassign: true, magicLinkReuse: false, createLeaseMs: 30_000 });
    expect(config.allowedOrigins).toEqual(['chrome-extension://ooieimhjgcmfjkegddipaodhfncicipk', 'moz-extension://*']);
  });

  it('plain http only on loopback: the token, codes and links travel there', () => {
    expect(() => loadGatewayConfig({ ...MINIMAL, SALESCHAT_API_URL: 'http://saleschat.example.com' })).toThrow(/SALESCHAT_API_URL: must start with https:\/\//);
    expect(() => loadGatewayConfig({ ...MINIMAL, OIDC_ISSUER: 'http://idp.example.com' })).toThrow(/OIDC_ISSUER/);
    expect(() => loadGatewayConfig({ ...MINIMAL, GATEWAY_PUBLIC_URL: 'http://gateway.example.com' })).toThrow(/GATEWAY_PUBLIC_URL/);
    expect(loadGatewayConfig({ ...MINIMAL, SALESCHAT_API_URL: 'http://127.0.0.1:4010' }).team.providerApiUrl).toBe('http://127.0.0.1:4010');
  });

  it('secrets from files (_FILE), the environment value winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccb-gateway-config-'));
    writeFileSync(join(dir, 'token'), 'token-from-a-file\n');
    const { SALESCHAT_API_TOKEN: _token, ...rest } = MINIMAL;
    expect(loadGatewayConfig({ ...rest, SALESCHAT_API_TOKEN_FILE: join(dir, 'token') }).team.apiToken).toBe('token-from-a-file');
    expect(loadGatewayConfig({ ...MINIMAL, SALESCHAT_API_TOKEN_FILE: join(dir, 'token') }).team.apiToken).toBe(MINIMAL.SALESCHAT_API_TOKEN);
    expect(() => loadGatewayConfig({ ...rest, SALESCHAT_API_TOKEN_FILE: join(dir, 'missing') })).toThrow(/SALESCHAT_API_TOKEN_FILE=.*cannot be read/);
  });

  it('a lease shorter than a provider call may take is refused', () => {
    expect(() => loadGatewayConfig({ ...MINIMAL, CREATE_LEASE_MS: '5000' })).toThrow(/CREATE_LEASE_MS/);
  });

  it("Google's offline access as extra authorization parameters", () => {
    expect(loadGatewayConfig({ ...MINIMAL, OIDC_EXTRA_AUTH_PARAMS: 'access_type=offline&prompt=consent' }).oidc.extraAuthParams).toEqual({
      access_type: 'offline',
      prompt: 'consent',
    });
  });

  it('admin commands need the database settings only', () => {
    expect(loadDatabaseConfig({ DATABASE_URL: 'postgres://gateway@db/gateway' })).toEqual({ databaseUrl: 'postgres://gateway@db/gateway' });
    expect(loadDatabaseConfig({})).toEqual({ dataDir: expect.stringMatching(/\.gateway[\\/]data$/) });
  });
});
