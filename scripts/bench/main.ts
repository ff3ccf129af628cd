/**
 * `npm run bench`: what the extension costs an agent, each figure measured next to its limit in the same run
 * (so the figures survive a noisy machine). Real Chromium with the dev-hosts build (CCB_OUT_DIR as the e2e
 * fixtures read it), the provider sandbox with a fixed latency per provider request. Prints one markdown
 * table and writes it to bench-results/bench.md and, with the numbers behind it, bench-results/bench.json.
 *
 *   chat.ts        Chat, new / known lead: click → chatroom tab loaded, vs the same calls from Node + tab
 *   login.ts       Login, uncached / cached: click → dashboard loaded, vs the link from Node + tab
 *   team.ts        the same Chat and Login figures in team mode (the same browser configured with only
 *                  gatewayUrl, a real gateway on loopback with PGlite in memory (from a saved initdb)), next to direct mode's rows
 *   cold-start.ts  worker stopped → click → first provider request, vs a warm worker: with no warning, and as the agent
 *                  meets it (the pointer crosses the lead page onto Chat, whose first move wakes the worker)
 *   page-setup.ts  a page of a matched CRM host without a lead: the messages its load sends the worker
 *   store.ts       N mapped leads in the worker's IndexedDB: lookup p50/p99, insert rows/s, size
 *   page-cost.ts   content script gzipped vs its budget; the detection benchmark (scripts/bench-detection.ts)
 *
 * Timed rows with a goal (issue 17) say in their own column whether this run met it, and when not, what this run
 * measured that explains it (Chat and Login: what the extension adds in each phase, against the baseline).
 * Exact counts are checked and decide the exit code (provider round trips and which endpoints, requests to
 * the team gateway, worker restarts, rows found, bytes against the budget); times never are. `--smoke` (CI) makes 2 runs with 1,000
 * leads and no detection benchmark, and writes bench-smoke.{md,json} instead.
 * It builds the dev-hosts flavour first, so the figures are always those of the code checked out (`--no-build`
 * skips that when the caller has just built it, as npm test has).
 * Options: --runs N (default 20) --store N (default 100000) --latency-ms N (default 50) --smoke --no-detection --no-build
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startSandbox } from '../../sandbox/server';
import { SandboxControl } from '../../test/e2e/fixtures';
import { chatRows } from './chat';
import { coldStartRows } from './cold-start';
import { Harness } from './harness';
import { loginRows } from './login';
import { contentScriptRow, detectionRows } from './page-cost';
import { nonLeadPageRow } from './page-setup';
import { type BenchReport, failedChecks, renderMarkdown, type Row } from './report';
import { thousands } from './stats';
import { storeRows } from './store';
import { startTeamGateway, teamRows } from './team';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    runs: { type: 'string' },
    store: { type: 'string' },
    'latency-ms': { type: 'string' },
    'no-detection': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});
const integer = (value: string | undefined, fallback: number, name: string) => {
  const number = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} must be a positive integer, not ${value}`);
  return number;
};
const SMOKE = args.smoke;
const RUNS = integer(args.runs, SMOKE ? 2 : 20, 'runs');
const STORE_SIZE = integer(args.store, SMOKE ? 1000 : 100_000, 'store');
const LATENCY_MS = integer(args['latency-ms'], 50, 'latency-ms');
const DETECTION = !SMOKE && !args['no-detection'];

/** Both started, or neither left running (the one that did start is closed when the other failed). */
async function bothOrNeither<A extends { close(): Promise<void> }, B extends { close(): Promise<void> }>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [first, second] = await Promise.allSettled([a, b]);
  if (first.status === 'fulfilled' && second.status === 'fulfilled') return [first.value, second.value];
  if (first.status === 'fulfilled') await first.value.close();
  if (second.status === 'fulfilled') await second.value.close();
  throw first.status === 'rejected' ? first.reason : second.status === 'rejected' ? second.reason : new Error('unreachable');
}

