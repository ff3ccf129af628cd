import type { Page } from '@playwright/test';
import { createLogger, type Logger } from '../../gateway/http/log';
import type { SandboxControl } from '../../test/e2e/fixtures';
import { startSandboxGateway } from '../../test/gateway/harness';
import { assertAssignedToAlice, type Pair, viaProvider } from './chat';
import { CHATROOM_PAGE, type Harness, type LeadButton } from './harness';
import { assertLoggedInAsAlice, DASHBOARD_HOME, fetchMagicLink } from './login';
import { comparedRow, type Measured, type RequestCounts, type Row, roundTrips } from './report';
import { spread } from './stats';

/**
 * Team mode (gateway/): the same figures as chat.ts and login.ts, measured the same way against the same
 * baselines, in the same browser, with the extension configured with only `gatewayUrl` for the section (the
 * harness's direct-mode options are put back after it). Agent Alice signs in once through the sandbox's
 * OpenID Connect provider from the popup (not measured); then every Chat and Login is one request to a real
 * team gateway (embedded PGlite in memory, in this process), which makes the provider calls with the token
 * it holds. The gateway listens on loopback with no added latency: the sandbox's latency applies to provider
 * calls only, so a team figure is the direct figure's provider work plus one loopback hop and the gateway's
 * own work (token check, database reads and writes, its journal), as measured.
 *
 * Exact checks on top of the provider's: every click made exactly one request to the gateway, the expected
 * one (counted from the gateway's request log, whose time per request goes to the JSON as gatewayServed).
 */

export interface TeamRows {
  /** Chat, new lead and Chat, known lead (in chatRows' order). */
  chat: Row[];
  login: Row;
}

/** The team figures say what they include (the table's columns are direct mode's). */
const VIA_GATEWAY = 'via the gateway on loopback: +1 hop and its database work';

/** The sandbox OIDC provider's password for every demo user (sandbox/README.md). */
const SANDBOX_PASSWORD = 'sandbox-password';
const ALICE = { email: 'alice@example.com', providerUserId: 'u_alice', name: 'Alice Agent' };

interface TeamMeasured extends Measured {
  /** Requests the browser made to the gateway during the action, by "METHOD /path". */
  gateway: RequestCounts;
  /** The gateway's own time for them (its request log: arrival → answer, provider calls included), ms. */
  gatewayMs: number;
}

/** One request the gateway served, from its request log. */
interface Served {
  request: string;
  ms: number;
}

/** A running team gateway and the requests it has served so far ("METHOD /path", oldest first). */
export interface TeamGateway {
  url: string;
  served: readonly Served[];
  close(): Promise<void>;
}

export async function teamRows(harness: Harness, gateway: TeamGateway, runs: number): Promise<TeamRows> {
  return harness.withAgentOptions({ gatewayUrl: gateway.url }, async () => {
    const crm = await harness.newCrmPage();
    await harness.openLead(crm, 'L-1001');
    await signInFromPopup(harness, crm);
    await crm.close();
    const click: Click = async (page, button, landing) => {
      // The last run's dashboard pages finish asking for their CRM card first: their requests are not this click's.
      await harness.closeDashboards();
      const from = gateway.served.length;
      const measured = await harness.click(page, button, landing);
      const during = gateway.served.slice(from);
      const gatewayRequests: RequestCounts = {};
      for (const { request } of during) gatewayRequests[request] = (gatewayRequests[request] ?? 0) + 1;
      return { ...measured, gateway: gatewayRequests, gatewayMs: during.reduce((sum, { ms }) => sum + ms, 0) };
    };
    return { chat: await chat(harness, runs, click), login: await login(harness, runs, click) };
  });
}

type Click = (crm: Page, button: LeadButton, landing: RegExp) => Promise<TeamMeasured & { tab: Page }>;

/** As chatRows: a new lead every run, ours and the baseline alternating which goes first, run 0 a warm-up. */
async function chat(harness: Harness, runs: number, click: Click): Promise<Row[]> {
  const newLead = { ours: [] as TeamMeasured[], direct: [] as Measured[] };
  const knownLead = { ours: [] as TeamMeasured[], direct: [] as Measured[] };
  const crm = await harness.newCrmPage();
  const viaGateway = async () => {
    const created = await click(crm, 'chat', CHATROOM_PAGE);
    await assertAssignedToAlice(created.tab);
    return { created, known: await click(crm, 'chat', CHATROOM_PAGE) };
  };
  for (let run = 0; run <= runs; run++) {
    const id = `BENCH-TEAM-${Date.now().toString(36)}-${run}`;
    await harness.addLead(id);
    await harness.openLead(crm, id);
    let mine: { created: TeamMeasured; known: TeamMeasured };
    let theirs: Pair;
    if (run % 2 === 0) {
      mine = await viaGateway();
      theirs = await viaProvider(harness, `${id}-DIRECT`);
    } else {
      theirs = await viaProvider(harness, `${id}-DIRECT`);
      mine = await viaGateway();
    }
    newLead.ours.push(mine.created);
    knownLead.ours.push(mine.known);
    newLead.direct.push(theirs.newLead);
    knownLead.direct.push(theirs.knownLead);
  }
  await crm.close();
  const oneChat = { 'POST /v1/chat': 1 };
  return [
    teamRow(`Team: Chat, new lead: click → chatroom tab loaded (${VIA_GATEWAY})`, newLead.ours, { label: 'provider calls from Node + tab', runs: newLead.direct }, { createContact: 1, assign: 1 }, oneChat),
    teamRow(`Team: Chat, known lead: click → chatroom tab loaded (${VIA_GATEWAY})`, knownLead.ours, { label: 'provider call from Node + tab', runs: knownLead.direct }, { assign: 1 }, oneChat),
  ];
}

