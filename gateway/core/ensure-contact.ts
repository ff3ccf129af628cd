import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProviderApi } from '../../lib/actions/context';
import { ActionRefused } from '../../lib/actions/outcome';
import type { Lead } from '../../lib/messages';
import { ProviderError } from '../../lib/provider/errors';
import type { FieldsSent, StoredEarlierContact } from '../db/schema';
import {
  type ContactKey,
  type ContactRow,
  type CreateClaim,
  claimNewNumber,
  claimReplacement,
  dropClaim,
  findContact,
  forgetContactDetails,
  insertClaim,
  recordCreated,
  restoreEarlier,
  restoreReplaced,
  takeOverClaim,
} from './contact-rows';
import { journalStep } from './journal';
import { createAtProvider, createSettledWithoutContact } from './provider-contact';
import type { CoreDeps } from './types';

/**
 * One provider contact per lead, team-wide, whatever runs at the same time: the `contacts` row is the claim.
 * - No row: INSERT … ON CONFLICT DO NOTHING; the one request whose insert lands sends the create, every other
 *   reads the row.
 * - 'created': the contact is known; nothing is created.
 * - 'creating' with a live claim: another request (of this process or another gateway) is creating; wait for
 *   the row, polling with a short back-off, until it is created, goes away (that create was refused: claim
 *   again), or its lease runs out.
 * - 'creating' with an expired claim: its request died or hangs; one request takes the claim over (a
 *   conditional UPDATE on the old claim id) and creates again, and a 409 then tells the contact that landed.
 * The provider keeps crm_id unique, so even a claim taken over while its create was still travelling cannot
 * make a second contact: the later create gets a 409 naming the same one.
 * A lead whose phone changed (PHONE_CHANGE_POLICY newContact) gets its next contact through the same claim:
 * createForNewNumber turns the created row into a claimed create under a derived crm_id (`<identity>-2`, …),
 * which every create of the row (a take-over, a 404's re-create) then sends.
 * No transaction is held while the provider is asked: PGlite has one connection, and a transaction open across
 * a slow HTTP call would stall every request of the process.
 */

/** One Chat's part in this: the lead, its key, where its journal row is, and what a create would send. */
export interface ContactRun {
  deps: CoreDeps;
  lead: Lead;
  key: ContactKey;
  journalId: number;
  client(): ProviderApi;
  /** The create's fields, worked out once (reading the phone can refuse the lead: before anything is claimed). */
  fields(): FieldsSent;
}

/**
 * A re-create found the very contact it was to replace (or could not tell which contact has the crm_id): the
 * assign's 404 was about something else, e.g. the user.
 */
export class ContactStillThere extends Error {
  override readonly name = 'ContactStillThere';
  constructor(readonly contactId: string) {
    super(`contact ${contactId} is still there`);
  }
}

/** Polling back-off while another request creates: quick at first (a create takes ~100 ms), then steady. */
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 250;
/**
 * The longest one request waits for another's create: the extension gives the whole call 25 s, so the agent
 * gets "try again in a moment" (retryable) from us rather than a timeout from the browser. A claim whose lease
 * runs out meanwhile is taken over by this request or, when the lease is longer, by a later click.
 */
export const MAX_WAIT_FOR_OTHER_CREATE_MS = 15_000;

/**
 * The lead's contact id, creating the contact only if no request of the team has (or is creating) it.
 * `replacing`: this request's assign got 404 for that contact, so it is replaced (unless another request
 * already did); a ContactStillThere then means the 404 was not about the contact.
 */
export async function ensureContact(run: ContactRun, options: { replacing?: string } = {}): Promise<{ contactId: string; created: boolean }> {
  try {
    return await claimAndCreate(run, options.replacing);
  } catch (error) {
    // A replacement this request only took over (its own assign got no 404): the contact is there, use it.
    if (error instanceof ContactStillThere && options.replacing === undefined) return { contactId: error.contactId, created: false };
    throw error;
  }
}

async function claimAndCreate(run: ContactRun, replacing: string | undefined): Promise<{ contactId: string; created: boolean }> {
  const { deps } = run;
  const giveUpAt = deps.now() + Math.min(2 * deps.settings.createLeaseMs, MAX_WAIT_FOR_OTHER_CREATE_MS);
  let polls = 0;
  for (;;) {
    const next = await claimOrRead(run, replacing);
    if (next.kind === 'known') return { contactId: next.contactId, created: false };
    if (next.kind === 'claimed') return createAsClaimant(run, next.claim);
    if (next.kind === 'wait') {
      if (deps.now() > giveUpAt) throw stillCreating(run.key.crmId);
      await sleep(Math.min(MAX_POLL_MS, FIRST_POLL_MS * 2 ** polls));
      polls += 1;
    }
    // 'raced': another request changed the row between our read and our write; read it again at once.
  }
}

