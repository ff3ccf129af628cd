import type { Table } from 'dexie';
import type { EarlierContact, FieldsSent } from '../actions/contact-sync';
import type { CrmCard } from '../messages';
import type { BridgeDatabase, ChatJournalRow, ContactRow } from './db';
import { type ImportReport, type MappingDocument, exportDocument, importDocument } from './transfer';

/**
 * The queries the actions need, in one place, so the actions never touch Dexie directly and the schema can
 * change behind them.
 */
export class MappingStore {
  constructor(private readonly db: BridgeDatabase) {}

  findContact(orgId: string, crmId: string): Promise<ContactRow | undefined> {
    return this.db.contacts.get([orgId, crmId]);
  }

  /**
   * A lead's mapping and unfinished Chat, under its identity. Rows from before identities were namespaced
   * (db.ts version 3, `legacy`) are keyed by the bare record id: when the identity has none, the first lead
   * with that record id adopts them, re-keyed under its identity in the same transaction, so they match no
   * other CRM's or tenant's lead afterwards. The provider's crm_id for them stays the bare id (providerCrmId).
   */
  async findLeadState(orgId: string, crmId: string, recordId: string | undefined): Promise<{ contact?: ContactRow; journal?: ChatJournalRow }> {
    // Read-only first (every Chat reads this before its first request): a write transaction only when a legacy row
    // is there to adopt.
    const found = await this.db.transaction('r', this.db.contacts, this.db.journal, async () => {
      const [contact, journal] = await Promise.all([this.db.contacts.get([orgId, crmId]), this.db.journal.get([orgId, crmId])]);
      const underRecordId = !contact && !journal && recordId && recordId !== crmId;
      const legacyUnderRecordId = underRecordId && ((await this.db.contacts.get([orgId, recordId]))?.legacy || (await this.db.journal.get([orgId, recordId]))?.legacy);
      return { contact, journal, adopt: Boolean(contact?.legacy || journal?.legacy || legacyUnderRecordId) };
    });
    if (!found.adopt) return { ...optional('contact', found.contact), ...optional('journal', found.journal) };
    return this.db.transaction('rw', this.db.contacts, this.db.journal, async () => {
      let contact = await this.adopt(this.db.contacts, orgId, crmId, crmId);
      let journal = await this.adopt(this.db.journal, orgId, crmId, crmId);
      if (!contact && !journal && recordId && recordId !== crmId) {
        contact = await this.adopt(this.db.contacts, orgId, recordId, crmId, { legacyOnly: true });
        journal = await this.adopt(this.db.journal, orgId, recordId, crmId, { legacyOnly: true });
      }
      return { ...optional('contact', contact), ...optional('journal', journal) };
    });
  }

  /** The row under `from`, now under `to` and no longer legacy; `legacyOnly`: only a legacy row is taken. */
  private async adopt<Row extends { crmId: string; legacy?: true }>(
    table: Table<Row, [string, string]>,
    orgId: string,
    from: string,
    to: string,
    { legacyOnly = false } = {},
  ): Promise<Row | undefined> {
    const row = await table.get([orgId, from]);
    if (!row?.legacy) return legacyOnly ? undefined : row;
    const { legacy: _legacy, ...adopted } = row;
    const moved = { ...adopted, crmId: to } as Row;
    if (from !== to) await table.delete([orgId, from]);
    await table.put(moved);
    return moved;
  }

  /** A contact the provider no longer has: its chatroom and assignee are forgotten with it. */
  async forgetContactDetails(orgId: string, providerContactId: string): Promise<void> {
    await this.db.transaction('rw', this.db.contactChatrooms, this.db.assignments, async () => {
      await this.db.contactChatrooms.delete([orgId, providerContactId]);
      await this.db.assignments.delete([orgId, providerContactId]);
    });
  }

  /** An imported mapping Saleschat confirmed (lib/actions/chat.ts checkImported). */
  async confirmImportedContact(orgId: string, crmId: string): Promise<void> {
    await this.db.contacts.where('[orgId+crmId]').equals([orgId, crmId]).modify((row) => {
      delete row.imported;
    });
  }

