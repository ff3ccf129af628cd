/** Nearest-rank quantile: always a value that was measured, never an interpolation between two. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export interface Spread {
  p50: number;
  p95: number;
  p99: number;
  n: number;
}

export function spread(values: readonly number[]): Spread {
  return { p50: quantile(values, 0.5), p95: quantile(values, 0.95), p99: quantile(values, 0.99), n: values.length };
}

/** ours[i] / baseline[i]: each run against the baseline measured next to it, so drift hits both alike. */
export function perRunRatios(ours: readonly number[], baseline: readonly number[]): number[] {
  return ours.map((value, i) => value / (baseline[i] ?? Number.NaN));
}

const decimals = (value: number) => (Math.abs(value) < 10 ? 1 : 0);
export const ms = (value: number) => `${value.toFixed(decimals(value))}`;
export const msSpread = (s: Spread) => `p50 ${ms(s.p50)} · p95 ${ms(s.p95)} ms`;
export const ratioSpread = (s: Spread) => `×${s.p50.toFixed(2)} · p95 ×${s.p95.toFixed(2)}`;
export const thousands = (value: number) => Math.round(value).toLocaleString('en');
