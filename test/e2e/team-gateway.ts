import { loadGatewayConfig } from '../../gateway/config';
import { upsertUsers } from '../../gateway/core';
import { type RunningGateway, startGateway } from '../../gateway/main';
import { pgliteTemplate } from '../gateway/pglite-template';
import { type DriverPage, type ExtensionDriver, expect, ORG, type SandboxControl, TOKEN } from './fixtures';

/**
 * Team mode in the end-to-end tests: a real team gateway (gateway/main.ts, embedded PGlite in memory) in the test
 * process, signing agents in through the sandbox's real OpenID Connect provider and calling the provider sandbox
 * with the token it holds. The browsers know only the gateway's URL.
 */

export const TEAM_AGENTS = [
  { email: 'alice@example.com', providerUserId: 'u_alice', name: 'Alice Agent' },
  { email: 'bob@example.com', providerUserId: 'u_bob', name: 'Bob Agent' },
];
/** The sandbox OIDC provider's password for every demo user (sandbox/oidc.ts). */
const PASSWORD = 'sandbox-password';

let clients = 0;

export async function startTeamGateway(sandbox: SandboxControl, env: Record<string, string> = {}): Promise<RunningGateway> {
  clients += 1;
  const clientId = `ccb-gateway-e2e-${process.pid}-${clients}`;
  const clientSecret = `e2e-secret-${clients}-not-a-real-one`;
  const config = loadGatewayConfig({
    GATEWAY_PORT: '0',
    SALESCHAT_API_URL: sandbox.apiUrl,
    SALESCHAT_DASHBOARD_URL: sandbox.dashboardUrl,
    SALESCHAT_ORG_ID: ORG,
    SALESCHAT_API_TOKEN: TOKEN,
    OIDC_ISSUER: `${sandbox.apiUrl}/oidc`,
    OIDC_CLIENT_ID: clientId,
    OIDC_CLIENT_SECRET: clientSecret,
    ...env,
  });
  // In memory, from an initialised cluster saved once (initdb in WebAssembly takes seconds).
  const gateway = await startGateway({ ...config, database: { pgliteLoadDataDir: await pgliteTemplate() } }, { quiet: true });
  await sandbox.call('POST', 'oidc/clients', {
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [`${gateway.publicUrl}/auth/callback`],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  await upsertUsers(gateway.database.db, TEAM_AGENTS);
  return gateway;
}

/**
 * Signs `email` in from the extension's popup as an agent does: Sign in, the company's login page in the tab
 * that opens, e-mail and password, submit; the tab closes by itself and the popup says who is signed in.
 */
export async function signInFromPopup(driver: ExtensionDriver, crm: DriverPage, sandbox: SandboxControl, email: string): Promise<void> {
  const popup = await driver.popupFor(crm);
  await expect.poll(() => popup.attributeOf('#team', 'data-state')).toBe('signed-out');
  await popup.click('#team-sign-in');
  const login = await pageWhere(driver, (url) => url.startsWith(`${sandbox.apiUrl}/oidc/`) && url.includes('interaction'));
  await expect.poll(() => login.count('input[name="login"]')).toBe(1);
  await login.fill('input[name="login"]', email);
  await login.fill('input[name="password"]', PASSWORD);
  await login.click('button[type="submit"]');
  await expect.poll(() => popup.attributeOf('#team', 'data-state'), { timeout: 20_000 }).toBe('signed-in');
  await expect.poll(() => popup.textOf('#team-signed-in')).toContain(`(${email}) (team mode)`);
  // The sign-in tab is the extension's to close once it has the result.
  await expect.poll(async () => (await driver.pages()).filter((page) => page.url().includes('/oidc/') || page.url().includes('/auth/')).length).toBe(0);
  await popup.close();
}

async function pageWhere(driver: ExtensionDriver, test: (url: string) => boolean): Promise<DriverPage> {
  let found: DriverPage | undefined;
  await expect
    .poll(async () => {
      found = (await driver.pages()).find((page) => test(page.url()));
      return found !== undefined;
    })
    .toBe(true);
  return found as DriverPage;
}
