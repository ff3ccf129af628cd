import type { z } from 'zod/mini';
import { type MessageName, onMessage, type ProtocolMap, SENDERS } from '../messaging';
import { checkSender, type SenderCheckContext } from './senders';

type Data<K extends MessageName> = Parameters<ProtocolMap[K]>[0];
type Reply<K extends MessageName> = ReturnType<ProtocolMap[K]>;

/** How the background answers one message: the schema its data must pass, then the handler. */
export interface Route<K extends MessageName> {
  schema: z.ZodMiniType<Data<K>>;
  /** The page a content script says it acts on (only used where the browser hides the tab's URL). */
  pageUrl?(data: Data<K>): string | undefined;
  /** The reply to data that fails the schema; by default the request is refused with an InvalidRequestError. */
  invalid?(issues: readonly { path: PropertyKey[]; message: string }[]): Reply<K>;
  /** `from.tabId`: the tab of the content script that asked (for later news to it), when a tab asked. */
  run(data: Data<K>, from?: { tabId?: number }): Promise<Reply<K>> | Reply<K>;
}

/** Every message the background answers (content scripts answer getDetectionStatus and crmActionOutcome). */
export type Routes = { [K in Exclude<MessageName, 'getDetectionStatus' | 'crmActionOutcome'>]: Route<K> };

/** Data that does not pass its schema; the name survives the message channel, like UntrustedSenderError. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/**
 * Registers every route behind the same two gates, in this order: the sender (SENDERS in lib/messaging.ts),
 * then the data's schema. No handler runs for a sender the table does not allow or for data it cannot use.
 */
export function serveRoutes(routes: Routes, senders: SenderCheckContext): void {
  for (const name of Object.keys(routes) as (keyof Routes)[]) serve(name, routes[name] as Route<typeof name>, senders);
}

function serve<K extends keyof Routes>(name: K, route: Route<K>, senders: SenderCheckContext): void {
  // The channel's per-message typing cannot follow a generic K; the route's own types are checked above.
  (onMessage as (type: K, handler: (message: { data: unknown; sender: object }) => Promise<Reply<K>>) => void)(name, async ({ data, sender }) => {
    const parsed = route.schema.safeParse(data);
    await checkSender(SENDERS[name], sender, senders, parsed.success ? route.pageUrl?.(parsed.data) : undefined);
    if (!parsed.success) {
      if (route.invalid) return route.invalid(parsed.error.issues);
      throw new InvalidRequestError(describeIssues(name, parsed.error.issues));
    }
    const tabId = (sender as { tab?: { id?: number } }).tab?.id;
    return route.run(parsed.data, tabId === undefined ? {} : { tabId });
  });
}

export function describeIssues(name: string, issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const first = issues[0];
  const where = first ? ` (${first.path.map(String).join('.') || 'value'}: ${first.message})` : '';
  return `The extension received ${name} data it cannot use${where}.`;
}
