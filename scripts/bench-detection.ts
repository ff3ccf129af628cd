/**
 * Detection benchmark (not a test: numbers vary by machine). Real Chromium with the built dev-hosts extension,
 * pages from the sandbox (test/fixtures/crm-e2e/bench.html). Prints:
 *  (a) injection latency, anchor inserted → our button in the DOM, p50/p95, on first load and after SPA navigation;
 *  (b) main-thread and script time (CDP TaskDuration, ScriptDuration) over a 10 s mutation storm on a CRM-sized
 *      page: no extension, the extension on a matched lead page and on an unmatched page, and a naive detector
 *      that re-scans the body on every mutation batch; 3 interleaved rounds, medians;
 *  (c) the content script's size, gzipped.
 * Build first: CCB_DEV_HOSTS=1 CCB_OUT_DIR=.output/detect-work npx wxt build; then CCB_OUT_DIR=.output/detect-work
 * npm run bench:detection. Options: --runs N (latency samples, default 40), --storm-ms N (default 10000),
 * --storm-rounds N (default 3).
 * `npm run bench` calls runDetectionBench() and puts its figures in its own table.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from '@playwright/test';
import { startSandbox } from '../sandbox/server';
import { CONTENT_SCRIPT_BUDGET_BYTES, type ContentScriptSize, contentScriptSizes } from './size-check';

const OUT = path.resolve(process.env.CCB_OUT_DIR ?? '.output/dev-hosts', 'chrome-mv3');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const RULE = {
  name: 'Bench CRM',
  url: 'http://localhost/crm/fixtures/bench/leads/:id',
  scope: '#record',
  fields: { fullName: { selector: '#record-header h1' }, phones: { label: 'Mobile' } },
  anchor: { selector: '#record-header .toolbar', position: 'append' },
};

async function launch(withExtension: boolean, apiUrl: string): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext('', {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...(withExtension ? [`--disable-extensions-except=${OUT}`, `--load-extension=${OUT}`] : []),
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  if (withExtension) {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    await worker.evaluate(async (options) => {
      await (globalThis as unknown as { chrome: { storage: { local: { set(o: object): Promise<void> } } } }).chrome.storage.local.set({ agentOptions: options });
    }, { providerApiUrl: apiUrl, providerDashboardUrl: `${apiUrl}/app`, orgId: 'org_demo', apiToken: 'sandbox-token-demo', crmRules: [RULE] });
  }
  return context;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

async function latencyFirstLoad(context: BrowserContext, base: string, runs: number): Promise<number[]> {
  const samples: number[] = [];
  const page = await context.newPage();
  for (let i = 0; i < runs; i++) {
    await page.goto(`${base}/leads/L${i}`);
    await page.waitForFunction(() => (window as unknown as { __bench: { latencies: number[] } }).__bench.latencies.length > 0, null, { timeout: 10_000 });
    samples.push(await page.evaluate(() => (window as unknown as { __bench: { latencies: number[] } }).__bench.latencies[0] ?? Number.NaN));
  }
  await page.close();
  return samples;
}

async function latencySpa(context: BrowserContext, base: string, runs: number): Promise<number[]> {
  const page = await context.newPage();
  await page.goto(`${base}/leads/S0`);
  await page.waitForFunction(() => (window as unknown as { __bench: { latencies: number[] } }).__bench.latencies.length > 0);
  for (let i = 1; i <= runs; i++) {
    await page.evaluate((id) => (window as unknown as { __bench: { navigate(id: string): void } }).__bench.navigate(id), `S${i}`);
    await page.waitForFunction((n) => (window as unknown as { __bench: { latencies: number[] } }).__bench.latencies.length > n, i, { timeout: 10_000 });
  }
  const all = await page.evaluate(() => (window as unknown as { __bench: { latencies: number[] } }).__bench.latencies);
  await page.close();
  return all.slice(1);
}

export interface StormFigures {
  /** Main-thread busy time (CDP TaskDuration) and script time over the storm. */
  taskMs: number;
  scriptMs: number;
  mutations: number;
  /** Our UI hosts on the page at the end (1 on a lead page, 0 elsewhere). */
  buttons: number;
}

async function storm(context: BrowserContext, url: string, stormMs: number): Promise<StormFigures> {
  const page: Page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(url);
  await page.waitForTimeout(1000);
  const metric = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (name: string) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
    return { task: get('TaskDuration'), script: get('ScriptDuration') };
  };
  const before = await metric();
  await page.evaluate((ms) => (window as unknown as { __bench: { start(ms: number): void } }).__bench.start?.(ms), stormMs);
  await page.waitForFunction(() => (window as unknown as { __bench: { done?: boolean } }).__bench.done === true, null, { timeout: stormMs + 30_000 });
  const after = await metric();
  const mutations = await page.evaluate(() => (window as unknown as { __bench: { mutations: number } }).__bench.mutations);
  const buttons = await page.locator('crm-chat-bridge').count();
  await page.close();
  return { taskMs: after.task - before.task, scriptMs: after.script - before.script, mutations, buttons };
}

export interface DetectionFigures {
  /** Anchor inserted → our button in the DOM, one sample per load / per SPA navigation. */
  firstLoadMs: number[];
  spaMs: number[];
  stormMs: number;
  /** Each storm condition ran this many times, interleaved; the figures are per-condition medians. */
  stormRounds: number;
  storms: Record<StormCondition, StormFigures>;
  contentScript: ContentScriptSize | undefined;
}

