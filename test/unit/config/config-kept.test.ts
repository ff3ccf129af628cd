import { beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { agentOptionsItem, keepConfigLoaded, loadConfig, saveAgentOptions } from '../../../lib/config/agent-options';

/**
 * The background keeps the config it read until a source changes (issue 17: a Chat click read managed and local
 * storage and the token's database twice). Own file: keepConfigLoaded is for the context's lifetime.
 */
describe('a config kept in memory (keepConfigLoaded)', () => {
  beforeAll(async () => {
    await saveAgentOptions({ apiToken: null }, []);
    keepConfigLoaded();
  });

  /** Lets the storage change event reach its listener. */
  const changeDelivered = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('is read once: two loads give the same config', async () => {
    await agentOptionsItem.setValue({ orgId: 'org_1' });
    await changeDelivered();
    const first = await loadConfig();
    expect(first.values.orgId).toBe('org_1');
    expect(await loadConfig()).toBe(first);
  });

  it('is read again after the agent’s options change in local storage', async () => {
    const before = await loadConfig();
    await agentOptionsItem.setValue({ orgId: 'org_2' });
    await changeDelivered();
    const after = await loadConfig();
    expect(after).not.toBe(before);
    expect(after.values.orgId).toBe('org_2');
  });

  it('is read again after policy changes (managed storage)', async () => {
    await loadConfig();
    await fakeBrowser.storage.managed.set({ orgId: 'org_policy' });
    await changeDelivered();
    expect((await loadConfig()).values.orgId).toBe('org_policy');
    await fakeBrowser.storage.managed.clear();
    await changeDelivered();
    expect((await loadConfig()).values.orgId).toBe('org_2');
  });

  it('sees a new token at once after the options page saved it (the token is in IndexedDB, no storage event)', async () => {
    await loadConfig();
    expect(await saveAgentOptions({ apiToken: 'tok-new' }, [])).toEqual([]);
    expect((await loadConfig()).values.apiToken).toBe('tok-new');
    expect(await saveAgentOptions({ apiToken: null }, [])).toEqual([]);
    expect((await loadConfig()).values.apiToken).toBeUndefined();
  });

  it('is kept when other local keys change (the background writes those all the time)', async () => {
    const before = await loadConfig();
    await fakeBrowser.storage.local.set({ lastProviderContact: { ok: true, at: 1 } });
    await changeDelivered();
    expect(await loadConfig()).toBe(before);
  });
});
