import { type BrowserContext, type Page, test as base, type Worker } from '@playwright/test';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { ChromiumDriver, CHROME_EXTENSION_DIR, CHROMIUM, launchWithExtension } from './driver/chromium';
import { type ExtensionBrowser, type ExtensionDriver, launchDriver } from './driver';

export { CHROMIUM, launchWithExtension };
export { FIREFOX, FIREFOX_EXTENSION_DIR } from './driver/firefox';
export type { DriverPage, ExtensionBrowser, ExtensionDriver, ToastState } from './driver';
/** The Chromium dev-hosts build (the name predates the Firefox suite; specs import it). */
export const EXTENSION_DIR = CHROME_EXTENSION_DIR;
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
  get crmBase(): string {
    return this.sandbox.url.replace('127.0.0.1', 'localhost');
  }
  crmLeadUrl(id: string): string {
    return `${this.crmBase}/crm/leads/${encodeURIComponent(id)}`;
  }
  /** Orbit CRM, the sandbox's client-side-routed CRM (sandbox/README.md): e.g. orbitUrl('acme', '/leads'). */
  orbitUrl(tenant: string, path: string): string {
    return `${this.crmBase}/spa-crm/${tenant}${path}`;
  }
  orbitSettings(settings: { recordDelayMs?: number; listDelayMs?: number; whileLoading?: 'clear' | 'keep' }): Promise<unknown> {
    return this.call('POST', 'spa-crm/settings', settings);
  }
  /** Demo CRM search page ("Find in CRM" lookups): crmSearchUrl({ phone: '+14155550132' }), values URL-encoded. */
  crmSearchUrl(params: Record<string, string>): string {
    return `${this.crmBase}/crm/search?${new URLSearchParams(params)}`;
  }
  /**
   * A chatroom the extension did not create ("a customer wrote in"): contact (crm_id `webchat-…`) and chatroom go
   * straight into the sandbox's store, so counts and the request log stay untouched. Defaults: org_demo, Alice.
   */
  async addExternalChatroom(
    input: { orgId?: string; firstName?: string; lastName?: string; phone?: string; email?: string; assignedUserId?: string } = {},
  ): Promise<{ contactId: string; chatroomId: string; chatroomUrl: string }> {
    const created = await this.call<{ contactId: string; chatroomId: string; chatroomPath: string }>('POST', 'external-chatrooms', input);
    return { contactId: created.contactId, chatroomId: created.chatroomId, chatroomUrl: `${this.sandbox.url}${created.chatroomPath}` };
  }
  /** As if deleted in the provider's dashboard (its chatrooms go too). */
  deleteContact(contactId: string): Promise<unknown> {
    return this.call('DELETE', `contacts/${encodeURIComponent(contactId)}`);
  }
  /** The provider calls the sandbox received, oldest first, with the bodies as sent. */
  requests(): Promise<{ endpoint: string | null; method: string; path: string; status: number; body: Record<string, unknown> | null }[]> {
    return this.call('GET', 'requests');
  }
  async createdContacts(): Promise<Record<string, unknown>[]> {
    return (await this.requests()).filter((request) => request.endpoint === 'createContact').map((request) => request.body ?? {});
  }
  async contactFor(identity: string) {
    return (await this.state()).contacts.find((contact) => contact.crm_id === identity);
  }
  /**
   * For a fixed fixture record (a CRM page served from test/fixtures): removes the contact an earlier test in
   * this worker may have made for it, so this test starts with a lead Saleschat does not know. (Sandbox leads
   * use uniqueLeadId instead.)
   */
  async forgetContactFor(identity: string): Promise<void> {
    const contact = await this.contactFor(identity);
    if (contact) await this.deleteContact(contact.id);
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
  async addLead(lead: { id: string; firstName: string; lastName: string; phone?: string; email?: string; ownerEmail?: string; ownerName?: string; status?: string; company?: string }) {
    await this.call('POST', 'leads', lead);
    return lead;
  }
  fault(fault: Record<string, unknown>): Promise<unknown> {
    return this.call('POST', 'faults', fault);
  }
  /**
   * The sandbox's CRM API (sandbox/README.md, "CRM API"), for crmActions: e.g. `${crmApiUrl}/hubspot/crm/v3/objects/notes`.
   * Credentials: CRM_API_CREDENTIALS in sandbox/crm-api-store.ts.
   */
  get crmApiUrl(): string {
    return `${this.sandbox.url}/crm-api`;
  }
  /** Every /crm-api request (token endpoints too, preflights not), oldest first, last 500. */
  crmApiRequests(): Promise<
    {
      at: string;
      endpoint: string | null;
      method: string;
      path: string;
      query: Record<string, string>;
      headers: { authorization?: string; 'content-type'?: string; 'x-api-token'?: string };
      body: unknown;
      status: number;
      fault: string | null;
    }[]
  > {
    return this.call('GET', 'crm-api/requests');
  }
  /** Requests per endpoint name ('hubspot.note', 'salesforce.token', …), auth failures and faulted ones included. */
  crmApiCounts(): Promise<Record<string, number>> {
    return this.call('GET', 'crm-api/counts');
  }
  /** What the calls created, per CRM: `{ hubspot: { contacts, notes }, salesforce: { tasks }, … }`, each with its request body. */
  crmApiRecords(): Promise<Record<string, Record<string, ({ id: string; createdAt: string; body?: unknown } & Record<string, unknown>)[]>>> {
    return this.call('GET', 'crm-api/records');
  }
  /** Queues faults for the CRM API (the provider's FaultSchema, CRM endpoint names or '*'). */
  crmApiFault(fault: Record<string, unknown> | Record<string, unknown>[]): Promise<unknown> {
    return this.call('POST', 'crm-api/faults', fault);
  }
  /** Log, counts, records (back to the seed people), faults, settings and tokens. `POST reset` does it too. */
  crmApiReset(): Promise<unknown> {
    return this.call('POST', 'crm-api/reset');
  }
  crmApiSettings(settings: { tokenTtlSeconds?: number; latencyMs?: number }): Promise<{ tokenTtlSeconds: number; latencyMs: number }> {
    return this.call('POST', 'crm-api/settings', settings);
  }
  /** Every token issued so far is expired from now on (for "401 → one refresh → retry"). */
  crmApiExpireTokens(): Promise<{ expired: number }> {
    return this.call('POST', 'crm-api/expire-tokens');
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

/** The identity (mapping key and provider crm_id) the demo CRM profile gives its lead `id`: {PROFILE}:{TENANT}:{ID}. */
export function demoIdentity(id: string): string {
  return `demo:localhost:${id}`;
}

/**
 * An admin rule for Orbit CRM (sandbox/spa-crm-app.js), written from its documented markup as an admin
 * would: path and hash routes, the tenant from the URL, no shownRecordId (so freshness is proven by the
 * record changing and settling, the harder path).
 */
export const ORBIT_RULE = {
  name: 'Orbit CRM',
  id: 'orbit',
  url: ['http://localhost/spa-crm/:tenant/leads/:id', 'http://localhost/spa-crm/:tenant/*#/leads/:id'],
  scope: 'main#record',
  require: ['phone'],
  fields: {
    tenant: { url: 'tenant' },
    firstName: { selector: '.first-name' },
    lastName: { selector: '.last-name' },
    phones: [{ selector: '[data-field="mobile"]', kind: 'mobile' }, { selector: '[data-field="phone"]', kind: 'work' }],
    email: { selector: '[data-field="email"]' },
    ownerEmail: { selector: '[data-field="owner"]', attribute: 'data-owner-email' },
    ownerName: { selector: '[data-field="owner"]' },
  },
  anchor: { selector: '.record-actions', position: 'append' },
  floating: false,
};

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

/** Worker-scoped option, set per Playwright project (playwright.config.ts). */
export interface ExtensionBrowserOption {
  extensionBrowser: ExtensionBrowser;
}

export const test = base.extend<{ extension: Extension; driver: ExtensionDriver }, { sandbox: SandboxControl } & ExtensionBrowserOption>({
  extensionBrowser: ['chromium', { option: true, scope: 'worker' }],
  sandbox: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this destructuring.
    async ({}, use) => {
      const sandbox = await startSandbox({ port: 0, quiet: true });
      await use(new SandboxControl(sandbox));
      await sandbox.close();
    },
    { scope: 'worker' },
  ],
  /** Chromium-only: Playwright's BrowserContext and the MV3 worker. Cross-browser specs use `driver`. */
  extension: async ({ sandbox, extensionBrowser }, use) => {
    if (extensionBrowser !== 'chromium') {
      throw new Error(`The "extension" fixture is Chromium-only; in the ${extensionBrowser} project use "driver".`);
    }
    await sandbox.call('POST', 'reset', {});
    const driver = await ChromiumDriver.launch();
    const { context, worker, id } = driver.launched;
    const extension: Extension = {
      context,
      worker,
      id,
      configure: (options) => driver.configure(options),
      dashboardPages: () => context.pages().filter((page) => page.url().startsWith(sandbox.dashboardUrl)),
    };
    await extension.configure(demoOptions(sandbox));
    await use(extension);
    await driver.close();
  },
  /** The project's browser with the extension installed and configured as agent Alice against the sandbox. */
  driver: async ({ sandbox, extensionBrowser }, use) => {
    await sandbox.call('POST', 'reset', {});
    const driver = await launchDriver(extensionBrowser);
    try {
      await driver.configure(demoOptions(sandbox));
      await use(driver);
    } finally {
      await driver.close();
    }
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
