import { readFileSync } from 'node:fs';
import { htmlReply, type Reply } from './http';
import { html, page, type SafeHtml } from './html';
import type { SeedLead } from './seed';
import type { Store } from './store';

/**
 * A tiny stand-in CRM. The record page's markup is a fixed contract (class names, data attributes,
 * element order) that the extension's demo CRM profile and the e2e tests are written against.
 */

const CSS = `
* { box-sizing: border-box; }
body { font: 14px/1.45 "Segoe UI", system-ui, sans-serif; margin: 0; background: #eef1f5; color: #1c2434; }
nav.crm-nav { display: flex; gap: 20px; align-items: center; padding: 0 20px; height: 48px;
  background: #1b3a5c; color: #fff; }
nav.crm-nav a { color: #dce7f3; text-decoration: none; }
nav.crm-nav .brand { font-weight: 700; color: #fff; margin-right: 12px; }
main { max-width: 960px; margin: 24px auto; background: #fff; border: 1px solid #d5dbe3; border-radius: 6px; }
.record-header { display: flex; justify-content: space-between; align-items: center; padding: 16px 20px;
  border-bottom: 1px solid #e3e7ee; }
.record-name { margin: 0; font-size: 22px; font-weight: 600; }
.quick-actions { display: flex; gap: 8px; }
.quick-actions button { padding: 6px 14px; border: 1px solid #b9c4d2; border-radius: 4px; background: #f7f9fb;
  cursor: pointer; font: inherit; }
.quick-actions button:hover { background: #e8eef5; }
.record-fields { display: grid; grid-template-columns: 140px 1fr; gap: 10px 16px; margin: 0; padding: 20px; }
.record-fields dt { color: #5f6d80; }
.record-fields dd { margin: 0; }
.crm-list table { width: 100%; border-collapse: collapse; }
.crm-list th, .crm-list td { text-align: left; padding: 10px 16px; border-bottom: 1px solid #e3e7ee; }
.crm-list th { background: #f6f8fa; color: #5f6d80; font-weight: 600; }
.crm-list a { color: #1a5fb4; text-decoration: none; }
.crm-empty { padding: 24px; }
.crm-search { padding: 4px 20px 20px; }
.crm-search h1 { font-size: 20px; }
#search-query { color: #5f6d80; font-family: ui-monospace, monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
#search-results { list-style: none; margin: 0; padding: 0; }
#search-results li { display: flex; gap: 16px; padding: 10px 0; border-bottom: 1px solid #e3e7ee; }
#search-results a { color: #1a5fb4; text-decoration: none; font-weight: 600; }
.search-detail { color: #5f6d80; }
.crm-search-form { display: flex; gap: 8px; }
.crm-search-form input { flex: 1; max-width: 360px; padding: 6px 10px; border: 1px solid #b9c4d2; border-radius: 4px; font: inherit; }
`;

/** `query`: the request's query string, which only the search page reads. */
export function handleCrm(method: string, path: string, store: Store, query = new URLSearchParams()): Reply {
  if (method !== 'GET' && method !== 'HEAD') return notFound('Not supported');
  if (path === '/crm' || path === '/crm/') return { status: 302, text: '', headers: { location: '/crm/leads' } };
  const fixture = /^\/(?:crm\/fixtures|other-crm)\/([a-z0-9-]+)(?:\/.*)?$/.exec(path)?.[1];
  if (fixture) return fixturePage(fixture);
  if (path === '/crm/leads' || path === '/crm/leads/') return htmlReply(layout('Leads', listView(store.data.leads)));
  if (path === '/crm/search' || path === '/crm/search/') return htmlReply(layout('Search', searchView(query, store.data.leads)));

  const rawId = /^\/crm\/leads\/([^/]+)$/.exec(path)?.[1];
  let id: string | undefined;
  try {
    id = rawId === undefined ? undefined : decodeURIComponent(rawId);
  } catch {
    id = undefined;
  }
  const lead = id === undefined ? undefined : store.lead(id);
  if (!lead) return notFound(id === undefined ? 'No such page' : `Lead ${id} not found`);
  return htmlReply(layout(`${lead.firstName} ${lead.lastName} | Lead`, recordView(lead)));
}

function listView(leads: SeedLead[]): SafeHtml {
  const rows = leads.map(
    (lead) => html`
    <tr data-record-id="${lead.id}"><td><a href="/crm/leads/${encodeURIComponent(lead.id)}">${lead.firstName} ${lead.lastName}</a></td><td>${lead.phone ?? ''}</td><td>${lead.email ?? ''}</td><td>${lead.ownerName ?? lead.ownerEmail ?? ''}</td></tr>`,
  );
  return html`<main class="crm-list"><table>
  <thead><tr><th>Name</th><th>Phone</th><th>Email</th><th>Owner</th></tr></thead>
  <tbody>${rows}
  </tbody>
</table></main>`;
}

const SEARCH_PARAMS = ['phone', 'email', 'q'] as const;