  /** An imported mapping Saleschat contradicted: it goes, with the chatroom the same file brought for it. */
  async dropImportedContact(orgId: string, crmId: string): Promise<void> {
    await this.db.transaction('rw', [this.db.contacts, this.db.contactChatrooms, this.db.assignments], async () => {
      const row = await this.db.contacts.get([orgId, crmId]);
      if (!row?.imported) return;
      await this.db.contacts.delete([orgId, crmId]);
      await this.forgetContactDetails(orgId, row.providerContactId);
    });
  }

  async saveContact(orgId: string, crmId: string, providerContactId: string, now: number, chatroomUrl?: string): Promise<void> {
    await this.db.contacts.put({ orgId, crmId, providerContactId, createdAt: now, ...optional('chatroomUrl', chatroomUrl) });
  }

  async findChatroomId(orgId: string, providerContactId: string): Promise<string | undefined> {
    return (await this.db.contactChatrooms.get([orgId, providerContactId]))?.chatroomId;
  }

  async findAssignee(orgId: string, providerContactId: string): Promise<string | undefined> {
    return (await this.db.assignments.get([orgId, providerContactId]))?.providerUserId;
  }

  /** Records the outcome of an assign call: chatroom (when the provider told us) and assignee, atomically. */
  async saveAssignment(
    orgId: string,
    providerContactId: string,
    providerUserId: string,
    chatroomId: string | undefined,
    now: number,
  ): Promise<void> {
    await this.db.transaction('rw', this.db.contactChatrooms, this.db.assignments, async () => {
      if (chatroomId) await this.db.contactChatrooms.put({ orgId, providerContactId, chatroomId, updatedAt: now });
      await this.db.assignments.put({ orgId, providerContactId, providerUserId, assignedAt: now });
    });
  }

  // -------------------------------------------------------------------------------------------------
  // The Chat journal (see db.ts ChatJournalRow and lib/actions/chat.ts)

  findChatJournal(orgId: string, crmId: string): Promise<ChatJournalRow | undefined> {
    return this.db.journal.get([orgId, crmId]);
  }

  async writeChatJournal(row: ChatJournalRow): Promise<void> {
    await this.db.journal.put(row);
  }

  async dropChatJournal(orgId: string, crmId: string): Promise<void> {
    await this.db.journal.delete([orgId, crmId]);
  }

  /** Every unfinished Chat, of every org (start-up reconciliation). */
  unfinishedChats(): Promise<ChatJournalRow[]> {
    return this.db.journal.toArray();
  }

  /**
   * The contact id is known: the mapping and the journal's step move together, so no crash can leave a
   * contact the journal calls unknown (which would re-issue a create) or a journal step without its mapping.
   */
  async saveCreatedContact(
    journal: ChatJournalRow & { providerContactId: string },
    known: { sent?: FieldsSent; earlier?: EarlierContact[] } = {},
  ): Promise<void> {
    const { orgId, crmId, providerContactId, updatedAt, providerCrmId } = journal;
    await this.db.transaction('rw', this.db.contacts, this.db.journal, async () => {
      // The lead's earlier contacts outlive the one this replaces (re-created after a 404): they still exist.
      const earlier = known.earlier ?? (await this.db.contacts.get([orgId, crmId]))?.earlier;
      await this.db.contacts.put({
        orgId,
        crmId,
        providerContactId,
        createdAt: updatedAt,
        ...optional('providerCrmId', providerCrmId),
        ...optional('sent', known.sent),
        ...optional('earlier', earlier),
      });
      await this.db.journal.put({ ...journal, step: 'created' });
    });
  }

