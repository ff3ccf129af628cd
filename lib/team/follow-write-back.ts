import { CrmActionsStatusSchema } from './crm-actions-api';
import type { GatewayClient } from './gateway-client';

/**
 * Team mode's second toast: the gateway runs the CRM write-back, so the background asks it how the event's actions
 * went (GET /v1/crm-actions/{eventId}) and passes each change on: the first message of every action, and its final
 * one. It stops when none is pending or running, or after FOLLOW_MS (later retries are the gateway's; the agent has
 * moved on by then).
 */
export const FOLLOW_MS = 60_000;
const POLL_MS = 1000;

export async function followTeamWriteBack(
  gateway: Pick<GatewayClient, 'call'>,
  eventId: string,
  notify: (notice: { ok: boolean; message: string }) => void,
  clock: { now(): number; sleep(ms: number): Promise<void> } = { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
): Promise<void> {
  const told = new Map<string, string>();
  const until = clock.now() + FOLLOW_MS;
  while (clock.now() < until) {
    await clock.sleep(POLL_MS);
    const parsed = CrmActionsStatusSchema.safeParse(await gateway.call(`/v1/crm-actions/${encodeURIComponent(eventId)}`).catch(() => undefined));
    if (!parsed.success) continue; // the gateway is busy or restarting: ask again
    let open = false;
    for (const action of parsed.data.actions) {
      open ||= action.state === 'pending' || action.state === 'running';
      if (!action.message || told.get(action.name) === action.message) continue;
      // A pending action is told once (its first failure); its final outcome is always told.
      if ((action.state === 'pending' || action.state === 'running') && told.has(action.name)) continue;
      told.set(action.name, action.message);
      notify({ ok: action.state === 'done', message: action.message });
    }
    if (!open) return;
  }
}
