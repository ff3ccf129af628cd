import { randomUUID } from 'node:crypto';
import { authenticator, type CachedToken, type TokenStore } from '../../lib/crm-actions/auth';
import { runCrmAction } from '../../lib/crm-actions/run';
import { crmActionRunner } from '../../lib/crm-actions/runner';
import type { CrmAction, CrmActionEvent } from '../../lib/crm-actions/schema';
import type { ActionEventInput } from '../../lib/crm-actions/variables';
import { redact, rememberSecret } from '../../lib/redact';
import type { CrmActionsStatus } from '../../lib/team/crm-actions-api';
import { CrmActionClaimLost, CrmActionsStopped, eventIdOf, findEventActions, pgCrmActionJournal } from './crm-action-journal';
import { whoIs } from './team';
import type { CoreDeps, CrmActionsEventRef, CrmActionsRecorder, CrmEventDetails, GatewayDb, SignedInAgent, TeamMember } from './types';

/**
 * The CRM write-back in team mode (CRM_ACTIONS; docs/gateway.md "Logging chats in the CRM"): after a member's Chat
 * or Login, the HTTP calls to the company's CRM that log it, run by the gateway so the CRM's credentials never reach
 * a browser. The same runner as direct mode (lib/crm-actions/runner.ts: one journal row per event and action,
 * retries with back-off, the lead's data only until done), on the gateway's database (crm-action-journal.ts), which
 * several gateway processes share safely.
 *
 * Never in the agent's way: a Chat's answer waits only for the journal's insert (at most JOURNAL_WAIT_MS), never for
 * the CRM; a journal that cannot be written is logged, and the Chat answers as it would have.
 */

export interface CrmActionsLog {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
}

export interface CrmActionsTiming {
  /** How often every process looks for due rows, left by another process or a crashed one (default 30 s). */
  sweepMs?: number;
  /** A claim's lease (crm-action-journal.ts, default 5 min). */
  claimMs?: number;
  /** Rows claimed at a time (default 10). */
  batchSize?: number;
  /** The longest a Chat's answer waits for its event to be journaled (default 1 s). */
  journalWaitMs?: number;
  /** How long closing waits for an attempt under way (default 10 s, above a CRM request's longest timeout). */
  closeGraceMs?: number;
}

export interface CrmActionsDeps extends CrmActionsTiming {
  db: GatewayDb;
  actions: readonly CrmAction[];
  defaultCountry: string;
  now(): number;
  log: CrmActionsLog;
  /** Node's fetch by default. */
  fetch?: typeof fetch;
}

export interface CrmActionsService extends CrmActionsRecorder {
  /** Drains what is due now and every `sweepMs` after (while actions are configured). */
  start(): void;
  /** Runs what is due (the start, the timers, tests). */
  drain(): Promise<void>;
  /** Stops the timers, lets an attempt under way finish (closeGraceMs), hands claimed rows not started back. */
  close(): Promise<void>;
}

const DEFAULT_SWEEP_MS = 30_000;
const DEFAULT_JOURNAL_WAIT_MS = 1000;
const DEFAULT_CLOSE_GRACE_MS = 10_000;
/** setTimeout's longest wait; a later row is found by the sweep anyway. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A wake-up in the past (more rows due than one claim takes) still leaves the event loop a breath. */
const MIN_TIMER_MS = 10;

