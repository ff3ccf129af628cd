import { htmlReply, type Reply } from './http';
import { html, page, SafeHtml } from './html';
import type { SeedLead } from './seed';
import type { Store } from './store';

/**
 * Ledger CRM: a server-rendered, PHP-CRM-like stand-in (think SuiteCRM or vTiger) under /ledger/, showing the store's
 * leads (store.data.leads, the same as the demo CRM's) with markup no built-in profile covers. It exists for the rule
 * builder's e2e test: an admin picks the name, the phone and the place for our buttons on an unknown page. So the
 * page is deliberately old-school and a little hostile to a selector chooser: one `index.php` with the route in the
 * query string (in any order, with extra parameters), table layout with `td.label` cells, a generated-looking class,
 * the name and other leads' names repeated elsewhere on the page, and a button row re-rendered after load.
 * Every value goes through the `html` tag: lead fields are text, never HTML. See sandbox/README.md, "Ledger CRM".
 */

const BASE = '/ledger/index.php';

export function listUrl(): string {
  return `${BASE}?module=Contacts&action=ListView`;
}

/** `extra`: the parameters a real CRM's list links add (return_module, offset), which the detail view ignores. */
export function detailUrl(id: string, extra: Record<string, string> = {}): string {
  return `${BASE}?${new URLSearchParams({ module: 'Contacts', action: 'DetailView', record: id, ...extra })}`;
}

const CSS = `
body { font: 12px/1.4 Arial, Helvetica, sans-serif; margin: 0; background: #f4f4f4; color: #222; }
#header { background: #534d64; color: #fff; padding: 8px 16px; }
#header .brand { font-weight: bold; font-size: 15px; margin-right: 24px; }
#header a { color: #fff; }
#main { display: flex; gap: 16px; padding: 16px; align-items: flex-start; }
#leftColumn { width: 180px; flex: none; }
.sidebar { background: #fff; border: 1px solid #ccc; padding: 8px; }
.sidebar h3 { margin: 0 0 6px; font-size: 12px; text-transform: uppercase; color: #666; }
.sidebar ul { margin: 0; padding-left: 16px; }
#content { flex: 1; background: #fff; border: 1px solid #ccc; padding: 8px 12px 16px; }
.moduleTitle h2 { margin: 4px 0 10px; font-size: 18px; font-weight: normal; }
.buttons { margin-bottom: 10px; }
input.button { background: #eee; border: 1px solid #999; padding: 3px 10px; font: inherit; cursor: pointer; }
table.view { width: 100%; border-collapse: collapse; margin-bottom: 16px; }
table.view td, table.view th { border: 1px solid #ddd; padding: 5px 8px; text-align: left; }
table.detail td.label { background: #f0f0f0; width: 15%; color: #555; }
table.list th { background: #e8e8e8; }
tr.evenListRowS1 { background: #fafafa; }
a { color: #2261a8; }
`;

/** `query`: the request's query string, which carries the whole route here (module, action, record). */
export function handleLedgerCrm(method: string, path: string, query: URLSearchParams, store: Store): Reply {
  if (method !== 'GET' && method !== 'HEAD') return notFound(`${method} is not supported here`);
  if (path !== '/ledger' && path !== '/ledger/' && path !== BASE) return notFound(`No page ${path}`);
  // A bare entry point goes to the default module's list, as a PHP CRM's index.php does.
  if (path !== BASE || (!query.has('module') && !query.has('action'))) {
    return { status: 302, text: '', headers: { location: listUrl() } };
  }
  if (query.get('module') !== 'Contacts') return notFound(`No module ${query.get('module') ?? ''}`);
  // No action is the module's list, as in SuiteCRM.
  const action = query.get('action') ?? 'ListView';
  if (action === 'ListView') return htmlReply(layout('Contacts', listView(store.data.leads)));
  if (action !== 'DetailView') return notFound(`No action ${action}`);
  const lead = store.lead(query.get('record') ?? '');
  if (!lead) return notFound('Record not found');
  const recent = store.data.leads.filter((other) => other.id !== lead.id).slice(0, 3);
  return htmlReply(layout(`${lead.firstName} ${lead.lastName}`, detailView(lead), recentlyViewed(recent)));
}

function listView(leads: SeedLead[]): SafeHtml {
  // offset is 1-based, as in SuiteCRM's list links.
  const rows = leads.map(
    (lead, index) => html`
<tr class="${index % 2 ? 'evenListRowS1' : 'oddListRowS1'}"><td><a href="${detailUrl(lead.id, { return_module: 'Contacts', offset: String(index + 1) })}">${lead.firstName} ${lead.lastName}</a></td><td>${lead.phone ?? ''}</td><td>${lead.email ?? ''}</td><td>${lead.ownerName ?? lead.ownerEmail ?? ''}</td></tr>`,
  );
  return html`<div class="moduleTitle"><h2>Contacts</h2></div>
<table class="list view">
<tr><th>Name</th><th>Mobile</th><th>Email Address</th><th>Assigned to</th></tr>${rows}
</table>`;
}

