import { WakeUpRequestSchema } from '../messages';
import type { Route } from './routes';

/** What a Chat click loads first in a freshly started worker (lib/background/main.ts, openChat). */
export interface ChatWarmUp {
  /** The resolved config: every Chat reads it first (and the crm-page sender check before that). */
  loadConfig(): Promise<unknown>;
  /** The mapping database: a Chat's first read is the lead's mapping. */
  openDatabase(): Promise<unknown>;
  /** The start-up reconciliation of the Chat journal, which a Chat waits for (bounded by the caller). */
  startUpSettled(): Promise<unknown>;
}

/**
 * wakeUp: the content script sends it when a click is likely (lib/messaging.ts). Receiving it has started the
 * worker, which is most of the cold start; this warms the rest a Chat would otherwise load after the click.
 * Read-only and idempotent: no provider request, no write, so a wake that no click follows costs nothing but
 * the worker's start. Failures are left for the click to meet and report: a wake only warms.
 */
export function wakeUpRoute(warmUp: ChatWarmUp): Route<'wakeUp'> {
  return {
    schema: WakeUpRequestSchema,
    run: async () => {
      await Promise.allSettled([warmUp.loadConfig(), warmUp.openDatabase(), warmUp.startUpSettled()]);
    },
  };
}
