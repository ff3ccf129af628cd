import type { Lead } from '../../lib/messages';
import { ACTION_RETRY, SaleschatClient } from '../../lib/provider/client';
import { upsertUsers } from '../../gateway/core/team';
import type { CoreDeps, GatewayDb, SignedInAgent, TeamSettings } from '../../gateway/core/types';

/** The gateway tests' team, settings and leads; free of vitest, so child processes (chat-worker.ts) use it too. */

export const ORG = 'org_demo';
export const TOKEN = 'sandbox-token-demo';
export const ALICE: SignedInAgent = { email: 'alice@example.com', subject: 'sub-alice' };
export const BOB: SignedInAgent = { email: 'bob@example.com', subject: 'sub-bob' };
export const STRANGER: SignedInAgent = { email: 'mallory@example.com', subject: 'sub-mallory' };

/** The sandbox's team: Alice and Bob (sandbox/seed.ts), as the users table holds them. */
export async function seedTeam(db: GatewayDb, roles: { alice?: 'agent' | 'manager' } = {}): Promise<void> {
  await upsertUsers(db, [
    { email: ALICE.email, providerUserId: 'u_alice', name: 'Alice Agent', crmUserId: 'crm-alice', role: roles.alice ?? 'agent' },
    { email: BOB.email, providerUserId: 'u_bob', name: 'Bob Agent', crmUserId: 'crm-bob', role: 'agent' },
  ]);
}

export function teamSettings(sandboxUrl: string, overrides: Partial<TeamSettings> = {}): TeamSettings {
  return {
    orgId: ORG,
    providerApiUrl: sandboxUrl,
    providerDashboardUrl: `${sandboxUrl}/app`,
    apiToken: TOKEN,
    requestTimeoutMs: 5000,
    magicLinkLifetimeSeconds: 300,
    magicLinkReuse: false,
    chatroomUrlTemplate: '{DASHBOARD_URL}/chatrooms/{CHATROOM_ID}',
    contactUrlTemplate: '{DASHBOARD_URL}/contacts/{CONTACT_ID}',
    contactLookupUrlTemplate: '{API_URL}/v1/orgs/{ORG_ID}/contacts?crm_id={CRM_ID}',
    allowReassign: true,
    reassignWhenOwnerUnknown: 'allow',
    defaultCountry: 'US',
    createLeaseMs: 30_000,
    contactUpdatePolicy: 'overwrite',
    phoneChangePolicy: 'warn',
    stageMapping: [],
    ...overrides,
  };
}

/** Core dependencies as gateway/main.ts wires them: a real SaleschatClient (with retries) per request. */
export function coreDeps(db: GatewayDb, settings: TeamSettings, log?: CoreDeps['log']): CoreDeps {
  return {
    db,
    settings,
    createClient: () =>
      new SaleschatClient({
        apiUrl: settings.providerApiUrl,
        orgId: settings.orgId,
        apiToken: settings.apiToken,
        requestTimeoutMs: settings.requestTimeoutMs,
        magicLinkLifetimeMs: settings.magicLinkLifetimeSeconds * 1000,
        retry: { ...ACTION_RETRY, baseDelayMs: 20, maxDelayMs: 100 },
      }),
    now: Date.now,
    ...(log ? { log } : {}),
  };
}

let leadNumber = 0;

/** A lead the sandbox has never seen (its crmId is unique in the test run). */
export function newLead(overrides: Partial<Lead> = {}): Lead {
  leadNumber += 1;
  return {
    profileId: 'demo',
    crmId: `demo:acme:L-${process.pid}-${leadNumber}`,
    pageUrl: `https://crm.example.com/leads/${leadNumber}`,
    firstName: 'Ada',
    lastName: 'Lovelace',
    phone: '(415) 555-0132',
    ...overrides,
  };
}

