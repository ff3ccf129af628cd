/**
 * `npm run demo -- --team`: two agents, one lead, through the team gateway. Starts the sandbox provider (with its
 * OpenID Connect provider) on 4010 and the team gateway on 4020 (the sandbox's default OIDC client redirects
 * there), then two Chromium browsers, alice's and bob's, each with only the gateway's URL configured. Headless
 * (no display, or --headless) it signs both in through the company login page, has alice and then bob click
 * Chat on demo lead L-1001, prints what the provider received and saves screenshots to demo-output/team/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type BrowserContext, chromium, type Page } from '@playwright/test';
import { loadGatewayConfig } from '../gateway/config';
import { upsertUsers } from '../gateway/core';
import { startGateway } from '../gateway/main';
import { startSandbox } from '../sandbox/server';

const { values: args } = parseArgs({
  options: { headless: { type: 'boolean', default: false }, team: { type: 'boolean', default: true }, port: { type: 'string', default: '4010' } },
});
const headless = args.headless || !process.env.DISPLAY;
const extensionDir = path.resolve('.output/dev-hosts/chrome-mv3');
const outputDir = path.resolve('demo-output/team');
const AGENTS = [
  { email: 'alice@example.com', providerUserId: 'u_alice', name: 'Alice Agent' },
  { email: 'bob@example.com', providerUserId: 'u_bob', name: 'Bob Agent' },
];

const sandbox = await startSandbox({ port: Number(args.port), quiet: true });
const config = loadGatewayConfig({
  GATEWAY_PORT: '4020',
  SALESCHAT_API_URL: sandbox.url,
  SALESCHAT_DASHBOARD_URL: `${sandbox.url}/app`,
  SALESCHAT_ORG_ID: 'org_demo',
  SALESCHAT_API_TOKEN: 'sandbox-token-demo',
  OIDC_ISSUER: sandbox.oidcIssuer,
  OIDC_CLIENT_ID: 'ccb-gateway',
  OIDC_CLIENT_SECRET: 'sandbox-oidc-secret',
});
// In memory, like the sandbox: every demo starts from nothing.
const gateway = await startGateway({ ...config, database: {} }, { quiet: true });
await upsertUsers(gateway.database.db, AGENTS);
const crmUrl = `${sandbox.url.replace('127.0.0.1', 'localhost')}/crm/leads`;
console.log(`Sandbox provider ${sandbox.url} (its login page: ${sandbox.oidcIssuer}), team gateway ${gateway.url} (team: alice, bob).`);

async function agentBrowser(): Promise<{ context: BrowserContext; popup: Page; crm: Page }> {
  const context = await chromium.launchPersistentContext('', {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless,
    viewport: { width: 1100, height: 760 },
    args: [`--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`, '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...(headless ? ['--disable-gpu'] : [])],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  await worker.evaluate(async (options) => {
    const api = (globalThis as unknown as { chrome: { storage: { local: { set(items: object): Promise<void> } } } }).chrome;
    await api.storage.local.set({ agentOptions: options });
  }, { gatewayUrl: gateway.url });
  const crm = context.pages()[0] ?? (await context.newPage());
  await crm.goto(`${crmUrl}/L-1001`);
  const popup = await context.newPage();
  await popup.goto(`chrome-extension://${new URL(worker.url()).host}/popup.html`);
  return { context, popup, crm };
}

const browsers = await Promise.all([agentBrowser(), agentBrowser()]);
const shutdown = async () => {
  await Promise.all(browsers.map(({ context }) => context.close().catch(() => undefined)));
  await gateway.close();
  await sandbox.close();
};

if (!headless) {
  console.log('Two Chromium windows: press "Sign in" in each one\'s popup tab and sign in as alice@example.com in one and bob@example.com in the other (password sandbox-password); then click Chat on lead L-1001 in both. Ctrl-C stops.');
  process.on('SIGINT', () => void shutdown().then(() => process.exit(0)));
} else {
  mkdirSync(outputDir, { recursive: true });
  const counts = async () => (await (await fetch(`${sandbox.url}/__sandbox/counts`)).json()) as { createContact: number; assign: number };
  for (const [index, agent] of AGENTS.entries()) {
    const { context, popup, crm } = browsers[index] as (typeof browsers)[number];
    console.log(`\n${index + 1}. ${agent.name} signs in from the popup (the company login page opens in a tab).`);
    const loginPage = context.waitForEvent('page');
    await popup.locator('#team-sign-in').click();
    const login = await loginPage;
    await login.locator('input[name="login"]').fill(agent.email);
    await login.locator('input[name="password"]').fill('sandbox-password');
    await login.locator('button[type="submit"]').click();
    await popup.locator('#team-signed-in').waitFor({ timeout: 20_000 });
    console.log(`   popup: ${await popup.locator('#team-signed-in').textContent()}`);
    await popup.screenshot({ path: path.join(outputDir, `${index + 1}-${agent.providerUserId}-signed-in.png`) });

    await crm.bringToFront();
    const before = await counts();
    const host = crm.locator('crm-chat-bridge');
    await host.locator('[data-ccb="chat"]').click();
    await host.locator('[data-ccb="toast"]').waitFor({ timeout: 20_000 });
    const after = await counts();
    console.log(`   ${agent.name} clicks Chat on L-1001: "${await host.locator('.ccb-toast-text').textContent()}"`);
    console.log(`   provider requests (made by the gateway): create-contact +${after.createContact - before.createContact}, assign +${after.assign - before.assign}`);
    await crm.screenshot({ path: path.join(outputDir, `${index + 1}-${agent.providerUserId}-chat.png`) });
  }
  console.log('\nOne contact for the lead, the chat now assigned to Bob; neither browser ever held the Saleschat token.');
  await shutdown();
}
