import { browser } from 'wxt/browser';
import { storage } from 'wxt/utils/storage';
import { redact, rememberSecret } from '../redact';
import { type BrowserProfileState, type IdentityParts, readBrowserProfile } from './browser-profile';
import { type ResolvedConfig, resolveConfig } from './resolve';
import { BridgeDatabase } from '../store/db';
import { type ConfigKey, ConfigSchema, CONFIG_KEYS } from './schema';

/**
 * The agent's own settings (the options page), in extension-local storage. Read and written only by the
 * background worker; the options page goes through messages so it never receives the token.
 */
export const agentOptionsItem = storage.defineItem<Record<string, unknown>>('local:agentOptions', {
  fallback: {},
  version: 1,
});

/**
 * Administrator policy: Chrome's managed storage (3rdparty.extensions.<id>, validated by the generated
 * managed schema; changes arrive live) or Firefox's policies.json 3rdparty.Extensions.<id> (read at
 * browser start). Firefox rejects the read when no policy names the extension: that is "no policy".
 */
export async function readPolicy(): Promise<Record<string, unknown>> {
  try {
    return ((await browser.storage.managed.get(null)) as Record<string, unknown> | undefined) ?? {};
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!/manifest not found|not supported|no managed/i.test(message)) {
      console.warn(redact(`CRM Chat Bridge: could not read administrator policy (${message}); continuing without it.`));
    }
    return {};
  }
}

let secretsDb: BridgeDatabase | undefined;
/** The database holding the agent's secrets (one per background context; lib/store/db.ts `secrets`). */
function secrets(): BridgeDatabase {
  secretsDb ??= new BridgeDatabase();
  return secretsDb;
}

/**
 * The agent's own options with their token, which lives in the extension's IndexedDB, not in storage.local
 * (content scripts can read storage.local in Firefox and in Chrome before 140). A token an older version (or a
 * test harness) left in storage.local counts until tidyStoredToken moves it. Reading never writes: a reader's
 * copy may be stale by the time it would write, and writing it back would undo a newer save.
 */
async function readAgentLayer(): Promise<Record<string, unknown>> {
  const { apiToken: leftover, ...options } = await agentOptionsItem.getValue();
  const token = typeof leftover === 'string' ? leftover : (await secrets().secrets.get('apiToken'))?.value;
  return token === undefined ? options : { ...options, apiToken: token };
}

/**
 * Moves a token left in storage.local into the extension's IndexedDB, or, in team mode (`forget`), deletes
 * every token the agent entered: the browser then keeps none (policy's own copy is not the extension's to
 * delete; resolveConfig ignores it and says so). The background runs it at start and after each change of the
 * agent's options, one run at a time.
 */
export async function tidyStoredToken(options: { forget: boolean }): Promise<void> {
  const { apiToken: leftover } = await agentOptionsItem.getValue();
  if (typeof leftover === 'string' && !options.forget) await secrets().secrets.put({ name: 'apiToken', value: leftover });
  if (leftover !== undefined) await removeStoredToken(leftover);
  const stored = options.forget && (await secrets().secrets.get('apiToken')) !== undefined;
  if (stored) await secrets().secrets.delete('apiToken');
  // Only a change drops the kept config: this runs at every worker start, next to the wake that loaded it.
  if (leftover !== undefined || stored) forgetLoadedConfig();
}

/**
 * Removes `token` from the stored options, reading them again first: they may have been replaced meanwhile
 * (the options page saved, a test harness wrote), and writing back an older copy would undo that.
 */
async function removeStoredToken(token: unknown): Promise<void> {
  const current = await agentOptionsItem.getValue();
  if (current.apiToken !== token) return;
  const { apiToken: _moved, ...rest } = current;
  await agentOptionsItem.setValue(rest);
}

interface Layers {
  policy: Record<string, unknown>;
  agent: Record<string, unknown>;
  resolved: ResolvedConfig;
}