export function crmActionsService(deps: CrmActionsDeps): CrmActionsService {
  const { log } = deps;
  for (const action of deps.actions) for (const secret of actionSecrets(action)) rememberSecret(secret);
  /** The member of each event being journaled (the journal's rows name who may read them). */
  const journaling = new Map<string, { email: string; journaled(added: boolean): void }>();
  const pg = pgCrmActionJournal(deps.db, {
    now: deps.now,
    ...(deps.claimMs === undefined ? {} : { claimMs: deps.claimMs }),
    ...(deps.batchSize === undefined ? {} : { batchSize: deps.batchSize }),
    ownerOf: (row) => {
      const email = journaling.get(eventIdOf(row.id))?.email;
      if (!email) throw new Error(`no member is journaling the CRM event of ${row.id}`);
      return email;
    },
  });
  const tokens = memoryTokens();
  const fetchImpl = deps.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sweep: ReturnType<typeof setInterval> | undefined;
  /** Work under way (journaling, drains), awaited by close. */
  const underway = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    underway.add(work);
    void work.finally(() => underway.delete(work)).catch(() => undefined);
    return work;
  };

  const runner = crmActionRunner({
    journal: {
      ...pg,
      add: async (rows) => {
        const added = await pg.add(rows);
        for (const row of rows) journaling.get(eventIdOf(row.id))?.journaled(true);
        return added;
      },
    },
    actions: async () => deps.actions,
    run: (action, variables) => runCrmAction(action, variables, { fetch: fetchImpl, now: deps.now, tokens }),
    // The outcome sentence is on the row already (the runner's update, last_message): the agent's extension polls it.
    // The log says which action of which event, not the sentence (it names the lead, and may quote the CRM's answer).
    notify: (row, outcome) => {
      const fields = { eventId: eventIdOf(row.id), action: row.actionName, trigger: row.event, ok: outcome.ok };
      if (outcome.ok) log.info('crm-action', fields);
      else log.warn('crm-action', fields);
    },
    wakeAt: (at) => {
      if (closed) return;
      clearTimeout(timer);
      timer = setTimeout(() => void drain(), Math.min(MAX_TIMER_MS, Math.max(MIN_TIMER_MS, at - deps.now())));
      timer.unref();
    },
    now: deps.now,
  });

  const failed = (what: string) => (error: unknown) => {
    if (error instanceof CrmActionsStopped) return;
    const level = error instanceof CrmActionClaimLost ? 'info' : 'warn';
    log[level]('crm-action', { outcome: what, error: redact(error instanceof Error ? error.message : String(error)).slice(0, 500) });
  };
  const drain = (): Promise<void> => (closed ? Promise.resolve() : track(runner.drain().catch(failed('drain-failed'))));

  return {
    async record(event, member, details) {
      try {
        if (closed) return undefined;
        const input = eventInput(event, member, details, deps);
        if (!deps.actions.some((action) => concerns(action, input))) return undefined;
        let journaled: (added: boolean) => void = () => undefined;
        const isJournaled = new Promise<boolean>((resolve) => {
          journaled = resolve;
        });
        journaling.set(input.eventId, { email: member.email, journaled });
        // Not awaited: the runner journals, then attempts (the CRM's latency is never the agent's).
        track(
          runner
            .enqueue(input)
            .catch(failed('journal-failed'))
            .finally(() => {
              journaling.delete(input.eventId);
              journaled(false);
            }),
        );
        return (await within(isJournaled, deps.journalWaitMs ?? DEFAULT_JOURNAL_WAIT_MS, false)) ? input.eventId : undefined;
      } catch (error) {
        failed('journal-failed')(error);
        return undefined;
      }
    },
    start() {
      if (closed) return;
      void drain();
      if (deps.actions.length > 0 && !sweep) {
        sweep = setInterval(() => void drain(), deps.sweepMs ?? DEFAULT_SWEEP_MS);
        sweep.unref();
      }
    },
    drain,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      clearInterval(sweep);
      pg.stop();
      await within(Promise.allSettled([...underway]), deps.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS, undefined);
      const released = await pg.release().catch((error: unknown) => {
        failed('release-failed')(error);
        return 0;
      });
      if (released > 0) log.info('crm-action', { outcome: 'handed-back', rows: released });
    },
  };
}

/** The event as the runner's variables read it: the lead, the member as the agent, the chat, the outcome. */
function eventInput(event: CrmActionEvent, member: TeamMember, details: CrmEventDetails, deps: Pick<CrmActionsDeps, 'now' | 'defaultCountry'>): ActionEventInput {
  const chat = details.chat && Object.values(details.chat).some((value) => value !== undefined) ? details.chat : undefined;
  return {
    event,
    eventId: randomUUID(),
    ...(details.lead ? { lead: details.lead } : {}),
    agent: { email: member.email, name: member.name, providerUserId: member.providerUserId },
    ...(chat ? { chat } : {}),
    ...(details.outcome ? { outcome: details.outcome } : {}),
    now: deps.now(),
    defaultCountry: deps.defaultCountry,
  };
}

/** As the runner decides (lib/crm-actions/runner.ts): the action runs on this event, for this lead's profile. */
function concerns(action: CrmAction, input: ActionEventInput): boolean {
  if (!action.on.includes(input.event)) return false;
  return !action.profiles || (input.lead !== undefined && action.profiles.includes(input.lead.profileId));
}

/** The event id for a Chat or Login answer, when the write-back journaled the event; never fails the answer. */
export async function crmEvent(deps: Pick<CoreDeps, 'crmActions'>, event: CrmActionEvent, member: TeamMember, details: CrmEventDetails): Promise<CrmActionsEventRef> {
  if (!deps.crmActions) return {};
  const eventId = await deps.crmActions.record(event, member, details).catch(() => undefined);
  return eventId ? { crmActionsEventId: eventId } : {};
}

/**
 * GET /v1/crm-actions/{eventId}: the event's actions for the member who caused it, or a manager; 'not-found' for
 * anyone else too (whether an event exists is not theirs to know).
 */
export async function crmActionsOfEvent(deps: Pick<CoreDeps, 'db'>, agent: SignedInAgent, eventId: string): Promise<CrmActionsStatus | 'not-a-member' | 'not-found'> {
  const member = await whoIs(deps, agent);
  if (!member) return 'not-a-member';
  const found = await findEventActions(deps.db, eventId);
  if (!found || (found.agentEmail !== member.email && member.role !== 'manager')) return 'not-found';
  return { actions: found.actions.map((action) => ({ ...action, ...(action.message === undefined ? {} : { message: action.message.slice(0, 2000) }) })) };
}

/** The CRM's credentials, masked in every log line from the start. */
function actionSecrets(action: CrmAction): string[] {
  return authenticator(action.auth, { fetch, now: Date.now, tokens: memoryTokens(), timeoutMs: 1 }).secrets;
}

/** CRM access tokens (OAuth), shared by every write-back of this process; never stored. */
function memoryTokens(): TokenStore {
  const tokens = new Map<string, CachedToken>();
  return {
    get: async (key) => tokens.get(key),
    set: async (key, token) => {
      tokens.set(key, token);
    },
    delete: async (key) => {
      tokens.delete(key);
    },
  };
}

/** `work`'s value, or `fallback` after `ms` (the timer cleared either way). */
function within<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
