import type { ActionRunResult } from './run';
import type { CrmAction, CrmActionEvent } from './schema';
import { type ActionEventInput, type ActionVariables, actionVariables } from './variables';

/**
 * The write-back journal's rows: one per (event, action), so a retry of an event never logs it twice and a stopped
 * worker or restarted gateway picks up where it was. The event's variables (lead data) are kept only until the row
 * is done or given up.
 */
export interface CrmActionRow {
  /** `${eventId}#${actionName}`: the idempotency key. */
  id: string;
  actionName: string;
  event: CrmActionEvent;
  variables?: ActionVariables;
  /** For the agent's messages: whose chat it was. */
  leadName: string;
  /** The CRM tab to tell the outcome (direct mode). */
  tabId?: number;
  attempts: number;
  /** running: an attempt started and did not record its end (a stopped worker): it is tried again. */
  state: 'pending' | 'running' | 'done' | 'failed';
  nextAttemptAt: number;
  lastMessage?: string;
  createdAt: number;
  updatedAt: number;
}

export interface CrmActionJournal {
  /** Adds the rows whose id is not there yet; returns those added. */
  add(rows: CrmActionRow[]): Promise<CrmActionRow[]>;
  /** Rows to attempt now (pending or running, due). */
  due(now: number): Promise<CrmActionRow[]>;
  /** When the next pending row is due, if any. */
  nextDue(): Promise<number | undefined>;
  update(id: string, change: Partial<CrmActionRow>): Promise<void>;
  /** Forgets finished rows last changed before `before`. */
  prune(before: number): Promise<void>;
}

export interface RunnerDeps {
  journal: CrmActionJournal;
  /** The actions configured now (a row whose action was removed since is given up). */
  actions(): Promise<readonly CrmAction[]>;
  run(action: CrmAction, variables: ActionVariables): Promise<ActionRunResult>;
  /** Tells the agent (direct mode: a second toast in the CRM tab). */
  notify(row: CrmActionRow, outcome: { ok: boolean; message: string }): void;
  /** Asks to be woken (drain) at this time. */
  wakeAt(at: number): void;
  now(): number;
}

/** After the nth failed attempt, the next one waits BACKOFF_MS[n-1]; after the last, the row is given up (~9 h). */
export const BACKOFF_MS = [2_000, 5_000, 15_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000] as const;
export const KEEP_FINISHED_MS = 7 * 24 * 60 * 60 * 1000;

export interface CrmActionRunner {
  /** Journals the event for every action it concerns, then runs what is due. The chat is never waiting on this. */
  enqueue(input: ActionEventInput & { tabId?: number }): Promise<void>;
  /** Runs every due row (at start, when woken); one drain at a time. */
  drain(): Promise<void>;
}

export function crmActionRunner(deps: RunnerDeps): CrmActionRunner {
  let draining: Promise<void> | undefined;
  let again = false;
  const drain = (): Promise<void> => {
    if (draining) {
      again = true;
      return draining;
    }
    draining = drainAll(deps)
      .finally(() => {
        draining = undefined;
      })
      .then(() => {
        if (!again) return;
        again = false;
        return drain();
      });
    return draining;
  };
  return {
    drain,
    async enqueue(input) {
      const actions = (await deps.actions()).filter((action) => concerns(action, input));
      if (actions.length === 0) return;
      const variables = actionVariables(input);
      const now = deps.now();
      const leadName = [input.lead?.firstName, input.lead?.lastName].filter(Boolean).join(' ') || input.lead?.recordId || 'the lead';
      const rows = actions.map((action) => ({
        id: `${input.eventId}#${action.name}`,
        actionName: action.name,
        event: input.event,
        variables,
        leadName,
        ...(input.tabId === undefined ? {} : { tabId: input.tabId }),
        attempts: 0,
        state: 'pending' as const,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      }));
      if ((await deps.journal.add(rows)).length > 0) await drain();
    },
  };
}

function concerns(action: CrmAction, input: ActionEventInput): boolean {
  if (!action.on.includes(input.event)) return false;
  return !action.profiles || (input.lead !== undefined && action.profiles.includes(input.lead.profileId));
}

async function drainAll(deps: RunnerDeps): Promise<void> {
  await deps.journal.prune(deps.now() - KEEP_FINISHED_MS);
  const actions = await deps.actions();
  for (const row of await deps.journal.due(deps.now())) await attempt(row, actions, deps);
  const next = await deps.journal.nextDue();
  if (next !== undefined) deps.wakeAt(next);
}

async function attempt(row: CrmActionRow, actions: readonly CrmAction[], deps: RunnerDeps): Promise<void> {
  const action = actions.find((candidate) => candidate.name === row.actionName);
  if (!action || !row.variables) {
    await finish(row, 'failed', `${row.actionName} is no longer configured`, deps);
    return;
  }
  const attempts = row.attempts + 1;
  await deps.journal.update(row.id, { state: 'running', attempts, updatedAt: deps.now() });
  const result = await deps.run(action, row.variables).catch(
    (error: unknown): ActionRunResult => ({ ok: false, kind: 'transient', message: error instanceof Error ? error.message : String(error) }),
  );
  if (result.ok) {
    const message = attempts === 1 ? `Logged to ${action.name}: chat with ${row.leadName}.` : `Logged to ${action.name} after ${attempts} tries: chat with ${row.leadName}.`;
    await finish({ ...row, attempts }, 'done', message, deps, true);
    return;
  }
  const delay = BACKOFF_MS[attempts - 1];
  if (result.kind === 'transient' && delay !== undefined) {
    const message = `Could not log to ${action.name} yet (${result.message}); will try again in ${describeDelay(delay)}.`;
    await deps.journal.update(row.id, { state: 'pending', nextAttemptAt: deps.now() + delay, lastMessage: message, updatedAt: deps.now() });
    if (attempts === 1) deps.notify(row, { ok: false, message });
    return;
  }
  const message =
    result.kind === 'unconfirmed'
      ? `${action.name} did not confirm it logged the chat with ${row.leadName} (${result.message}). Please check the lead in ${action.name}.`
      : result.kind === 'transient'
        ? `Could not log to ${action.name} after ${attempts} tries (${result.message}); it is not tried again. Please note the chat with ${row.leadName} in ${action.name} yourself.`
        : `Could not log to ${action.name}${attempts > 1 ? ` after ${attempts} tries` : ''}: ${result.message}. Your administrator needs to check crmActions.`;
  await finish({ ...row, attempts }, 'failed', message, deps, true);
}

async function finish(row: CrmActionRow, state: 'done' | 'failed', message: string, deps: RunnerDeps, tell = false): Promise<void> {
  // The lead's data is not kept once nothing more will be sent.
  await deps.journal.update(row.id, { state, lastMessage: message, variables: undefined, updatedAt: deps.now() });
  if (tell) deps.notify(row, { ok: state === 'done', message });
}

function describeDelay(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
