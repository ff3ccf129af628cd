import { and, desc, eq, sql } from 'drizzle-orm';
import type { CrmCard } from '../../lib/messages';
import { contactChatroom, contactChatroomAssignedTo, contacts, type FieldsSent, type StoredEarlierContact } from '../db/schema';
import type { GatewayDb } from './types';

/**
 * The contacts table's rows and the conditional writes the create claim is made of. Every write here is one
 * statement (or one short transaction): nothing waits on the provider while holding the database.
 */

/** A lead's key in `contacts`: its identity split into the CRM + tenant part and the record part. */
export interface ContactKey {
  orgId: string;
  namespace: string;
  recordId: string;
  /** The whole identity, as the extension sent it and the provider gets it as crm_id. */
  crmId: string;
}

/**
 * `{PROFILE}:{TENANT}:{ID}` → namespace `{PROFILE}:{TENANT}`, record `{ID}`; an identity without ':' (or whose
 * only ':' comes first) has namespace ''. Joining them back with ':' (none when the namespace is '') gives the
 * identity again, so the split loses nothing.
 */
export function contactKey(orgId: string, crmId: string): ContactKey {
  const cut = crmId.lastIndexOf(':');
  if (cut <= 0) return { orgId, namespace: '', recordId: crmId, crmId };
  return { orgId, namespace: crmId.slice(0, cut), recordId: crmId.slice(cut + 1), crmId };
}

export type ContactRow = typeof contacts.$inferSelect;

/** The claim a request holds on a lead's create. */
export interface CreateClaim {
  claimId: string;
  /** Creates sent for this lead before this claim (a 409 then most likely means one of them landed). */
  earlierAttempts: number;
  /** The contact the provider no longer knows (assign answered 404) that this create replaces. */
  replacing?: string;
  /** The crm_id to create with (the row's provider_crm_id); absent: the lead's identity. */
  providerCrmId?: string;
  /** A contact for the lead's new phone number: a create the provider refuses brings the earlier contact back. */
  newNumber?: true;
}

/** The crm_id a row's contact has (or its create sends) at the provider. */
export function providerCrmIdOf(row: Pick<ContactRow, 'providerCrmId'>, key: ContactKey): string {
  return row.providerCrmId ?? key.crmId;
}

type Writer = Pick<GatewayDb, 'insert' | 'update' | 'delete' | 'select'>;

function rowIs(key: ContactKey) {
  return and(eq(contacts.orgId, key.orgId), eq(contacts.crmNamespace, key.namespace), eq(contacts.crmId, key.recordId));
}

export async function findContact(db: GatewayDb, key: ContactKey): Promise<ContactRow | undefined> {
  const [row] = await db.select().from(contacts).where(rowIs(key));
  return row;
}

