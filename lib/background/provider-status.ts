import { storage } from 'wxt/utils/storage';
import type { ActionOutcome } from '../messaging';

export interface ProviderContact {
  ok: boolean;
  message: string;
  at: number;
}

/**
 * The last exchange with the provider, so the popup can show the connection's state without making a
 * request each time it opens. Session storage: it describes this browser session only.
 */
export const lastProviderContactItem = storage.defineItem<ProviderContact | null>('session:lastProviderContact', {
  fallback: null,
});

/** Records an action's outcome when it says something about the provider (not when config refused it). */
export async function recordProviderContact(outcome: ActionOutcome, now = Date.now()): Promise<void> {
  const reachedProvider = outcome.ok || outcome.status !== undefined || outcome.retryable;
  if (!reachedProvider) return;
  await lastProviderContactItem.setValue({ ok: outcome.ok, message: outcome.message, at: now });
}
