import path from 'node:path';
import { CHROME_EXTENSION_DIR } from '../../test/e2e/driver/chromium';
import { type DetectionFigures, runDetectionBench, type StormFigures } from '../bench-detection';
import { CONTENT_SCRIPT_BUDGET_BYTES, contentScriptSizes } from '../size-check';
import type { Row } from './report';
import { msSpread, spread, thousands } from './stats';

/** The content script of the build under test, gzipped as the budget counts it (scripts/size-check.ts). */
export function contentScriptRow(): Row {
  const script = contentScriptSizes(CHROME_EXTENSION_DIR).find((size) => path.basename(size.file) === 'crm.js');
  if (!script) throw new Error(`no content script in ${CHROME_EXTENSION_DIR}: build it first (CCB_DEV_HOSTS=1 npx wxt build)`);
  const { gzippedBytes, rawBytes } = script;
  return {
    figure: 'Page cost: content script, gzipped',
    ours: `${(gzippedBytes / 1024).toFixed(1)} KB (${thousands(gzippedBytes)} B; ${(rawBytes / 1024).toFixed(1)} KB raw)`,
    baseline: `budget ${CONTENT_SCRIPT_BUDGET_BYTES / 1024} KB`,
    ratio: `×${(gzippedBytes / CONTENT_SCRIPT_BUDGET_BYTES).toFixed(2)} of budget`,
    roundTrips: '',
    data: { gzippedBytes, rawBytes, budgetBytes: CONTENT_SCRIPT_BUDGET_BYTES },
    checks: [{ what: `content script ≤ ${CONTENT_SCRIPT_BUDGET_BYTES} bytes gzipped`, ok: gzippedBytes <= CONTENT_SCRIPT_BUDGET_BYTES, measured: `${gzippedBytes} bytes` }],
  };
}

/** The detection benchmark (scripts/bench-detection.ts, issue 3) in its own browsers, as rows of this table. */
export async function detectionRows(): Promise<Row[]> {
  const figures: DetectionFigures = await runDetectionBench();
  const { noExtension } = figures.storms;
  const seconds = figures.stormMs / 1000;
  const latency = (figure: string, samples: number[]): Row => ({
    figure,
    ours: msSpread(spread(samples)),
    baseline: '',
    ratio: '',
    roundTrips: '',
    data: { latency: spread(samples), samplesMs: samples },
    checks: [],
  });
  const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${thousands(ms)} ms`;
  const storm = (label: string, run: StormFigures): Row => ({
    figure: `Page cost: ${seconds} s mutation storm (median of ${figures.stormRounds}), ${label}: main-thread time`,
    ours: `${thousands(run.taskMs)} ms (script ${thousands(run.scriptMs)} ms)`,
    baseline: `no extension: ${thousands(noExtension.taskMs)} ms (script ${thousands(noExtension.scriptMs)} ms)`,
    ratio: `×${(run.taskMs / noExtension.taskMs).toFixed(2)} (${signed(run.taskMs - noExtension.taskMs)}; script ${signed(run.scriptMs - noExtension.scriptMs)})`,
    roundTrips: '',
    data: { ...run, baselineTaskMs: noExtension.taskMs, mutationsPerSecond: run.mutations / seconds },
    checks: [],
  });
  return [
    latency('Page cost: anchor in DOM → our buttons placed, first load', figures.firstLoadMs),
    latency('Page cost: anchor in DOM → our buttons placed, SPA navigation', figures.spaMs),
    storm('extension on a lead page', figures.storms.leadPage),
    storm('extension on an unmatched page', figures.storms.unmatchedPage),
    storm('a naive detector re-scanning per mutation (reference)', figures.storms.naive),
  ];
}
