import type { BrowserContext, CDPSession, Page, Worker } from '@playwright/test';
import { startSandbox } from '../../sandbox/server';
import { launchWithExtension } from '../../test/e2e/driver/chromium';
import { demoOptions, leadActions, ORG, SandboxControl, TOKEN } from '../../test/e2e/fixtures';
import type { Measured, RequestCounts } from './report';

/** The page-world global the click recorder writes (see RECORD_TRUSTED_CLICKS). */
interface BenchWindow {
  __benchClickAt?: number;
}

/**
 * Installed in every CRM page: the wall-clock time of the agent's trusted click, taken by the browser when
 * it dispatched the event. Timing from here, not from Node, leaves out Playwright's own work around a click
 * (actionability checks, waiting two frames for the button to be stable), which is not the extension's cost.
 * Composed clicks cross the shadow root, so a capturing listener on window sees the click on our button.
 */
const RECORD_TRUSTED_CLICKS = `window.addEventListener('click', (event) => {
  if (event.isTrusted) window.__benchClickAt = performance.timeOrigin + event.timeStamp;
}, true);`;

export type LeadButton = 'chat' | 'login';

/** The dashboard's chatroom page, where a Chat lands. */
export const CHATROOM_PAGE = /\/app\/chatrooms\/[^/]+$/;

/**
 * The sandbox stamps arrivals to the millisecond (floored) on Node's clock: a request may read up to ~1 ms
 * before the click it answers. Nothing else calls the provider around a timed click, so 2 ms of slack
 * cannot pick up another request.
 */
const ARRIVAL_SLACK_MS = 2;

export interface HarnessOptions {
  /**
   * A sandbox the caller started and closes (main starts it first, so that the team gateway can start while the
   * browser launches). Default: one of the harness's own, closed with it.
   */
  sandbox?: SandboxControl;
}

/**
 * One Chromium with the dev-hosts build (CCB_OUT_DIR, as the e2e fixtures read it) configured as agent
 * Alice (login links reused: magicLinkReuse) against one sandbox with a fixed latency per provider request.
 */
/** Time for a message a closed tab had already sent to reach the worker before it is stopped. */
const IN_FLIGHT_MS = 300;

export class Harness {
  /** Direct mode as agent Alice; reuse on, so that the Login section can measure a kept link next to a new one. */
  readonly agentOptions: Record<string, unknown>;

  private constructor(
    readonly sandbox: SandboxControl,
    readonly context: BrowserContext,
    readonly extensionId: string,
    /** A CDP session on a blank tab kept open: opens tabs for the baselines and stops the worker. */
    private readonly cdp: CDPSession,
    /** Chrome's wall clock minus Node's (ms): the baselines start in Node and end in the browser. */
    readonly clockOffsetMs: number,
    private readonly ownsSandbox: boolean,
  ) {
    this.agentOptions = demoOptions(sandbox, { magicLinkReuse: true });
  }

