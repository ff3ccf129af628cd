import { existsSync } from 'node:fs';
import path from 'node:path';
import { type BrowserContext, chromium, type Page, test as base, type Worker } from '@playwright/test';
import { type Sandbox, startSandbox } from '../../sandbox/server';

/** The dev-hosts build; CCB_OUT_DIR matches the build's own override (see wxt.config.ts). */
export const EXTENSION_DIR = path.resolve(process.env.CCB_OUT_DIR ?? '.output/dev-hosts', 'chrome-mv3');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ORG = 'org_demo';
export const TOKEN = 'sandbox-token-demo';

export type Counts = Record<'createUser' | 'magicLink' | 'createContact' | 'updateContact' | 'assign', number>;

/** The sandbox's control API, as tests use it. */
export class SandboxControl {
  constructor(readonly sandbox: Sandbox) {}

  get apiUrl(): string {
    return this.sandbox.url;
  }
  get dashboardUrl(): string {
    return `${this.sandbox.url}/app`;
  }
  /** The CRM is served under another host name (another origin, other cookies), as a real CRM would be. */
  crmLeadUrl(id: string): string {
    return `${this.sandbox.url.replace('127.0.0.1', 'localhost')}/crm/leads/${encodeURIComponent(id)}`;
  }

  async call<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.sandbox.url}/__sandbox/${route}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`sandbox ${method} ${route}: HTTP ${response.status} ${await response.text()}`);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  counts(): Promise<Counts> {
    return this.call('GET', 'counts');
  }
  async addLead(lead: { id: string; firstName: string; lastName: string; phone?: string; email?: string; ownerEmail?: string; ownerName?: string }) {
    await this.call('POST', 'leads', lead);
    return lead;
  }
  fault(fault: Record<string, unknown>): Promise<unknown> {
    return this.call('POST', 'faults', fault);
  }
  async state(): Promise<{ contacts: { id: string; crm_id: string; phone_number?: string; first_name?: string; last_name?: string }[]; chatrooms: { id: string; contact_id: string; name: string; assigned_user_id: string }[] }> {
    return this.call('GET', 'state');
  }
}

export interface Extension {
  context: BrowserContext;
  worker: Worker;
  id: string;
  /** Writes the agent's options straight into extension storage (what the options page saves). */
  configure(options: Record<string, unknown>): Promise<void>;
  dashboardPages(): Page[];
}

export function demoOptions(sandbox: SandboxControl, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providerApiUrl: sandbox.apiUrl,
    providerDashboardUrl: sandbox.dashboardUrl,
    orgId: ORG,
    apiToken: TOKEN,
    agents: [
      { email: 'alice@example.com', providerUserId: 'u_alice', name: 'Alice Agent' },
      { email: 'bob@example.com', providerUserId: 'u_bob', name: 'Bob Agent' },
    ],
    agentEmail: 'alice@example.com',
    ...overrides,
  };
}

let leadCounter = 0;
/** A lead no earlier test (or run: the sandbox persists) has used. */
export function uniqueLeadId(prefix = 'E2E'): string {
  leadCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${leadCounter}`;
}

export async function launchWithExtension(): Promise<Omit<Extension, 'configure' | 'dashboardPages'>> {
  if (!existsSync(path.join(EXTENSION_DIR, 'manifest.json'))) {
    throw new Error(`No built extension at ${EXTENSION_DIR}: run "CCB_DEV_HOSTS=1 npx wxt build" (npm test does).`);
  }
  const context = await chromium.launchPersistentContext('', {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      `--disable-extensions-except=${EXTENSION_DIR}`,
      `--load-extension=${EXTENSION_DIR}`,
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  return { context, worker, id: new URL(worker.url()).host };
}

export const test = base.extend<{ extension: Extension }, { sandbox: SandboxControl }>({
  sandbox: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this destructuring.
    async ({}, use) => {
      const sandbox = await startSandbox({ port: 0, quiet: true });
      await use(new SandboxControl(sandbox));
      await sandbox.close();
    },
    { scope: 'worker' },
  ],
  extension: async ({ sandbox }, use) => {
    await sandbox.call('POST', 'reset', {});
    const launched = await launchWithExtension();
    const extension: Extension = {
      ...launched,
      configure: async (options) => {
        await launched.worker.evaluate(async (value) => {
          const api = (globalThis as unknown as { chrome: { storage: { local: { set(items: object): Promise<void> } } } }).chrome;
          await api.storage.local.set({ agentOptions: value });
        }, options);
      },
      dashboardPages: () => launched.context.pages().filter((page) => page.url().startsWith(sandbox.dashboardUrl)),
    };
    await extension.configure(demoOptions(sandbox));
    await use(extension);
    await launched.context.close();
  },
});

export const expect = test.expect;

/** The Chat / Login buttons and the toast, inside the extension's shadow root (open, so locators reach it). */
export function leadActions(page: Page) {
  const host = page.locator('crm-chat-bridge');
  return {
    host,
    chat: host.locator('[data-ccb="chat"]'),
    login: host.locator('[data-ccb="login"]'),
    toast: host.locator('[data-ccb="toast"]'),
  };
}
