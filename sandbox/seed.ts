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
  /** The lead status as the CRM shows it (e.g. "Qualified"), for the extension's stageMapping. */
  status?: string;
  /** The lead's company: an extra field the demo profile reads for the dashboard's CRM card. */
  company?: string;
}

/** A lead of Orbit CRM (/spa-crm, see spa-crm.ts), kept per tenant; ids are only unique within a tenant. */
export interface SpaLead {
  id: string;
  firstName: string;
  lastName: string;
  mobile?: string;
  /** Shown as "Work phone". */
  phone?: string;
  email?: string;
  ownerEmail?: string;
  ownerName?: string;
  status?: string;
}

export interface SandboxSeed {
  orgs: SeedOrg[];
  leads: SeedLead[];
  /** Orbit CRM leads by tenant slug. Absent: no Orbit CRM leads. */
  spaLeads?: Record<string, SpaLead[]>;
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
      status: 'Qualified',
      company: 'Analytical Engines Ltd',
    },
    {
      id: 'L-1002',
      firstName: 'Grace',
      lastName: 'Hopper',
      phone: '+44 20 7946 0958',
      email: 'grace@example.com',
      ownerEmail: 'bob@example.com',
      ownerName: 'Bob Agent',
      status: 'New',
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
  spaLeads: {
    acme: [
      {
        id: '4711',
        firstName: 'Ada',
        lastName: 'Lovelace',
        mobile: '+1 415 555 0132',
        phone: '(415) 555-0100',
        email: 'ada@example.com',
        ownerEmail: 'alice@example.com',
        ownerName: 'Alice Agent',
        status: 'Qualified',
      },
      {
        id: '4712',
        firstName: 'Grace',
        lastName: 'Hopper',
        mobile: '+44 7700 900123',
        phone: '+44 20 7946 0958',
        email: 'grace@example.com',
        ownerEmail: 'bob@example.com',
        ownerName: 'Bob Agent',
        status: 'New',
      },
      {
        // No mobile: the only number is a UK work phone in national format.
        id: '4713',
        firstName: 'Alan',
        lastName: 'Turing',
        phone: '020 7946 0199',
        email: 'alan@example.com',
        ownerEmail: 'alice@example.com',
        ownerName: 'Alice Agent',
        status: 'Contacted',
      },
      {
        id: '4714',
        firstName: 'Katherine',
        lastName: 'Johnson',
        mobile: '(757) 555-0147',
        email: 'katherine@example.com',
        ownerEmail: 'bob@example.com',
        ownerName: 'Bob Agent',
        status: 'Qualified',
      },
    ],
    globex: [
      {
        // Same id as acme's Ada Lovelace, a different person: record ids are only unique within a tenant.
        id: '4711',
        firstName: 'Hedy',
        lastName: 'Lamarr',
        mobile: '+1 310 555 0178',
        phone: '(310) 555-0110',
        email: 'hedy@globex.example',
        ownerEmail: 'alice@example.com',
        ownerName: 'Alice Agent',
        status: 'New',
      },
      {
        id: '4720',
        firstName: 'Margaret',
        lastName: 'Hamilton',
        mobile: '+1 617 555 0163',
        email: 'margaret@globex.example',
        ownerEmail: 'bob@example.com',
        ownerName: 'Bob Agent',
        status: 'Contacted',
      },
    ],
  },
};
