import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { CrmActionJournal, CrmActionRow } from '../../lib/crm-actions/runner';
import { crmActionJournal } from '../db/schema';
import type { GatewayDb } from './types';

/**
 * The CRM write-back's journal in the gateway's database (table crm_action_journal, 0005_crm_actions.sql): the
 * runner's CrmActionJournal (lib/crm-actions/runner.ts) made safe for several gateway processes on one PostgreSQL.
 *
 * - `add` inserts with ON CONFLICT DO NOTHING: an event is journaled once per action, whoever repeats it.
 * - `due` CLAIMS the rows it returns, in one statement: the due rows are selected FOR UPDATE SKIP LOCKED and set to
 *   'running' with this process's id and a lease (`claimed_until`). Another process's `due` skips them, so no two
 *   processes attempt one row at once. A 'running' row whose lease ran out (its process died mid-attempt) is due again.
 * - `update` only changes a row this process still holds (claimed_by): a row whose lease ran out and that another
 *   process took is not touched, and the attempt is not started (CrmActionClaimLost). Starting an attempt renews the
 *   lease; finishing one (done, failed, or pending again for a retry) gives the claim up.
 *
 * A claim is taken a few rows at a time (`batchSize`) so that a lease need only cover that many attempts; the runner
 * asks again at once for the rest (nextDue is then in the past).
 */

export interface PgCrmActionJournalOptions {
  /** The member (users.email) whose event a row being added belongs to: they, and managers, may read its outcome. */
  ownerOf(row: CrmActionRow): string;
  /** The clock of the leases (default Date.now); the runner's own `now` is what `due` is given. */
  now?: () => number;
  /** How long a claim holds without news before another process may take the row over (default 5 min). */
  claimMs?: number;
  /** Rows claimed per `due` (default 10). */
  batchSize?: number;
  /** This process's claim id (default a random UUID). */
  instanceId?: string;
}

export interface PgCrmActionJournal extends CrmActionJournal {
  readonly instanceId: string;
  /** The gateway is closing: claim nothing more and start no attempt (update to 'running' throws CrmActionsStopped). */
  stop(): void;
  /** After stop: hands the rows this process claimed but did not start back (pending), for another process at once. */
  release(): Promise<number>;
}

/** An attempt was not started (or its end not recorded) because another process holds the row now. */
export class CrmActionClaimLost extends Error {
  override readonly name = 'CrmActionClaimLost';
  constructor(readonly rowId: string) {
    super(`the CRM action ${rowId} is held by another gateway process now (this process's lease ran out)`);
  }
}

/** The gateway is closing: the attempt was not started; the row is handed back. */
export class CrmActionsStopped extends Error {
  override readonly name = 'CrmActionsStopped';
  constructor() {
    super('the gateway is closing; the CRM action was handed back');
  }
}

export const DEFAULT_CLAIM_MS = 5 * 60_000;
const DEFAULT_BATCH_SIZE = 10;
/** The longest outcome sentence kept (what the agent is shown). */
const MAX_MESSAGE = 2000;

const table = crmActionJournal;
type StoredRow = typeof crmActionJournal.$inferSelect;
/** Written as the index crm_action_journal_due's predicate (constants, not parameters), so the planner can use it. */
const open = sql`${table.state} IN ('pending', 'running')`;

/** The event of a row id `${eventId}#${actionName}` (event ids are UUIDs, action names may hold a '#'). */
export function eventIdOf(rowId: string): string {
  const hash = rowId.indexOf('#');
  return hash < 0 ? rowId : rowId.slice(0, hash);
}

