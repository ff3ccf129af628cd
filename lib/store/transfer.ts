import Dexie from 'dexie';
import { z } from 'zod';
import type { BridgeDatabase, ContactRow } from './db';

/**
 * The mappings export: one org's contacts (CRM id ↔ provider contact id), chatrooms and last known
 * assignees, as a versioned JSON document an administrator moves between browsers (options page → Export /
 * Import) so that a team's browsers know each other's contacts and never meet a 409 they cannot resolve.
 *
 * Only ids and timestamps: the users table is never exported, and neither the token nor a login link is in the
 * database at all. Import takes contacts and chatrooms only (never assignments: who holds a lead is what
 * allowReassign protects, and a file must not be able to say "it is mine"), and marks each contact imported
 * until a Chat has confirmed it with the provider (lib/actions/chat.ts).
 */

export const MAPPINGS_FORMAT = 'crm-chat-bridge/mappings';
/**
 * 2: contacts are keyed by the lead's identity (CRM, tenant and record) and carry the provider's crm_id when
 * it differs. A version-1 file's contacts are keyed by bare record ids: imported as legacy rows (db.ts).
 */
export const MAPPINGS_VERSION = 2;

const id = z.string().trim().min(1).max(256);
const time = z.number().int().nonnegative();
const MAX_ROWS = 200_000;

export const MappingDocumentSchema = z.object({
  format: z.literal(MAPPINGS_FORMAT, { message: `must be "${MAPPINGS_FORMAT}"` }),
  version: z.union([z.literal(1), z.literal(MAPPINGS_VERSION)]),
  orgId: id,
  exportedAt: z.string().max(64),
  contacts: z
    .array(z.object({ crmId: id, providerContactId: id, createdAt: time, providerCrmId: id.optional(), legacy: z.literal(true).optional() }))
    .max(MAX_ROWS),
  chatrooms: z.array(z.object({ providerContactId: id, chatroomId: id, updatedAt: time })).max(MAX_ROWS),
  assignments: z.array(z.object({ providerContactId: id, providerUserId: id, assignedAt: time })).max(MAX_ROWS),
});
export type MappingDocument = z.infer<typeof MappingDocumentSchema>;

export interface TransferCounts {
  added: number;
  unchanged: number;
  conflicting: number;
}

export interface ImportConflict {
  table: 'contacts' | 'chatrooms';
  /** The CRM id (contacts) or provider contact id (chatrooms, assignments) the two sides disagree on. */
  key: string;
  here: string;
  inFile: string;
}

export interface ImportReport {
  contacts: TransferCounts;
  chatrooms: TransferCounts;
  /** The file's assignments, all left out (see above). */
  assignmentsSkipped: number;
  conflicts: ImportConflict[];
}

/** Conflicts listed in a report; the counts stay exact beyond it. */
export const MAX_LISTED_CONFLICTS = 50;

export async function exportDocument(db: BridgeDatabase, orgId: string, now: number): Promise<MappingDocument> {
  return db.transaction('r', [db.contacts, db.contactChatrooms, db.assignments], async () => {
    const org: [string, unknown] = [orgId, Dexie.minKey];
    const orgEnd: [string, unknown] = [orgId, Dexie.maxKey];
    const contacts = await db.contacts.where('[orgId+crmId]').between(org, orgEnd).toArray();
    const chatrooms = await db.contactChatrooms.where('[orgId+providerContactId]').between(org, orgEnd).toArray();
    const assignments = await db.assignments.where('[orgId+providerContactId]').between(org, orgEnd).toArray();
    return {
      format: MAPPINGS_FORMAT,
      version: MAPPINGS_VERSION,
      orgId,
      exportedAt: new Date(now).toISOString(),
      // Listed field by field: a column added to a table later is exported only once the format says so.
      contacts: contacts.map(({ crmId, providerContactId, createdAt, providerCrmId, legacy }) => ({
        crmId,
        providerContactId,
        createdAt,
        ...(providerCrmId && providerCrmId !== crmId ? { providerCrmId } : {}),
        ...(legacy ? { legacy } : {}),
      })),
      chatrooms: chatrooms.map(({ providerContactId, chatroomId, updatedAt }) => ({ providerContactId, chatroomId, updatedAt })),
      assignments: assignments.map(({ providerContactId, providerUserId, assignedAt }) => ({ providerContactId, providerUserId, assignedAt })),
    };
  });
}

/**
 * Merges a document into this browser's mappings of `orgId` in one transaction. A row this browser lacks
 * is added; the same row is unchanged; a row that disagrees with this browser's (or with an earlier row of
 * the same file) is a conflict: this browser's value stays and the conflict is reported, because silently
 * pointing a lead at another provider contact is exactly the duplicate-making mistake this guards against.
 */
export async function importDocument(db: BridgeDatabase, orgId: string, document: MappingDocument): Promise<ImportReport> {
  const report: ImportReport = { contacts: counts(), chatrooms: counts(), assignmentsSkipped: document.assignments.length, conflicts: [] };
  const conflict = (entry: ImportConflict) => {
    report[entry.table].conflicting += 1;
    if (report.conflicts.length < MAX_LISTED_CONFLICTS) report.conflicts.push(entry);
  };

  await db.transaction('rw', [db.contacts, db.contactChatrooms], async () => {
    for (const row of document.contacts) {
      const existing = await db.contacts.get([orgId, row.crmId]);
      if (existing) {
        if (existing.providerContactId === row.providerContactId) report.contacts.unchanged += 1;
        else conflict({ table: 'contacts', key: row.crmId, here: existing.providerContactId, inFile: row.providerContactId });
        continue;
      }
      // The provider's crm_id is unique, so one contact id under two CRM ids is a conflict too.
      const sameContact = await db.contacts.where('[orgId+providerContactId]').equals([orgId, row.providerContactId]).first();
      if (sameContact) {
        conflict({ table: 'contacts', key: row.crmId, here: `${row.providerContactId} is CRM id ${sameContact.crmId}`, inFile: row.providerContactId });
        continue;
      }
      await db.contacts.add(importedContact(orgId, row, document.version));
      report.contacts.added += 1;
    }

    for (const row of document.chatrooms) {
      const existing = await db.contactChatrooms.get([orgId, row.providerContactId]);
      if (!existing) {
        await db.contactChatrooms.add({ orgId, providerContactId: row.providerContactId, chatroomId: row.chatroomId, updatedAt: row.updatedAt });
        report.chatrooms.added += 1;
      } else if (existing.chatroomId === row.chatroomId) {
        report.chatrooms.unchanged += 1;
      } else {
        conflict({ table: 'chatrooms', key: row.providerContactId, here: existing.chatroomId, inFile: row.chatroomId });
      }
    }

  });
  return report;
}

/** A version-1 row (a bare record id) becomes a legacy row, as db.ts version 3 made local ones. */
function importedContact(orgId: string, row: MappingDocument['contacts'][number], version: number): ContactRow {
  const legacy = version === 1 || row.legacy === true;
  const providerCrmId = row.providerCrmId ?? (legacy ? row.crmId : undefined);
  return {
    orgId,
    crmId: row.crmId,
    providerContactId: row.providerContactId,
    createdAt: row.createdAt,
    ...(providerCrmId ? { providerCrmId } : {}),
    ...(legacy ? { legacy: true as const } : {}),
    imported: true,
  };
}

function counts(): TransferCounts {
  return { added: 0, unchanged: 0, conflicting: 0 };
}