type StormCondition = 'noExtension' | 'leadPage' | 'unmatchedPage' | 'naive';

/** The median run of a condition by main-thread time (one whole run, so its figures belong together). */
function medianRun(runs: StormFigures[]): StormFigures {
  const sorted = [...runs].sort((a, b) => a.taskMs - b.taskMs);
  return sorted[Math.floor((sorted.length - 1) / 2)] as StormFigures;
}

/**
 * The whole detection benchmark, in its own browsers and sandbox; `runs` latency samples, `stormRounds` rounds
 * of storms of `stormMs`. A single storm per condition moved by ±10 % between runs (the storm's own layout
 * work dominates), so the conditions are interleaved, their order rotated each round, and the median kept.
 */
export async function runDetectionBench({
  runs = 40,
  stormMs = 10_000,
  stormRounds = 3,
}: { runs?: number; stormMs?: number; stormRounds?: number } = {}): Promise<DetectionFigures> {
  const sandbox = await startSandbox({ port: 0, quiet: true });
  const apiUrl = sandbox.url;
  const base = `${apiUrl.replace('127.0.0.1', 'localhost')}/crm/fixtures/bench`;
  try {
    const withExt = await launch(true, apiUrl);
    const plain = await launch(false, apiUrl);
    try {
      const firstLoadMs = await latencyFirstLoad(withExt, base, runs);
      const spaMs = await latencySpa(withExt, base, runs);
      const stormQuery = `?storm=${stormMs}`;
      const conditions: [StormCondition, BrowserContext, string][] = [
        ['noExtension', plain, `${base}/leads/STORM${stormQuery}`],
        ['leadPage', withExt, `${base}/leads/STORM${stormQuery}`],
        ['unmatchedPage', withExt, `${base}/list${stormQuery}`],
        ['naive', plain, `${base}/leads/STORM${stormQuery}&naive=1`],
      ];
      const results: Record<StormCondition, StormFigures[]> = { noExtension: [], leadPage: [], unmatchedPage: [], naive: [] };
      for (let round = 0; round < stormRounds; round++) {
        for (let i = 0; i < conditions.length; i++) {
          const [condition, context, url] = conditions[(i + round) % conditions.length] as [StormCondition, BrowserContext, string];
          results[condition].push(await storm(context, url, stormMs));
        }
      }
      const storms = {
        noExtension: medianRun(results.noExtension),
        leadPage: medianRun(results.leadPage),
        unmatchedPage: medianRun(results.unmatchedPage),
        naive: medianRun(results.naive),
      };
      const contentScript = contentScriptSizes(OUT).find((size) => path.basename(size.file) === 'crm.js');
      return { firstLoadMs, spaMs, stormMs, stormRounds, storms, contentScript };
    } finally {
      await withExt.close();
      await plain.close();
    }
  } finally {
    await sandbox.close();
  }
}

async function main() {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const figures = await runDetectionBench({ runs: arg('runs', 40), stormMs: arg('storm-ms', 10_000), stormRounds: arg('storm-rounds', 3) });
  const { firstLoadMs: first, spaMs: spa, stormMs, stormRounds, storms: s } = figures;
  const rows: string[][] = [];
  rows.push(['(a) latency, first load', `p50 ${quantile(first, 0.5).toFixed(1)} ms`, `p95 ${quantile(first, 0.95).toFixed(1)} ms`, `${first.length} loads`]);
  rows.push(['(a) latency, SPA navigation', `p50 ${quantile(spa, 0.5).toFixed(1)} ms`, `p95 ${quantile(spa, 0.95).toFixed(1)} ms`, `${spa.length} navigations`]);
  const storms: [string, StormFigures][] = [
    ['no extension', s.noExtension],
    ['extension, lead page (buttons placed)', s.leadPage],
    ['extension, unmatched page', s.unmatchedPage],
    ['naive re-scan per mutation (no ext.)', s.naive],
  ];
  const none = s.noExtension;
  for (const [label, r] of storms) {
    const extra = r.taskMs - none.taskMs;
    const extraScript = r.scriptMs - none.scriptMs;
    const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${ms.toFixed(0)} ms`;
    rows.push([
      `(b) storm ${stormMs / 1000}s, median of ${stormRounds}: ${label}`,
      `main thread ${r.taskMs.toFixed(0)} ms (script ${r.scriptMs.toFixed(0)} ms)`,
      label === 'no extension' ? 'baseline' : `${signed(extra)} vs none (${((extra / none.taskMs) * 100).toFixed(1)}%), script ${signed(extraScript)}`,
      `${Math.round(r.mutations / (stormMs / 1000))} mutations/s, buttons: ${r.buttons}`,
    ]);
  }
  const script = figures.contentScript;
  if (script) {
    rows.push(['(c) content script', `${(script.rawBytes / 1024).toFixed(1)} KB raw`, `${(script.gzippedBytes / 1024).toFixed(1)} KB gzipped`, `budget ${CONTENT_SCRIPT_BUDGET_BYTES / 1024} KB`]);
  }

  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  for (const row of rows) console.log(`| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`);
}

// Run as a script (npm run bench:detection); `npm run bench` imports runDetectionBench instead.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
