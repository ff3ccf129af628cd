import Dexie, { type Table } from 'dexie';
import type { EarlierContact, FieldsSent } from '../actions/contact-sync';
import type { CrmActionRow } from '../crm-actions/runner';
import type { CrmCard } from '../messages';

/** Every table is keyed by [orgId, id]. */
type OrgKey = [string, string];

/**
 * The one versioned schema of the extension's IndexedDB (the seed tutorial's integration schema, keyed by
 * provider org so that switching org never reuses another org's ids). Index only what is queried.
 *
 * To change a table's shape: add `this.version(n + 1).stores({...}).upgrade(tx => ...)` below the
 * existing versions — never edit a shipped version — and add an upgrade test with data written by version n.
 */

/**
 * users: the agents of this browser (crm user id ↔ provider user id). Versions 1–3 also kept each agent's
 * magic link here until it expired; version 4 deletes them (login links live only in the browser session now,
 * lib/actions/login-links.ts).
 */
export interface AgentUserRow {
  orgId: string;
  providerUserId: string;
  crmUserId?: string;
  email?: string;
}

/**
 * contacts: one row per CRM lead known to the provider. `crmId` is the lead's identity (lib/messages.ts
 * Lead.crmId: CRM, tenant and record), unique per org. Besides ids, a row keeps what Saleschat was last sent
 * for the contact (`sent`: names, phone, stage), the one table that holds lead data: a Chat compares it with
 * what the CRM shows to know whether the contact needs an update (lib/actions/chat-sync.ts).
 */
export interface ContactRow {
  orgId: string;
  crmId: string;
  providerContactId: string;
  createdAt: number;
  /**
   * The `crm_id` the provider holds for the contact, when it is not `crmId` (version 3): contacts created
   * before identities were namespaced carry the bare record id there.
   */
  providerCrmId?: string;
  /**
   * Version 3: a row written before identities were namespaced, keyed by the bare record id. It does not
   * say which CRM or tenant it came from, so the first lead with that record id adopts it (re-keyed under
   * the lead's identity, see MappingStore.adoptLegacy) and it stops matching any other.
   */
  legacy?: true;
  /**
   * Version 4: came from a mappings file and no Chat has confirmed it with the provider yet (see
   * lib/actions/chat.ts: a lookup naming another contact or an assign 404 drops it, an accepted assign
   * confirms it).
   */
  imported?: true;
  /**
   * What Saleschat holds for the contact as far as this browser knows: the create's names and phone, then each
   * accepted update and stage (lib/actions/contact-sync.ts). Absent on rows written before it was kept, imported,
   * or learnt from a 409 (what Saleschat holds is unknown): the next Chat records the CRM's fields as the
   * baseline instead of updating. Not indexed, so no schema version was needed.
   */
  sent?: FieldsSent;
  /**
   * The lead's earlier contacts, one per phone number it had before (phoneChangePolicy newContact), so that a
   * lead whose number changes back returns to its old chat, and the next derived crm_id is known. Not indexed.
   */
  earlier?: EarlierContact[];
  /**
   * The CRM card the chat dashboard shows for the contact's chatroom (lib/actions/crm-card.ts): the lead as the
   * last Chat on it saw it and the CRM page it was clicked on. Rewritten by each Chat. Not indexed.
   */
  card?: CrmCard;
  /**
   * Team mode: the chatroom page the gateway last answered for the lead, so that the next Chat on it can show the
   * page while the gateway works (lib/team/actions.ts). Not indexed.
   */
  chatroomUrl?: string;
}

/** contact_chatrooms: the chatroom the provider created for a contact. */
export interface ContactChatroomRow {
  orgId: string;
  providerContactId: string;
  chatroomId: string;
  updatedAt: number;
}

/** assignments: who the contact's chatroom was last assigned to, as far as this browser knows. */
export interface AssignmentRow {
  orgId: string;
  providerContactId: string;
  providerUserId: string;
  assignedAt: number;
}

