import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { builderBackground, type BuilderDeps, syncBuilderScript } from '../../../lib/background/builder';
import { agentOptionsItem, loadConfig, saveAgentOptions } from '../../../lib/config/agent-options';
import { resolveConfig } from '../../../lib/config/resolve';

const RULE = { name: 'Acme CRM', url: 'https://crm.acme.test/leads/:id', fields: { phones: { label: 'Mobile' } } };
const TAB = 7;

function setup(overrides: Partial<BuilderDeps> = {}) {
  const deps = {
    loadConfig,
    tabUrl: vi.fn(async (tabId: number) => (tabId === TAB || tabId === 8 ? 'https://crm.acme.test:8443/leads/42' : undefined)),
    inject: vi.fn(async () => undefined),
    follow: vi.fn(async () => undefined),
    afterSave: vi.fn(async () => undefined),
    ...overrides,
  };
  return { deps, builder: builderBackground(deps) };
}

describe('rule builder, background side', () => {
  beforeEach(async () => {
    fakeBrowser.reset();
    await saveAgentOptions({ apiToken: null }, []);
  });

  it('start: the tab becomes a builder tab, the script is injected and registered for its site (port left out)', async () => {
    const { deps, builder } = setup();
    expect(await builder.isBuilderTab(TAB)).toBe(false);
    expect(await builder.routes.builderStart.run({ tabId: TAB })).toEqual({ ok: true, message: 'The rule builder is open on the page.' });
    expect(await builder.isBuilderTab(TAB)).toBe(true);
    expect(deps.inject).toHaveBeenCalledWith(TAB);
    expect(deps.follow).toHaveBeenLastCalledWith(['https://crm.acme.test/*']);
  });

  it('a page the browser will not inject into: no builder tab, and the reason', async () => {
    const { deps, builder } = setup({ inject: vi.fn(async () => Promise.reject(new Error('Cannot access a chrome:// URL'))) });
    expect(await builder.routes.builderStart.run({ tabId: TAB })).toEqual({ ok: false, message: 'The rule builder cannot run on this page: Cannot access a chrome:// URL' });
    expect(await builder.isBuilderTab(TAB)).toBe(false);
    expect(deps.follow).toHaveBeenLastCalledWith([]);
  });

  it('no access to the site: open on this page only, and said so', async () => {
    const { builder } = setup({ follow: vi.fn(async () => Promise.reject(new Error('no host permission'))) });
    expect((await builder.routes.builderStart.run({ tabId: TAB })).message).toMatch(/on this page only: without access to this site it cannot follow you/);
  });

  it('the draft survives the page (kept per tab); end forgets it and stops following the site', async () => {
    const { deps, builder } = setup();
    await builder.routes.builderStart.run({ tabId: TAB });
    const draft = { rule: RULE, notes: { url: 'why' }, checked: [] };
    await builder.routes.builderSaveDraft.run(draft, { tabId: TAB });
    expect((await builder.routes.builderState.run(undefined, { tabId: TAB })).draft).toEqual(draft);
    await builder.routes.builderEnd.run(undefined, { tabId: TAB });
    expect(await builder.isBuilderTab(TAB)).toBe(false);
    expect(deps.follow).toHaveBeenLastCalledWith([]);
  });

  it('a builder whose tab was closed is forgotten at the next start', async () => {
    const { deps, builder } = setup();
    await builder.routes.builderStart.run({ tabId: 99 });
    await builder.routes.builderStart.run({ tabId: TAB });
    expect(await builder.isBuilderTab(99)).toBe(false);
    expect(deps.follow).toHaveBeenLastCalledWith(['https://crm.acme.test/*']);
  });

  it('save: into the agent’s own crmRules, validated; saving again replaces it (by id, or the rule it edits)', async () => {
    const { deps, builder } = setup();
    await saveAgentOptions({ crmRules: [{ name: 'Other', url: 'https://other.test/:id', fields: {} }] }, []);
    expect(await builder.routes.builderSaveRule.run({ rule: RULE })).toEqual({ ok: true, message: "Saved 'Acme CRM' in your own settings (a new rule). This page reloads to use it; other tabs of this CRM use it once reloaded." });
    expect(deps.afterSave).toHaveBeenCalledTimes(1);
    const renamed = { ...RULE, name: 'Acme CRM v2', fields: { phones: { label: 'Cell' } } };
    expect((await builder.routes.builderSaveRule.run({ rule: renamed, replaces: 'Acme CRM' })).message).toMatch(/replacing the earlier version/);
    expect((await agentOptionsItem.getValue()).crmRules).toEqual([{ name: 'Other', url: 'https://other.test/:id', fields: {} }, renamed]);
  });

  it('save: an invalid rule is refused with the field, and nothing is written', async () => {
    const { builder } = setup();
    const outcome = await builder.routes.builderSaveRule.run({ rule: { ...RULE, url: '' } });
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(/^Not saved: url/);
    expect((await agentOptionsItem.getValue()).crmRules).toBeUndefined();
  });

  it('policy sets crmRules: saving is refused (it would not apply), and the state says so with the policy’s rules for the export', async () => {
    const policyRule = { name: 'Policy CRM', url: 'https://p.test/:id', fields: {} };
    const config = resolveConfig({ policy: { crmRules: [policyRule] }, agent: {} });
    const { builder } = setup({ loadConfig: async () => config });
    expect((await builder.routes.builderSaveRule.run({ rule: RULE })).message).toMatch(/policy sets the CRM rules/);
    const state = await builder.routes.builderState.run(undefined, { tabId: TAB });
    expect(state.rulesLocked).toBe(true);
    expect(state.policyRules).toEqual([policyRule]);
    expect(state.bases[0]).toEqual({ origin: 'policy', rule: policyRule });
    expect(state.bases.some((base) => base.origin === 'built-in' && base.rule.id === 'salesforce')).toBe(true);
  });
});

describe('the builder script’s registration follows the open builders', () => {
  const scripting = () => {
    const registered: { id: string; matches?: string[]; js?: string[]; persistAcrossSessions?: boolean }[] = [];
    return {
      registered,
      getRegisteredContentScripts: vi.fn(async ({ ids }: { ids: string[] }) => registered.filter((script) => ids.includes(script.id))),
      registerContentScripts: vi.fn(async (scripts: object[]) => void registered.push(...(scripts as typeof registered))),
      updateContentScripts: vi.fn(async (scripts: { id: string; matches?: string[] }[]) => {
        for (const update of scripts) Object.assign(registered.find((script) => script.id === update.id) ?? {}, update);
      }),
      unregisterContentScripts: vi.fn(async ({ ids }: { ids: string[] }) => {
        for (const id of ids) registered.splice(registered.findIndex((script) => script.id === id), 1);
      }),
    };
  };

  it('registers for the sites, not across browser restarts; updates; unregisters when none is open', async () => {
    const api = scripting();
    await syncBuilderScript(['https://crm.acme.test/*'], api);
    expect(api.registered).toEqual([
      { id: 'crm-chat-bridge-builder', js: ['builder.js'], matches: ['https://crm.acme.test/*'], runAt: 'document_idle', persistAcrossSessions: false },
    ]);
    await syncBuilderScript(['https://crm.acme.test/*'], api);
    expect(api.updateContentScripts).not.toHaveBeenCalled();
    await syncBuilderScript(['https://crm.acme.test/*', 'http://localhost/*'], api);
    expect(api.registered[0]?.matches).toEqual(['https://crm.acme.test/*', 'http://localhost/*']);
    await syncBuilderScript([], api);
    expect(api.registered).toEqual([]);
  });
});
