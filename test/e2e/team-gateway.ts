import type { RunningGateway } from '../../gateway/main';
import { startSandboxGateway } from '../gateway/harness';
import { type DriverPage, type ExtensionDriver, expect, type SandboxControl } from './fixtures';

/**
 * Team mode in the end-to-end tests: a real team gateway (gateway/main.ts, embedded PGlite in memory) in the test
 * process, signing agents in through the sandbox's real OpenID Connect provider and calling the provider sandbox
 * with the token it holds. The browsers know only the gateway's URL.
 */

/** The sandbox OIDC provider's password for every demo user (sandbox/oidc.ts). */
const PASSWORD = 'sandbox-password';

/** A gateway for this worker's sandbox, alice and bob its team (test/gateway/harness.ts). */
export async function startTeamGateway(sandbox: SandboxControl, env: Record<string, string> = {}): Promise<RunningGateway> {
  return (await startSandboxGateway(sandbox.sandbox, { env, quiet: true })).gateway;
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