/**
 * As loginRows' uncached figure: the gateway keeps no link (MAGIC_LINK_REUSE false, its default) and the
 * extension keeps none in team mode, so every Login is one magic link from the provider.
 */
async function login(harness: Harness, runs: number, click: Click): Promise<Row> {
  const ours: TeamMeasured[] = [];
  const direct: Measured[] = [];
  const crm = await harness.newCrmPage();
  await harness.openLead(crm, 'L-1001');
  for (let run = 0; run <= runs; run++) {
    const mine = await click(crm, 'login', DASHBOARD_HOME);
    await assertLoggedInAsAlice(mine.tab);
    ours.push(mine);
    direct.push(await harness.direct(() => fetchMagicLink(harness), DASHBOARD_HOME));
  }
  await crm.close();
  return teamRow(`Team: Login: click → dashboard loaded, logged in (${VIA_GATEWAY})`, ours, { label: 'magic link from Node + tab', runs: direct }, { magicLink: 1 }, { 'POST /v1/login': 1 });
}

/** comparedRow (provider requests checked for ours and the baseline), plus the browser's requests to the gateway. */
function teamRow(figure: string, ours: readonly TeamMeasured[], baseline: { label: string; runs: readonly Measured[] }, provider: RequestCounts, gateway: RequestCounts): Row {
  const row = comparedRow(figure, ours, baseline, provider);
  const trips = roundTrips(
    ours.map((run) => run.gateway),
    gateway,
    { trips: 'gateway round trips (browser → gateway)', requests: 'gateway requests' },
  );
  // Run 0 is a warm-up here too.
  const gatewayMs = ours.slice(1).map((run) => run.gatewayMs);
  return {
    ...row,
    roundTrips: `${row.roundTrips} · gateway: ${trips.roundTrips}`,
    data: { ...row.data, gatewayRoundTrips: trips.data.roundTrips ?? [], gatewayServed: spread(gatewayMs), gatewayServedMs: gatewayMs },
    checks: [...row.checks, ...trips.checks],
  };
}

/**
 * A team gateway as test/e2e/team-gateway.ts starts one: embedded PGlite in memory, the sandbox as provider
 * and as identity provider (a client registered for this gateway's redirect URI), Alice a member. Its request
 * log counts what it served; its warnings and errors go to stderr. The rate limit is out of the way: a long
 * run (--runs 100) must not meet a 429, and the limiter's own work is still in every request.
 */
export async function startTeamGateway(sandbox: SandboxControl): Promise<TeamGateway> {
  const served: Served[] = [];
  const quiet = createLogger('json', (line) => process.stderr.write(`${line}\n`), true);
  const log: Logger = {
    ...quiet,
    info(event, fields) {
      if (event === 'request') served.push({ request: `${String(fields?.method)} ${String(fields?.path)}`, ms: Number(fields?.ms) });
    },
  };
  const { gateway } = await startSandboxGateway(sandbox.sandbox, { env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '100000' }, log, members: [ALICE] });
  return { url: gateway.url, served, close: () => gateway.close() };
}

/**
 * Signs Alice in as an agent does (test/e2e/team-gateway.ts signInFromPopup): the popup for the CRM tab,
 * Sign in, the company's login page in the tab that opens, e-mail and password, submit; the extension closes
 * that tab itself and the popup says who is signed in.
 */
async function signInFromPopup(harness: Harness, crm: Page): Promise<void> {
  const worker = await harness.worker();
  const tabId = await worker.evaluate(async (url) => {
    const api = (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> } } }).chrome;
    return (await api.tabs.query({})).find((tab) => tab.url === url)?.id;
  }, crm.url());
  if (tabId === undefined) throw new Error(`team sign-in: no tab shows ${crm.url()}`);
  const popup = await harness.context.newPage();
  await popup.goto(`chrome-extension://${harness.extensionId}/popup.html?tabId=${tabId}`);
  await popup.locator('#team[data-state="signed-out"]').waitFor({ state: 'attached', timeout: 10_000 });
  const opened = harness.context.waitForEvent('page', { timeout: 10_000 });
  await popup.locator('#team-sign-in').click();
  const login = await opened;
  await login.waitForURL((url) => url.href.startsWith(`${harness.sandbox.apiUrl}/oidc/`) && url.pathname.includes('interaction'), { timeout: 10_000 });
  await login.locator('input[name="login"]').fill(ALICE.email);
  await login.locator('input[name="password"]').fill(SANDBOX_PASSWORD);
  await login.locator('button[type="submit"]').click();
  await popup.locator('#team[data-state="signed-in"]').waitFor({ state: 'attached', timeout: 20_000 });
  const who = (await popup.locator('#team-signed-in').textContent()) ?? '';
  if (!who.includes(`(${ALICE.email}) (team mode)`)) throw new Error(`team sign-in: the popup says "${who}"`);
  // The sign-in tab is the extension's to close once it has the result.
  if (!login.isClosed()) await login.waitForEvent('close', { timeout: 10_000 });
  await popup.close();
}
