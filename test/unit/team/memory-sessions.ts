import type { SessionStore, StoredSession } from '../../../lib/team/session';

/** The team session store in memory (production: the extension's IndexedDB), with the stored session visible. */
export function memorySessions(initial?: StoredSession): SessionStore & { current?: StoredSession } {
  const store: SessionStore & { current?: StoredSession } = {
    ...(initial ? { current: initial } : {}),
    get: async (url) => (store.current?.gatewayUrl === url ? store.current : undefined),
    set: async (session) => {
      store.current = session;
    },
    clear: async () => {
      delete store.current;
    },
  };
  return store;
}
