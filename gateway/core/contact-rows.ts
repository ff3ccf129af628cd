import { and, eq, sql } from 'drizzle-orm';
import { contactChatroom, contactChatroomAssignedTo, contacts, type FieldsSent } from '../db/schema';
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
 * Records the contact the provider gave (or named in a 409) for the lead, and returns the id the row holds
 * afterwards. Whoever's claim the row carries by now, the id is the lead's (the provider keeps crm_id unique),
 * so a 'creating' row takes it; a row already 'created' keeps its id: the first recorded wins. A row that went
 * away meanwhile is written again.
 */
export async function recordCreated(
  writer: Writer,
  key: ContactKey,
  contactId: string,
  details: { fieldsSent?: FieldsSent; pageUrl?: string },
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
