-- Keeping the contact true to the CRM (gateway/core/contact-sync.ts): the crm_id a lead's current contact has at
-- Saleschat (a lead whose phone changed may have a new contact under `<identity>-2`, …; NULL: the identity), the
-- lead's earlier contacts to switch back to, and a journal step for the contact update.

ALTER TABLE contacts ADD COLUMN provider_crm_id text;
ALTER TABLE contacts ADD COLUMN earlier_contacts jsonb NOT NULL DEFAULT '[]'::jsonb;

ALTER TABLE action_journal DROP CONSTRAINT action_journal_step_check;
ALTER TABLE action_journal ADD CONSTRAINT action_journal_step_check
  CHECK (step IN ('started', 'creating', 'created', 'updating', 'assigning', 'done', 'failed'));
