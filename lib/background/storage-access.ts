import { storage } from 'wxt/utils/storage';

/**
 * Storage areas hold the API token (managed: the policy's; the agent's own is kept in IndexedDB, see
 * lib/config/agent-options.ts) and other settings. By default Chrome lets content scripts read local, sync
 * and managed storage; since Chrome 140 an extension can close each area to them (setAccessLevel), and this
 * closes every area that can. Firefox has no such switch (only session storage is closed by default), which
 * docs/security.md states.
 */

export const STORAGE_AREAS = ['local', 'sync', 'session', 'managed'] as const;
export type StorageAreaName = (typeof STORAGE_AREAS)[number];
/** `closed`: content scripts cannot read the area; `open`: they can (the browser refused or cannot close it). */
export type AreaAccess = { state: 'closed' } | { state: 'open'; why: string };

interface AreaLike {
  setAccessLevel?(options: { accessLevel: string }): Promise<void> | void;
}

/** Closes every area the browser lets us close; says for each whether content scripts can still read it. */
export async function closeStorageToContentScripts(areas: Partial<Record<StorageAreaName, AreaLike | undefined>>): Promise<Record<StorageAreaName, AreaAccess>> {
  const entries = await Promise.all(
    STORAGE_AREAS.map(async (name): Promise<[StorageAreaName, AreaAccess]> => {
      const area = areas[name];
      if (!area) return [name, { state: 'open', why: 'this browser has no such storage area' }];
      if (typeof area.setAccessLevel !== 'function') {
        return [name, name === 'session' ? { state: 'closed' } : { state: 'open', why: 'this browser cannot close it to content scripts' }];
      }
      try {
        await area.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' });
        return [name, { state: 'closed' }];
      } catch (error) {
        return [name, { state: 'open', why: `the browser refused (${error instanceof Error ? error.message : String(error)})` }];
      }
    }),
  );
  return Object.fromEntries(entries) as Record<StorageAreaName, AreaAccess>;
}

/** What closeStorageToContentScripts found at this worker's start, for the options page. */
export const storageAccessItem = storage.defineItem<Record<StorageAreaName, AreaAccess> | null>('session:storageAccess', { fallback: null });
