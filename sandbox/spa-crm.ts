import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { escapeHtml, html, page } from './html';
import { htmlReply, jsonReply, type Reply, sleep } from './http';
import type { SpaLead } from './seed';
import type { Store } from './store';

/**
 * Orbit CRM: a client-side-routed single-page CRM under /spa-crm/<tenant>/…, for testing lead detection the way
 * real CRMs behave: entering a record from a list, Back/Forward, hash routes, records that render only after an
 * asynchronous (and deliberately slow) fetch, the old record kept on screen while the new one loads, and the same
 * numeric record id in two tenants. The server side is an SPA host (every path under a tenant serves the same
 * page) plus a small JSON API; the app itself is sandbox/spa-crm-app.js. See sandbox/README.md, "Orbit CRM".
 */

export const TENANT_PATTERN = /^[a-z0-9-]{1,40}$/;
export const SPA_LEAD_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** `/spa-crm/api/…` is the API, so no tenant can be called `api`. */
const RESERVED_TENANTS = new Set(['api']);
const MAX_DELAY_MS = 600_000;

const Tenant = z
  .string()
  .regex(TENANT_PATTERN)
  .refine((tenant) => !RESERVED_TENANTS.has(tenant), 'reserved tenant slug');
const Delay = z.int().min(0).max(MAX_DELAY_MS);

export const SpaCrmSettingsSchema = z.strictObject({
  /** Server-side delay of every record answer (also 404s). */
  recordDelayMs: Delay,
  /** Server-side delay of every list answer. */
  listDelayMs: Delay,
  /** What the app shows between a navigation and the arrival of its data. Read when the page loads. */
  whileLoading: z.enum(['clear', 'keep']),
  /** Per-record delays, keyed `<tenant>/<id>`, replacing recordDelayMs for that record (e.g. to make A answer after B). */
  recordDelayOverrides: z.record(z.string().regex(/^[a-z0-9-]{1,40}\/[A-Za-z0-9_-]{1,64}$/), Delay),
});

export type SpaCrmSettings = z.infer<typeof SpaCrmSettingsSchema>;

export const SpaCrmSettingsPatchSchema = SpaCrmSettingsSchema.partial();

export function defaultSpaCrmSettings(): SpaCrmSettings {
  return { recordDelayMs: 150, listDelayMs: 100, whileLoading: 'clear', recordDelayOverrides: {} };
}

const Text = z.string().max(500);

const SpaLeadSchema = z.strictObject({
  id: z.union([z.string().regex(SPA_LEAD_ID_PATTERN), z.int().min(0).max(Number.MAX_SAFE_INTEGER)]).transform(String),
  firstName: Text,
  lastName: Text,
  mobile: Text.optional(),
  phone: Text.optional(),
  email: Text.optional(),
  ownerEmail: Text.optional(),
  ownerName: Text.optional(),
  status: Text.optional(),
});

export const SpaLeadsUpsertSchema = z.strictObject({
  tenant: Tenant,
  leads: z.array(SpaLeadSchema).min(1).max(1000),
});

export interface SpaCrmRequest {
  /** page: the app's HTML (a full page load, as opposed to client-side navigation); list/record: the JSON API. */
  kind: 'page' | 'list' | 'record';
  method: string;
  path: string;
  tenant: string;
  /** The record id asked for (kind record), else null. */
  id: string | null;
  /** null while the answer is still being delayed. */
  status: number | null;
  delayMs: number;
  /** ISO time of arrival. */
  at: string;
  /** ISO time the answer was sent, null while pending. */
  answeredAt: string | null;
}

const MAX_LOGGED_REQUESTS = 500;

/** Orbit CRM's test controls: part of Controls, so they are never persisted and POST /__sandbox/reset clears them. */
export class SpaCrmControls {
  settings: SpaCrmSettings = defaultSpaCrmSettings();
  requests: SpaCrmRequest[] = [];

  log(entry: SpaCrmRequest): void {
    this.requests.push(entry);
    if (this.requests.length > MAX_LOGGED_REQUESTS) this.requests.splice(0, this.requests.length - MAX_LOGGED_REQUESTS);
  }

  reset(): void {
    this.settings = defaultSpaCrmSettings();
    this.requests = [];
  }
}

export interface SpaCrmDeps {
  store: Store;
  controls: SpaCrmControls;
  /** Aborted when the sandbox closes: pending delays end at once. */
  signal: AbortSignal;
}

export async function handleSpaCrm(method: string, path: string, deps: SpaCrmDeps): Promise<Reply> {
  const { store, controls } = deps;
  if (method !== 'GET' && method !== 'HEAD') return notFoundPage(`${method} is not supported here`, 405);
  if (path === '/spa-crm/app.js') {
    return {
      status: 200,
      text: readFileSync(new URL('./spa-crm-app.js', import.meta.url), 'utf8'),
      headers: { 'content-type': 'text/javascript; charset=utf-8' },
    };
  }
  if (path === '/spa-crm' || path === '/spa-crm/') return htmlReply(indexPage(Object.keys(store.data.spaLeads)));

  const api = /^\/spa-crm\/api\/([^/]+)\/leads(?:\/([^/]+))?\/?$/.exec(path);
  if (api) return apiAnswer(method, path, api[1] ?? '', api[2], deps);
  if (path.startsWith('/spa-crm/api/')) return jsonReply({ error: 'not_found', message: `No API route ${path}` }, 404);

  const app = /^\/spa-crm\/([^/]+)(\/.*)?$/.exec(path);
  const tenant = app?.[1] ?? '';
  if (!app || !TENANT_PATTERN.test(tenant) || RESERVED_TENANTS.has(tenant)) return notFoundPage(`No Orbit CRM at ${path}`);
  // Only the tenant's folder is the app's base, so "/spa-crm/acme" gets the slash a relative URL would need.
  if (app[2] === undefined) return { status: 302, text: '', headers: { location: `/spa-crm/${tenant}/` } };
  const at = new Date().toISOString();
  controls.log({ kind: 'page', method, path, tenant, id: null, status: 200, delayMs: 0, at, answeredAt: at });
  return htmlReply(appShell(controls.settings.whileLoading));
}