/**
 * The page a "Find in CRM" lookup URL opens: the leads matching ANY of phone, email and q. #search-query shows
 * every parameter as it arrived, decoded, so a test sees what the lookup URL really sent (an unencoded `+`
 * arrives as a space); its data-phone / data-email / data-q hold the first value of each, exactly.
 */
function searchView(query: URLSearchParams, leads: SeedLead[]): SafeHtml {
  const received = [...query].map(([name, value]) => `${name}=${value}`).join('&');
  const attributes = SEARCH_PARAMS.map((name) => (query.has(name) ? html` data-${name}="${query.get(name)}"` : ''));
  const found = leads.filter((lead) => searchMatches(lead, query));
  const results = found.length
    ? html`<ul id="search-results">${found.map(
        (lead) => html`
    <li><a class="search-result" data-lead-id="${lead.id}" href="/crm/leads/${encodeURIComponent(lead.id)}">${lead.firstName} ${lead.lastName}</a><span class="search-detail">${[lead.phone, lead.email].filter(Boolean).join(' · ')}</span></li>`,
      )}
  </ul>`
    : html`<p id="no-results">No leads match.</p>`;
  return html`<main class="crm-search">
  <h1>Search</h1>
  <form class="crm-search-form" action="/crm/search" method="get"><input type="search" name="q" aria-label="Search leads" placeholder="Name or id"><button type="submit">Search</button></form>
  <p id="search-query"${attributes}>${received}</p>
  ${results}
</main>`;
}

/** Blank values are ignored: a lookup template whose variable was empty must not list every lead. */
function searchMatches(lead: SeedLead, query: URLSearchParams): boolean {
  const values = (name: string) => query.getAll(name).map((value) => value.trim()).filter(Boolean);
  const name = `${lead.firstName} ${lead.lastName}`.toLowerCase();
  return (
    values('phone').some((phone) => samePhone(lead.phone, phone)) ||
    values('email').some((email) => lead.email?.trim().toLowerCase() === email.toLowerCase()) ||
    values('q').some((q) => name.includes(q.toLowerCase()) || lead.id.toLowerCase().includes(q.toLowerCase()))
  );
}

/**
 * Digits only, leading zeros dropped (a national trunk 0, an international 00), and one ending with the other, so
 * +14155550132, 14155550132 and (415) 555-0132 are one number, as are +44 20 7946 0958 and 020 7946 0958. At
 * least 7 digits must match, so that a stray digit does not match every lead.
 */
function samePhone(leadPhone: string | undefined, searched: string): boolean {
  const digits = (value: string) => value.replace(/\D/g, '').replace(/^0+/, '');
  const [a, b] = [digits(leadPhone ?? ''), digits(searched)];
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  return shorter.length >= 7 && longer.endsWith(shorter);
}

export function recordView(lead: SeedLead): SafeHtml {
  const fields: SafeHtml[] = [];
  if (lead.phone) fields.push(html`\n    <dt>Phone</dt><dd class="field-phone">${lead.phone}</dd>`);
  if (lead.email) fields.push(html`\n    <dt>Email</dt><dd class="field-email">${lead.email}</dd>`);
  if (lead.ownerEmail || lead.ownerName) {
    const ownerAttr = lead.ownerEmail ? html` data-owner-email="${lead.ownerEmail}"` : '';
    fields.push(html`\n    <dt>Owner</dt><dd class="field-owner"${ownerAttr}>${lead.ownerName ?? lead.ownerEmail}</dd>`);
  }
  if (lead.status) fields.push(html`\n    <dt>Status</dt><dd class="field-status">${lead.status}</dd>`);
  if (lead.company) fields.push(html`\n    <dt>Company</dt><dd class="field-company">${lead.company}</dd>`);
  return html`<main class="crm-record" data-record-type="lead" data-record-id="${lead.id}">
  <header class="record-header">
    <h1 class="record-name"><span class="first-name">${lead.firstName}</span> <span class="last-name">${lead.lastName}</span></h1>
    <div class="quick-actions" role="toolbar"><button class="qa-dialer" type="button">Call</button><button class="qa-email" type="button">Email</button></div>
  </header>
  <dl class="record-fields">${fields}
  </dl>
</main>`;
}

function layout(title: string, body: SafeHtml): string {
  return page(
    `${title} – Demo CRM`,
    html`<nav class="crm-nav"><span class="brand">Demo CRM</span><a href="/crm/leads">Leads</a></nav>
${body}`,
    CSS,
  );
}

/**
 * Other CRMs' pages for the detection e2e tests, from test/fixtures/crm-e2e/<name>.html. Every path below
 * /crm/fixtures/<name>/ serves the same file, as a single-page app's server does for its client-side routes.
 */
function fixturePage(name: string): Reply {
  try {
    return htmlReply(readFileSync(new URL(`../test/fixtures/crm-e2e/${name}.html`, import.meta.url), 'utf8'));
  } catch {
    return notFound(`No fixture ${name}`);
  }
}

function notFound(message: string): Reply {
  return htmlReply(layout('Not found', html`<main class="crm-empty"><h1>Not found</h1><p>${message}</p></main>`), 404);
}
