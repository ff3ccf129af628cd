import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { agentOptionsItem, loadConfig, readPolicy, saveAgentOptions, tidyStoredToken } from '../../../lib/config/agent-options';
import { settingsView } from '../../../lib/background/main';

describe('agent options (storage.local via fakeBrowser)', () => {
  beforeEach(async () => {
    fakeBrowser.reset();
    // The agent's token lives in the extension's IndexedDB, which fakeBrowser.reset does not clear.
    await saveAgentOptions({ apiToken: null }, []);
  });

  it('the agent’s token is kept in the extension’s IndexedDB, never in storage.local (content scripts can read that)', async () => {
    expect(await saveAgentOptions({ orgId: 'org_1', apiToken: 'typed-by-the-agent' }, [])).toEqual([]);
    expect(await agentOptionsItem.getValue()).toEqual({ orgId: 'org_1' });
    expect(JSON.stringify(await fakeBrowser.storage.local.get(null))).not.toContain('typed-by-the-agent');
    expect((await loadConfig()).values).toMatchObject({ orgId: 'org_1', apiToken: 'typed-by-the-agent' });
    expect(await saveAgentOptions({ apiToken: null }, [])).toEqual([]);
    expect((await loadConfig()).values.apiToken).toBeUndefined();
  });

  it('a token an older version left in storage.local counts at once, and the tidy-up moves it out', async () => {
    await agentOptionsItem.setValue({ orgId: 'org_1', apiToken: 'left-by-an-older-version' });
    expect((await loadConfig()).values.apiToken).toBe('left-by-an-older-version');
    await tidyStoredToken({ forget: false });
    expect(await agentOptionsItem.getValue()).toEqual({ orgId: 'org_1' });
    expect(JSON.stringify(await fakeBrowser.storage.local.get(null))).not.toContain('left-by-an-older-version');
    expect((await loadConfig()).values.apiToken).toBe('left-by-an-older-version');
  });

  it('team mode: the tidy-up forgets every token the agent entered', async () => {
    await saveAgentOptions({ orgId: 'org_1', apiToken: 'typed-in-direct-mode' }, []);
    await agentOptionsItem.setValue({ orgId: 'org_1', gatewayUrl: 'https://gateway.example.com', apiToken: 'left-in-storage' });
    await tidyStoredToken({ forget: true });
    expect(await agentOptionsItem.getValue()).toEqual({ orgId: 'org_1', gatewayUrl: 'https://gateway.example.com' });
    expect((await loadConfig()).values.apiToken).toBeUndefined();
  });

  it('reading and tidying never write back options replaced in the meantime', async () => {
    await agentOptionsItem.setValue({ orgId: 'org_1', agentEmail: 'alice@example.com', apiToken: 'left-by-a-harness' });
    const reading = loadConfig();
    const tidying = tidyStoredToken({ forget: false });
    // Replaced while the first read and the tidy-up run (a harness or the options page writing again).
    await agentOptionsItem.setValue({ orgId: 'org_1', agentEmail: 'nobody@example.com', apiToken: 'left-by-a-harness' });
    await Promise.all([reading, tidying]);
    await tidyStoredToken({ forget: false });
    expect(await agentOptionsItem.getValue()).toEqual({ orgId: 'org_1', agentEmail: 'nobody@example.com' });
  });

  it('saves valid values, normalised, and the effective config reads them', async () => {
    expect(await saveAgentOptions({ orgId: ' org_1 ', defaultCountry: 'de', requestTimeoutMs: 3000 }, [])).toEqual([]);
    expect(await agentOptionsItem.getValue()).toEqual({ orgId: 'org_1', defaultCountry: 'DE', requestTimeoutMs: 3000 });
    const config = await loadConfig();
    expect(config.values).toMatchObject({ orgId: 'org_1', defaultCountry: 'DE', requestTimeoutMs: 3000 });
    expect(config.sources.orgId).toBe('agent');
  });

  it('refuses invalid, unknown and locked keys by name, and writes nothing then', async () => {
    await saveAgentOptions({ orgId: 'org_1' }, []);
    const problems = await saveAgentOptions({ requestTimeoutMs: 50, color: 'red', apiToken: 't', orgId: 'org_2' }, ['apiToken']);
    expect(problems.map((problem) => problem.key)).toEqual(['requestTimeoutMs', 'color', 'apiToken']);
    expect(problems[2]?.message).toBe('is set by your administrator and cannot be changed here');
    expect(await agentOptionsItem.getValue()).toEqual({ orgId: 'org_1' });
  });

  it('null clears a value back to its default', async () => {
    await saveAgentOptions({ allowReassign: false }, []);
    await saveAgentOptions({ allowReassign: null }, []);
    expect((await loadConfig()).values.allowReassign).toBe(true);
  });

  it('the settings view never contains the token, only a hint: the last 4 characters of a long token', async () => {
    await saveAgentOptions({ apiToken: 'super-secret-token-0123456789-9f3a', orgId: 'org_1' }, []);
    const view = settingsView(await loadConfig());
    expect(JSON.stringify(view)).not.toContain('super-secret-token');
    expect(view.apiTokenHint).toBe('••••9f3a');
  });

  it('a short token gets a fixed mask: its last characters would be a real share of it', async () => {
    for (const token of ['x', 'abcd', 'short-token-9f3a', 'a'.repeat(31)]) {
      await saveAgentOptions({ apiToken: token, orgId: 'org_1' }, []);
      expect(settingsView(await loadConfig()).apiTokenHint).toBe('••••••••');
    }
  });
});

describe('administrator policy (storage.managed via fakeBrowser)', () => {
  beforeEach(() => fakeBrowser.reset());

  it('policy keys win over the agent and are locked', async () => {
    await fakeBrowser.storage.managed.set({ orgId: 'org_policy', allowReassign: false });
    await saveAgentOptions({ orgId: 'org_mine', defaultCountry: 'FR' }, []);
    const config = await loadConfig();
    expect(config.values).toMatchObject({ orgId: 'org_policy', allowReassign: false, defaultCountry: 'FR' });
    expect(config.locked.sort()).toEqual(['allowReassign', 'orgId']);
    expect(await saveAgentOptions({ orgId: 'org_x' }, config.locked)).toEqual([
      { key: 'orgId', message: 'is set by your administrator and cannot be changed here' },
    ]);
  });

  it('names invalid policy keys and keeps the valid ones', async () => {
    await fakeBrowser.storage.managed.set({ providerApiUrl: 'apis.example', orgId: 'org_1', requestTimeoutMs: 'fast' });
    const config = await loadConfig();
    expect(config.values.orgId).toBe('org_1');
    expect(config.values.providerApiUrl).toBeUndefined();
    expect(config.problems.map((problem) => `${problem.source}:${problem.key}`)).toEqual(['policy:providerApiUrl', 'policy:requestTimeoutMs']);
    expect(settingsView(config).notReady).toContain('provider API URL (providerApiUrl) is invalid');
  });

  it('no policy for the extension (Firefox rejects the read) means no policy', async () => {
    const original = fakeBrowser.storage.managed.get;
    fakeBrowser.storage.managed.get = async () => {
      throw new Error('Managed storage manifest not found');
    };
    try {
      expect(await readPolicy()).toEqual({});
    } finally {
      fakeBrowser.storage.managed.get = original;
    }
  });
});
