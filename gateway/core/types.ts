import type { ProviderApi } from '../../lib/actions/context';
import type { ContactUpdatePolicy, PhoneChangePolicy } from '../../lib/actions/contact-sync';
import type { StageMappingEntry } from '../../lib/config/schema';
import type { ActionOutcome } from '../../lib/messages';
import type { GatewayDb } from '../db/open';
import type { Role } from '../db/schema';

export type { GatewayDb } from '../db/open';
export type { Role } from '../db/schema';

/** The team's settings: the gateway's counterpart of the extension's policy (gateway/config.ts fills it). */
export interface TeamSettings {
  orgId: string;
  providerApiUrl: string;
  providerDashboardUrl: string;
  apiToken: string;
  requestTimeoutMs: number;
  magicLinkLifetimeSeconds: number;
  magicLinkReuse: boolean;
  chatroomUrlTemplate: string;
  contactUrlTemplate: string;
  contactLookupUrlTemplate?: string;
  allowReassign: boolean;
  reassignWhenOwnerUnknown: 'allow' | 'refuse';
  defaultCountry: string;
  /**
   * How long a 'creating' claim holds before another request may take it over (default 30 000). Keep it longer
   * than the provider client's action budget (20 s): a claim taken over while its create is still travelling
   * means a second create, which the provider answers 409 (resolved, but one request more).
   */
  createLeaseMs: number;
  /** Keeping the contact true to the CRM (gateway/core/contact-sync.ts): the names at each Chat on a known lead. */
  contactUpdatePolicy: ContactUpdatePolicy;
  /** What a Chat does when the CRM's phone is not the one the contact was created with. */
  phoneChangePolicy: PhoneChangePolicy;
  /** CRM lead status → Saleschat stage; empty: no stage is ever sent. */
  stageMapping: readonly StageMappingEntry[];
  /** The stage route (`{API_URL}/…{CONTACT_ID}…`); set whenever stageMapping is not empty. */
  contactStageUrlTemplate?: string;
}

/** Who is asking: ONLY from the verified session (the HTTP layer fills it from the ID token), never from a request body. */
export interface SignedInAgent {
  email: string;
  subject: string;
}

export interface CoreDeps {
  db: GatewayDb;
  settings: TeamSettings;
  /** A provider client for one request (its retry budget spans that request's calls). */
  createClient(): ProviderApi;
  now(): number;
  /** Structured events (journal steps, waits, take-overs); never a token or a link. */
  log?: (event: Record<string, unknown>) => void;
}

/** A member of the team (a row of `users`), as the core and the HTTP layer use it. */
export interface TeamMember {
  email: string;
  name?: string;
  providerUserId: string;
  crmUserId?: string;
  role: Role;
}

/** The HTTP status the gateway answers a failure with. */
export type FailureStatus = 403 | 409 | 422 | 502 | 503 | 500;

export type TeamFailure = Extract<ActionOutcome, { ok: false }> & { httpStatus: FailureStatus };

export type TeamChatResult =
  | {
      ok: true;
      message: string;
      chatroomUrl: string;
      contactId: string;
      chatroomId?: string;
      /** True when this request's create made the contact. */
      created: boolean;
      assignee: { email: string; name?: string };
    }
  | TeamFailure;

export type TeamLoginResult = { ok: true; url: string; expiresAt: number } | TeamFailure;

/** The non-secret rules the extension shows and follows. */
export interface TeamRules {
  allowReassign: boolean;
  reassignWhenOwnerUnknown: 'allow' | 'refuse';
  providerDashboardUrl: string;
  orgId: string;
  defaultCountry: string;
}