  static async start(latencyMs: number, options: HarnessOptions = {}): Promise<Harness> {
    const ownsSandbox = options.sandbox === undefined;
    const sandbox = options.sandbox ?? new SandboxControl(await startSandbox({ port: 0, quiet: true }));
    let launched: BrowserContext | undefined;
    try {
      const { context, id } = await launchWithExtension();
      launched = context;
      const control = context.pages()[0] ?? (await context.newPage());
      const cdp = await context.newCDPSession(control);
      const harness = new Harness(sandbox, context, id, cdp, await clockOffset(control), ownsSandbox);
      await harness.configure(harness.agentOptions);
      await sandbox.call('POST', 'latency', { ms: latencyMs });
      return harness;
    } catch (error) {
      await launched?.close();
      if (ownsSandbox) await sandbox.sandbox.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.context.close();
    if (this.ownsSandbox) await this.sandbox.sandbox.close();
  }

  /** Writes the agent's options into extension storage (what the options page saves); the worker may write storage.local. */
  async configure(agentOptions: Record<string, unknown>): Promise<void> {
    const worker = await this.worker();
    await worker.evaluate(async (agentOptions) => {
      const api = (globalThis as unknown as { chrome: { storage: { local: { set(items: object): Promise<void> } } } }).chrome;
      await api.storage.local.set({ agentOptions });
    }, agentOptions);
  }

  /**
   * Runs `work` with the extension configured with `agentOptions` instead (team mode: only gatewayUrl), then
   * puts the harness's own options back, whatever happened. Pages opened before either switch are stale.
   */
  async withAgentOptions<T>(agentOptions: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
    await this.configure(agentOptions);
    try {
      return await work();
    } finally {
      await this.configure(this.agentOptions);
    }
  }

  readonly org = ORG;

  async chromiumVersion(): Promise<string> {
    const { product } = await this.cdp.send('Browser.getVersion');
    return product;
  }

  /** The running MV3 worker (the newest: a stopped one drops out of the list). */
  async worker(): Promise<Worker> {
    const worker = this.context.serviceWorkers().at(-1) ?? (await this.context.waitForEvent('serviceworker'));
    // tsx (esbuild keepNames) wraps named functions in __name(); code shipped to the worker needs it defined.
    await worker.evaluate(() => {
      (globalThis as { __name?: unknown }).__name ??= (fn: unknown) => fn;
    });
    return worker;
  }

  async requestCounts(): Promise<RequestCounts> {
    return this.sandbox.call<RequestCounts>('GET', 'counts');
  }

  /** A CRM lead page (another origin than the provider, as in real use) with our buttons placed. */
  async openLead(crm: Page, leadId: string): Promise<void> {
    await crm.goto(this.sandbox.crmLeadUrl(leadId));
    await leadActions(crm).chat.waitFor();
  }

  async newCrmPage(): Promise<Page> {
    const crm = await this.context.newPage();
    await crm.addInitScript(RECORD_TRUSTED_CLICKS);
    return crm;
  }

  async addLead(id: string): Promise<void> {
    await this.sandbox.addLead({ id, firstName: 'Bench', lastName: id, phone: '+1 415 555 0100' });
  }

  /**
   * Clicks one of our buttons with a real, trusted click and waits for the tab the extension opens to finish
   * loading a URL matching `landing`: trusted click → that tab's load event end, both on the browser's clock.
   * Every run opens a new dashboard tab (the last one is closed first), as the baseline does.
   */
  async click(crm: Page, button: LeadButton, landing: RegExp): Promise<Measured & { tab: Page }> {
    const before = await this.prepareClick(crm);
    const opened = this.context.waitForEvent('page', { timeout: 30_000 });
    await leadActions(crm)[button].click();
    const tab = await opened;
    const loadedAt = await loadEnd(tab, landing);
    const clickedAt = await this.clickedAt(crm);
    await this.outcome(crm);
    return { ms: loadedAt - clickedAt, requests: diff(before, await this.requestCounts()), tab, phases: await this.phases(clickedAt, tab, loadedAt) };
  }

  /**
   * Where the time from `startedAt` to `loadedAt` went, on the browser's clock: to the first provider request's
   * arrival at the sandbox, between the first and the last request's arrivals (when more than one), from the
   * last arrival to `tab`'s navigation start (negative when the tab was on its way first), and the page load.
   */
  async phases(startedAt: number, tab: Page, loadedAt: number): Promise<Record<string, number>> {
    const log = await this.sandbox.call<{ at: string; endpoint: string | null }[]>('GET', 'requests');
    const arrivals = log
      .filter((entry) => entry.endpoint !== null)
      .map((entry) => Date.parse(entry.at) + this.clockOffsetMs)
      .filter((at) => at >= startedAt - ARRIVAL_SLACK_MS && at <= loadedAt);
    const navigationStart = await tab.evaluate(() => performance.timeOrigin);
    if (arrivals.length === 0) return { 'page load': loadedAt - navigationStart };
    const first = Math.min(...arrivals);
    const last = Math.max(...arrivals);
    return {
      'to the first request': first - startedAt,
      ...(arrivals.length > 1 ? { 'between the requests': last - first } : {}),
      'last request → tab navigation': navigationStart - last,
      'page load': loadedAt - navigationStart,
    };
  }

  /**
   * The limit for the same result: `provider` makes the provider calls from Node and returns the URL the
   * extension would open; the browser then opens it in a new tab (CDP Target.createTarget, as a tab created
   * with a URL) and loads it. Node's start → that tab's load event end, on the browser's clock.
   */
  async direct(provider: () => Promise<string>, landing: RegExp): Promise<Measured & { url: string }> {
    await this.closeDashboards();
    const before = await this.requestCounts();
    const startedAt = performance.timeOrigin + performance.now() + this.clockOffsetMs;
    const url = await provider();
    const opened = this.context.waitForEvent('page', { timeout: 30_000 });
    await this.cdp.send('Target.createTarget', { url });
    const tab = await opened;
    const loadedAt = await loadEnd(tab, landing);
    return { ms: loadedAt - startedAt, requests: diff(before, await this.requestCounts()), url, phases: await this.phases(startedAt, tab, loadedAt) };
  }

  /** A provider API call from Node, as the baseline makes it. */
  async api(method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.sandbox.apiUrl}${route}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`baseline ${method} ${route}: HTTP ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** Before a timed click: no dashboard tab, no click recorded yet, our CRM tab in front. The counts before. */
  async prepareClick(crm: Page): Promise<RequestCounts> {
    await this.closeDashboards();
    await crm.bringToFront();
    await crm.evaluate(() => {
      (window as BenchWindow).__benchClickAt = undefined;
    });
    return this.requestCounts();
  }

  /**
   * When the first provider request at or after `since` (browser clock) arrived at the sandbox, on the
   * browser's clock; waits for it. The sandbox stamps a request on arrival, to the millisecond.
   */
  async firstRequestSince(since: number): Promise<number> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const log = await this.sandbox.call<{ at: string }[]>('GET', 'requests');
      const arrivals = log.map((entry) => Date.parse(entry.at) + this.clockOffsetMs).filter((at) => at >= since - ARRIVAL_SLACK_MS);
      if (arrivals.length > 0) return Math.min(...arrivals);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('no provider request arrived within 30 s of the click');
  }

  /** The browser-clock time of the last trusted click on `crm` (set while the click was dispatched). */
  async clickedAt(crm: Page): Promise<number> {
    const at = await crm.evaluate(() => (window as BenchWindow).__benchClickAt);
    if (at === undefined) throw new Error('the page saw no trusted click on our button');
    return at;
  }

  /** Waits for the action's toast and fails the benchmark when the action itself failed. */
  async outcome(crm: Page): Promise<void> {
    const { toast, host } = leadActions(crm);
    await toast.waitFor({ timeout: 30_000 });
    await host.locator('[data-ccb="chat"]:enabled').waitFor({ timeout: 30_000 });
    if ((await toast.getAttribute('data-ok')) !== 'true') throw new Error(`the action failed: ${await toast.textContent()}`);
  }

  /** The dashboard tabs (the provider allows one): closed before every run, so each run opens one. */
  async closeDashboards(): Promise<void> {
    await this.settleCards();
    for (const page of this.context.pages()) if (page.url().startsWith(this.sandbox.dashboardUrl)) await page.close();
  }

  /**
   * A chatroom page (ours or a baseline's) asks the extension for its CRM card once loaded, which in team mode may
   * be a gateway request: waited for, so that it is never counted in the next click's round trips and the worker
   * is idle when a cold start stops it.
   */
  async settleCards(): Promise<void> {
    for (const page of this.context.pages()) {
      // Best effort: a page whose content script has not mounted the card (still loading) is not waited for.
      if (!CHATROOM_PAGE.test(page.url()) || (await page.locator('crm-chat-bridge-card').count()) === 0) continue;
      await page.locator('crm-chat-bridge-card section[data-state="ready"]').waitFor({ timeout: 10_000 }).catch(() => undefined);
    }
  }

  /**
   * Stops the MV3 worker as Chrome does when it is idle (CDP closes its target) and waits until Chrome lists
   * no worker target. Leaves a marker in the stopped worker's global scope first, so that `isFreshStart`
   * can prove the worker that answers next is a new start. (Playwright keeps its Worker object across the
   * restart and emits no 'close' for it, and Chrome reuses the target id, so the marker is the proof.)
   */
  async stopWorker(): Promise<void> {
    // The dashboard tabs go first (the next click opens its own, as every run does): a chatroom page whose content
    // script is still asking for its CRM card would start the worker again right after it stopped.
    await this.closeDashboards();
    await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_MS));
    const worker = await this.worker();
    await worker.evaluate(() => {
      (globalThis as { __benchStopped?: boolean }).__benchStopped = true;
    });
    const target = await this.workerTarget();
    if (!target) throw new Error('the extension service worker is not running');
    await this.cdp.send('Target.closeTarget', { targetId: target });
    const deadline = Date.now() + 10_000;
    while (await this.workerTarget()) {
      if (Date.now() > deadline) throw new Error('the extension service worker did not stop');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** True when a worker runs and its global scope has no marker from the one `stopWorker` stopped. */
  async isFreshStart(): Promise<boolean> {
    if (!(await this.workerTarget())) return false;
    const worker = await this.worker();
    const marked = worker.evaluate(() => (globalThis as { __benchStopped?: boolean }).__benchStopped === true);
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 10_000));
    return !(await Promise.race([marked, timeout]));
  }

  private async workerTarget(): Promise<string | undefined> {
    const { targetInfos } = await this.cdp.send('Target.getTargets');
    return targetInfos.find((info) => info.type === 'service_worker' && info.url.startsWith(`chrome-extension://${this.extensionId}/`))?.targetId;
  }
}

