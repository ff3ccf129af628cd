-- The team gateway's first schema: the team, and the one shared lead ↔ contact ↔ chatroom map.
-- Never edit a migration that has shipped: add the next numbered file instead (gateway/db/migrate.ts).

CREATE TABLE users (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Stored lower-cased: sign-in e-mails are compared case-insensitively.
  email text NOT NULL UNIQUE CHECK (email = lower(email)),
  provider_user_id text NOT NULL UNIQUE,
  crm_user_id text,
  name text,
  role text NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'manager')),
  -- Only while magicLinkReuse is on (gateway/core/login.ts).
  magic_link text,
  magic_link_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per lead the provider has (or is getting) a contact for. The row is also the team-wide claim on the
-- create: 'creating' rows carry the claim of the request that sends the create (gateway/core/contact-claims.ts).
CREATE TABLE contacts (
  org_id text NOT NULL,
  -- The lead identity's CRM + tenant part (everything before the last ':'), '' when it has none.
  crm_namespace text NOT NULL DEFAULT '',
  -- The lead identity's record part (after the last ':').
  crm_id text NOT NULL,
  provider_contact_id text,
  state text NOT NULL CHECK (state IN ('creating', 'created')),
  claim_id text,
  claim_expires_at timestamptz,
  create_attempts integer NOT NULL DEFAULT 0,
  fields_sent jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, crm_namespace, crm_id),
  CONSTRAINT contacts_created_has_id CHECK (state <> 'created' OR provider_contact_id IS NOT NULL),
  CONSTRAINT contacts_creating_has_claim CHECK (state <> 'creating' OR (claim_id IS NOT NULL AND claim_expires_at IS NOT NULL))
);
CREATE UNIQUE INDEX contacts_provider_contact_id_key ON contacts (org_id, provider_contact_id) WHERE provider_contact_id IS NOT NULL;

CREATE TABLE contact_chatroom (
  org_id text NOT NULL,
  provider_contact_id text NOT NULL,
  chatroom_id text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, provider_contact_id)
);

CREATE TABLE contact_chatroom_assigned_to (
  org_id text NOT NULL,
  provider_contact_id text NOT NULL,
  provider_user_id text NOT NULL,
  assigned_by_email text NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, provider_contact_id)
);

-- One row per Chat or Login request, advanced step by step (gateway/core/journal.ts).
CREATE TABLE action_journal (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id text NOT NULL,
  -- The lead's full identity as the extension sent it; NULL for a Login.
  crm_id text,
  agent_email text NOT NULL,
  action text NOT NULL CHECK (action IN ('chat', 'login')),
  step text NOT NULL CHECK (step IN ('started', 'creating', 'created', 'assigning', 'done', 'failed')),
  provider_contact_id text,
  outcome text,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_journal_unfinished ON action_journal (updated_at) WHERE step NOT IN ('done', 'failed');
