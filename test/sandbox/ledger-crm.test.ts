import { Window } from 'happy-dom';
import { afterEach, describe, expect, it } from 'vitest';
import { demoSeed } from '../../sandbox/seed';
import { control, useSandbox } from './helpers';

const sb = useSandbox();
const HOSTILE = '<img src=x onerror=alert(1)>';
const LIST = '/ledger/index.php?module=Contacts&action=ListView';
const detail = (id: string) => `/ledger/index.php?module=Contacts&action=DetailView&record=${encodeURIComponent(id)}`;

async function get(path: string) {
  const response = await fetch(sb.url + path, { redirect: 'manual' });
  return { status: response.status, headers: response.headers, html: await response.text() };
}

describe('Ledger CRM list', () => {
  it('lists every lead of the store, each name linking to its detail view with a realistic URL', async () => {
    const result = await get(LIST);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(result.html).toContain('<title>Contacts » Ledger CRM</title>');
    expect(demoSeed.leads).toHaveLength(3);
    demoSeed.leads.forEach((lead, index) => {
      expect(result.html).toContain(
        `<a href="/ledger/index.php?module=Contacts&amp;action=DetailView&amp;record=${lead.id}&amp;return_module=Contacts&amp;offset=${index + 1}">${lead.firstName} ${lead.lastName}</a>`,
      );
    });
  });

  it('lists leads added at runtime', async () => {
    await control(sb.url, 'POST', '/__sandbox/leads', { id: 'L-9', firstName: 'Eve', lastName: 'Example' });
    expect((await get(LIST)).html).toContain('record=L-9&amp;return_module=Contacts&amp;offset=4">Eve Example</a>');
  });

  it('redirects the bare entry points to the list', async () => {
    for (const path of ['/ledger', '/ledger/', '/ledger/index.php', '/ledger/index.php?']) {
      const result = await get(path);
      expect(result.status, path).toBe(302);
      expect(result.headers.get('location'), path).toBe(LIST);
    }
    // Without an action, a module shows its list, as in SuiteCRM.
    expect((await get('/ledger/index.php?module=Contacts')).status).toBe(200);
  });
});

