import Dexie, { type Table } from 'dexie';
import type { SessionTokens, TeamRules } from './api';

/**
 * The agent's sign-in to the team gateway: the identity provider's ID token (the gateway's bearer), the refresh
 * token that renews it, and the team's rules as the gateway last said. Kept in the extension's own IndexedDB,
 * which no content script and no web page can open (they run in the page's origin), and which survives a
 * browser restart so agents do not sign in every morning. It is the agent's own credential, never the
 * provider token (that stays at the gateway).
 */
export interface StoredSession extends SessionTokens {
  /** The gateway these tokens are for: a different gatewayUrl means signed out. */
  gatewayUrl: string;
  providerUserId?: string;
  rules?: TeamRules;
}

class TeamDatabase extends Dexie {
  session!: Table<StoredSession & { key: 'current' }, 'current'>;
  constructor() {
    super('crm-chat-bridge-team');
    this.version(1).stores({ session: 'key' });
  }
}

export interface SessionStore {
  get(gatewayUrl: string): Promise<StoredSession | undefined>;
  set(session: StoredSession): Promise<void>;
  clear(): Promise<void>;
}

export function teamSessionStore(database: TeamDatabase = new TeamDatabase()): SessionStore {
  return {
    async get(gatewayUrl) {
      const row = await database.session.get('current');
      if (!row || row.gatewayUrl !== gatewayUrl) return undefined;
      const { key: _key, ...session } = row;
      return session;
    },
    async set(session) {
      await database.session.put({ ...session, key: 'current' });
    },
    async clear() {
      await database.session.clear();
    },
  };
}
