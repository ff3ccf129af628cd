import type { ProviderApi } from '../../lib/actions/context';
import type { ContactUpdatePolicy, PhoneChangePolicy } from '../../lib/actions/contact-sync';
import type { StageMappingEntry } from '../../lib/config/schema';
import type { CrmActionEvent } from '../../lib/crm-actions/schema';
import type { ActionOutcome, Lead } from '../../lib/messages';
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
  /** The CRM write-back (CRM_ACTIONS, gateway/core/crm-actions.ts); absent: none. */
  crmActions?: CrmActionsRecorder;
}

/** What a Chat or Login tells the CRM write-back. */
export interface CrmEventDetails {
  lead?: Lead;
  chat?: { chatroomUrl?: string; chatroomId?: string; contactId?: string };
  /** What the agent was told. */
  outcome?: string;
}

export interface CrmActionsRecorder {
  /**
   * Journals the event for every action it concerns and starts them, without waiting for the CRM: the event's id
   * once it is journaled, or undefined when no action concerns it or it could not be journaled (logged). Never rejects.
   */
  record(event: CrmActionEvent, member: TeamMember, details: CrmEventDetails): Promise<string | undefined>;
}

/** Set on a Chat or Login answer when CRM actions were journaled for it: the agent's extension polls their outcome. */
export interface CrmActionsEventRef {
  crmActionsEventId?: string;
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

export type TeamFailure = Extract<ActionOutcome, { ok: false }> & { httpStatus: FailureStatus } & CrmActionsEventRef;

export type TeamChatResult =
  | ({
      ok: true;
      message: string;
      chatroomUrl: string;
      contactId: string;
      chatroomId?: string;
      /** True when this request's create made the contact. */
      created: boolean;
      assignee: { email: string; name?: string };
    } & CrmActionsEventRef)
  | TeamFailure;

export type TeamLoginResult = ({ ok: true; url: string; expiresAt: number } & CrmActionsEventRef) | TeamFailure;

/** The non-secret rules the extension shows and follows. */
export interface TeamRules {
  allowReassign: boolean;
  reassignWhenOwnerUnknown: 'allow' | 'refuse';
  providerDashboardUrl: string;
  orgId: string;
  defaultCountry: string;
}