/**
 * journal (version 2): an unfinished Chat on one lead, written before its first provider call and advanced
 * after each step, so that a worker stopped mid-way never leads to a second provider contact (see
 * lib/actions/chat.ts). Deleted when the Chat finishes. Only ids and counters: no lead names or phone numbers
 * are kept here, because a Chat is only ever resumed by a click on the lead, which brings the lead's current
 * fields.
 */
export interface ChatJournalRow {
  orgId: string;
  crmId: string;
  /**
   * creating: a create-contact request may have been sent, its answer was not recorded (it may have landed);
   * created: the contact id is known (and mapped); assigning: the assign request may have been sent.
   */
  step: 'creating' | 'created' | 'assigning';
  /** Known from 'created' on. */
  providerContactId?: string;
  /** How many create-contact requests this lead's unfinished Chat has sent (one per click, retries aside). */
  attempts: number;
  /** Epoch ms of the first click of this unfinished Chat, and of its last step. */
  startedAt: number;
  updatedAt: number;
  /** As in ContactRow (version 3): the crm_id the create requests carried, when it is not `crmId`. */
  providerCrmId?: string;
  /** As in ContactRow (version 3). */
  legacy?: true;
}

/**
 * secrets (version 4): what the agent typed that must stay out of content scripts' reach (the API token they
 * enter in direct mode without policy). storage.local is readable by content scripts in Firefox and in Chrome
 * before 140; the extension origin's IndexedDB never is.
 */
export interface SecretRow {
  name: 'apiToken';
  value: string;
}

export const DATABASE_NAME = 'crm-chat-bridge';

export class BridgeDatabase extends Dexie {
  users!: Table<AgentUserRow, OrgKey>;
  contacts!: Table<ContactRow, OrgKey>;
  contactChatrooms!: Table<ContactChatroomRow, OrgKey>;
  assignments!: Table<AssignmentRow, OrgKey>;
  journal!: Table<ChatJournalRow, OrgKey>;
  secrets!: Table<SecretRow, SecretRow['name']>;
  /** Version 6: the CRM write-back journal (lib/crm-actions/runner.ts), one row per (event, action). */
  crmActions!: Table<CrmActionRow, string>;

  constructor(name = DATABASE_NAME) {
    super(name);
    this.version(1).stores({
      users: '[orgId+providerUserId]',
      contacts: '[orgId+crmId], [orgId+providerContactId]',
      contactChatrooms: '[orgId+providerContactId]',
      assignments: '[orgId+providerContactId]',
    });
    // Version 2 only adds a table; no existing row changes shape, so there is no upgrade function.
    this.version(2).stores({ journal: '[orgId+crmId]' });
    // Version 3: lead identities name the CRM and tenant (crmIdTemplate). Rows written before keep their
    // bare record id as key and crm_id, marked legacy until a lead adopts them; no index changes.
    this.version(3)
      .stores({})
      .upgrade(async (tx) => {
        const markLegacy = (row: { crmId: string; providerCrmId?: string; legacy?: true }) => {
          row.providerCrmId = row.crmId;
          row.legacy = true;
        };
        await tx.table('contacts').toCollection().modify(markLegacy);
        await tx.table('journal').toCollection().modify(markLegacy);
      });
    // Version 4: a table for the agent's secrets, and no login link stays on disk.
    this.version(4)
      .stores({ secrets: 'name' })
      .upgrade(async (tx) => {
        await tx
          .table('users')
          .toCollection()
          .modify((row: Record<string, unknown>) => {
            delete row.magicLink;
            delete row.magicLinkExpiresAt;
          });
      });
    // Version 5: the dashboard's CRM card finds a contact by its chatroom id.
    this.version(5).stores({ contactChatrooms: '[orgId+providerContactId], [orgId+chatroomId]' });
    // Version 6 only adds a table: the CRM write-back journal, found by when its rows are due.
    this.version(6).stores({ crmActions: 'id, nextAttemptAt' });
  }
}
