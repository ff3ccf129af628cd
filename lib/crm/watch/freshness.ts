/**
 * Whether the page provably shows the record its address names. CRMs change the address first and render
 * the record after fetching it (or keep the previous record on screen until then), so right after an in-page
 * navigation the DOM may still be the previous record's: reading it then would pair the new record's id
 * with the old record's name and phone, and a Chat would message the wrong person.
 *
 * A reading counts as the address's record when either
 * - the rule names where the record view shows its own id (shownRecordId) and it equals the record id: that
 *   proof holds for each reading on its own, or
 * - the record, as the rule reads it (its container element and the values read in it), has changed since
 *   the navigation and then stayed unchanged for the rule's settle time. A change alone is not enough: a
 *   router typically clears the old record, shows a spinner, then renders the new one.
 * The first page of a document needs no proof: there was no earlier record in it.
 */

/** What the rule reads on the page now: its record container and the values read there. */
export interface RecordState {
  root: ParentNode | null;
  fingerprint: string;
}

export interface FreshnessOptions {
  /** The page at the moment of the navigation, or null for the document's first page (fresh at once). */
  baseline: RecordState | null;
  settleMs: number;
  now(): number;
  /** Asked to read the page again when the settle time may have passed. */
  recheck(): void;
  signal: AbortSignal;
}

export class Freshness {
  private settled: boolean;
  private changed = false;
  private last: RecordState | null;
  private stableSince: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: FreshnessOptions) {
    this.settled = options.baseline === null;
    this.last = options.baseline;
    this.stableSince = options.now();
    options.signal.addEventListener('abort', () => clearTimeout(this.timer), { once: true });
  }

  /** Without a shownRecordId proof: has the record changed since the navigation and then held still? */
  get isSettled(): boolean {
    return this.settled;
  }

  /** Records what the page shows now; true when a reading of it may be used. */
  observe(state: RecordState, shownIdMatches: boolean | undefined): boolean {
    if (shownIdMatches !== undefined) return shownIdMatches;
    if (this.settled) return true;
    const { baseline } = this.options;
    if (!this.last || !sameState(state, this.last)) {
      this.last = state;
      this.stableSince = this.options.now();
      if (!baseline || !sameState(state, baseline)) this.changed = true;
      this.scheduleRecheck(this.options.settleMs);
    }
    const waited = this.options.now() - this.stableSince;
    if (this.changed && waited >= this.options.settleMs) this.settled = true;
    else if (this.changed) this.scheduleRecheck(this.options.settleMs - waited);
    return this.settled;
  }

  private scheduleRecheck(ms: number): void {
    if (this.options.signal.aborted) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.options.recheck(), Math.max(0, ms) + 1);
  }
}

function sameState(a: RecordState, b: RecordState): boolean {
  return a.root === b.root && a.fingerprint === b.fingerprint;
}