/**
 * The layers as last read, in a context that keeps them (keepConfigLoaded): a Chat click reads the config for
 * its sender check and again for its run, and reading means managed and local storage plus the token's database.
 */
let kept: { layers?: Promise<Layers> } | undefined;

/**
 * From now on this context reads the config once and keeps it until one of its sources changes: policy (managed
 * storage), the agent's options (local storage) or the token (written only here, see forgetLoadedConfig). The
 * background calls it at its start; other contexts (and unit tests) read afresh each time.
 */
export function keepConfigLoaded(): void {
  if (kept) return;
  kept = {};
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'managed' || area === 'sync' || (area === 'local' && 'agentOptions' in changes)) forgetLoadedConfig();
  });
}

/** The next loadConfig reads every layer again. */
export function forgetLoadedConfig(): void {
  if (kept) kept.layers = undefined;
}

async function readLayers(): Promise<Layers> {
  const [policy, agent] = await Promise.all([readPolicy(), readAgentLayer()]);
  // The token as set in either layer (even one the schema refuses): masked in every message and log line.
  rememberSecret(policy.apiToken);
  rememberSecret(agent.apiToken);
  return { policy, agent, resolved: resolveConfig({ policy, agent }) };
}

function layers(): Promise<Layers> {
  if (!kept) return readLayers();
  kept.layers ??= readLayers().catch((error: unknown) => {
    forgetLoadedConfig();
    throw error;
  });
  return kept.layers;
}

/** The effective configuration: policy > agent options > defaults, key by key (see resolveConfig). */
export async function loadConfig(): Promise<ResolvedConfig> {
  const { policy, agent, resolved } = await layers();
  // The browser's signed-in account is asked each time: it can change without any event reaching us.
  if (resolved.values.agentFromBrowserProfile !== true) return resolved;
  const profile = await browserProfile();
  return profile.state === 'signed-in' ? resolveConfig({ policy, agent, browserProfileEmail: profile.email }) : resolved;
}

/** The account signed in to this browser profile, as far as this browser and its granted permissions tell. */
export function browserProfile(): Promise<BrowserProfileState> {
  const api = browser as unknown as Pick<IdentityParts, 'identity' | 'permissions'>;
  return readBrowserProfile({ supported: import.meta.env.BROWSER !== 'firefox', identity: api.identity, permissions: api.permissions });
}

export interface SaveProblem {
  key: string;
  message: string;
}

/**
 * Applies a change to the agent's options: each key validated on its own; locked (policy) keys and unknown
 * keys refused with a reason; `null` removes the agent's value. Nothing is written when any key is refused,
 * so the form never half-saves.
 */
export async function saveAgentOptions(change: Record<string, unknown>, locked: readonly string[]): Promise<SaveProblem[]> {
  const current = await readAgentLayer();
  const next: Record<string, unknown> = { ...current };
  const problems: SaveProblem[] = [];
  for (const [key, value] of Object.entries(change)) {
    if (!(CONFIG_KEYS as string[]).includes(key)) {
      problems.push({ key, message: 'is not a known setting' });
    } else if (locked.includes(key)) {
      problems.push({ key, message: 'is set by your administrator and cannot be changed here' });
    } else if (value === null) {
      delete next[key];
    } else {
      const parsed = ConfigSchema.shape[key as ConfigKey].safeParse(value);
      if (parsed.success) next[key] = parsed.data;
      else problems.push({ key, message: parsed.error.issues.map((issue) => issue.message).join('; ') });
    }
  }
  if (problems.length > 0) return problems;
  const { apiToken, ...options } = next;
  if (typeof apiToken === 'string') await secrets().secrets.put({ name: 'apiToken', value: apiToken });
  else await secrets().secrets.delete('apiToken');
  forgetLoadedConfig();
  await agentOptionsItem.setValue(options);
  // Again: a read between the two writes kept the old options (the change event comes too, but later).
  forgetLoadedConfig();
  return problems;
}
