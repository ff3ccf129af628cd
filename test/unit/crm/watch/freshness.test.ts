import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Freshness, type RecordState } from '../../../../lib/crm/watch/freshness';

const oldRecord = { nodeName: 'MAIN' } as unknown as ParentNode;
const newRecord = { nodeName: 'MAIN' } as unknown as ParentNode;
const state = (root: ParentNode | null, fingerprint: string): RecordState => ({ root, fingerprint });

describe('Freshness: is the address’s record on screen?', () => {
  let now = 0;
  let rechecks = 0;
  const make = (baseline: RecordState | null, settleMs = 400) =>
    new Freshness({ baseline, settleMs, now: () => now, recheck: () => rechecks++, signal: new AbortController().signal });

  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
    rechecks = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('the document’s first page needs no proof', () => {
    expect(make(null).observe(state(oldRecord, 'Ada'), undefined)).toBe(true);
  });

  it('the old record still shown, unchanged, however long: never usable', () => {
    const freshness = make(state(oldRecord, 'Ada'));
    for (now = 0; now <= 5000; now += 250) expect(freshness.observe(state(oldRecord, 'Ada'), undefined)).toBe(false);
  });

  it('cleared, a spinner, then the new record: usable only once the new record held still for the settle time', () => {
    const freshness = make(state(oldRecord, 'Ada'));
    expect(freshness.observe(state(null, 'loading'), undefined)).toBe(false);
    now = 500; // the spinner held still longer than the settle time: the page has settled on "no lead yet"
    expect(freshness.observe(state(null, 'loading'), undefined)).toBe(true);
  });

  it('the record updated in place (same element): a change, then the settle time', () => {
    const freshness = make(state(oldRecord, 'Ada'));
    now = 800;
    expect(freshness.observe(state(oldRecord, 'Grace'), undefined)).toBe(false);
    now = 1000;
    expect(freshness.observe(state(oldRecord, 'Grace'), undefined)).toBe(false);
    now = 1200;
    expect(freshness.observe(state(oldRecord, 'Grace'), undefined)).toBe(true);
    // Once settled it stays so (later edits of the same record are that record).
    expect(freshness.observe(state(oldRecord, 'Grace Hopper'), undefined)).toBe(true);
  });

  it('a new element with the same values (a re-mounted view of a duplicate record) counts as a change', () => {
    const freshness = make(state(oldRecord, 'Ada'));
    freshness.observe(state(newRecord, 'Ada'), undefined);
    now = 400;
    expect(freshness.observe(state(newRecord, 'Ada'), undefined)).toBe(true);
  });

  it('every change restarts the settle time; a recheck is scheduled for when it may have passed', () => {
    const freshness = make(state(oldRecord, 'Ada'));
    freshness.observe(state(null, 'loading'), undefined);
    now = 300;
    freshness.observe(state(newRecord, 'Grace'), undefined);
    now = 600;
    expect(freshness.observe(state(newRecord, 'Grace'), undefined)).toBe(false);
    vi.advanceTimersByTime(401);
    expect(rechecks).toBeGreaterThan(0);
    now = 700;
    expect(freshness.observe(state(newRecord, 'Grace'), undefined)).toBe(true);
  });

  it('a rule’s shownRecordId decides each reading on its own, settled or not', () => {
    const freshness = make(state(oldRecord, 'Ada'));
    expect(freshness.observe(state(oldRecord, 'Ada'), true)).toBe(true);
    expect(freshness.observe(state(oldRecord, 'Ada'), false)).toBe(false);
    expect(make(null).observe(state(oldRecord, 'Ada'), false)).toBe(false);
  });
});
