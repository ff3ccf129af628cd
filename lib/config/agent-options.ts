import { browser } from 'wxt/browser';
import { storage } from 'wxt/utils/storage';
import { redact, rememberSecret } from '../redact';
import { type ResolvedConfig, resolveConfig } from './resolve';
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

/** The effective configuration: policy > agent options > defaults, key by key (see resolveConfig). */
export async function loadConfig(): Promise<ResolvedConfig> {
  const [policy, agent] = await Promise.all([readPolicy(), agentOptionsItem.getValue()]);
  // The token as set in either layer (even one the schema refuses): masked in every message and log line.
  rememberSecret(policy.apiToken);
  rememberSecret(agent.apiToken);
  return resolveConfig({ policy, agent });
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
  const current = await agentOptionsItem.getValue();
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
  if (problems.length === 0) await agentOptionsItem.setValue(next);
  return problems;
}
