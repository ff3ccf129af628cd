import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { BrowserContext, CDPSession, Page, Route } from '@playwright/test';
import { canWritePolicy } from './chromium-policy';
import { demoOptions, leadActions, type SandboxControl, TOKEN, uniqueLeadId } from './fixtures';
import { expect, test } from './policy-browser';
import { collectIsolatedWorlds } from './isolated-worlds';

/**
 * Direct mode with the organisation's token in policy (issue 13): what the agent can no longer turn against
 * the company, in real Chromium reading a real policy file. The agent's own options are written straight into
 * extension storage, as a determined agent could (DevTools on the options page), not through the form, which
 * would refuse them.
 */

test.skip(!canWritePolicy(), 'writing /etc/chromium/policies/managed needs root (CI runs as root)');
test.describe.configure({ mode: 'serial' });

/** The built-in default provider URL: with no URL in policy, the token goes here and nowhere else. */
const DEFAULT_API = 'https://apis.saleschat.pro';

let decoy: { server: Server; url: string; requests: string[] } | undefined;

test.afterEach(async () => {
  decoy?.server.close();
  decoy = undefined;
});

/** A server the agent would like the token sent to: it records every request (and its Authorization). */
async function startDecoy(): Promise<NonNullable<typeof decoy>> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** The organisation's policy: token, org, dashboard and directory, with Alice identified by the admin. */
function policy(sandbox: SandboxControl, overrides: Record<string, unknown> = {}) {
  const { providerApiUrl: _url, agentEmail: _me, ...rest } = demoOptions(sandbox);
  return { ...rest, agentEmail: 'alice@example.com', ...overrides };
}

async function writeAgentOptions(context: BrowserContext, options: Record<string, unknown>): Promise<void> {
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  await worker.evaluate(async (value) => {
    const api = (globalThis as unknown as { chrome: { storage: { local: { set(items: object): Promise<void> } } } }).chrome;
    await api.storage.local.set({ agentOptions: value });
  }, options);
}

async function optionsPage(context: BrowserContext, id: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${id}/options.html`);
  await expect(page.locator('#save')).toBeVisible();
  return page;
}

test('a policy token: the agent’s provider URL and identity are ignored and shown as such; requests go to the default URL as Alice; Test connection mints no link', async ({ sandbox, policyBrowser }) => {
  decoy = await startDecoy();
  const { context, id } = await policyBrowser.launch(policy(sandbox));
  // The policy names no URL, so the default (Saleschat's) applies: routed to the sandbox, as in release-build.spec.ts.
  const toSandbox = async (route: Route) => {
    const url = new URL(route.request().url());
    await route.fulfill({ response: await route.fetch({ url: `${sandbox.apiUrl}${url.pathname}${url.search}` }) });
  };
  await context.route(`${DEFAULT_API}/**`, toSandbox);
  await writeAgentOptions(context, { providerApiUrl: decoy.url, agentProviderUserId: 'u_bob', agentEmail: 'bob@example.com' });

  const options = await optionsPage(context, id);
  for (const key of ['providerApiUrl', 'agentProviderUserId']) {
    const field = options.locator(`[data-key="${key}"]`);
    await expect(field.locator('[data-ignored]'), key).toContainText('your own value is ignored');
    await expect(field.locator(`#field-${key}`), key).toBeDisabled();
  }
  // agentEmail is the administrator's own (policy): locked, the agent's pick simply overridden.
  await expect(options.locator('[data-key="agentEmail"]')).toHaveAttribute('data-source', 'policy');
  await expect(options.locator('[data-key="providerApiUrl"]')).toHaveAttribute('data-source', 'default');
  await expect(options.locator('#agent-identity')).toContainText('Saleschat user u_alice');

  const lead = await sandbox.addLead({ id: uniqueLeadId('DM'), firstName: 'Ada', lastName: 'Bound', phone: '+1 415 555 0160' });
  const crm = await context.newPage();
  await crm.goto(sandbox.crmLeadUrl(lead.id));
  await leadActions(crm).chat.click();
  await expect(leadActions(crm).toast).toHaveAttribute('data-ok', 'true');
  expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
  const room = (await sandbox.state()).chatrooms.at(-1);
  expect(room?.assigned_user_id).toBe('u_alice');

  await options.locator('#test-connection').click();
  await expect(options.locator('#connection-report')).toHaveAttribute('data-ok', 'true');
  const linkRequests = (await sandbox.requests()).filter((request) => request.endpoint === 'magicLink');
  // One probe, for a user nobody is, answered 404: no link was minted.
  expect(linkRequests.map((request) => request.status)).toEqual([404]);
  expect(decoy.requests).toEqual([]);
});

test('an http:// provider URL in policy is refused with the key named, and nothing is sent', async ({ sandbox, policyBrowser }) => {
  decoy = await startDecoy();
  // Not loopback: even this test build (which allows http://127.0.0.1 for the sandbox) refuses it.
  const plainHttp = decoy.url.replace('127.0.0.1', 'saleschat-plain.test');
  const { context, id } = await policyBrowser.launch(policy(sandbox, { providerApiUrl: plainHttp }));

  const options = await optionsPage(context, id);
  await expect(options.locator('#config-problems')).toContainText('providerApiUrl');
  await expect(options.locator('#config-problems')).toContainText('must start with https://');

  const lead = await sandbox.addLead({ id: uniqueLeadId('DM'), firstName: 'Ada', lastName: 'Plain', phone: '+1 415 555 0161' });
  const crm = await context.newPage();
  await crm.goto(sandbox.crmLeadUrl(lead.id));
  await leadActions(crm).chat.click();
  await expect(leadActions(crm).toast).toContainText('provider API URL (providerApiUrl) is invalid');
  expect(Object.entries(await sandbox.counts()).filter(([, count]) => count !== 0)).toEqual([]);
  expect(decoy.requests).toEqual([]);
});

test('the content script cannot read the token from any storage area (its own isolated world, through DevTools)', async ({ sandbox, policyBrowser }) => {
  const { context, id } = await policyBrowser.launch(policy(sandbox, { providerApiUrl: sandbox.apiUrl }));
  // An agent-typed value in storage.local too, as an older version kept the token there.
  await writeAgentOptions(context, { defaultCountry: 'DE' });

  const lead = await sandbox.addLead({ id: uniqueLeadId('DM'), firstName: 'Ada', lastName: 'Isolated', phone: '+1 415 555 0162' });
  const crm = await context.newPage();
  const cdp = await context.newCDPSession(crm);
  const worlds = collectIsolatedWorlds(cdp, id);
  await cdp.send('Runtime.enable');
  await crm.goto(sandbox.crmLeadUrl(lead.id));
  await expect(leadActions(crm).chat).toBeVisible();

  await expect.poll(() => worlds.length).toBeGreaterThan(0);
  const read = await evaluateIn(cdp, worlds.at(-1) as number, READ_EVERY_AREA);
  // It is our content script's world (it has the extension's runtime), and every area refuses it.
  expect(read.runtimeId).toBe(id);
  for (const area of ['local', 'sync', 'session', 'managed']) {
    expect(read.areas[area], area).toMatch(/^refused: .*not allowed/i);
  }
  expect(JSON.stringify(read)).not.toContain(TOKEN);
  // The UI still works: the content script needs none of it.
  await leadActions(crm).chat.click();
  await expect(leadActions(crm).toast).toHaveAttribute('data-ok', 'true');
});

/** Runs in the content script's world: its runtime id, and what each storage area gives it. */
const READ_EVERY_AREA = `(async () => {
  const areas = {};
  for (const area of ['local', 'sync', 'session', 'managed']) {
    try {
      areas[area] = 'read: ' + JSON.stringify(await chrome.storage[area].get(null));
    } catch (error) {
      areas[area] = 'refused: ' + (error && error.message);
    }
  }
  return { runtimeId: chrome.runtime.id, areas };
})()`;

async function evaluateIn(cdp: CDPSession, contextId: number, expression: string): Promise<{ runtimeId: string; areas: Record<string, string> }> {
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { contextId, expression, awaitPromise: true, returnByValue: true });
  if (exceptionDetails) throw new Error(`evaluation failed: ${exceptionDetails.text}`);
  return result.value as { runtimeId: string; areas: Record<string, string> };
}