/** `rows` with `others[i]` right after `rows[i]`. */
function nextTo(rows: readonly Row[], others: readonly Row[]): Row[] {
  return rows.flatMap((row, i) => {
    const other = others[i];
    return other ? [row, other] : [row];
  });
}

/** Progress on stderr, so stdout is the table alone. */
async function section<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  process.stderr.write(`bench: ${name}…`);
  const result = await run();
  process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}

async function main(): Promise<number> {
  const started = performance.now();
  if (!args['no-build']) {
    await section('building the dev-hosts extension (CCB_DEV_HOSTS=1 wxt build)', async () => {
      try {
        execFileSync('npx', ['wxt', 'build'], { env: { ...process.env, CCB_DEV_HOSTS: '1' }, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
      } catch (error) {
        // The build's own output only when it failed: it explains why.
        const { stdout = '', stderr = '' } = error as { stdout?: Buffer | string; stderr?: Buffer | string };
        process.stderr.write(`\n${stdout}${stderr}`);
        throw error;
      }
    });
  }
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    smoke: SMOKE,
    settings: { runs: RUNS, 'provider latency (ms/request)': LATENCY_MS, 'store leads': thousands(STORE_SIZE) },
    rows: [],
  };
  const rows: Row[] = report.rows;
  // The sandbox first, so that the team gateway's start (PGlite's initdb: seconds of WebAssembly) runs while
  // the browser launches rather than after it. Both are set-up: nothing is timed before both are up.
  const sandbox = new SandboxControl(await startSandbox({ port: 0, quiet: true }));
  try {
    const [harness, gateway] = await section('starting the browser and the team gateway', () =>
      bothOrNeither(Harness.start(LATENCY_MS, { sandbox }), startTeamGateway(sandbox)),
    );
    try {
      report.settings.browser = await harness.chromiumVersion();
      report.settings['clock offset browser−node (ms)'] = harness.clockOffsetMs.toFixed(2);
      report.settings['team gateway'] = 'loopback (no added latency), PGlite in memory (from a saved initdb)';
      const chat = await section('Chat', () => chatRows(harness, RUNS));
      const login = await section('Login', () => loginRows(harness, RUNS));
      const team = await section('team mode: Chat and Login through the gateway', () => teamRows(harness, gateway, RUNS));
      // Each team row right after its direct-mode counterpart: Chat new, Chat known, Login uncached.
      rows.push(...nextTo(chat, team.chat), ...nextTo(login, [team.login]));
      rows.push(...(await section('worker cold start', () => coldStartRows(harness, RUNS))));
      rows.push(await section('a page without a lead', () => nonLeadPageRow(harness, RUNS)));
      rows.push(...(await section('store', () => storeRows(harness, STORE_SIZE))));
    } finally {
      await harness.close();
      await gateway.close();
    }
  } finally {
    await sandbox.sandbox.close();
  }
  rows.push(contentScriptRow());
  // After the browser above has closed: the detection benchmark runs its own, and its mutation storm
  // should not compete with anything of ours for the CPU.
  if (DETECTION) rows.push(...(await section('detection benchmark', detectionRows)));

  const markdown = renderMarkdown(report);
  console.log(markdown);
  const out = new URL('../../bench-results/', import.meta.url);
  mkdirSync(out, { recursive: true });
  const name = SMOKE ? 'bench-smoke' : 'bench';
  writeFileSync(new URL(`${name}.md`, out), `${markdown}\n`);
  writeFileSync(new URL(`${name}.json`, out), `${JSON.stringify(report, null, 2)}\n`);

  const checks = rows.flatMap((row) => row.checks);
  const failed = failedChecks(report);
  console.log(`\n${checks.length - failed.length} of ${checks.length} exact checks passed · ${((performance.now() - started) / 1000).toFixed(0)} s`);
  for (const { row, check } of failed) console.error(`FAILED ${row}: ${check.what}: measured ${check.measured}`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
