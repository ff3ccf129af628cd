-- The CRM write-back's journal (CRM_ACTIONS, gateway/core/crm-action-journal.ts): one row per (event, action), an
-- event being one Chat or Login of a member. The row's id `<event_id>#<action_name>` is the idempotency key: an event
-- is journaled, and so logged in the CRM, once per action however often its journaling is repeated.
--
-- `variables` holds the lead's data the action's templates read (names, phone, e-mail, owner, the chatroom…) and only
-- until the row is done or given up: it is set to NULL then. The finished row (action, state, attempts, the outcome
-- sentence the agent is shown, which names the lead) is deleted 7 days after its last change.
--
-- Several gateway processes share the table: a process claims the rows it is about to attempt (state 'running',
-- claimed_by its own random id, claimed_until a lease) in one UPDATE over rows selected FOR UPDATE SKIP LOCKED, so no
-- two processes attempt one row at once; a 'running' row whose lease ran out (its process died) is due again.

CREATE TABLE crm_action_journal (
  id text PRIMARY KEY,
  event_id text NOT NULL,
  action_name text NOT NULL,
  event text NOT NULL CHECK (event IN ('chat-opened', 'chat-failed', 'login')),
  -- The member whose Chat or Login it was (users.email): they, and managers, may read the outcome.
  agent_email text NOT NULL,
  variables jsonb,
  lead_name text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  state text NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
  next_attempt_at timestamptz NOT NULL,
  claimed_by text,
  claimed_until timestamptz,
  last_message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- What is due: pending rows by their next attempt, and 'running' rows (a few at a time) whose lease may have run out.
CREATE INDEX crm_action_journal_due ON crm_action_journal (next_attempt_at) WHERE state IN ('pending', 'running');

-- The extension polls an event's outcome (GET /v1/crm-actions/{eventId}).
CREATE INDEX crm_action_journal_event_id ON crm_action_journal (event_id);

-- Finished rows are deleted a week after their last change.
CREATE INDEX crm_action_journal_finished ON crm_action_journal (updated_at) WHERE state IN ('done', 'failed');
