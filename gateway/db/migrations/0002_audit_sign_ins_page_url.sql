-- Who did what, for the administrator; the OIDC sign-ins in progress; and the CRM page a contact came from.

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  agent_email text NOT NULL,
  action text NOT NULL,
  org_id text NOT NULL,
  crm_id text,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
  -- A sentence for people; redacted before it is written (never a token or a magic link).
  detail text NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE sign_ins (
  id text PRIMARY KEY,
  ext_challenge text NOT NULL,
  oidc_state text NOT NULL UNIQUE,
  oidc_code_verifier text NOT NULL,
  oidc_nonce text NOT NULL,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sign_ins_expires_at ON sign_ins (expires_at);

ALTER TABLE contacts ADD COLUMN page_url text;