/** Claims the create of a lead nobody has a row for; false when another request's row got there first. */
export async function insertClaim(db: GatewayDb, key: ContactKey, claim: { claimId: string; expiresAt: Date; pageUrl?: string }, now: Date): Promise<boolean> {
  const inserted = await db
    .insert(contacts)
    .values({
      orgId: key.orgId,
      crmNamespace: key.namespace,
      crmId: key.recordId,
      state: 'creating',
      claimId: claim.claimId,
      claimExpiresAt: claim.expiresAt,
      createAttempts: 1,
      pageUrl: claim.pageUrl ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning({ claimId: contacts.claimId });
  return inserted.length === 1;
}

/** Takes over a claim whose lease ran out; only one request can win (the old claim id must still be there). */
export async function takeOverClaim(db: GatewayDb, key: ContactKey, oldClaimId: string, claim: { claimId: string; expiresAt: Date }, now: Date): Promise<boolean> {
  const taken = await db
    .update(contacts)
    .set({ claimId: claim.claimId, claimExpiresAt: claim.expiresAt, createAttempts: sql`${contacts.createAttempts} + 1`, updatedAt: now })
    .where(and(rowIs(key), eq(contacts.state, 'creating'), eq(contacts.claimId, oldClaimId)))
    .returning({ claimId: contacts.claimId });
  return taken.length === 1;
}

/**
 * Turns a created row whose contact the provider lost (assign 404) back into a claimed create; only one request
 * wins. The old id stays on the row until the create settles, so a failed re-create can restore it.
 */
export async function claimReplacement(db: GatewayDb, key: ContactKey, lostContactId: string, claim: { claimId: string; expiresAt: Date }, now: Date) {
  const taken = await db
    .update(contacts)
    .set({ state: 'creating', claimId: claim.claimId, claimExpiresAt: claim.expiresAt, createAttempts: sql`${contacts.createAttempts} + 1`, updatedAt: now })
    .where(and(rowIs(key), eq(contacts.state, 'created'), eq(contacts.providerContactId, lostContactId)))
    .returning({ claimId: contacts.claimId });
  return taken.length === 1;
}

/** The provider said no to our create: the row goes, so the next Chat on the lead may try again. */
export async function dropClaim(db: GatewayDb, key: ContactKey, claimId: string): Promise<void> {
  await db.delete(contacts).where(and(rowIs(key), eq(contacts.state, 'creating'), eq(contacts.claimId, claimId)));
}

/** A re-create that did not replace the contact: the row is the old contact's again. */
export async function restoreReplaced(db: GatewayDb, key: ContactKey, claimId: string, contactId: string, now: Date): Promise<void> {
  await db
    .update(contacts)
    .set({ state: 'created', providerContactId: contactId, claimId: null, claimExpiresAt: null, updatedAt: now })
    .where(and(rowIs(key), eq(contacts.state, 'creating'), eq(contacts.claimId, claimId)));
}

/**
 * The lead's phone changed (PHONE_CHANGE_POLICY newContact): the row's contact becomes an earlier one and the row
 * a claimed create under `providerCrmId`; only one request wins (the row must still name `current`, created).
 * fields_sent goes with the earlier contact: the new contact's are the create's.
 */
export async function claimNewNumber(
  db: GatewayDb,
  key: ContactKey,
  current: StoredEarlierContact,
  claim: { claimId: string; expiresAt: Date; providerCrmId: string },
  now: Date,
): Promise<boolean> {
  const taken = await db
    .update(contacts)
    .set({
      state: 'creating',
      claimId: claim.claimId,
      claimExpiresAt: claim.expiresAt,
      createAttempts: sql`${contacts.createAttempts} + 1`,
      providerContactId: null,
      providerCrmId: claim.providerCrmId,
      fieldsSent: null,
      earlierContacts: sql`${contacts.earlierContacts} || ${JSON.stringify([current])}::jsonb`,
      updatedAt: now,
    })
    .where(and(rowIs(key), eq(contacts.state, 'created'), eq(contacts.providerContactId, current.providerContactId)))
    .returning({ claimId: contacts.claimId });
  return taken.length === 1;
}

/** A new number's create the provider refused: the row's contact is the one it replaced (the last earlier) again. */
export async function restoreEarlier(db: GatewayDb, key: ContactKey, claimId: string, now: Date): Promise<void> {
  const row = await findContact(db, key);
  const last = row?.earlierContacts.at(-1);
  if (!row || !last || row.claimId !== claimId) return;
  await db
    .update(contacts)
    .set({ ...asCurrent(last, key), state: 'created', claimId: null, claimExpiresAt: null, earlierContacts: row.earlierContacts.slice(0, -1), updatedAt: now })
    .where(and(rowIs(key), eq(contacts.state, 'creating'), eq(contacts.claimId, claimId)));
}

/**
 * The CRM's phone is an earlier contact's again: that contact becomes the row's, the current one an earlier
 * one; no create. Only one request wins: the row must still name `current.providerContactId` with the earlier
 * contacts as read.
 */
export async function switchToEarlier(
  db: GatewayDb,
  key: ContactKey,
  read: Pick<ContactRow, 'earlierContacts'>,
  switchTo: { earlier: StoredEarlierContact; current: StoredEarlierContact },
  now: Date,
): Promise<boolean> {
  const { earlier, current } = switchTo;
  const others = read.earlierContacts.filter((entry) => entry.providerContactId !== earlier.providerContactId);
  const switched = await db
    .update(contacts)
    .set({ ...asCurrent(earlier, key), earlierContacts: [...others, current], updatedAt: now })
    .where(
      and(
        rowIs(key),
        eq(contacts.state, 'created'),
        eq(contacts.providerContactId, current.providerContactId),
        sql`${contacts.earlierContacts} = ${JSON.stringify(read.earlierContacts)}::jsonb`,
      ),
    )
    .returning({ id: contacts.providerContactId });
  return switched.length === 1;
}

/** The row's columns for an earlier contact made current again (its crm_id null when it is the lead's identity). */
function asCurrent(earlier: StoredEarlierContact, key: ContactKey) {
  return {
    providerContactId: earlier.providerContactId,
    providerCrmId: earlier.providerCrmId === key.crmId ? null : earlier.providerCrmId,
    fieldsSent: earlier.fieldsSent ?? { phone_number: earlier.phone_number },
  };
}

/**
 * The lead's CRM card after a Chat on `contactId`: overwrites the last one (the last opener wins), only while the
 * row still names that contact (another request may have moved the lead to another number meanwhile).
 */
export async function recordCard(db: GatewayDb, key: ContactKey, contactId: string, card: CrmCard, now: Date): Promise<void> {
  await db
    .update(contacts)
    .set({ crmCard: card, updatedAt: now })
    .where(and(rowIs(key), eq(contacts.state, 'created'), eq(contacts.providerContactId, contactId)));
}

/**
 * The stored card of the lead whose contact has this chatroom, in this org: the lead's current contact, or one of
 * its earlier contacts (a chatroom from before its phone changed, still the same lead). Undefined when the team
 * never opened the chatroom or no Chat stored a card for the lead yet. Unchecked: the caller validates it.
 */
export async function findCardOfChatroom(db: GatewayDb, orgId: string, chatroomId: string): Promise<unknown> {
  const [room] = await db
    .select({ contactId: contactChatroom.providerContactId })
    .from(contactChatroom)
    .where(and(eq(contactChatroom.orgId, orgId), eq(contactChatroom.chatroomId, chatroomId)))
    .orderBy(desc(contactChatroom.updatedAt))
    .limit(1);
  if (!room) return undefined;
  const [current] = await db
    .select({ card: contacts.crmCard })
    .from(contacts)
    .where(and(eq(contacts.orgId, orgId), eq(contacts.providerContactId, room.contactId)));
  if (current) return current.card ?? undefined;
  const earlier = sql`${contacts.earlierContacts} @> ${JSON.stringify([{ providerContactId: room.contactId }])}::jsonb`;
  const [lead] = await db.select({ card: contacts.crmCard }).from(contacts).where(and(eq(contacts.orgId, orgId), earlier)).limit(1);
  return lead?.card ?? undefined;
}

/** What a Chat learnt Saleschat now holds for a contact: merged into fields_sent, or a first record of it. */
export type FieldsSentWrite = { baseline: FieldsSent } | { names: Pick<FieldsSent, 'first_name' | 'last_name'> } | { stage: Pick<FieldsSent, 'stage' | 'disposition'> };

/**
 * Advances fields_sent after an update or a stage the provider accepted, only while the row still names that
 * contact. Each write is one statement merging its own fields, so a rename and a stage (or two agents' Chats)
 * finishing together keep each other's.
 */
export async function recordFieldsSent(db: GatewayDb, key: ContactKey, contactId: string, write: FieldsSentWrite, now: Date): Promise<void> {
  await db
    .update(contacts)
    .set({ fieldsSent: fieldsSentAfter(write), updatedAt: now })
    .where(and(rowIs(key), eq(contacts.state, 'created'), eq(contacts.providerContactId, contactId)));
}

function fieldsSentAfter(write: FieldsSentWrite) {
  const current = sql`coalesce(${contacts.fieldsSent}, '{}'::jsonb)`;
  if ('baseline' in write) return sql`coalesce(${contacts.fieldsSent}, ${JSON.stringify(write.baseline)}::jsonb)`;
  if ('names' in write) return sql`${current} || ${JSON.stringify(write.names)}::jsonb`;
  // A stage without a disposition clears the one an earlier stage had (JSON.stringify leaves undefined out).
  return sql`(${current} - 'disposition') || ${JSON.stringify(write.stage)}::jsonb`;
}

/**
 * Records the contact the provider gave (or named in a 409) for the lead, and returns the id the row holds
 * afterwards. Whoever's claim the row carries by now, the id is the lead's (the provider keeps crm_id unique),
 * so a 'creating' row takes it; a row already 'created' keeps its id: the first recorded wins. A row that went
 * away meanwhile is written again.
 */
export async function recordCreated(
  writer: Writer,
  key: ContactKey,
  contactId: string,
  details: { fieldsSent?: FieldsSent; pageUrl?: string; providerCrmId?: string },
  now: Date,
): Promise<string> {
  const created = { state: 'created' as const, providerContactId: contactId, claimId: null, claimExpiresAt: null, updatedAt: now };
  const written = await writer
    .insert(contacts)
    .values({
      orgId: key.orgId,
      crmNamespace: key.namespace,
      crmId: key.recordId,
      ...created,
      createAttempts: 1,
      fieldsSent: details.fieldsSent ?? null,
      pageUrl: details.pageUrl ?? null,
      providerCrmId: details.providerCrmId ?? null,
      createdAt: now,
    })
    .onConflictDoUpdate({
      target: [contacts.orgId, contacts.crmNamespace, contacts.crmId],
      set: { ...created, ...(details.fieldsSent ? { fieldsSent: details.fieldsSent } : {}) },
      setWhere: eq(contacts.state, 'creating'),
    })
    .returning({ id: contacts.providerContactId });
  if (written[0]?.id) return written[0].id;
  const [row] = await writer.select({ id: contacts.providerContactId }).from(contacts).where(rowIs(key));
  if (!row?.id) throw new Error(`the contact row of ${key.crmId} has no contact id after recording ${contactId}`);
  return row.id;
}

/** Who the team last assigned the contact's chat to, as the gateway recorded it. */
export async function findAssignee(db: GatewayDb, orgId: string, contactId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ userId: contactChatroomAssignedTo.providerUserId })
    .from(contactChatroomAssignedTo)
    .where(and(eq(contactChatroomAssignedTo.orgId, orgId), eq(contactChatroomAssignedTo.providerContactId, contactId)));
  return row?.userId;
}

