import { API_ENDPOINTS } from '../../sandbox/api';
import { msSpread, perRunRatios, ratioSpread, type Spread, spread } from './stats';

/**
 * A count the benchmark knows exactly (provider round trips, requests by endpoint, worker restarts, bytes
 * against the budget). Only these decide the exit code: times are reported, never asserted.
 */
export interface Check {
  what: string;
  ok: boolean;
  /** What was measured, e.g. "createContact + assign ×20". */
  measured: string;
}

/** One line of the table; the numbers behind its cells go to the JSON. */
export interface Row {
  figure: string;
  ours: string;
  baseline: string;
  ratio: string;
  /** Provider requests per click, e.g. "2 (limit 2): createContact + assign ×20"; empty where none apply. */
  roundTrips: string;
  data: Record<string, Spread | number | string | number[] | Record<string, number>>;
  checks: Check[];
  /** Issue 17's goal for this figure, when it has one: met or not is decided from this run's figures. */
  target?: Target;
}

/**
 * A goal for a timed figure. Reported, never asserted (times vary by machine): the table says "met" or, when
 * missed, what this run measured that explains it (`missed`, built from this run's own figures).
 */
export interface Target {
  /** The goal as the table shows it, e.g. "≤ ×1.10 p50, ≤ ×1.20 p95". */
  goal: string;
  met: boolean;
  /** When missed: what was tried and the measurement that says why it goes no further. */
  missed?: string;
}

/** A target on a ratio's p50 and (optionally) p95, from the row's per-run ratio spread. */
export function ratioTarget(ratio: Spread, p50: number, p95?: number, missed?: string): Target {
  const goal = `≤ ×${p50.toFixed(2)} p50${p95 === undefined ? '' : `, ≤ ×${p95.toFixed(2)} p95`}`;
  const met = ratio.p50 <= p50 && (p95 === undefined || ratio.p95 <= p95);
  return { goal, met, ...(met || missed === undefined ? {} : { missed }) };
}

export function targetCell(target: Target | undefined): string {
  if (!target) return '';
  if (target.met) return `${target.goal}: met`;
  return `${target.goal}: **missed**${target.missed ? `. ${target.missed}` : ''}`;
}

export interface BenchReport {
  startedAt: string;
  smoke: boolean;
  settings: Record<string, number | string>;
  rows: Row[];
}

export function renderMarkdown(report: BenchReport): string {
  const settings = Object.entries(report.settings)
    .map(([key, value]) => `${key} ${value}`)
    .join(' · ');
  const cell = (text: string) => text.replaceAll('|', '\\|');
  return [
    `${report.smoke ? 'Smoke run' : 'Benchmark'} ${report.startedAt} · ${settings}`,
    '',
    '| figure | ours | baseline (same run) | ratio | target (issue 17) | provider round trips (limit) |',
    '|---|---|---|---|---|---|',
    ...report.rows.map((row) => `| ${[row.figure, row.ours, row.baseline, row.ratio, targetCell(row.target), row.roundTrips].map(cell).join(' | ')} |`),
  ].join('\n');
}

export function failedChecks(report: BenchReport): { row: string; check: Check }[] {
  return report.rows.flatMap((row) => row.checks.filter((check) => !check.ok).map((check) => ({ row: row.figure, check })));
}

/** How often each distinct value occurred, e.g. "2 ×19, 3 ×1". */
export function tally(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, count]) => `${value} ×${count}`).join(', ');
}

export type RequestCounts = Record<string, number>;

/** "createContact + assign" for {createContact: 1, assign: 1}; "none" for {}. */
export function describeRequests(requests: RequestCounts): string {
  // In the sandbox's endpoint order, so equal sets always read alike.
  const order = (endpoint: string) => (API_ENDPOINTS as readonly string[]).indexOf(endpoint);
  const entries = Object.entries(requests).sort(([a], [b]) => order(a) - order(b));
  const parts = entries.flatMap(([endpoint, count]) => (count === 1 ? [endpoint] : count > 1 ? [`${endpoint}×${count}`] : []));
  return parts.length > 0 ? parts.join(' + ') : 'none';
}

