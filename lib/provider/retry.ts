import { isProviderError, type ProviderError } from './errors';

/**
 * Retry policy for provider calls. Kept free of Node-only APIs (the extension's background worker will
 * reuse it) and of any knowledge of what the task does: the only signal is `ProviderError.retryable`, so a
 * 4xx other than 429 (the provider said no, and will say no again) is never repeated.
 */

export interface RetryOptions {
  /** Total tries including the first. Default 4. */
  maxAttempts?: number;
  /** Back-off before the second try is drawn from [0, baseDelayMs]; the ceiling doubles each time. Default 250. */
  baseDelayMs?: number;
  /** Ceiling of the drawn back-off. A longer Retry-After still wins. Default 10 000. */
  maxDelayMs?: number;
  /**
   * Overall time from the first try: no new try is started whose wait would end at or after it (a try that
   * starts as the budget ends has no time left to get an answer). Default 60 000. Keeps a stuck provider from
   * turning one call into minutes of waiting.
   */
  budgetMs?: number;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1). */
  random?: () => number;
  now?: () => number;
  /** Called before each wait; for counting and logging, never for changing the decision. */
  onRetry?: (event: RetryEvent) => void;
  /**
   * Called when a retryable error is rethrown because attempts or budget ran out (not for final errors),
   * so a caller can tell "the provider kept failing" from "we ran out of time" without re-deriving the rule.
   */
  onGiveUp?: (event: GiveUpEvent) => void;
}

export interface GiveUpEvent {
  /** The try that failed last, 1-based. */
  attempt: number;
  reason: 'attempts' | 'budget';
  error: ProviderError;
}

export interface RetryEvent {
  /** The try that just failed, 1-based. */
  attempt: number;
  delayMs: number;
  error: ProviderError;
}

export const RETRY_DEFAULTS = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  budgetMs: 60_000,
} as const;

/**
 * Runs `task` until it succeeds, throws something not worth retrying, or attempts / budget run out. The
 * error that ends the loop is rethrown unchanged, so callers map it exactly as they would without retries.
 */
export async function withRetry<T>(task: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts));
  const baseDelayMs = Math.max(0, options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs);
  const maxDelayMs = Math.max(0, options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs);
  const budgetMs = options.budgetMs ?? RETRY_DEFAULTS.budgetMs;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const started = now();

  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal);
    try {
      return await task(attempt);
    } catch (error) {
      if (!isProviderError(error) || !error.retryable) throw error;
      if (attempt >= maxAttempts) {
        options.onGiveUp?.({ attempt, reason: 'attempts', error });
        throw error;
      }
      const delayMs = backoffDelay(attempt, { baseDelayMs, maxDelayMs, random, retryAfterMs: error.details.retryAfterMs });
      if (now() - started + delayMs >= budgetMs) {
        options.onGiveUp?.({ attempt, reason: 'budget', error });
        throw error;
      }
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

/**
 * "Full jitter" (AWS Architecture Blog, Exponential Backoff and Jitter): a uniform draw below the
 * exponential ceiling spreads concurrent clients out instead of having them retry in lock-step.
 * Retry-After is the provider telling us the earliest useful moment, so it is a floor, not a suggestion.
 */
export function backoffDelay(
  attempt: number,
  options: { baseDelayMs: number; maxDelayMs: number; random: () => number; retryAfterMs?: number | undefined },
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(options.random() * ceiling);
  return Math.max(jittered, options.retryAfterMs ?? 0);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