type Next = { kind: 'known'; contactId: string } | { kind: 'claimed'; claim: CreateClaim } | { kind: 'wait' } | { kind: 'raced' };

async function claimOrRead(run: ContactRun, replacing: string | undefined): Promise<Next> {
  const row = await findContact(run.deps.db, run.key);
  if (!row) return claimNew(run);
  if (row.state === 'created' && row.providerContactId) {
    if (replacing === undefined || row.providerContactId !== replacing) return { kind: 'known', contactId: row.providerContactId };
    return claimLost(run, row, replacing);
  }
  if (row.claimExpiresAt && row.claimExpiresAt.getTime() > run.deps.now()) return { kind: 'wait' };
  return takeOver(run, row);
}

async function claimNew(run: ContactRun): Promise<Next> {
  run.fields();
  const claim = newClaim(run);
  const won = await insertClaim(run.deps.db, run.key, { ...claim, ...pageUrl(run.lead) }, new Date(run.deps.now()));
  return won ? { kind: 'claimed', claim: { claimId: claim.claimId, earlierAttempts: 0 } } : { kind: 'raced' };
}

async function takeOver(run: ContactRun, row: ContactRow): Promise<Next> {
  if (await abandonsNewNumber(run, row)) return { kind: 'raced' };
  run.fields();
  const claim = newClaim(run);
  const won = row.claimId !== null && (await takeOverClaim(run.deps.db, run.key, row.claimId, claim, new Date(run.deps.now())));
  if (!won) return { kind: 'raced' };
  run.deps.log?.({ event: 'contact.claim-taken-over', crmId: run.key.crmId, earlierAttempts: row.createAttempts });
  // A row that was replacing a lost contact still names it: the take-over finishes that replacement. One that
  // names none but has earlier contacts was creating the contact of a new phone number.
  const replacing = row.providerContactId ?? undefined;
  const newNumber = !replacing && row.earlierContacts.length > 0;
  const kind = { ...(replacing ? { replacing } : {}), ...(newNumber ? { newNumber: true as const } : {}) };
  return { kind: 'claimed', claim: { claimId: claim.claimId, earlierAttempts: row.createAttempts, ...kind, ...crmIdOf(row) } };
}

async function claimLost(run: ContactRun, row: ContactRow, lostContactId: string): Promise<Next> {
  run.fields();
  const claim = newClaim(run);
  const won = await claimReplacement(run.deps.db, run.key, lostContactId, claim, new Date(run.deps.now()));
  if (!won) return { kind: 'raced' };
  return { kind: 'claimed', claim: { claimId: claim.claimId, earlierAttempts: row.createAttempts, replacing: lostContactId, ...crmIdOf(row) } };
}

/**
 * A new number's create left behind, met by a Chat whose CRM page shows one of the lead's earlier numbers (a
 * page read before the change): taking it over would create the new contact with the old number. The row goes
 * back to the earlier contact instead; the next Chat with the new number claims it again (a create that did
 * land then answers 409 with it).
 */
async function abandonsNewNumber(run: ContactRun, row: ContactRow): Promise<boolean> {
  if (row.providerContactId !== null || row.earlierContacts.length === 0 || row.claimId === null) return false;
  const phone = run.fields().phone_number;
  if (!row.earlierContacts.some((earlier) => earlier.phone_number === phone)) return false;
  run.deps.log?.({ event: 'contact.new-number-abandoned', crmId: run.key.crmId, providerCrmId: row.providerCrmId });
  await restoreEarlier(run.deps.db, run.key, row.claimId, new Date(run.deps.now()));
  return true;
}

/** The crm_id a claim creates with, when it is not the lead's identity. */
function crmIdOf(row: ContactRow): { providerCrmId?: string } {
  return row.providerCrmId ? { providerCrmId: row.providerCrmId } : {};
}

/**
 * The lead's phone changed to a number none of its contacts has: its current contact (`next.current`, still the
 * created row's) becomes an earlier one and this request creates the next under `providerCrmId`. Only one
 * request wins the row; the others get 'raced' and, reading again, wait for this create like for any claim.
 */
