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

  it('keeping the contact true to the CRM: overwrite names, warn on a phone change, no stage, by default', () => {
    expect(loadGatewayConfig(MINIMAL).team).toMatchObject({ contactUpdatePolicy: 'overwrite', phoneChangePolicy: 'warn', stageMapping: [] });
    expect(loadGatewayConfig(MINIMAL).team.contactStageUrlTemplate).toBeUndefined();
    const team = loadGatewayConfig({
      ...MINIMAL,
      CONTACT_UPDATE_POLICY: 'fillEmpty',
      PHONE_CHANGE_POLICY: 'newContact',
      STAGE_MAPPING: '[{"crmStatus":"Won","stage":"closed","disposition":"won"}]',
      CONTACT_STAGE_URL_TEMPLATE: '{API_URL}/v1/orgs/{ORG_ID}/contact/{CONTACT_ID}/stage',
    }).team;
    expect(team).toMatchObject({
      contactUpdatePolicy: 'fillEmpty',
      phoneChangePolicy: 'newContact',
      stageMapping: [{ crmStatus: 'Won', stage: 'closed', disposition: 'won' }],
      contactStageUrlTemplate: '{API_URL}/v1/orgs/{ORG_ID}/contact/{CONTACT_ID}/stage',
    });
    expect(() => loadGatewayConfig({ ...MINIMAL, PHONE_CHANGE_POLICY: 'ignore' })).toThrow(/PHONE_CHANGE_POLICY/);
  });

  it('a STAGE_MAPPING that is not JSON, or not the entries, is refused naming what is wrong', () => {
    const template = { CONTACT_STAGE_URL_TEMPLATE: '{API_URL}/v1/orgs/{ORG_ID}/contact/{CONTACT_ID}/stage' };
    expect(() => loadGatewayConfig({ ...MINIMAL, ...template, STAGE_MAPPING: '[{"crmStatus":"Won"' })).toThrow(/STAGE_MAPPING: is not valid JSON \(/);
    expect(() => loadGatewayConfig({ ...MINIMAL, ...template, STAGE_MAPPING: '{"Won":"closed"}' })).toThrow(/STAGE_MAPPING: must be a JSON array of/);
    expect(() => loadGatewayConfig({ ...MINIMAL, ...template, STAGE_MAPPING: '[{"crmStatus":"Won","stage":"closed"},{"crmStatus":"Lost","stage":" "}]' })).toThrow(
      /STAGE_MAPPING\.1\.stage: must not be empty/,
    );
    expect(() => loadGatewayConfig({ ...MINIMAL, ...template, STAGE_MAPPING: '[{"stage":"closed"}]' })).toThrow(/STAGE_MAPPING\.0\.crmStatus/);
  });

  it('a STAGE_MAPPING needs CONTACT_STAGE_URL_TEMPLATE, which may only point at the Saleschat API and must name the contact', () => {
    const mapping = { STAGE_MAPPING: '[{"crmStatus":"Won","stage":"closed"}]' };
    expect(() => loadGatewayConfig({ ...MINIMAL, ...mapping })).toThrow(/CONTACT_STAGE_URL_TEMPLATE: is required when STAGE_MAPPING is set/);
    expect(() => loadGatewayConfig({ ...MINIMAL, ...mapping, CONTACT_STAGE_URL_TEMPLATE: 'https://elsewhere.example.com/{CONTACT_ID}' })).toThrow(
      /CONTACT_STAGE_URL_TEMPLATE: must start with \{API_URL\}\//,
    );
    expect(() => loadGatewayConfig({ ...MINIMAL, ...mapping, CONTACT_STAGE_URL_TEMPLATE: '{API_URL}/v1/stage' })).toThrow(/CONTACT_STAGE_URL_TEMPLATE: must contain \{CONTACT_ID\}/);
  });

  it('admin commands need the database settings only', () => {
    expect(loadDatabaseConfig({ DATABASE_URL: 'postgres://gateway@db/gateway' })).toEqual({ databaseUrl: 'postgres://gateway@db/gateway' });
    expect(loadDatabaseConfig({})).toEqual({ dataDir: expect.stringMatching(/\.gateway[\\/]data$/) });
  });
});
