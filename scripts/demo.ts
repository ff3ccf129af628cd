/**
 * The demo driver (see scripts/demo.sh). Starts the sandbox on port 4010 (or --port), launches Chromium
 * with the built extension, configures it as agent Alice, and opens demo lead L-1001.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { startSandbox } from '../sandbox/server';

const { values: args } = parseArgs({
  options: { headless: { type: 'boolean', default: false }, port: { type: 'string', default: '4010' } },
});
const headless = args.headless || !process.env.DISPLAY;
const extensionDir = path.resolve('.output/dev-hosts/chrome-mv3');
const outputDir = path.resolve('demo-output');

// In memory: every demo starts from the seed, matching the fresh browser profile it launches.
const sandbox = await startSandbox({ port: Number(args.port), quiet: true });
const apiUrl = sandbox.url;
const dashboardUrl = `${sandbox.url}/app`;
const crmUrl = `${sandbox.url.replace('127.0.0.1', 'localhost')}/crm/leads`;
console.log(`Sandbox provider: ${apiUrl}  (dashboard ${dashboardUrl}, demo CRM ${crmUrl})`);

const context = await chromium.launchPersistentContext('', {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless,
  viewport: { width: 1200, height: 800 },
  args: [
    `--disable-extensions-except=${extensionDir}`,
    `--load-extension=${extensionDir}`,
    '--no-sandbox',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    ...(headless ? ['--disable-gpu'] : []),
  ],
});
const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
await worker.evaluate(async (options) => {
  const api = (globalThis as unknown as { chrome: { storage: { local: { set(items: object): Promise<void> } } } }).chrome;
  await api.storage.local.set({ agentOptions: options });
}, {
  providerApiUrl: apiUrl,
  providerDashboardUrl: dashboardUrl,
  orgId: 'org_demo',
  apiToken: 'sandbox-token-demo',
  agents: [
    { email: 'alice@example.com', providerUserId: 'u_alice', name: 'Alice Agent' },
    { email: 'bob@example.com', providerUserId: 'u_bob', name: 'Bob Agent' },
  ],
  agentEmail: 'alice@example.com',
});
console.log(`Extension ${new URL(worker.url()).host} configured as Alice Agent (alice@example.com → u_alice).`);

const page = context.pages()[0] ?? (await context.newPage());
await page.goto(`${crmUrl}/L-1001`);

const shutdown = async () => {
  await context.close().catch(() => undefined);
  await sandbox.close();
};

if (!headless) {
  console.log('A Chromium window shows demo lead L-1001 with Chat and Login next to "Call". Close the window or press Ctrl-C to stop.');
  process.on('SIGINT', () => void shutdown().then(() => process.exit(0)));
  context.on('close', () => void sandbox.close().then(() => process.exit(0)));
} else {
  mkdirSync(outputDir, { recursive: true });
  const shot = async (target: Page, name: string) => {
    const file = path.join(outputDir, name);
    await target.screenshot({ path: file });
    console.log(`  screenshot: ${path.relative(process.cwd(), file)}`);
  };
  const host = page.locator('crm-chat-bridge');
  const toast = host.locator('[data-ccb="toast"]');
  const counts = async () => (await fetch(`${apiUrl}/__sandbox/counts`)).json();

  await host.locator('[data-ccb="chat"]').waitFor();
  console.log('\n1. Lead page L-1001 (Ada Lovelace): Chat and Login are next to the dialer.');
  await shot(page, '1-lead-page.png');

  const toastText = () => toast.locator('.ccb-toast-text').textContent();
  const dashboardTabs = () => context.pages().filter((candidate) => candidate.url().startsWith(dashboardUrl));

  console.log('2. Click Login (once a day: the dashboard opens logged in through a magic link).');
  const dashboardPromise = context.waitForEvent('page');
  await host.locator('[data-ccb="login"]').click();
  await toast.waitFor();
  console.log(`   toast: ${await toastText()}`);
  const dashboard = await dashboardPromise;
  await dashboard.locator('#logged-in-as').waitFor();
  console.log(`   dashboard says: ${await dashboard.locator('#logged-in-as').textContent()}`);
  await shot(dashboard, '2-dashboard-logged-in.png');

  console.log('3. Click Chat.');
  await page.bringToFront();
  const before = await counts();
  await host.locator('[data-ccb="chat"]').click();
  await toast.filter({ hasText: 'Chat' }).waitFor();
  console.log(`   toast: ${await toastText()}`);
  const after = await counts();
  console.log(`   provider requests: create-contact +${after.createContact - before.createContact}, assign +${after.assign - before.assign}`);
  await shot(page, '3-chat-toast.png');
  await dashboard.locator('#chatroom-name').waitFor();
  console.log(`   dashboard tab: ${dashboard.url()} shows "${await dashboard.locator('#chatroom-name').textContent()}"`);
  console.log(`   dashboard tabs open: ${dashboardTabs().length}`);
  await shot(dashboard, '4-chatroom.png');
  console.log('\nDemo finished.');
  await shutdown();
}
