-- The CRM card the chat dashboard shows beside a chatroom the team opened from the CRM (gateway/core/card.ts;
-- CrmCardSchema in lib/messages.ts): the lead as the last Chat read it (names, phone, e-mail, owner, status, the
-- rule's extra fields, the CRM page it was clicked on) and who opened it, when.
--
-- It lives on the lead's row in `contacts`, beside fields_sent and page_url (the same lead data): one card per lead,
-- which every Chat overwrites (the last opener wins). A row per chatroom would add a table whose key is already
-- there: a chatroom belongs to a contact (contact_chatroom), and the contact to the lead's row, current or earlier.

ALTER TABLE contacts ADD COLUMN crm_card jsonb;

-- The dashboard asks by chatroom id; contact_chatroom's key is the contact.
CREATE INDEX contact_chatroom_chatroom_id ON contact_chatroom (org_id, chatroom_id);

-- A chatroom of a lead's earlier contact (its phone changed under PHONE_CHANGE_POLICY newContact) finds the lead's
-- row through earlier_contacts (`@>` containment).
CREATE INDEX contacts_earlier_contacts ON contacts USING gin (earlier_contacts jsonb_path_ops);
