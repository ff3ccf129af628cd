import type { ActionContext, ProviderApi } from '../../lib/actions/context';
import { resolveConfig } from '../../lib/config/resolve';
import { ProviderError, type ProviderErrorDetails, type ProviderErrorKind } from '../../lib/provider/errors';
import type { AssignResult, MagicLink } from '../../lib/provider/responses';
import { BridgeDatabase } from '../../lib/store/db';
import { MappingStore } from '../../lib/store/mappings';
import { memoryLoginLinks } from '../../lib/actions/login-links';

export const NOW = Date.parse('2026-11-22T10:00:00Z');

export const AGENTS = [
  { email: 'alice@example.com', providerUserId: 'u_alice', name: 'Alice Agent' },
  { email: 'bob@example.com', providerUserId: 'u_bob', name: 'Bob Agent' },
];

export const BASE_OPTIONS = {
  providerApiUrl: 'https://api.test',
  providerDashboardUrl: 'https://app.test/app',
  orgId: 'org_1',
  apiToken: 'token-1234',
  agents: AGENTS,
  agentEmail: 'alice@example.com',
};

let databaseCounter = 0;
export function freshStore(): MappingStore {
  databaseCounter += 1;
  return new MappingStore(new BridgeDatabase(`test-db-${databaseCounter}-${Math.random()}`));
}

export type Call = { method: 'createContact' | 'updateContact' | 'updateStage' | 'assign' | 'magicLink' | 'lookup'; args: unknown[] };

/** A provider double that records calls and answers from a script of results or errors. */
export class FakeProvider implements ProviderApi {
  calls: Call[] = [];
  contactIds = 0;
  createContactResult: () => Promise<{ id: string }> = async () => ({ id: `c_${++this.contactIds}` });
  assignResult: (contactId: string) => Promise<AssignResult> = async (contactId) => ({
    chatroomId: `cr_${contactId}`,
    assignedUserId: 'u_alice',
  });
  magicLinkResult: () => Promise<MagicLink> = async () => ({
    url: `https://app.test/app/magic/${this.calls.length}`,
    expiresAt: NOW + 900_000,
    expiryKnown: true,
  });

  createContact = async (...args: unknown[]) => {
    this.calls.push({ method: 'createContact', args });
    return this.createContactResult() as never;
  };
  /** The update-contact answer (its body is not read by the Chat: any success will do). */
  updateContactResult: (contactId: string) => Promise<unknown> = async (contactId) => ({ id: contactId });
  updateContact = async (contactId: string, input: { crm_id: string; first_name?: string; last_name?: string }) => {
    this.calls.push({ method: 'updateContact', args: [contactId, input] });
    return this.updateContactResult(contactId) as never;
  };
  updateStageResult: (path: string) => Promise<void> = async () => undefined;
  updateStage = async (path: string, input: { stage: string; disposition?: string }) => {
    this.calls.push({ method: 'updateStage', args: [path, input] });
    return this.updateStageResult(path);
  };
  assign = async (contactId: string, userId: string) => {
    this.calls.push({ method: 'assign', args: [contactId, userId] });
    return this.assignResult(contactId);
  };
  /** The configured-lookup answer (undefined = the provider's 404). */
  lookupResult: (path: string) => Promise<unknown> = async () => undefined;
  lookup = async (endpoint: string, path: string) => {
    this.calls.push({ method: 'lookup', args: [endpoint, path] });
    return this.lookupResult(path);
  };
  magicLink = async (userId: string) => {
    this.calls.push({ method: 'magicLink', args: [userId] });
    return this.magicLinkResult();
  };

  count(method: Call['method']): number {
    return this.calls.filter((call) => call.method === method).length;
  }
}

export function providerError(kind: ProviderErrorKind, details: Partial<ProviderErrorDetails> = {}): ProviderError {
  return new ProviderError(kind, details.errorMessage ?? kind, { endpoint: 'createContact', ...details });
}

export interface TestContext extends ActionContext {
  provider: FakeProvider;
  opened: string[];
  clientsCreated: number;
}

export function makeContext(options: Record<string, unknown> = BASE_OPTIONS, store = freshStore()): TestContext {
  const provider = new FakeProvider();
  const ctx: TestContext = {
    config: resolveConfig({ agent: options }),
    provider,
    opened: [],
    clientsCreated: 0,
    createClient: () => {
      ctx.clientsCreated += 1;
      return provider;
    },
    store,
    loginLinks: memoryLoginLinks(),
    showInDashboard: async (url) => {
      ctx.opened.push(url);
      return 'opened';
    },
    now: () => NOW,
  };
  return ctx;
}