  /**
   * The lead's phone number is one it had before (phoneChangePolicy newContact): the mapping returns to that
   * number's contact and the current one joins `earlier`. Of the contact it returns to, only the number is
   * known for sure, so that is its `sent`: the Chat brings the rest up to date.
   */
  async switchContact(orgId: string, crmId: string, to: EarlierContact, earlier: EarlierContact[]): Promise<void> {
    await this.db.transaction('rw', this.db.contacts, async () => {
      const row = await this.db.contacts.get([orgId, crmId]);
      if (!row) throw new Error(`No mapping for ${crmId} to switch`);
      const { providerCrmId: _previous, sent: _sent, ...rest } = row;
      await this.db.contacts.put({
        ...rest,
        providerContactId: to.providerContactId,
        ...optional('providerCrmId', to.providerCrmId === crmId ? undefined : to.providerCrmId),
        sent: { phone_number: to.phone_number },
        earlier,
      });
    });
  }

  /**
   * The assign's outcome is recorded, the Chat's journal entry cleared, an imported mapping confirmed and what
   * Saleschat now holds for the contact (`sent`, when given) kept, atomically.
   */
  async finishChat(
    orgId: string,
    crmId: string,
    providerContactId: string,
    providerUserId: string,
    chatroomId: string | undefined,
    now: number,
    sent?: FieldsSent,
    card?: CrmCard,
  ): Promise<void> {
    await this.db.transaction('rw', [this.db.contacts, this.db.contactChatrooms, this.db.assignments, this.db.journal], async () => {
      await this.saveAssignment(orgId, providerContactId, providerUserId, chatroomId, now);
      await this.db.journal.delete([orgId, crmId]);
      const contact = await this.db.contacts.get([orgId, crmId]);
      if (contact?.providerContactId !== providerContactId) return;
      // Saleschat accepted the assign of this contact: an imported mapping of it is confirmed.
      if (contact.imported) await this.confirmImportedContact(orgId, crmId);
      if (sent || card) await this.db.contacts.update([orgId, crmId], { ...(sent ? { sent } : {}), ...(card ? { card } : {}) });
    });
  }

  /** The CRM card of the contact whose chatroom this is (the dashboard's card), or undefined. */
  async cardForChatroom(orgId: string, chatroomId: string): Promise<CrmCard | undefined> {
    return this.db.transaction('r', this.db.contactChatrooms, this.db.contacts, async () => {
      const room = await this.db.contactChatrooms.where('[orgId+chatroomId]').equals([orgId, chatroomId]).first();
      if (!room) return undefined;
      const contact = await this.db.contacts.where('[orgId+providerContactId]').equals([orgId, room.providerContactId]).first();
      return contact?.card;
    });
  }

  /**
   * Start-up reconciliation of one entry whose contact id is known: make sure the mapping exists (never
   * replacing a different one, e.g. imported since), then clear the entry. Returns what the mapping was.
   */
  async reconcileChatJournal(entry: ChatJournalRow & { providerContactId: string }): Promise<'restored' | 'present' | 'differs'> {
    const { orgId, crmId, providerContactId } = entry;
    return this.db.transaction('rw', this.db.contacts, this.db.journal, async () => {
      const existing = await this.db.contacts.get([orgId, crmId]);
      let result: 'restored' | 'present' | 'differs' = 'present';
      if (!existing) {
        await this.db.contacts.put({ orgId, crmId, providerContactId, createdAt: entry.updatedAt, ...optional('providerCrmId', entry.providerCrmId), ...optional('legacy', entry.legacy) });
        result = 'restored';
      } else if (existing.providerContactId !== providerContactId) {
        result = 'differs';
      }
      await this.db.journal.delete([orgId, crmId]);
      return result;
    });
  }

  // -------------------------------------------------------------------------------------------------
  // Export / import of one org's mappings (lib/store/transfer.ts)

  exportMappings(orgId: string, now: number): Promise<MappingDocument> {
    return exportDocument(this.db, orgId, now);
  }

  importMappings(orgId: string, document: MappingDocument): Promise<ImportReport> {
    return importDocument(this.db, orgId, document);
  }
}

/** `{ [key]: value }` when there is a value: rows never carry explicit undefined. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