/** Provider requests between two count snapshots, by endpoint (only those that moved). */
export function diff(before: RequestCounts, after: RequestCounts): RequestCounts {
  return Object.fromEntries(
    Object.entries(after)
      .map(([endpoint, count]) => [endpoint, count - (before[endpoint] ?? 0)] as const)
      .filter(([, count]) => count !== 0),
  );
}

/** Waits for `tab` to finish loading a URL matching `landing`; its load event end on the browser's clock. */
async function loadEnd(tab: Page, landing: RegExp): Promise<number> {
  await tab.waitForURL(landing, { waitUntil: 'load', timeout: 30_000 });
  const end = await tab.waitForFunction(() => {
    const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    return navigation && navigation.loadEventEnd > 0 ? performance.timeOrigin + navigation.loadEventEnd : false;
  });
  return (await end.jsonValue()) as number;
}

/**
 * Chrome's wall clock minus Node's, from the tightest of a few bracketed reads (both are the system clock,
 * so this is ~0; measured so that a baseline started in Node and ended in the browser stays honest).
 */
async function clockOffset(page: Page): Promise<number> {
  let best = { width: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 9; i++) {
    const before = performance.timeOrigin + performance.now();
    const chrome = await page.evaluate(() => performance.timeOrigin + performance.now());
    const after = performance.timeOrigin + performance.now();
    if (after - before < best.width) best = { width: after - before, offset: chrome - (before + after) / 2 };
  }
  return best.offset;
}