function detailView(lead: SeedLead): SafeHtml {
  // Label/value pairs, two per row as in a PHP CRM's detail layout; a field the lead lacks is left out. The odd
  // class on the first value and scope on the first label only are on purpose: generated, meaningless attributes a
  // rule must not rely on. SeedLead has one phone, shown as Mobile; there is no Office Phone to show.
  const cell = (label: string, value: SafeHtml | string | undefined) =>
    value ? html`<td class="label">${label}</td><td>${value}</td>` : '';
  const rows = [
    html`<td class="label" scope="col">First Name:</td><td class="x1y2z3w4">${lead.firstName}</td>${cell('Last Name:', lead.lastName)}`,
    html`${cell('Mobile:', lead.phone && html`<span class="phone" >${lead.phone}</span>`)}${cell('Status:', lead.status)}`,
    html`${cell('Email Address:', lead.email && html`<a href="mailto:${lead.email}">${lead.email}</a>`)}${cell('Assigned to:', lead.ownerName ?? lead.ownerEmail)}`,
    html`${cell('Account Name:', lead.company)}`,
  ].filter((row) => row.value !== '');
  return html`<div class="moduleTitle"><h2>${lead.firstName} ${lead.lastName}</h2></div>
<div class="buttons" id="detail-actions"><input type="button" class="button" value="Edit"> <input type="button" class="button" value="Duplicate"> <input type="button" class="button" value="Delete"></div>
<table class="detail view">${rows.map((row) => html`
<tr>${row}</tr>`)}
</table>
${activities(lead)}
${RERENDER_SCRIPT}`;
}

/** An unrelated second table, so that the lead's name also appears outside the detail table, as on real CRMs. */
function activities(lead: SeedLead): SafeHtml {
  const name = `${lead.firstName} ${lead.lastName}`;
  const owner = lead.ownerName ?? lead.ownerEmail ?? '';
  const history = [
    [`Call: introduction with ${name}`, '2024-03-04 10:15'],
    [`Email: brochure sent to ${lead.firstName}`, '2024-03-11 16:40'],
    [`Meeting: ${lead.lastName} account review`, '2024-04-02 09:00'],
  ];
  return html`<h3>History</h3>
<table class="list view" id="activities">
<tr><th>Subject</th><th>Date</th><th>Assigned to</th></tr>${history.map(
    ([subject, date]) => html`
<tr><td>${subject}</td><td>${date}</td><td>${owner}</td></tr>`,
  )}
</table>`;
}

function recentlyViewed(leads: SeedLead[]): SafeHtml {
  return html`<div class="sidebar" id="recently-viewed"><h3>Recently viewed</h3><ul>${leads.map(
    (lead) => html`<li><a href="${detailUrl(lead.id)}">${lead.firstName} ${lead.lastName}</a></li>`,
  )}</ul></div>`;
}

/**
 * Real CRMs re-render widgets after load: 300 ms after `load` the button row's children are replaced by new, equal
 * elements, so anything holding the old nodes, or inserted among them, is gone. Constants only, no data, no HTML.
 */
const RERENDER_SCRIPT = new SafeHtml(`<script>
window.addEventListener('load', () => setTimeout(() => {
  const row = document.getElementById('detail-actions');
  if (!row) return;
  const parts = [];
  for (const label of ['Edit', 'Duplicate', 'Delete']) {
    const button = document.createElement('input');
    button.type = 'button';
    button.className = 'button';
    button.value = label;
    if (parts.length) parts.push(document.createTextNode(' '));
    parts.push(button);
  }
  row.replaceChildren(...parts);
}, 300));
</script>`);

/** The title (document.title) is `<what> » Ledger CRM`, e.g. `Ada Lovelace » Ledger CRM`. */
function layout(title: string, content: SafeHtml, sidebar: SafeHtml | '' = ''): string {
  return page(
    `${title} » Ledger CRM`,
    html`<div id="header"><span class="brand">Ledger CRM</span><a href="${listUrl()}">Contacts</a></div>
<div id="main">
<div id="leftColumn">${sidebar}</div>
<div id="content">
${content}
</div>
</div>`,
    CSS,
  );
}

function notFound(message: string): Reply {
  return htmlReply(layout('Not found', html`<div class="moduleTitle"><h2>Not found</h2></div><p class="error">${message}</p>`), 404);
}