export async function createForNewNumber(
  run: ContactRun,
  next: { providerCrmId: string; current: StoredEarlierContact },
): Promise<{ contactId: string; created: boolean } | 'raced'> {
  run.fields();
  const claim = newClaim(run);
  const won = await claimNewNumber(run.deps.db, run.key, next.current, { ...claim, providerCrmId: next.providerCrmId }, new Date(run.deps.now()));
  if (!won) return 'raced';
  run.deps.log?.({ event: 'contact.new-number', crmId: run.key.crmId, providerCrmId: next.providerCrmId, earlierContactId: next.current.providerContactId });
  return createAsClaimant(run, { claimId: claim.claimId, earlierAttempts: 0, providerCrmId: next.providerCrmId, newNumber: true });
}

function newClaim(run: ContactRun): { claimId: string; expiresAt: Date } {
  return { claimId: randomUUID(), expiresAt: new Date(run.deps.now() + run.deps.settings.createLeaseMs) };
}

/**
 * Sends the create this request has claimed and records the answer: the contact id, in one transaction with
 * the journal step, as soon as the provider gives it (before any assign), so a gateway stopped after this
 * point never creates the lead again.
 */
async function createAsClaimant(run: ContactRun, claim: CreateClaim): Promise<{ contactId: string; created: boolean }> {
  const { deps, key } = run;
  await journalStep(deps.db, run.journalId, 'creating', deps.now());
  deps.log?.({ event: 'chat.creating', journalId: run.journalId, crmId: key.crmId, earlierAttempts: claim.earlierAttempts });
  const created = await createAtProvider(run.client(), deps.settings, {
    crmId: claim.providerCrmId ?? key.crmId,
    fields: run.fields(),
    earlierAttempts: claim.earlierAttempts,
    now: deps.now(),
  }).catch(async (error: unknown) => {
    await settleFailedCreate(run, claim, error);
    // Re-creating a lost contact, and the provider cannot say which contact has the crm_id: it is still there.
    throw claim.replacing && error instanceof ActionRefused ? new ContactStillThere(claim.replacing) : error;
  });
  if (created.contactId === claim.replacing) {
    await restoreReplaced(deps.db, key, claim.claimId, claim.replacing, new Date(deps.now()));
    throw new ContactStillThere(claim.replacing);
  }
  const contactId = await deps.db.transaction(async (tx) => {
    const now = new Date(deps.now());
    const crmId = claim.providerCrmId ? { providerCrmId: claim.providerCrmId } : {};
    const details = { ...(created.fieldsSent ? { fieldsSent: created.fieldsSent } : {}), ...pageUrl(run.lead), ...crmId };
    const recorded = await recordCreated(tx, key, created.contactId, details, now);
    await journalStep(tx, run.journalId, 'created', deps.now(), { providerContactId: recorded });
    if (claim.replacing) await forgetContactDetails(tx, key.orgId, claim.replacing);
    return recorded;
  });
  deps.log?.({ event: 'chat.created', journalId: run.journalId, crmId: key.crmId, contactId });
  // A 409 naming an earlier create's contact: recorded now, but this request did not make it.
  return { contactId, created: created.fieldsSent !== undefined };
}

/**
 * A create that failed: when the provider said no (nothing was created), the claim goes so the next Chat can
 * try again, or a replaced contact's row comes back. Any other failure (network, timeout, 5xx: the contact may
 * exist) leaves the claim, whose lease then lets a later request take over and learn the answer from a 409.
 */
async function settleFailedCreate(run: ContactRun, claim: CreateClaim, error: unknown): Promise<void> {
  if (!createSettledWithoutContact(error)) {
    run.deps.log?.({ event: 'contact.create-unsettled', crmId: run.key.crmId, error: error instanceof ProviderError ? error.kind : 'other' });
    return;
  }
  const now = new Date(run.deps.now());
  if (claim.replacing) await restoreReplaced(run.deps.db, run.key, claim.claimId, claim.replacing, now);
  else if (claim.newNumber) await restoreEarlier(run.deps.db, run.key, claim.claimId, now);
  else await dropClaim(run.deps.db, run.key, claim.claimId);
}

function pageUrl(lead: Lead): { pageUrl?: string } {
  return lead.pageUrl ? { pageUrl: lead.pageUrl } : {};
}

function stillCreating(crmId: string): ProviderError {
  return new ProviderError('timeout', `Another Chat on lead ${crmId} is still creating its Saleschat contact; try again in a moment`, {
    endpoint: 'createContact',
  });
}
