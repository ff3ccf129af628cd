/**
 * Default demo data for the sandbox. Tests and the demo rely on these exact ids, tokens and leads, so
 * change them only together with sandbox/README.md and test/sandbox.
 */

export interface SeedUser {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
}

export interface SeedOrg {
  id: string;
  name: string;
  /** Bearer tokens that authenticate as this org. */
  tokens: string[];
  users: SeedUser[];
}

/** A lead of the demo CRM. CRM data, not provider data: the provider never sees it directly. */
export interface SeedLead {
  id: string;
  firstName: string;
  lastName: string;
  phone?: string;
  email?: string;
  ownerEmail?: string;
  ownerName?: string;
}

export interface SandboxSeed {
  orgs: SeedOrg[];
  leads: SeedLead[];
}

export const demoSeed: SandboxSeed = {
  orgs: [
    {
      id: 'org_demo',
      name: 'Demo Org',
      tokens: ['sandbox-token-demo'],
      users: [
        { id: 'u_alice', email: 'alice@example.com', first_name: 'Alice', last_name: 'Agent' },
        { id: 'u_bob', email: 'bob@example.com', first_name: 'Bob', last_name: 'Agent' },
      ],
    },
    {
      // Exists so that a valid token for the wrong org can be tested (403, not 401).
      id: 'org_other',
      name: 'Other Org',
      tokens: ['sandbox-token-other'],
      users: [],
    },
  ],
  leads: [
    {
      id: 'L-1001',
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: '(415) 555-0132',
      email: 'ada@example.com',
      ownerEmail: 'alice@example.com',
      ownerName: 'Alice Agent',
    },
    {
      id: 'L-1002',
      firstName: 'Grace',
      lastName: 'Hopper',
      phone: '+44 20 7946 0958',
      email: 'grace@example.com',
      ownerEmail: 'bob@example.com',
      ownerName: 'Bob Agent',
    },
    {
      id: 'L-1003',
      firstName: 'Alan',
      lastName: 'Turing',
      phone: '415 555 0199',
      ownerEmail: 'alice@example.com',
      ownerName: 'Alice Agent',
    },
  ],
};