/**
 * agentFromBrowserProfile with nobody signed in, as on CI (no Google account can sign in to a test browser): the
 * store-flavour build must first be allowed to read the account (optional permission, one click), the fleet
 * build may read it without asking and finds no account. Either way the agent is nobody: the options page says
 * what is missing, and Chat refuses before any provider request. (The signed-in path: test/unit/config/browser-profile.test.ts.)
 */
test.describe('who the agent is, from the browser’s account', () => {
  const FLEET_DIR = path.resolve(process.env.CCB_FLEET_DIR ?? '.output/fleet/chrome-mv3');

  function profilePolicy(sandbox: SandboxControl) {
    const { agentEmail: _byAdmin, ...rest } = policy(sandbox, { providerApiUrl: sandbox.apiUrl, agentFromBrowserProfile: true });
    return rest;
  }

  test('store build: the options page offers the one permission; until then Chat refuses and sends nothing', async ({ sandbox, policyBrowser }) => {
    const { context, id } = await policyBrowser.launch(profilePolicy(sandbox));
    const options = await optionsPage(context, id);
    await expect(options.locator('#browser-profile')).toHaveAttribute('data-state', 'unavailable');
    await expect(options.locator('#browser-profile')).toContainText('Allow the extension to read its e-mail (once)');
    await expect(options.locator('#grant-profile-access')).toBeVisible();

    const lead = await sandbox.addLead({ id: uniqueLeadId('DM'), firstName: 'Ada', lastName: 'Nobody', phone: '+1 415 555 0163' });
    const crm = await context.newPage();
    await crm.goto(sandbox.crmLeadUrl(lead.id));
    await leadActions(crm).chat.click();
    await expect(leadActions(crm).toast).toContainText('identifies you by the account signed in to this browser, and could not');
    expect(Object.entries(await sandbox.counts()).filter(([, count]) => count !== 0)).toEqual([]);
  });

  test('fleet build: the account is read without asking; with none signed in, the options page says to sign in', async ({ sandbox, policyBrowser }) => {
    test.skip(!existsSync(path.join(FLEET_DIR, 'manifest.json')), `No fleet build at ${FLEET_DIR}: run "CCB_FLEET=1 CCB_ALLOW_LOOPBACK=1 npx wxt build" (npm test does).`);
    const { context, id } = await policyBrowser.launch(profilePolicy(sandbox), FLEET_DIR);
    const options = await optionsPage(context, id);
    await expect(options.locator('#browser-profile')).toHaveAttribute('data-state', 'signed-out');
    await expect(options.locator('#browser-profile')).toContainText('Sign in to this browser with your work account.');
    await expect(options.locator('#grant-profile-access')).toHaveCount(0);
    await expect(options.locator('#agent-identity')).toContainText('not been identified');
  });
});
