/** A login link kept for reuse (magicLinkReuse): the URL and when Saleschat said it stops working. */
export interface KeptLoginLink {
  url: string;
  /** Epoch ms. */
  expiresAt: number;
}

/**
 * Where Login keeps a link between clicks when the admin allows reuse. Never the database: a login link is a
 * way into the agent's Saleschat account, so it lives only as long as the browser session (storage.session,
 * which only extension pages and the worker can read) or the worker's memory where that area is missing.
 */
export interface LoginLinkStore {
  get(key: string): Promise<KeptLoginLink | undefined>;
  set(key: string, link: KeptLoginLink): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The storage.session subset the store needs (browser.storage.session in the worker). */
export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

const PREFIX = 'loginLink:';

export function loginLinkStore(session: SessionArea | undefined): LoginLinkStore {
  if (!session) return memoryLoginLinks();
  return {
    async get(key) {
      const value = (await session.get(PREFIX + key))[PREFIX + key];
      return isKeptLink(value) ? value : undefined;
    },
    set: (key, link) => session.set({ [PREFIX + key]: link }),
    delete: (key) => session.remove(PREFIX + key),
  };
}

export function memoryLoginLinks(): LoginLinkStore {
  const links = new Map<string, KeptLoginLink>();
  return {
    get: async (key) => links.get(key),
    set: async (key, link) => {
      links.set(key, link);
    },
    delete: async (key) => {
      links.delete(key);
    },
  };
}

function isKeptLink(value: unknown): value is KeptLoginLink {
  if (!value || typeof value !== 'object') return false;
  const { url, expiresAt } = value as Record<string, unknown>;
  return typeof url === 'string' && typeof expiresAt === 'number';
}
