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
    '| figure | ours | baseline (same run) | ratio | provider round trips (limit) |',
    '|---|---|---|---|---|',
    ...report.rows.map((row) => `| ${[row.figure, row.ours, row.baseline, row.ratio, row.roundTrips].map(cell).join(' | ')} |`),
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
