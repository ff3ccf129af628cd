import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { type Routes, serveRoutes } from '../../../lib/background/routes';
import { wakeUpRoute } from '../../../lib/background/wake';
import { loadConfig } from '../../../lib/config/agent-options';
import { BUILT_IN_PROFILES } from '../../../lib/crm/profiles';
import { messaging, sendMessage } from '../../../lib/messaging';
import { BridgeDatabase } from '../../../lib/store/db';
import { BASE_OPTIONS } from '../helpers';

/** Every row of every table: what "changed no state" is checked against. */
async function everything(db: BridgeDatabase): Promise<Record<string, unknown[]>> {
  return Object.fromEntries(await Promise.all(db.tables.map(async (table) => [table.name, await table.toArray()] as const)));
}

let db: BridgeDatabase;

beforeEach(async () => {
  fakeBrowser.reset();
  await fakeBrowser.storage.local.set({ agentOptions: BASE_OPTIONS });
  db = new BridgeDatabase(`wake-${Math.random()}`);
  // As a worker finds it: a mapped lead and a Chat a stopped worker left unfinished.
  await db.contacts.put({ orgId: 'org_1', crmId: 'demo:L-1', providerContactId: 'c_1', createdAt: 1 });
  await db.journal.put({ orgId: 'org_1', crmId: 'demo:L-2', step: 'creating', attempts: 1, startedAt: 1, updatedAt: 1 });
});

afterEach(async () => {
  vi.restoreAllMocks();
  messaging.removeAllListeners(); // what serveRoutes registered
  await db.delete();
});

describe('wakeUp in the background', () => {
  it('warms what a Chat loads first (config, database), sends no provider request and changes nothing', async () => {
    const fetch = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('no request may leave a wake'));
    const before = { storage: await fakeBrowser.storage.local.get(null), rows: await everything(db) };
    db.close(); // as in a worker just started: the wake opens it
    const loadedConfig = vi.fn(loadConfig);
    const route = wakeUpRoute({ loadConfig: loadedConfig, openDatabase: () => db.open(), startUpSettled: () => Promise.resolve() });

    expect(route.schema.safeParse(undefined).success).toBe(true);
    await expect(route.run(undefined)).resolves.toBeUndefined();

    expect(fetch).not.toHaveBeenCalled();
    expect(loadedConfig).toHaveBeenCalledTimes(1);
    expect(db.isOpen()).toBe(true);
    expect(await fakeBrowser.storage.local.get(null)).toEqual(before.storage);
    expect(await everything(db)).toEqual(before.rows);
  });

  it('idempotent: a second wake on a warm worker answers as well and opens nothing twice', async () => {
    const route = wakeUpRoute({ loadConfig, openDatabase: () => db.open(), startUpSettled: () => Promise.resolve() });
    await route.run(undefined);
    await expect(route.run(undefined)).resolves.toBeUndefined();
    expect(db.isOpen()).toBe(true);
  });

  it('answers even when warming fails: the click meets the failure and reports it, the wake does not', async () => {
    const route = wakeUpRoute({
      loadConfig: () => Promise.reject(new Error('policy unreadable')),
      openDatabase: () => Promise.reject(new Error('IndexedDB blocked')),
      startUpSettled: () => Promise.resolve(),
    });
    await expect(route.run(undefined)).resolves.toBeUndefined();
  });

  it('takes no data: anything else is refused by the schema before the handler runs', () => {
    const route = wakeUpRoute({ loadConfig, openDatabase: () => db.open(), startUpSettled: () => Promise.resolve() });
    expect(route.schema.safeParse({ crmId: 'x' }).success).toBe(false);
  });

  it('is served behind the shared gate: a sender that is not a CRM page is refused and nothing is warmed', async () => {
    const loadedConfig = vi.fn(loadConfig);
    const openDatabase = vi.fn(() => db.open());
    const route = wakeUpRoute({ loadConfig: loadedConfig, openDatabase, startUpSettled: () => Promise.resolve() });
    const runtimeId = fakeBrowser.runtime.id;
    serveRoutes({ wakeUp: route } as unknown as Routes, { runtimeId, extensionOrigin: `chrome-extension://${runtimeId}/`, profiles: async () => BUILT_IN_PROFILES });
    // fakeBrowser delivers with an empty sender: no id, no tab (not our content script on a CRM page).
    await expect(sendMessage('wakeUp', undefined)).rejects.toMatchObject({ name: 'UntrustedSenderError' });
    expect(loadedConfig).not.toHaveBeenCalled();
    expect(openDatabase).not.toHaveBeenCalled();
  });
});
