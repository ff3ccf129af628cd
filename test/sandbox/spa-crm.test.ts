import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Element, type HTMLElement, type IMouseEventInit, Window } from 'happy-dom';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoSeed, type SpaLead } from '../../sandbox/seed';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { appShell } from '../../sandbox/spa-crm';
import { call, control, useSandbox } from './helpers';

const sb = useSandbox();
const HOSTILE = '<img src=x onerror=alert(1)>';
const ACME = demoSeed.spaLeads?.acme ?? [];

async function get(path: string, init: RequestInit = {}) {
  const response = await fetch(sb.url + path, { redirect: 'manual', ...init });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function acmeLead(id: string): SpaLead {
  const lead = ACME.find((candidate) => candidate.id === id);
  if (!lead) throw new Error(`no seed lead ${id}`);
  return lead;
}

describe('Orbit CRM server', () => {
  it('serves the same app page for every route of a tenant, and logs the page loads', async () => {
    for (const path of [
      '/spa-crm/acme/leads',
      '/spa-crm/acme/leads/4711',
      '/spa-crm/acme/',
      '/spa-crm/acme/leads/99999',
      '/spa-crm/new-tenant-2/some/deep/route?tab=1',
    ]) {
      const result = await get(path);
      expect(result.status, path).toBe(200);
      expect(result.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(result.text).toBe(appShell('clear'));
    }
    expect(appShell('clear')).toContain('<div id="app"></div>\n<script src="/spa-crm/app.js"></script>');
    expect(appShell('clear')).toContain('<meta name="orbit-while-loading" content="clear">');
    const log = await control(sb.url, 'GET', '/__sandbox/spa-crm/requests');
    expect(log).toHaveLength(5);
    expect(log[1]).toEqual({
      kind: 'page',
      method: 'GET',
      path: '/spa-crm/acme/leads/4711',
      tenant: 'acme',
      id: null,
      status: 200,
      delayMs: 0,
      at: expect.any(String),
      answeredAt: expect.any(String),
    });

    const script = await get('/spa-crm/app.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.text).toBe(readFileSync(new URL('../../sandbox/spa-crm-app.js', import.meta.url), 'utf8'));
  });

  it('redirects the bare tenant path to its folder and rejects bad tenant slugs and methods', async () => {
    const bare = await get('/spa-crm/acme');
    expect(bare.status).toBe(302);
    expect(bare.headers.get('location')).toBe('/spa-crm/acme/');
    for (const path of ['/spa-crm/ACME/leads', '/spa-crm/a_b/leads', `/spa-crm/${'a'.repeat(41)}/leads`, '/spa-crm/api/leads']) {
      expect((await get(path)).status, path).toBe(404);
    }
    expect((await get('/spa-crm/acme/leads', { method: 'POST' })).status).toBe(405);
    const index = await get('/spa-crm/');
    expect(index.text).toContain('href="/spa-crm/acme/leads"');
    expect(index.text).toContain('href="/spa-crm/globex/leads"');
  });

  it('answers the list and record API per tenant, with related leads and a JSON 404', async () => {
    await control(sb.url, 'POST', '/__sandbox/spa-crm/settings', { recordDelayMs: 0, listDelayMs: 0 });
    const list = await call(sb.url, 'GET', '/spa-crm/api/acme/leads', { token: null });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ tenant: 'acme', leads: ACME });
    expect(list.body.leads.map((lead: SpaLead) => lead.id)).toEqual(['4711', '4712', '4713', '4714']);
    expect((await call(sb.url, 'GET', '/spa-crm/api/nobody/leads', { token: null })).body).toEqual({ tenant: 'nobody', leads: [] });

    const ada = await call(sb.url, 'GET', '/spa-crm/api/acme/leads/4711', { token: null });
    expect(ada.body).toEqual({
      tenant: 'acme',
      lead: acmeLead('4711'),
      related: [
        { id: '4712', firstName: 'Grace', lastName: 'Hopper' },
        { id: '4713', firstName: 'Alan', lastName: 'Turing' },
        { id: '4714', firstName: 'Katherine', lastName: 'Johnson' },
      ],
    });
    // The same numeric id in another tenant is another person.
    const hedy = await call(sb.url, 'GET', '/spa-crm/api/globex/leads/4711', { token: null });
    expect(hedy.body.lead).toMatchObject({ id: '4711', firstName: 'Hedy', lastName: 'Lamarr', mobile: '+1 310 555 0178' });
    expect(hedy.body.related).toEqual([{ id: '4720', firstName: 'Margaret', lastName: 'Hamilton' }]);

    const missing = await call(sb.url, 'GET', '/spa-crm/api/acme/leads/99999', { token: null });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'not_found', message: 'Lead 99999 not found' });
    expect((await call(sb.url, 'GET', '/spa-crm/api/Bad/leads', { token: null })).status).toBe(404);
    expect((await call(sb.url, 'GET', '/spa-crm/api/acme/other', { token: null })).status).toBe(404);

    // At most five related leads.
    await control(sb.url, 'POST', '/__sandbox/spa-crm/leads', {
      tenant: 'acme',
      leads: [5001, 5002, 5003].map((id) => ({ id, firstName: 'Extra', lastName: String(id) })),
    });
    expect((await call(sb.url, 'GET', '/spa-crm/api/acme/leads/4711', { token: null })).body.related).toHaveLength(5);
  });

  it('delays record and list answers on the server, per record when overridden, and logs them', async () => {
    await control(sb.url, 'POST', '/__sandbox/spa-crm/settings', {
      recordDelayMs: 300,
      listDelayMs: 0,
      recordDelayOverrides: { 'acme/4712': 0 },
    });
    let started = Date.now();
    const pending = call(sb.url, 'GET', '/spa-crm/api/acme/leads/4711', { token: null });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const inFlight = await control(sb.url, 'GET', '/__sandbox/spa-crm/requests');
    expect(inFlight).toEqual([
      expect.objectContaining({ kind: 'record', tenant: 'acme', id: '4711', status: null, delayMs: 300, answeredAt: null }),
    ]);
    expect((await pending).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);

    started = Date.now();
    expect((await call(sb.url, 'GET', '/spa-crm/api/acme/leads/4712', { token: null })).status).toBe(200);
    await call(sb.url, 'GET', '/spa-crm/api/acme/leads', { token: null });
    expect(Date.now() - started).toBeLessThan(250);

    const log = await control(sb.url, 'GET', '/__sandbox/spa-crm/requests');
    expect(log.map((entry: { kind: string; id: string | null; status: number; delayMs: number }) => [entry.kind, entry.id, entry.status, entry.delayMs])).toEqual([
      ['record', '4711', 200, 300],
      ['record', '4712', 200, 0],
      ['list', null, 200, 0],
    ]);
    expect(Date.parse(log[0].answeredAt) - Date.parse(log[0].at)).toBeGreaterThanOrEqual(295);
    // The provider's request log and counts stay for the provider API.
    expect(await control(sb.url, 'GET', '/__sandbox/requests')).toEqual([]);
  });

  it('upserts leads through the control API and validates them', async () => {
    await control(sb.url, 'POST', '/__sandbox/spa-crm/settings', { recordDelayMs: 0, listDelayMs: 0 });
    const upsert = await control(sb.url, 'POST', '/__sandbox/spa-crm/leads', {
      tenant: 'acme',
      leads: [
        { id: 4799, firstName: 'Barbara', lastName: 'Liskov', mobile: '+1 617 555 0102' },
        { id: '4711', firstName: 'Ada', lastName: 'Byron' },
      ],
    });
    expect(upsert).toEqual({ tenant: 'acme', upserted: ['4799', '4711'] });
    const leads = (await call(sb.url, 'GET', '/spa-crm/api/acme/leads', { token: null })).body.leads;
    expect(leads.map((lead: SpaLead) => lead.id)).toEqual(['4711', '4712', '4713', '4714', '4799']);
    expect(leads[0]).toEqual({ id: '4711', firstName: 'Ada', lastName: 'Byron' });
    expect((await control(sb.url, 'GET', '/__sandbox/spa-crm/leads')).globex).toHaveLength(2);
    // The demo CRM's leads are separate.
    expect((await control(sb.url, 'GET', '/__sandbox/leads')).map((lead: SpaLead) => lead.id)).toEqual(['L-1001', 'L-1002', 'L-1003']);

    for (const [body, field] of [
      [{ leads: [{ id: '1', firstName: 'A', lastName: 'B' }] }, 'tenant'],
      [{ tenant: 'Acme!', leads: [{ id: '1', firstName: 'A', lastName: 'B' }] }, 'tenant'],
      [{ tenant: 'api', leads: [{ id: '1', firstName: 'A', lastName: 'B' }] }, 'tenant'],
      [{ tenant: 'acme', leads: [] }, 'leads'],
      [{ tenant: 'acme', leads: [{ id: '1', firstName: 'A', lastName: 'B', mobile: 4155550100 }] }, 'leads.0.mobile'],
      [{ tenant: 'acme', leads: [{ id: 'a/b', firstName: 'A', lastName: 'B' }] }, 'leads.0.id'],
      [{ tenant: 'acme', leads: [{ id: '1', firstName: 'A' }] }, 'leads.0.lastName'],
    ] as const) {
      const result = await call(sb.url, 'POST', '/__sandbox/spa-crm/leads', { body, token: null });
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(result.body.payload.field, JSON.stringify(body)).toBe(field);
    }
  });

  it('merges settings, puts whileLoading into the page, and resets them (and the seed leads with data)', async () => {
    const defaults = await control(sb.url, 'GET', '/__sandbox/spa-crm/settings');
    expect(defaults).toEqual({ recordDelayMs: 150, listDelayMs: 100, whileLoading: 'clear', recordDelayOverrides: {} });
    expect(await control(sb.url, 'POST', '/__sandbox/spa-crm/settings', { whileLoading: 'keep' })).toEqual({
      ...defaults,
      whileLoading: 'keep',
    });
    expect((await get('/spa-crm/acme/leads')).text).toBe(appShell('keep'));
    expect(appShell('keep')).toContain('<meta name="orbit-while-loading" content="keep">');
    for (const [body, field] of [
      [{ whileLoading: 'blank' }, 'whileLoading'],
      [{ recordDelayMs: -1 }, 'recordDelayMs'],
      [{ listDelayMs: 1.5 }, 'listDelayMs'],
      [{ extra: true }, ''],
    ] as const) {
      const result = await call(sb.url, 'POST', '/__sandbox/spa-crm/settings', { body, token: null });
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(result.body.payload.field).toBe(field);
    }
    // The provider's settings are untouched by these.
    expect(Object.keys(await control(sb.url, 'GET', '/__sandbox/settings'))).not.toContain('whileLoading');

    await control(sb.url, 'POST', '/__sandbox/spa-crm/leads', { tenant: 'acme', leads: [{ id: '1', firstName: 'A', lastName: 'B' }] });
    await control(sb.url, 'POST', '/__sandbox/reset', {});
    expect(await control(sb.url, 'GET', '/__sandbox/spa-crm/settings')).toEqual(defaults);
    expect(await control(sb.url, 'GET', '/__sandbox/spa-crm/requests')).toEqual([]);
    expect((await control(sb.url, 'GET', '/__sandbox/spa-crm/leads')).acme).toHaveLength(5);

    await control(sb.url, 'POST', '/__sandbox/reset', { data: true });
    expect(await control(sb.url, 'GET', '/__sandbox/spa-crm/leads')).toEqual(demoSeed.spaLeads);
  });
});

