import type { AgentUserRow, BridgeDatabase, ContactRow } from './db';

/**
 * The queries the actions need, in one place, so the actions never touch Dexie directly and the schema can
 * change behind them.
 */
export class MappingStore {
  constructor(private readonly db: BridgeDatabase) {}

  findContact(orgId: string, crmId: string): Promise<ContactRow | undefined> {
    return this.db.contacts.get([orgId, crmId]);
  }

  async saveContact(orgId: string, crmId: string, providerContactId: string, now: number): Promise<void> {
    await this.db.contacts.put({ orgId, crmId, providerContactId, createdAt: now });
  }

  async findChatroomId(orgId: string, providerContactId: string): Promise<string | undefined> {
    return (await this.db.contactChatrooms.get([orgId, providerContactId]))?.chatroomId;
  }

  async findAssignee(orgId: string, providerContactId: string): Promise<string | undefined> {
    return (await this.db.assignments.get([orgId, providerContactId]))?.providerUserId;
  }

  /** Records the outcome of an assign call: chatroom (when the provider told us) and assignee, atomically. */
  async saveAssignment(
    orgId: string,
    providerContactId: string,
    providerUserId: string,
    chatroomId: string | undefined,
    now: number,
  ): Promise<void> {
    await this.db.transaction('rw', this.db.contactChatrooms, this.db.assignments, async () => {
      if (chatroomId) await this.db.contactChatrooms.put({ orgId, providerContactId, chatroomId, updatedAt: now });
      await this.db.assignments.put({ orgId, providerContactId, providerUserId, assignedAt: now });
    });
  }

  findAgentUser(orgId: string, providerUserId: string): Promise<AgentUserRow | undefined> {
    return this.db.users.get([orgId, providerUserId]);
  }

  async saveMagicLink(orgId: string, providerUserId: string, magicLink: string, expiresAt: number): Promise<void> {
    await this.db.transaction('rw', this.db.users, async () => {
      const existing = await this.db.users.get([orgId, providerUserId]);
      await this.db.users.put({ ...existing, orgId, providerUserId, magicLink, magicLinkExpiresAt: expiresAt });
    });
  }

  async forgetMagicLink(orgId: string, providerUserId: string): Promise<void> {
    await this.db.users.update([orgId, providerUserId], { magicLink: undefined, magicLinkExpiresAt: undefined });
  }
}
