import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { EarlierContact, FieldsSent } from '../../lib/actions/contact-sync';
import type { CrmActionEvent } from '../../lib/crm-actions/schema';
import { CRM_ACTION_EVENTS } from '../../lib/crm-actions/schema';
import type { ActionVariables } from '../../lib/crm-actions/variables';
import type { CrmCard } from '../../lib/messages';

/**
 * The gateway's tables as drizzle sees them. The SQL in ./migrations is what creates them; this file must say
 * the same (test/gateway/migrations.test.ts compares both column by column after migrating).
 */

const at = (name: string) => timestamp(name, { withTimezone: true });
const createdAt = () => at('created_at').notNull().defaultNow();
const updatedAt = () => at('updated_at').notNull().defaultNow();

export const ROLES = ['agent', 'manager'] as const;
export type Role = (typeof ROLES)[number];

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    email: text('email').notNull().unique('users_email_key'),
    providerUserId: text('provider_user_id').notNull().unique('users_provider_user_id_key'),
    crmUserId: text('crm_user_id'),
    name: text('name'),
    role: text('role', { enum: ROLES }).notNull().default('agent'),
    magicLink: text('magic_link'),
    magicLinkExpiresAt: at('magic_link_expires_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [check('users_email_check', sql`${table.email} = lower(${table.email})`)],
);

/** What Saleschat last got for a contact (the create's names and phone, then updates and the stage): the lib's record. */
export type { FieldsSent };

/** A contact the lead had before its phone changed (PHONE_CHANGE_POLICY newContact), with what it was last sent. */
export interface StoredEarlierContact extends EarlierContact {
  fieldsSent?: FieldsSent;
}

export const CONTACT_STATES = ['creating', 'created'] as const;

export const contacts = pgTable(
  'contacts',
  {
    orgId: text('org_id').notNull(),
    crmNamespace: text('crm_namespace').notNull().default(''),
    crmId: text('crm_id').notNull(),
    providerContactId: text('provider_contact_id'),
    state: text('state', { enum: CONTACT_STATES }).notNull(),
    claimId: text('claim_id'),
    claimExpiresAt: at('claim_expires_at'),
    createAttempts: integer('create_attempts').notNull().default(0),
    fieldsSent: jsonb('fields_sent').$type<FieldsSent>(),
    pageUrl: text('page_url'),
    /** The crm_id the current contact has at the provider; null: the lead's identity (`<ns>:<id>`). */
    providerCrmId: text('provider_crm_id'),
    /** The lead's other contacts (its earlier phone numbers), to switch back to. */
    earlierContacts: jsonb('earlier_contacts').$type<StoredEarlierContact[]>().notNull().default([]),
    /** The dashboard's CRM card of the lead, as its last Chat saw it (0004_crm_card.sql); null before one. */
    crmCard: jsonb('crm_card').$type<CrmCard>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    primaryKey({ columns: [table.orgId, table.crmNamespace, table.crmId] }),
    uniqueIndex('contacts_provider_contact_id_key').on(table.orgId, table.providerContactId).where(sql`provider_contact_id IS NOT NULL`),
    index('contacts_earlier_contacts').using('gin', table.earlierContacts.op('jsonb_path_ops')),
  ],
);

export const contactChatroom = pgTable(
  'contact_chatroom',
  {
    orgId: text('org_id').notNull(),
    providerContactId: text('provider_contact_id').notNull(),
    chatroomId: text('chatroom_id').notNull(),
    updatedAt: updatedAt(),
  },
  (table) => [primaryKey({ columns: [table.orgId, table.providerContactId] }), index('contact_chatroom_chatroom_id').on(table.orgId, table.chatroomId)],
);

export const contactChatroomAssignedTo = pgTable(
  'contact_chatroom_assigned_to',
  {
    orgId: text('org_id').notNull(),
    providerContactId: text('provider_contact_id').notNull(),
    providerUserId: text('provider_user_id').notNull(),
    assignedByEmail: text('assigned_by_email').notNull(),
    assignedAt: at('assigned_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.orgId, table.providerContactId] })],
);

export const JOURNAL_ACTIONS = ['chat', 'login'] as const;
export const JOURNAL_STEPS = ['started', 'creating', 'created', 'updating', 'assigning', 'done', 'failed'] as const;
export type JournalStep = (typeof JOURNAL_STEPS)[number];

export const actionJournal = pgTable(
  'action_journal',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    orgId: text('org_id').notNull(),
    crmId: text('crm_id'),
    agentEmail: text('agent_email').notNull(),
    action: text('action', { enum: JOURNAL_ACTIONS }).notNull(),
    step: text('step', { enum: JOURNAL_STEPS }).notNull(),
    providerContactId: text('provider_contact_id'),
    outcome: text('outcome'),
    startedAt: at('started_at').notNull().defaultNow(),
    updatedAt: updatedAt(),
  },
  (table) => [index('action_journal_unfinished').on(table.updatedAt).where(sql`step NOT IN ('done', 'failed')`)],
);

export const AUDIT_OUTCOMES = ['ok', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: at('at').notNull().defaultNow(),
    agentEmail: text('agent_email').notNull(),
    action: text('action').notNull(),
    orgId: text('org_id').notNull(),
    crmId: text('crm_id'),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    detail: text('detail').notNull(),
  },
  (table) => [index('audit_log_at').on(table.at)],
);

/** The OIDC sign-ins in progress (written by the HTTP layer's sign-in code). */
export const signIns = pgTable(
  'sign_ins',
  {
    id: text('id').primaryKey(),
    extChallenge: text('ext_challenge').notNull(),
    oidcState: text('oidc_state').notNull().unique('sign_ins_oidc_state_key'),
    oidcCodeVerifier: text('oidc_code_verifier').notNull(),
    oidcNonce: text('oidc_nonce').notNull(),
    result: jsonb('result'),
    createdAt: createdAt(),
    expiresAt: at('expires_at').notNull(),
  },
  (table) => [index('sign_ins_expires_at').on(table.expiresAt)],
);

export const CRM_ACTION_STATES = ['pending', 'running', 'done', 'failed'] as const;

/**
 * The CRM write-back's journal (0005_crm_actions.sql, gateway/core/crm-action-journal.ts): one row per event and
 * action; the lead's `variables` only until the row is done or failed; claimed by one gateway process at a time.
 */
export const crmActionJournal = pgTable(
  'crm_action_journal',
  {
    /** `${eventId}#${actionName}`. */
    id: text('id').primaryKey(),
    eventId: text('event_id').notNull(),
    actionName: text('action_name').notNull(),
    event: text('event', { enum: CRM_ACTION_EVENTS }).$type<CrmActionEvent>().notNull(),
    agentEmail: text('agent_email').notNull(),
    variables: jsonb('variables').$type<ActionVariables>(),
    leadName: text('lead_name').notNull(),
    attempts: integer('attempts').notNull().default(0),
    state: text('state', { enum: CRM_ACTION_STATES }).notNull(),
    nextAttemptAt: at('next_attempt_at').notNull(),
    claimedBy: text('claimed_by'),
    claimedUntil: at('claimed_until'),
    lastMessage: text('last_message'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('crm_action_journal_due').on(table.nextAttemptAt).where(sql`state IN ('pending', 'running')`),
    index('crm_action_journal_event_id').on(table.eventId),
    index('crm_action_journal_finished').on(table.updatedAt).where(sql`state IN ('done', 'failed')`),
  ],
);

/** Every table, for drizzle's typed `db.query` and for the drift test. */
export const schema = { users, contacts, contactChatroom, contactChatroomAssignedTo, actionJournal, auditLog, signIns, crmActionJournal };