async function apiAnswer(method: string, path: string, tenant: string, rawId: string | undefined, deps: SpaCrmDeps) {
  const { store, controls, signal } = deps;
  if (!TENANT_PATTERN.test(tenant) || RESERVED_TENANTS.has(tenant)) {
    return jsonReply({ error: 'not_found', message: `No tenant ${tenant}` }, 404);
  }
  let id: string | null = null;
  if (rawId !== undefined) {
    try {
      id = decodeURIComponent(rawId);
    } catch {
      id = rawId;
    }
  }
  const settings = controls.settings;
  const delayMs = id === null ? settings.listDelayMs : (settings.recordDelayOverrides[`${tenant}/${id}`] ?? settings.recordDelayMs);
  const entry: SpaCrmRequest = {
    kind: id === null ? 'list' : 'record',
    method,
    path,
    tenant,
    id,
    status: null,
    delayMs,
    at: new Date().toISOString(),
    answeredAt: null,
  };
  controls.log(entry);
  // The delay is the server's, so Chromium and Firefox see the same timing; the data is read after it, as a
  // slow backend would.
  await sleep(delayMs, signal);
  const reply = id === null ? listAnswer(store, tenant) : recordAnswer(store, tenant, id);
  entry.status = reply.status;
  entry.answeredAt = new Date().toISOString();
  return reply;
}

function listAnswer(store: Store, tenant: string): Reply {
  return jsonReply({ tenant, leads: store.spaLeads(tenant) });
}

function recordAnswer(store: Store, tenant: string, id: string): Reply {
  const lead = store.spaLead(tenant, id);
  if (!lead) return jsonReply({ error: 'not_found', message: `Lead ${id} not found` }, 404);
  const related = store
    .spaLeads(tenant)
    .filter((other) => other.id !== lead.id)
    .slice(0, 5)
    .map(({ id: relatedId, firstName, lastName }): Pick<SpaLead, 'id' | 'firstName' | 'lastName'> => ({
      id: relatedId,
      firstName,
      lastName,
    }));
  return jsonReply({ tenant, lead, related });
}

const CSS = `
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; background: #f3f1fa; color: #211d33; }
nav.orbit-nav { display: flex; gap: 18px; align-items: center; padding: 0 20px; height: 46px; background: #3b2d73; color: #fff; }
nav.orbit-nav .brand { font-weight: 700; }
nav.orbit-nav .tenant { opacity: .7; margin-right: 12px; }
nav.orbit-nav a { color: #e4ddff; text-decoration: none; }
main { max-width: 960px; margin: 24px auto; background: #fff; border: 1px solid #dcd6ee; border-radius: 8px; padding: 0 0 8px; }
main.loading, main.not-found, main.error { padding: 16px 20px; }
main.list h1 { margin: 0; padding: 16px 20px; font-size: 22px; }
.record-header { display: flex; justify-content: space-between; align-items: center; padding: 16px 20px; border-bottom: 1px solid #e7e3f3; }
.record-title { margin: 0; font-size: 22px; font-weight: 600; }
.record-actions { display: flex; gap: 8px; }
.record-actions button { padding: 6px 14px; border: 1px solid #c6bde3; border-radius: 4px; background: #f8f7fc; font: inherit; cursor: pointer; }
.details { display: grid; grid-template-columns: 140px 1fr; gap: 10px 16px; padding: 20px; }
.field { display: contents; }
.field-label { color: #6b6585; }
.related { padding: 0 20px; }
.related h2 { font-size: 15px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 10px 20px; border-bottom: 1px solid #e7e3f3; }
th { background: #f8f7fc; color: #6b6585; font-weight: 600; }
a { color: #4b36b0; text-decoration: none; }
`;

/** The same page for every route of a tenant, as an SPA's server answers; the app routes on the client. */
export function appShell(whileLoading: SpaCrmSettings['whileLoading']): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="orbit-while-loading" content="${escapeHtml(whileLoading)}">
<title>Orbit CRM</title>
<style>${CSS}</style>
</head>
<body>
<div id="app"></div>
<script src="/spa-crm/app.js"></script>
</body>
</html>
`;
}

function indexPage(tenants: string[]): string {
  return page(
    'Orbit CRM',
    html`<main><h1>Orbit CRM tenants</h1><ul>${tenants.map(
      (tenant) => html`<li><a href="/spa-crm/${tenant}/leads">${tenant}</a></li>`,
    )}</ul></main>`,
    CSS,
  );
}

function notFoundPage(message: string, status = 404): Reply {
  return htmlReply(page('Not found | Orbit CRM', html`<main class="not-found"><h1>Not found</h1><p>${message}</p></main>`, CSS), status);
}