describe('Ledger CRM detail view', () => {
  it('shows the name, mobile, email and owner in the documented markup', async () => {
    const result = await get(detail('L-1001'));
    expect(result.status).toBe(200);
    expect(result.html).toContain('<title>Ada Lovelace » Ledger CRM</title>');
    expect(result.html).toContain('<div class="moduleTitle"><h2>Ada Lovelace</h2></div>');
    expect(result.html).toContain(
      '<div class="buttons" id="detail-actions"><input type="button" class="button" value="Edit"> <input type="button" class="button" value="Duplicate"> <input type="button" class="button" value="Delete"></div>',
    );
    expect(result.html).toContain(`<table class="detail view">
<tr><td class="label" scope="col">First Name:</td><td class="x1y2z3w4">Ada</td><td class="label">Last Name:</td><td>Lovelace</td></tr>
<tr><td class="label">Mobile:</td><td><span class="phone" >(415) 555-0132</span></td><td class="label">Status:</td><td>Qualified</td></tr>
<tr><td class="label">Email Address:</td><td><a href="mailto:ada@example.com">ada@example.com</a></td><td class="label">Assigned to:</td><td>Alice Agent</td></tr>
<tr><td class="label">Account Name:</td><td>Analytical Engines Ltd</td></tr>
</table>`);
    // The name also appears outside the detail table: the activity history; other leads in the sidebar.
    expect(result.html).toMatch(/<table class="list view" id="activities">[\s\S]*Call: introduction with Ada Lovelace/);
    expect(result.html).toContain(
      '<div class="sidebar" id="recently-viewed"><h3>Recently viewed</h3><ul><li><a href="/ledger/index.php?module=Contacts&amp;action=DetailView&amp;record=L-1002">Grace Hopper</a></li><li><a href="/ledger/index.php?module=Contacts&amp;action=DetailView&amp;record=L-1003">Alan Turing</a></li></ul></div>',
    );
  });

  it('leaves out the fields a lead lacks', async () => {
    const alan = await get(detail('L-1003'));
    expect(alan.html).toContain('<span class="phone" >415 555 0199</span></td></tr>');
    expect(alan.html).toContain('<tr><td class="label">Assigned to:</td><td>Alice Agent</td></tr>');
    expect(alan.html).not.toContain('mailto:');
    expect(alan.html).not.toContain('Status:');
    expect(alan.html).not.toContain('Account Name:');
  });

  it('does not care about the order of the parameters or extra ones', async () => {
    for (const query of [
      'record=L-1002&action=DetailView&module=Contacts',
      'module=Contacts&action=DetailView&record=L-1002&return_module=Contacts&offset=2',
      'offset=2&return_module=Contacts&record=L-1002&module=Contacts&action=DetailView&parentTab=Sales',
    ]) {
      const result = await get(`/ledger/index.php?${query}`);
      expect(result.status, query).toBe(200);
      expect(result.html, query).toContain('<h2>Grace Hopper</h2>');
      expect(result.html, query).toContain('<span class="phone" >+44 20 7946 0958</span>');
      expect(result.html, query).toContain('<a href="mailto:grace@example.com">grace@example.com</a>');
    }
  });

  it('answers 404 "Record not found" for an unknown or missing record, and 404 for unknown routes', async () => {
    for (const path of [detail('L-404'), '/ledger/index.php?module=Contacts&action=DetailView']) {
      const result = await get(path);
      expect(result.status, path).toBe(404);
      expect(result.html, path).toContain('Record not found');
      expect(result.html, path).not.toContain('detail view');
    }
    for (const path of ['/ledger/index.php?module=Accounts&action=ListView', '/ledger/index.php?module=Contacts&action=EditView', '/ledger/other.php']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('escapes lead values everywhere they appear', async () => {
    await control(sb.url, 'POST', '/__sandbox/leads', [
      { id: 'L-X&<b>', firstName: `<b>${HOSTILE}`, lastName: '"Bobby"', phone: '<b>1</b>', email: 'x"@y.z', ownerName: '</td><script>' },
    ]);
    const hostile = await get(detail('L-X&<b>'));
    expect(hostile.status).toBe(200);
    for (const raw of ['<b>', '<img', '</td><script>']) expect(hostile.html).not.toContain(raw);
    expect(hostile.html.match(/<script>/g)).toHaveLength(1); // only the page's own
    expect(hostile.html).toContain('<h2>&lt;b&gt;&lt;img src=x onerror=alert(1)&gt; &quot;Bobby&quot;</h2>');
    expect(hostile.html).toContain('<span class="phone" >&lt;b&gt;1&lt;/b&gt;</span>');
    expect(hostile.html).toContain('<a href="mailto:x&quot;@y.z">x&quot;@y.z</a>');
    expect(hostile.html).toContain('<td>&lt;/td&gt;&lt;script&gt;</td>');
    // The id is URL-encoded in links, then HTML-escaped.
    const list = await get(LIST);
    expect(list.html).not.toContain('<b>');
    expect(list.html).toContain('record=L-X%26%3Cb%3E&amp;return_module=Contacts');
    expect((await get(detail('L-1001'))).html).toContain('record=L-X%26%3Cb%3E">&lt;b&gt;');
  });
});

describe('Ledger CRM button row', () => {
  const windows: Window[] = [];
  afterEach(async () => {
    await Promise.all(windows.splice(0).map((window) => window.happyDOM.close()));
  });

  it('is replaced by new, equal-looking elements 300 ms after load', async () => {
    const { html } = await get(detail('L-1001'));
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(script).toBeDefined();
    const window = new Window({ url: sb.url + detail('L-1001') });
    windows.push(window);
    window.document.write(html.replace(/<script>[\s\S]*?<\/script>/, ''));
    const row = () => window.document.getElementById('detail-actions');
    const before = row()?.innerHTML;
    const oldButtons = [...(row()?.children ?? [])];
    expect(oldButtons).toHaveLength(3);
    const injected = window.document.createElement('button');
    row()?.append(injected);

    new Function('window', 'document', script ?? '')(window, window.document);
    window.dispatchEvent(new window.Event('load'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(oldButtons[0]?.isConnected).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(row()?.innerHTML).toBe(before);
    expect(oldButtons.some((button) => button.isConnected)).toBe(false);
    expect(injected.isConnected).toBe(false);
  });
});
