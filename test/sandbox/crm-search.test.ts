import { describe, expect, it } from 'vitest';
import { control, useSandbox } from './helpers';

const sb = useSandbox();

/** The search page for these parameters, URL-encoded as the extension's lookup URLs are (`+` → %2B). */
async function search(params: Record<string, string>) {
  return searchRaw(`?${new URLSearchParams(params)}`);
}

/** The search page for a query string exactly as given, for what a careless lookup URL sends. */
async function searchRaw(queryString: string) {
  const response = await fetch(`${sb.url}/crm/search${queryString}`);
  const html = await response.text();
  const ids = [...html.matchAll(/<a class="search-result" data-lead-id="([^"]*)"/g)].map((match) => match[1]);
  const query = /<p id="search-query"[^>]*>([^<]*)<\/p>/.exec(html)?.[1];
  return { status: response.status, html, ids, query };
}

describe('demo CRM search page', () => {
  it('finds a lead by phone whatever its format, and shows the decoded query', async () => {
    for (const phone of ['+14155550132', '(415) 555-0132', '14155550132', '415.555.0132', '+1 415 555 0132']) {
      const result = await search({ phone });
      expect(result.status).toBe(200);
      expect(result.ids, phone).toEqual(['L-1001']);
      expect(result.query).toBe(`phone=${phone}`);
    }
    const ada = await search({ phone: '+14155550132' });
    expect(ada.html).toContain('<p id="search-query" data-phone="+14155550132">phone=+14155550132</p>');
    expect(ada.html).toContain('<ul id="search-results">');
    expect(ada.html).toContain('<a class="search-result" data-lead-id="L-1001" href="/crm/leads/L-1001">Ada Lovelace</a>');
    expect(ada.html).not.toContain('id="no-results"');
  });

  it('matches an international number to its national form (trunk 0) and back', async () => {
    expect((await search({ phone: '020 7946 0958' })).ids).toEqual(['L-1002']);
    expect((await search({ phone: '+442079460958' })).ids).toEqual(['L-1002']);
    expect((await search({ phone: '00442079460958' })).ids).toEqual(['L-1002']);
  });

  it('shows an unencoded + as the space the CRM receives (and still matches by digits)', async () => {
    const result = await searchRaw('?phone=+14155550132');
    expect(result.query).toBe('phone= 14155550132');
    expect(result.html).toContain('data-phone=" 14155550132"');
    expect(result.ids).toEqual(['L-1001']);
  });

  it('does not let a few digits or a blank value match every lead', async () => {
    expect((await search({ phone: '0132' })).ids).toEqual([]);
    expect((await search({ phone: '555' })).ids).toEqual([]);
    expect((await search({ phone: '', email: ' ', q: '' })).ids).toEqual([]);
  });

  it('finds by e-mail case-insensitively, and by q in the name or id', async () => {
    expect((await search({ email: 'ADA@Example.com' })).ids).toEqual(['L-1001']);
    expect((await search({ email: 'ada@example' })).ids).toEqual([]);
    expect((await search({ q: 'turing' })).ids).toEqual(['L-1003']);
    expect((await search({ q: 'grace hop' })).ids).toEqual(['L-1002']);
    expect((await search({ q: 'l-100' })).ids).toEqual(['L-1001', 'L-1002', 'L-1003']);
  });

  it('lists the leads matching ANY parameter, each once', async () => {
    const result = await search({ phone: '(415) 555-0199', email: 'grace@example.com', q: 'Alan' });
    expect(result.ids).toEqual(['L-1002', 'L-1003']);
    expect(result.query).toBe('phone=(415) 555-0199&amp;email=grace@example.com&amp;q=Alan');
    expect(result.html).toContain('data-phone="(415) 555-0199" data-email="grace@example.com" data-q="Alan"');
  });

  it('says so when nothing matches, also without any parameter', async () => {
    const searches: Record<string, string>[] = [{ phone: '+19995550100' }, { email: 'nobody@example.com' }, { q: 'zzz' }, {}];
    for (const params of searches) {
      const result = await search(params);
      expect(result.status).toBe(200);
      expect(result.html).toContain('<p id="no-results">');
      expect(result.html).not.toContain('id="search-results"');
    }
    expect((await search({})).html).toContain('<p id="search-query"></p>');
  });

  it('shows hostile parameters as text, never as markup', async () => {
    const result = await search({ q: '<script>alert(1)</script>', phone: '"><img src=x onerror=alert(1)>' });
    expect(result.html).not.toContain('<script>');
    expect(result.html).not.toContain('<img');
    expect(result.html).toContain('data-phone="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    expect(result.query).toBe('q=&lt;script&gt;alert(1)&lt;/script&gt;&amp;phone=&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(result.html).toContain('<p id="no-results">');
  });

  it('finds leads added at run time and escapes their names', async () => {
    await control(sb.url, 'POST', '/__sandbox/leads', { id: 'L-<X>', firstName: '<b>Eve</b>', lastName: 'Example', phone: '+1 415 555 0100' });
    const result = await search({ phone: '+14155550100' });
    expect(result.ids).toEqual(['L-&lt;X&gt;']);
    expect(result.html).toContain(
      '<a class="search-result" data-lead-id="L-&lt;X&gt;" href="/crm/leads/L-%3CX%3E">&lt;b&gt;Eve&lt;/b&gt; Example</a>',
    );
    expect(result.html).not.toContain('<b>');
  });

  it('answers /crm/search/ too, and only to GET and HEAD', async () => {
    expect((await searchRaw('/?q=ada')).ids).toEqual(['L-1001']);
    expect((await fetch(`${sb.url}/crm/search?q=ada`, { method: 'POST' })).status).toBe(404);
  });
});
