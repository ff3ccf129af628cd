import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SandboxSeed, SeedLead, SpaLead } from './seed';

/**
 * The sandbox's provider-side data and its optional JSON persistence. Only data lives here; counters,
 * faults and settings are test controls and deliberately vanish on restart (see control.ts).
 */

export interface OrgRecord {
  id: string;
  name: string;
  tokens: string[];
}

export interface UserRecord {
  id: string;
  org_id: string;
  email: string;
  first_name: string;
  last_name: string;
  ask_user_to_update_password_on_login: boolean;
  // No password: nothing in the sandbox checks it, so it is never stored or written to disk.
}

export interface ContactRecord {
  id: string;
  org_id: string;
  crm_id: string;
  /** Null for an e-mail-only web chat (an external chatroom, see external.ts): pages must not assume a phone. */
  phone_number: string | null;
  /**
   * Only external chatrooms' contacts have one (the provider API takes no e-mail); absent otherwise, also in
   * data files written before it existed.
   */
  email?: string;
  first_name: string | null;
  last_name: string | null;
  /** Normalised to ISO-8601 whatever format the caller sent. */
  opt_in_date: string;
  create_date: string;
  governance_level_id: string | null;
  is_inbound: boolean | null;
  source: string | null;
  /** Set by the stage call only, null until then (data files written before it existed lack them: filled on load). */
  stage: string | null;
  disposition: string | null;
}

export interface ChatroomRecord {
  id: string;
  org_id: string;
  contact_id: string;
  name: string;
  assigned_user_id: string;
  assign_on_handover: boolean;
  remote_waba_id: string | null;
  remote_phone_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface MagicLinkRecord {
  token: string;
  org_id: string;
  user_id: string;
  /** Epoch milliseconds. */
  expires_at: number;
}

export interface SessionRecord {
  id: string;
  user_id: string;
  created_at: string;
}

export interface SandboxData {
  version: 1;
  orgs: OrgRecord[];
  users: UserRecord[];
  contacts: ContactRecord[];
  chatrooms: ChatroomRecord[];
  magicLinks: MagicLinkRecord[];
  sessions: SessionRecord[];
  leads: SeedLead[];
  /** Orbit CRM (/spa-crm) leads by tenant. Data files written before it existed lack it: filled from the seed. */
  spaLeads: Record<string, SpaLead[]>;
}

export function newId(prefix: string): string {
  return `${prefix}${randomBytes(8).toString('hex')}`;
}

export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Chatroom display name as the provider derives it: crm_id, first and last name. */
export function chatroomName(contact: Pick<ContactRecord, 'crm_id' | 'first_name' | 'last_name'>): string {
  return [contact.crm_id, contact.first_name, contact.last_name]
    .map((part) => (part ?? '').trim())
    .filter((part) => part !== '')
    .join(' ');
}

export function dataFromSeed(seed: SandboxSeed): SandboxData {
  // Copy everything so that mutating the store never mutates the caller's seed (demoSeed is shared).
  const copy = structuredClone(seed);
  return {
    version: 1,
    orgs: copy.orgs.map(({ id, name, tokens }) => ({ id, name, tokens })),
    users: copy.orgs.flatMap((org) =>
      org.users.map((user) => ({ ...user, org_id: org.id, ask_user_to_update_password_on_login: false })),
    ),
    contacts: [],
    chatrooms: [],
    magicLinks: [],
    sessions: [],
    leads: copy.leads,
    spaLeads: copy.spaLeads ?? {},
  };
}

export class Store {
  data: SandboxData;
  /** Set by close(): a request still finishing after shutdown must not rewrite the file. */
  private closed = false;

  constructor(
    private readonly seed: SandboxSeed,
    private readonly dataFile?: string,
  ) {
    this.data = dataFile && existsSync(dataFile) ? readDataFile(dataFile) : dataFromSeed(seed);
    this.data.spaLeads ??= dataFromSeed(seed).spaLeads;
    for (const contact of this.data.contacts) {
      contact.stage ??= null;
      contact.disposition ??= null;
    }
    this.save();
  }

  resetToSeed(): void {
    this.data = dataFromSeed(this.seed);
    this.save();
  }

