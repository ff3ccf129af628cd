import { z } from 'zod';
import { errorReply, jsonReply, type Reply } from './http';
import { type ChatroomRecord, type ContactRecord, chatroomName, newId, type Store } from './store';

/**
 * External chatrooms: "a customer wrote in", so the provider made the contact and its chatroom itself, not
 * through the API the extension calls. Written straight into the store (POST /__sandbox/external-chatrooms),
 * so the API counts and request log stay as they were: a test can tell them from the extension's own work.
 */

const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NAME = z.string().max(128);

/** Names, phone and e-mail: empty counts as absent (an e-mail-only web chat has no phone at all). */
export const ExternalChatroomSchema = z.strictObject({
  orgId: z.string().min(1).optional(),
  firstName: NAME.optional(),
  lastName: NAME.optional(),
  phone: z
    .string()
    .refine((phone) => phone === '' || E164.test(phone), 'must be an E.164 number such as +14155550132, or empty')
    .optional(),
  email: z
    .string()
    .max(254)
    .refine((email) => email === '' || EMAIL.test(email), 'must be an e-mail address such as ada@example.com, or empty')
    .optional(),
  assignedUserId: z.string().min(1).optional(),
});

export type ExternalChatroomInput = z.output<typeof ExternalChatroomSchema>;

export interface ExternalChatroom {
  contactId: string;
  chatroomId: string;
  /** Dashboard path of the chatroom page, id URL-encoded. */
  chatroomPath: string;
}

/** Checks org and user against the store, then creates; a 400 with `payload.field` like the other controls. */
export function addExternalChatroom(input: ExternalChatroomInput, store: Store, now: number): Reply {
  const orgId = input.orgId ?? store.data.orgs[0]?.id ?? '';
  if (!store.data.orgs.some((org) => org.id === orgId)) return errorReply(400, `No org ${orgId}`, { field: 'orgId' });
  const userId = input.assignedUserId ?? store.data.users.find((user) => user.org_id === orgId)?.id;
  if (userId === undefined) {
    return errorReply(400, `Org ${orgId} has no users to assign the chatroom to`, { field: 'assignedUserId' });
  }
  if (!store.user(orgId, userId)) return errorReply(400, `No user ${userId} in org ${orgId}`, { field: 'assignedUserId' });

  const at = new Date(now).toISOString();
  const contact = externalContact(input, orgId, store, at);
  const room: ChatroomRecord = {
    id: newId('cr_'),
    org_id: orgId,
    contact_id: contact.id,
    name: chatroomName(contact),
    assigned_user_id: userId,
    assign_on_handover: false,
    remote_waba_id: null,
    remote_phone_id: null,
    created_at: at,
    updated_at: at,
  };
  store.data.contacts.push(contact);
  store.data.chatrooms.push(room);
  store.save();
  const result: ExternalChatroom = {
    contactId: contact.id,
    chatroomId: room.id,
    chatroomPath: `/app/chatrooms/${encodeURIComponent(room.id)}`,
  };
  return jsonReply(result);
}

function externalContact(input: ExternalChatroomInput, orgId: string, store: Store, at: string): ContactRecord {
  const contact: ContactRecord = {
    id: newId('c_'),
    org_id: orgId,
    crm_id: externalCrmId(orgId, store),
    phone_number: input.phone || null,
    first_name: input.firstName || null,
    last_name: input.lastName || null,
    opt_in_date: at,
    create_date: at,
    governance_level_id: null,
    is_inbound: true,
    source: 'webchat',
    stage: null,
    disposition: null,
  };
  // Absent rather than null when there is none, as in data files written before contacts had an e-mail.
  if (input.email) contact.email = input.email;
  return contact;
}

/** The provider's own kind of id, nothing like the extension's `profile:tenant:id`; unique in the org. */
function externalCrmId(orgId: string, store: Store): string {
  let crmId = newId('webchat-');
  while (store.contactByCrmId(orgId, crmId)) crmId = newId('webchat-');
  return crmId;
}