export async function findChatroomId(db: GatewayDb, orgId: string, contactId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ chatroomId: contactChatroom.chatroomId })
    .from(contactChatroom)
    .where(and(eq(contactChatroom.orgId, orgId), eq(contactChatroom.providerContactId, contactId)));
  return row?.chatroomId;
}

/** Remembers the chatroom (when the provider named it) and the assignee of an assign the provider accepted. */
export async function recordAssignment(
  writer: Writer,
  assignment: { orgId: string; contactId: string; chatroomId?: string; providerUserId: string; assignedByEmail: string },
  now: Date,
): Promise<void> {
  const { orgId, contactId, chatroomId, providerUserId, assignedByEmail } = assignment;
  if (chatroomId) {
    await writer
      .insert(contactChatroom)
      .values({ orgId, providerContactId: contactId, chatroomId, updatedAt: now })
      .onConflictDoUpdate({ target: [contactChatroom.orgId, contactChatroom.providerContactId], set: { chatroomId, updatedAt: now } });
  }
  await writer
    .insert(contactChatroomAssignedTo)
    .values({ orgId, providerContactId: contactId, providerUserId, assignedByEmail, assignedAt: now })
    .onConflictDoUpdate({
      target: [contactChatroomAssignedTo.orgId, contactChatroomAssignedTo.providerContactId],
      set: { providerUserId, assignedByEmail, assignedAt: now },
    });
}

/** The chatroom and assignee of a contact the provider no longer has. */
export async function forgetContactDetails(writer: Writer, orgId: string, contactId: string): Promise<void> {
  await writer.delete(contactChatroom).where(and(eq(contactChatroom.orgId, orgId), eq(contactChatroom.providerContactId, contactId)));
  await writer
    .delete(contactChatroomAssignedTo)
    .where(and(eq(contactChatroomAssignedTo.orgId, orgId), eq(contactChatroomAssignedTo.providerContactId, contactId)));
}
