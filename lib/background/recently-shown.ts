import type { SessionStore } from '../actions/dashboard-tab';
import { samePage } from '../actions/crm-tab';

/** A chatroom page our Chat showed this long ago still counts as "the agent came from the CRM" (no screen pop). */
export const SHOWN_BY_CHAT_MS = 60_000;
const KEY = 'shownByChat';

/**
 * The page Chat or Login last showed in the dashboard tab, and when: kept in session storage, so a worker that
 * stopped between the Chat and the dashboard page's load still knows.
 */
export function recentlyShown(session: SessionStore, now: () => number) {
  return {
    note: (url: string) => session.set(KEY, { url, at: now() }).catch(() => undefined),
    /**
     * True once for the page Chat showed (its first load in the dashboard tab): a later visit of the same chatroom
     * (the agent went elsewhere in the dashboard and came back) is the agent's own, and pops.
     */
    async recently(pageUrl: string): Promise<boolean> {
      const last = (await session.get(KEY).catch(() => undefined)) as { url?: unknown; at?: unknown } | undefined;
      if (typeof last?.url !== 'string' || typeof last.at !== 'number') return false;
      if (now() - last.at >= SHOWN_BY_CHAT_MS || !samePage(last.url, pageUrl)) return false;
      await session.remove(KEY).catch(() => undefined);
      return true;
    },
  };
}