describe('Orbit CRM persistence', () => {
  const dirs: string[] = [];
  const running: Sandbox[] = [];
  const tempFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-spa-test-'));
    dirs.push(dir);
    return join(dir, 'data.json');
  };
  const start = async (dataFile: string) => {
    const sandbox = await startSandbox({ quiet: true, dataFile });
    running.push(sandbox);
    return sandbox;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sandbox) => sandbox.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps Orbit CRM leads across a restart', async () => {
    const dataFile = tempFile();
    const first = await start(dataFile);
    await control(first.url, 'POST', '/__sandbox/spa-crm/leads', { tenant: 'initech', leads: [{ id: '7', firstName: 'Peter', lastName: 'Gibbons' }] });
    await first.close();
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).spaLeads.initech).toEqual([{ id: '7', firstName: 'Peter', lastName: 'Gibbons' }]);

    const second = await start(dataFile);
    const answer = await call(second.url, 'GET', '/spa-crm/api/initech/leads/7', { token: null });
    expect(answer.body.lead).toEqual({ id: '7', firstName: 'Peter', lastName: 'Gibbons' });
  });

  it('loads a data file written before Orbit CRM existed, filling in the seed leads', async () => {
    const dataFile = tempFile();
    const first = await start(dataFile);
    await control(first.url, 'POST', '/__sandbox/leads', { id: 'L-OLD', firstName: 'Old', lastName: 'File' });
    await first.close();
    const old = JSON.parse(readFileSync(dataFile, 'utf8'));
    delete old.spaLeads;
    writeFileSync(dataFile, JSON.stringify(old));

    const second = await start(dataFile);
    expect((await control(second.url, 'GET', '/__sandbox/leads')).map((lead: SpaLead) => lead.id)).toContain('L-OLD');
    expect(await control(second.url, 'GET', '/__sandbox/spa-crm/leads')).toEqual(demoSeed.spaLeads);
    await second.close();

    writeFileSync(dataFile, JSON.stringify({ ...old, spaLeads: [] }));
    await expect(startSandbox({ quiet: true, dataFile })).rejects.toThrow(/unknown format/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The client app, run in happy-dom. Its fetches are held until a test releases them, then answered by the real
// sandbox API (delays off), so the order in which answers arrive is the test's choice.

const APP_SOURCE = readFileSync(new URL('../../sandbox/spa-crm-app.js', import.meta.url), 'utf8');
const ORIGIN = 'http://orbit.test';

interface HeldFetch {
  path: string;
  release(): Promise<void>;
}

interface App {
  window: Window;
  document: Window['document'];
  held: HeldFetch[];
  /** Answers the oldest held fetch whose path ends with `suffix`, then lets the app render. */
  release(suffix: string): Promise<void>;
  main(): Element;
  orbit: { tenant: string; mode: 'path' | 'hash'; whileLoading: 'clear' | 'keep'; go(route: string): void };
  html(): string;
  click(selector: string, init?: IMouseEventInit): boolean;
}

const openApps: Window[] = [];

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function startApp(path: string, whileLoading: 'clear' | 'keep' = 'clear'): Promise<App> {
  const window = new Window({ url: ORIGIN + path });
  openApps.push(window);
  const held: HeldFetch[] = [];
  const fetchStub = (input: string) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input, window.location.href);
      held.push({
        path: url.pathname,
        async release() {
          try {
            // Buffered first, so the app's response.json() needs no more I/O once the answer is handed over.
            const real = await fetch(sb.url + url.pathname);
            resolve(new Response(await real.text(), { status: real.status, headers: real.headers }));
          } catch (error) {
            reject(error);
          }
        },
      });
    });
  Object.assign(window, { fetch: fetchStub });
  window.document.write(appShell(whileLoading).replace('<script src="/spa-crm/app.js"></script>', ''));
  new Function('window', APP_SOURCE)(window);
  await settle();
  const document = window.document;
  return {
    window,
    document,
    held,
    async release(suffix: string) {
      const index = held.findIndex((entry) => entry.path.endsWith(suffix));
      if (index === -1) throw new Error(`no held fetch for ${suffix}: ${held.map((entry) => entry.path).join(', ')}`);
      const [entry] = held.splice(index, 1);
      await entry?.release();
      await settle();
      await settle();
    },
    main() {
      const main = document.querySelector('main');
      if (!main) throw new Error('no main');
      return main;
    },
    html() {
      const main = document.querySelector('main');
      if (!main) throw new Error('no main');
      return main.outerHTML;
    },
    get orbit() {
      return (window as unknown as { orbit: App['orbit'] }).orbit;
    },
    /** A real click event; returns false when the app (or anything) prevented the default. */
    click(selector: string, init: IMouseEventInit = {}) {
      const target = document.querySelector(selector);
      if (!target) throw new Error(`nothing matches ${selector}`);
      let prevented = false;
      // Registered after the app's listener, so it sees the app's decision; then stops happy-dom's own navigation.
      const spy = (event: Event) => {
        prevented = event.defaultPrevented;
        event.preventDefault();
      };
      document.addEventListener('click', spy as never);
      target.dispatchEvent(new window.MouseEvent('click', { bubbles: true, cancelable: true, button: 0, ...init }));
      document.removeEventListener('click', spy as never);
      return !prevented;
    },
  };
}