  /** Call after every mutation. Temp file + rename, so a crash never leaves a half-written file. */
  save(): void {
    if (!this.dataFile || this.closed) return;
    mkdirSync(dirname(this.dataFile), { recursive: true });
    const temp = `${this.dataFile}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(this.data, null, 2)}\n`);
    renameSync(temp, this.dataFile);
  }

  close(): void {
    this.closed = true;
  }

  orgByToken(token: string): OrgRecord | undefined {
    return this.data.orgs.find((org) => org.tokens.includes(token));
  }

  user(orgId: string, userId: string): UserRecord | undefined {
    return this.data.users.find((user) => user.org_id === orgId && user.id === userId);
  }

  userById(userId: string): UserRecord | undefined {
    return this.data.users.find((user) => user.id === userId);
  }

  /** Removes a contact and its chatrooms; false when there is none. */
  deleteContact(contactId: string): boolean {
    const before = this.data.contacts.length;
    this.data.contacts = this.data.contacts.filter((contact) => contact.id !== contactId);
    this.data.chatrooms = this.data.chatrooms.filter((room) => room.contact_id !== contactId);
    if (this.data.contacts.length === before) return false;
    this.save();
    return true;
  }

  contact(orgId: string, contactId: string): ContactRecord | undefined {
    return this.data.contacts.find((contact) => contact.org_id === orgId && contact.id === contactId);
  }

  contactById(contactId: string): ContactRecord | undefined {
    return this.data.contacts.find((contact) => contact.id === contactId);
  }

  contactByCrmId(orgId: string, crmId: string): ContactRecord | undefined {
    return this.data.contacts.find((contact) => contact.org_id === orgId && contact.crm_id === crmId);
  }

  chatroomById(chatroomId: string): ChatroomRecord | undefined {
    return this.data.chatrooms.find((room) => room.id === chatroomId);
  }

  chatroomForContact(contactId: string): ChatroomRecord | undefined {
    return this.data.chatrooms.find((room) => room.contact_id === contactId);
  }

  session(sessionId: string): SessionRecord | undefined {
    return this.data.sessions.find((session) => session.id === sessionId);
  }

  lead(leadId: string): SeedLead | undefined {
    return this.data.leads.find((lead) => lead.id === leadId);
  }

  upsertLeads(leads: SeedLead[]): void {
    for (const lead of leads) {
      const index = this.data.leads.findIndex((existing) => existing.id === lead.id);
      if (index === -1) this.data.leads.push(lead);
      else this.data.leads[index] = lead;
    }
    this.save();
  }

  spaLeads(tenant: string): SpaLead[] {
    return Object.hasOwn(this.data.spaLeads, tenant) ? (this.data.spaLeads[tenant] ?? []) : [];
  }

  spaLead(tenant: string, leadId: string): SpaLead | undefined {
    return this.spaLeads(tenant).find((lead) => lead.id === leadId);
  }

  upsertSpaLeads(tenant: string, leads: SpaLead[]): void {
    const list = this.spaLeads(tenant);
    for (const lead of leads) {
      const index = list.findIndex((existing) => existing.id === lead.id);
      if (index === -1) list.push(lead);
      else list[index] = lead;
    }
    this.data.spaLeads[tenant] = list;
    this.save();
  }
}

function readDataFile(file: string): SandboxData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`sandbox data file ${file} is not readable JSON (${String(error)}); delete it or use --reset`);
  }
  const keys = ['orgs', 'users', 'contacts', 'chatrooms', 'magicLinks', 'sessions', 'leads'] as const;
  const record = parsed as Record<string, unknown> | null;
  const spaLeads = record?.spaLeads;
  const spaLeadsOk =
    spaLeads === undefined ||
    (typeof spaLeads === 'object' && spaLeads !== null && !Array.isArray(spaLeads) && Object.values(spaLeads).every((list) => Array.isArray(list)));
  if (record?.version !== 1 || !keys.every((key) => Array.isArray(record[key])) || !spaLeadsOk) {
    throw new Error(`sandbox data file ${file} has an unknown format; delete it or use --reset`);
  }
  return parsed as SandboxData;
}