export function pgCrmActionJournal(db: GatewayDb, options: PgCrmActionJournalOptions): PgCrmActionJournal {
  const instanceId = options.instanceId ?? randomUUID();
  const now = options.now ?? Date.now;
  const claimMs = options.claimMs ?? DEFAULT_CLAIM_MS;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  /** Rows this process claimed and has not started an attempt on yet (handed back by release). */
  const unstarted = new Set<string>();
  let stopped = false;
  const mine = (id: string) => and(eq(table.id, id), eq(table.claimedBy, instanceId));

  return {
    instanceId,
    async add(rows) {
      if (rows.length === 0) return [];
      const inserted = await db
        .insert(table)
        .values(rows.map((row) => toStored(row, options.ownerOf(row))))
        .onConflictDoNothing({ target: table.id })
        .returning({ id: table.id });
      const ids = new Set(inserted.map((row) => row.id));
      return rows.filter((row) => ids.has(row.id));
    },

    async due(at) {
      if (stopped) return [];
      const when = new Date(at);
      const isDue = and(
        open,
        lte(table.nextAttemptAt, when),
        or(eq(table.state, 'pending'), isNull(table.claimedUntil), lte(table.claimedUntil, when)),
      );
      const candidates = db.select({ id: table.id }).from(table).where(isDue).orderBy(asc(table.nextAttemptAt)).limit(batchSize).for('update', { skipLocked: true });
      const claimed = await db
        .update(table)
        .set({ state: 'running', claimedBy: instanceId, claimedUntil: new Date(at + claimMs) })
        // The condition again: a row another process claimed between our snapshot and our lock is left alone.
        .where(and(inArray(table.id, candidates), isDue))
        .returning();
      for (const row of claimed) unstarted.add(row.id);
      return claimed.sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime()).map(fromStored);
    },

    async nextDue() {
      const [row] = await db
        .select({
          next: sql<Date | null>`min(CASE WHEN ${table.state} = 'pending' THEN ${table.nextAttemptAt} ELSE coalesce(${table.claimedUntil}, ${table.nextAttemptAt}) END)`.mapWith(
            table.nextAttemptAt,
          ),
        })
        .from(table)
        .where(open);
      return row?.next ? row.next.getTime() : undefined;
    },

    async update(id, change) {
      const starts = change.state === 'running';
      if (starts && stopped) throw new CrmActionsStopped();
      const set: Partial<typeof table.$inferInsert> = {};
      if (change.state !== undefined) set.state = change.state;
      if (change.attempts !== undefined) set.attempts = change.attempts;
      if (change.nextAttemptAt !== undefined) set.nextAttemptAt = new Date(change.nextAttemptAt);
      if (change.updatedAt !== undefined) set.updatedAt = new Date(change.updatedAt);
      if (change.leadName !== undefined) set.leadName = change.leadName;
      // The runner clears the lead's data with `variables: undefined` once nothing more will be sent.
      if ('variables' in change) set.variables = change.variables ?? null;
      if ('lastMessage' in change) set.lastMessage = change.lastMessage?.slice(0, MAX_MESSAGE) ?? null;
      if (starts) set.claimedUntil = new Date(now() + claimMs);
      else if (change.state !== undefined) Object.assign(set, { claimedBy: null, claimedUntil: null });
      const changed = await db.update(table).set(set).where(mine(id)).returning({ id: table.id });
      unstarted.delete(id);
      if (changed.length === 0) throw new CrmActionClaimLost(id);
    },

    async prune(before) {
      await db.delete(table).where(and(inArray(table.state, ['done', 'failed']), lt(table.updatedAt, new Date(before))));
    },

    stop() {
      stopped = true;
    },

    async release() {
      const ids = [...unstarted];
      unstarted.clear();
      if (ids.length === 0) return 0;
      const released = await db
        .update(table)
        .set({ state: 'pending', claimedBy: null, claimedUntil: null })
        .where(and(inArray(table.id, ids), eq(table.claimedBy, instanceId), eq(table.state, 'running')))
        .returning({ id: table.id });
      return released.length;
    },
  };
}

function toStored(row: CrmActionRow, agentEmail: string): typeof table.$inferInsert {
  return {
    id: row.id,
    eventId: eventIdOf(row.id),
    actionName: row.actionName,
    event: row.event,
    agentEmail,
    variables: row.variables ?? null,
    leadName: row.leadName,
    attempts: row.attempts,
    state: row.state,
    nextAttemptAt: new Date(row.nextAttemptAt),
    lastMessage: row.lastMessage?.slice(0, MAX_MESSAGE) ?? null,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}

function fromStored(row: StoredRow): CrmActionRow {
  return {
    id: row.id,
    actionName: row.actionName,
    event: row.event,
    ...(row.variables ? { variables: row.variables } : {}),
    leadName: row.leadName,
    attempts: row.attempts,
    state: row.state,
    nextAttemptAt: row.nextAttemptAt.getTime(),
    ...(row.lastMessage !== null ? { lastMessage: row.lastMessage } : {}),
    createdAt: row.createdAt.getTime(),
    updatedAt: row.updatedAt.getTime(),
  };
}

/** An event's rows as the member who caused it may read them. */
export interface EventActions {
  agentEmail: string;
  actions: { name: string; state: CrmActionRow['state']; attempts: number; message?: string }[];
}

export async function findEventActions(db: GatewayDb, eventId: string): Promise<EventActions | undefined> {
  const rows = await db
    .select({ name: table.actionName, state: table.state, attempts: table.attempts, message: table.lastMessage, agentEmail: table.agentEmail })
    .from(table)
    .where(eq(table.eventId, eventId))
    .orderBy(asc(table.createdAt), asc(table.id));
  const [first] = rows;
  if (!first) return undefined;
  return {
    agentEmail: first.agentEmail,
    actions: rows.map(({ name, state, attempts, message }) => ({ name, state, attempts, ...(message !== null ? { message } : {}) })),
  };
}