/** The record markup of the contract in sandbox/README.md, built independently of the app. */
function recordHtml(lead: SpaLead, related: SpaLead[], link: (id: string) => string): string {
  const field = (key: string, label: string, value: string | undefined, extra = '') =>
    value
      ? `<div class="field"><span class="field-label">${label}</span><span class="field-value" data-field="${key}"${extra}>${value}</span></div>`
      : '';
  const owner = lead.ownerName ?? lead.ownerEmail;
  const ownerAttr = lead.ownerEmail ? ` data-owner-email="${lead.ownerEmail}"` : '';
  const relatedHtml = related.length
    ? `<section class="related"><h2>Related leads</h2><ul>${related
        .map((other) => `<li><a href="${link(other.id)}">${other.firstName} ${other.lastName}</a></li>`)
        .join('')}</ul></section>`
    : '';
  return (
    `<main id="record" class="record" data-record-id="${lead.id}">` +
    `<header class="record-header"><h1 class="record-title"><span class="first-name">${lead.firstName}</span> <span class="last-name">${lead.lastName}</span></h1>` +
    '<div class="record-actions" role="toolbar"><button type="button">Call</button><button type="button">Email</button></div></header>' +
    `<section class="details">${field('mobile', 'Mobile', lead.mobile)}${field('phone', 'Work phone', lead.phone)}${field('email', 'Email', lead.email)}${field('owner', 'Owner', owner, ownerAttr)}${field('status', 'Status', lead.status)}</section>` +
    `${relatedHtml}</main>`
  );
}

