import { and, eq, inArray, isNotNull, isNull, lt, notInArray, sql } from 'drizzle-orm';
import { ACTION_RETRY } from '../../lib/provider/client';
import { redact } from '../../lib/redact';
import { actionJournal, auditLog, type AuditOutcome, contacts, type JournalStep } from '../db/schema';
import type { CoreDeps, GatewayDb } from './types';

/**
 * The action journal (one row per Chat or Login request, advanced step by step, so an interrupted request
 * leaves a trace saying how far it got) and the audit log (one sentence per request for the administrator).
 */

/** Either the database or a transaction on it: journal steps are written inside other writes' transactions. */
type Writer = Pick<GatewayDb, 'insert' | 'update'>;

export interface JournalEntry {
  orgId: string;
  crmId?: string;
  agentEmail: string;
  action: 'chat' | 'login';
}

export async function startJournal(deps: Pick<CoreDeps, 'db' | 'now'>, entry: JournalEntry): Promise<number> {
  const at = new Date(deps.now());
  const [row] = await deps.db
    .insert(actionJournal)
    .values({ ...entry, crmId: entry.crmId ?? null, step: 'started', startedAt: at, updatedAt: at })
    .returning({ id: actionJournal.id });
  if (!row) throw new Error('the journal insert returned no row');
  return row.id;
}

export async function journalStep(
  writer: Writer,
  id: number,
  step: JournalStep,
  at: number,
  details: { providerContactId?: string; outcome?: string } = {},
): Promise<void> {
  await writer
    .update(actionJournal)
    .set({ step, updatedAt: new Date(at), ...details })
    .where(eq(actionJournal.id, id));
}

export interface AuditEntry {
  agentEmail: string;
  action: string;
  crmId?: string;
  outcome: AuditOutcome;
  /** A sentence for people; redacted here, with the token and any `secrets` masked by value. */
  detail: string;
}

/**
 * Writes one audit row. Never fails the request it describes: an audit write that fails is logged instead
 * (the agent's Chat already happened at the provider; answering 500 would only make them click again).
 */
export async function writeAudit(deps: Pick<CoreDeps, 'db' | 'now' | 'settings' | 'log'>, entry: AuditEntry, secrets: string[] = []): Promise<void> {
  const detail = redact(entry.detail, [deps.settings.apiToken, ...secrets]).slice(0, 2000);
  try {
    await deps.db.insert(auditLog).values({
      at: new Date(deps.now()),
      agentEmail: entry.agentEmail,
      action: entry.action,
      orgId: deps.settings.orgId,
      crmId: entry.crmId ?? null,
      outcome: entry.outcome,
      detail,
    });
  } catch (error) {
    deps.log?.({ event: 'audit.write-failed', action: entry.action, error: redact(String(error), [deps.settings.apiToken]) });
  }
}

export interface JournalResumeReport {
  /** Unfinished requests that got as far as knowing the contact: marked failed; the next Chat assigns. */
  interruptedWithContact: number;
  /** Unfinished requests without a contact id (they may have been creating): marked failed. */
  interruptedWithoutContact: number;
  /**
   * Leads whose create was claimed and never recorded: left for the next Chat on the lead, which takes the
   * claim over once its lease has run out and resolves what the provider has (a 409 names the contact).
   */
  pendingCreates: number;
}

/**
 * Start-up: closes the journal entries of requests that cannot still be running, without calling the provider.
 * Like direct mode's resumeJournal (lib/actions/chat.ts), it assigns nothing on its own: an assign nobody
 * clicked for would open no chatroom for anyone and could take a chat from another agent without their say.
 * The contacts table already holds every contact id a create returned (written before the assign), so the
 * next Chat on such a lead assigns without creating.
 *
 * Several gateways may share one Postgres, so only entries untouched for `staleAfterMs` are closed: a request
 * of a running gateway ends long before (the client's 20 s budget plus at most one lease of waiting).
 */
export async function resumeJournal(deps: CoreDeps, options: { staleAfterMs?: number } = {}): Promise<JournalResumeReport> {
  const staleAfterMs = options.staleAfterMs ?? deps.settings.createLeaseMs + 2 * CLIENT_BUDGET_MS;
  const before = new Date(deps.now() - staleAfterMs);
  const unfinished = and(notInArray(actionJournal.step, ['done', 'failed']), lt(actionJournal.updatedAt, before));
  const closeWhere = async (hasContact: boolean) => {
    const closed = await deps.db
      .update(actionJournal)
      .set({ step: 'failed', outcome: INTERRUPTED, updatedAt: new Date(deps.now()) })
      .where(and(unfinished, hasContact ? isNotNull(actionJournal.providerContactId) : isNull(actionJournal.providerContactId)))
      .returning({ id: actionJournal.id });
    return closed.length;
  };
  const interruptedWithContact = await closeWhere(true);
  const interruptedWithoutContact = await closeWhere(false);
  const [pending] = await deps.db
    .select({ count: sql<number>`count(*)::int` })
    .from(contacts)
    .where(and(eq(contacts.orgId, deps.settings.orgId), inArray(contacts.state, ['creating'])));
  return { interruptedWithContact, interruptedWithoutContact, pendingCreates: pending?.count ?? 0 };
}

/** The provider client's budget for one request's calls. */
const CLIENT_BUDGET_MS = ACTION_RETRY.actionBudgetMs;

export const INTERRUPTED = 'interrupted: the gateway stopped before this request finished';