const total = (requests: RequestCounts) => Object.values(requests).reduce((sum, count) => sum + count, 0);

/**
 * The round-trip cell and its two exact checks: every click made exactly as many provider requests as the
 * limit, and they were exactly the expected endpoints (so "2" cannot hide a lookup standing in for a create).
 * `to` names whose requests these are in the checks (team mode also checks the browser's requests to its gateway).
 */
export function roundTrips(
  perClick: readonly RequestCounts[],
  expected: RequestCounts,
  to: { trips: string; requests: string } = { trips: 'provider round trips', requests: 'requests' },
): Pick<Row, 'roundTrips' | 'checks'> & { data: Record<string, number[]> } {
  const limit = total(expected);
  const totals = perClick.map(total);
  const mix = tally(perClick.map(describeRequests));
  const want = describeRequests(expected);
  return {
    roundTrips: `${tally(totals.map(String))} (limit ${limit}): ${mix}`,
    checks: [
      { what: `${to.trips} per click = ${limit}`, ok: totals.every((count) => count === limit), measured: tally(totals.map(String)) },
      { what: `${to.requests} per click = ${want}`, ok: perClick.every((requests) => describeRequests(requests) === want), measured: mix },
    ],
    data: { roundTrips: totals },
  };
}

export interface Measured {
  ms: number;
  /** Provider requests (sandbox counts, by endpoint) from the start to the end of the action. */
  requests: RequestCounts;
  /** Where the time went (ms per phase, e.g. "start → first request"), where the figure measures it. */
  phases?: Record<string, number>;
}

/**
 * Per phase, ours minus the baseline's p50 (ms), over the timed runs (run 0 is the warm-up): what the extension
 * adds where. Phases either side lacks are left out.
 */
export function phaseDifferences(ours: readonly Measured[], baseline: readonly Measured[]): Record<string, number> {
  const names = Object.keys(ours[1]?.phases ?? {});
  const p50 = (runs: readonly Measured[], name: string) => spread(runs.slice(1).flatMap((run) => (run.phases?.[name] === undefined ? [] : [run.phases[name]]))).p50;
  return Object.fromEntries(names.map((name) => [name, p50(ours, name) - p50(baseline, name)]).filter(([, ms]) => Number.isFinite(ms)));
}

/** "before the first request +12 ms, …": phaseDifferences as words. */
export function describePhases(differences: Record<string, number>): string {
  return Object.entries(differences)
    .map(([name, ms]) => `${name} ${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(0)} ms`)
    .join(', ');
}

/**
 * A timed figure against its baseline from the same runs: p50/p95 of each and of the per-run ratio. Run 0
 * of both is a warm-up: its requests are checked like every other run's, its times are left out. The
 * baseline's requests are checked as well (against `baselineExpected`, by default the same): it must do the
 * same provider work as the extension, no more and no less, or the ratio compares different things.
 */
export function comparedRow(
  figure: string,
  ours: readonly Measured[],
  baseline: { label: string; runs: readonly Measured[] },
  expected: RequestCounts,
  baselineExpected: RequestCounts = expected,
): Row {
  const oursMs = ours.slice(1).map((run) => run.ms);
  const baselineMs = baseline.runs.slice(1).map((run) => run.ms);
  const ratio = spread(perRunRatios(oursMs, baselineMs));
  const trips = roundTrips(
    ours.map((run) => run.requests),
    expected,
  );
  const baselineTrips = roundTrips(
    baseline.runs.map((run) => run.requests),
    baselineExpected,
  );
  return {
    figure,
    ours: msSpread(spread(oursMs)),
    baseline: `${baseline.label}: ${msSpread(spread(baselineMs))}`,
    ratio: ratioSpread(ratio),
    roundTrips: trips.roundTrips,
    data: { ours: spread(oursMs), baseline: spread(baselineMs), ratio, oursMs, baselineMs, ...trips.data },
    checks: [...trips.checks, ...baselineTrips.checks.map((check) => ({ ...check, what: `baseline: ${check.what}` }))],
  };
}