const pathLink = (id: string) => `/spa-crm/acme/leads/${id}`;
const hashLink = (id: string) => `#/leads/${id}`;
const acmeRecordHtml = (id: string, link = pathLink) =>
  recordHtml(
    acmeLead(id),
    ACME.filter((other) => other.id !== id),
    link,
  );
const LOADING = '<main id="loading" class="loading">Loading…</main>';

describe('Orbit CRM app (happy-dom)', () => {
  beforeEach(async () => {
    await control(sb.url, 'POST', '/__sandbox/spa-crm/settings', { recordDelayMs: 0, listDelayMs: 0 });
  });
  afterEach(async () => {
    await Promise.all(openApps.splice(0).map((window) => window.happyDOM.close()));
  });

  it('goes list → record by a link click: URL at once, loading placeholder, then the record; Back refetches', async () => {
    const app = await startApp('/spa-crm/acme/leads');
    expect(app.document.querySelector('nav.orbit-nav a.nav-leads')?.getAttribute('href')).toBe('/spa-crm/acme/leads');
    expect(app.html()).toBe(LOADING);
    expect(app.document.title).toBe('Loading… | Orbit CRM');
    expect(app.held.map((entry) => entry.path)).toEqual(['/spa-crm/api/acme/leads']);
    await app.release('/leads');
    expect(app.document.title).toBe('Leads | Orbit CRM');
    const links = [...app.document.querySelectorAll('main#list table a')].map((a) => a.getAttribute('href'));
    expect(links).toEqual(['4711', '4712', '4713', '4714'].map(pathLink));

    expect(app.click('a[href="/spa-crm/acme/leads/4711"]')).toBe(false);
    expect(app.window.location.pathname).toBe('/spa-crm/acme/leads/4711');
    expect(app.html()).toBe(LOADING);
    expect(app.document.title).toBe('Loading… | Orbit CRM');
    await app.release('/leads/4711');
    expect(app.html()).toBe(acmeRecordHtml('4711'));
    expect(app.document.title).toBe('Ada Lovelace | Orbit CRM');

    // Record → record in 'clear' mode: placeholder, then a new main#record. Alan has no mobile.
    const adaMain = app.main();
    app.click('.related a[href="/spa-crm/acme/leads/4713"]');
    expect(app.html()).toBe(LOADING);
    await app.release('/leads/4713');
    expect(app.html()).toBe(acmeRecordHtml('4713'));
    expect(app.main()).not.toBe(adaMain);
    expect(app.document.querySelector('[data-field="mobile"]')).toBeNull();

    app.window.history.back();
    await settle();
    expect(app.window.location.pathname).toBe('/spa-crm/acme/leads/4711');
    expect(app.html()).toBe(LOADING);
    await app.release('/leads/4711');
    expect(app.html()).toBe(acmeRecordHtml('4711'));

    app.click('nav a.nav-leads');
    await app.release('/leads');
    expect(app.main().id).toBe('list');
  });

  it("keeps the old record on screen in 'keep' mode and then updates the same main#record in place", async () => {
    const app = await startApp('/spa-crm/acme/leads/4711', 'keep');
    expect(app.html()).toBe(LOADING); // nothing to keep on the first load
    await app.release('/leads/4711');
    const record = app.main();
    const firstName = app.document.querySelector('.first-name');
    // Something foreign inside the record (as an extension's button would be) survives the update.
    const foreign = app.document.createElement('button');
    foreign.className = 'foreign';
    app.document.querySelector('.record-actions')?.append(foreign);
    const adaWithForeign = app.html();

    app.click('.related a[href="/spa-crm/acme/leads/4712"]');
    expect(app.window.location.pathname).toBe('/spa-crm/acme/leads/4712');
    expect(app.html()).toBe(adaWithForeign);
    expect(app.document.title).toBe('Ada Lovelace | Orbit CRM');
    await app.release('/leads/4712');
    expect(app.main()).toBe(record);
    expect(app.document.querySelector('.first-name')).toBe(firstName);
    expect(app.document.querySelector('.record-actions .foreign')).toBe(foreign);
    foreign.remove();
    expect(app.html()).toBe(acmeRecordHtml('4712'));
    expect(app.document.title).toBe('Grace Hopper | Orbit CRM');

    // Fewer fields (no mobile) and back: still the same element, the markup exactly the contract.
    app.orbit.go('/leads/4713');
    await app.release('/leads/4713');
    expect(app.main()).toBe(record);
    expect(app.html()).toBe(acmeRecordHtml('4713'));
    app.orbit.go('/leads/4714');
    await app.release('/leads/4714');
    expect(app.html()).toBe(acmeRecordHtml('4714'));

    // A missing record replaces it.
    app.orbit.go('/leads/99999');
    expect(app.main()).toBe(record);
    await app.release('/leads/99999');
    expect(app.html()).toBe('<main id="not-found" class="not-found"><h1>Lead 99999 not found</h1></main>');
  });

  it('never renders a stale answer', async () => {
    // 'keep': two clicks on the still-visible record, the older answer arrives last.
    const keep = await startApp('/spa-crm/acme/leads/4711', 'keep');
    await keep.release('/leads/4711');
    keep.click('.related a[href="/spa-crm/acme/leads/4712"]');
    keep.click('.related a[href="/spa-crm/acme/leads/4713"]');
    expect(keep.window.location.pathname).toBe('/spa-crm/acme/leads/4713');
    await keep.release('/leads/4713');
    expect(keep.main().getAttribute('data-record-id')).toBe('4713');
    await keep.release('/leads/4712');
    expect(keep.html()).toBe(acmeRecordHtml('4713'));
    expect(keep.document.title).toBe('Alan Turing | Orbit CRM');

    // 'clear': forward to B then Back to A before B answers; B's late answer is dropped, and so is an
    // older answer arriving while a newer one is still pending.
    const clear = await startApp('/spa-crm/acme/leads/4711');
    await clear.release('/leads/4711');
    clear.click('.related a[href="/spa-crm/acme/leads/4712"]');
    clear.window.history.back();
    await settle();
    expect(clear.held.map((entry) => entry.path)).toEqual(['/spa-crm/api/acme/leads/4712', '/spa-crm/api/acme/leads/4711']);
    await clear.release('/leads/4712');
    expect(clear.html()).toBe(LOADING);
    await clear.release('/leads/4711');
    expect(clear.html()).toBe(acmeRecordHtml('4711'));
    expect(clear.window.location.pathname).toBe('/spa-crm/acme/leads/4711');
  });

  it('routes by hash when loaded with a "#/" hash, and renders only hash links then', async () => {
    const app = await startApp('/spa-crm/acme/#/leads');
    expect(app.orbit.mode).toBe('hash');
    await app.release('/leads');
    const links = [...app.document.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(links).toEqual(['#/leads', ...['4711', '4712', '4713', '4714'].map(hashLink)]);

    // The browser follows a hash link itself (the app does not intercept it) and the app reacts to hashchange.
    expect(app.click('main a[href="#/leads/4714"]', {})).toBe(true);
    app.window.location.hash = '#/leads/4714'; // what the browser's default action does (the spy stopped happy-dom's)
    await settle();
    expect(app.window.location.pathname).toBe('/spa-crm/acme/');
    expect(app.html()).toBe(LOADING);
    await app.release('/leads/4714');
    expect(app.html()).toBe(acmeRecordHtml('4714', hashLink));

    // A real click with the browser's default action left in place.
    (app.document.querySelector('.related a[href="#/leads/4712"]') as HTMLElement).click();
    await settle();
    expect(app.window.location.href).toBe(`${ORIGIN}/spa-crm/acme/#/leads/4712`);
    await app.release('/leads/4712');
    expect(app.main().getAttribute('data-record-id')).toBe('4712');
    app.window.history.back();
    await settle();
    await app.release('/leads/4714');
    expect(app.main().getAttribute('data-record-id')).toBe('4714');

    // The hash wins over the path, and "#/" alone goes to the list.
    const wins = await startApp('/spa-crm/acme/leads/4712#/leads/4711');
    expect(wins.held.map((entry) => entry.path)).toEqual(['/spa-crm/api/acme/leads/4711']);
    const home = await startApp('/spa-crm/globex/#/');
    expect(home.window.location.hash).toBe('#/leads');
    await home.release('/globex/leads');
    expect(home.document.querySelectorAll('main#list tbody tr')).toHaveLength(2);
  });

  it('leaves modified clicks and links outside the app to the browser', async () => {
    const app = await startApp('/spa-crm/acme/leads');
    await app.release('/leads');
    const ada = 'a[href="/spa-crm/acme/leads/4711"]';
    for (const init of [{ ctrlKey: true }, { metaKey: true }, { shiftKey: true }, { altKey: true }, { button: 1 }]) {
      expect(app.click(ada, init), JSON.stringify(init)).toBe(true);
    }
    const outside = app.document.createElement('a');
    outside.setAttribute('href', '/app/chatrooms/cr_1');
    outside.id = 'outside';
    app.document.body.append(outside);
    expect(app.click('#outside')).toBe(true);
    app.document.querySelector(ada)?.setAttribute('target', '_blank');
    expect(app.click(ada)).toBe(true);
    expect(app.window.location.pathname).toBe('/spa-crm/acme/leads');
    expect(app.held).toEqual([]);
  });

  it('renders a missing record and an unknown route, keeping the URL', async () => {
    const app = await startApp('/spa-crm/acme/leads/99999');
    await app.release('/leads/99999');
    expect(app.html()).toBe('<main id="not-found" class="not-found"><h1>Lead 99999 not found</h1></main>');
    expect(app.document.title).toBe('Lead 99999 not found | Orbit CRM');
    expect(app.window.location.pathname).toBe('/spa-crm/acme/leads/99999');

    const unknown = await startApp('/spa-crm/acme/reports');
    expect(unknown.html()).toBe('<main id="not-found" class="not-found"><h1>Page not found</h1></main>');
    expect(unknown.held).toEqual([]);
  });

  it('renders lead values as text', async () => {
    await control(sb.url, 'POST', '/__sandbox/spa-crm/leads', {
      tenant: 'acme',
      leads: [{ id: '666', firstName: HOSTILE, lastName: '"><script>x</script>', ownerEmail: '"><b>', status: '&amp;' }],
    });
    const app = await startApp('/spa-crm/acme/leads/666');
    await app.release('/leads/666');
    expect(app.document.querySelector('.first-name')?.textContent).toBe(HOSTILE);
    expect(app.document.querySelector('[data-field="owner"]')?.getAttribute('data-owner-email')).toBe('"><b>');
    expect(app.document.querySelector('[data-field="status"]')?.textContent).toBe('&amp;');
    expect(app.document.querySelectorAll('main img, main script, main b')).toHaveLength(0);
    expect(app.document.title).toBe(`${HOSTILE} "><script>x</script> | Orbit CRM`);
  });
});
