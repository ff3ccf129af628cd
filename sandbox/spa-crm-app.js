// Orbit CRM, the sandbox's client-side-routed test CRM (served by sandbox/spa-crm.ts; the routes and the markup
// contract are in sandbox/README.md, "Orbit CRM"). Plain DOM, no framework, no build step.
//
// It behaves like a React CRM where it matters for lead detection: links are real <a href>s whose left clicks are
// intercepted (pushState), the URL changes first and the record renders only after its fetch, stale answers are
// dropped, and in 'keep' mode the previous record stays on screen and is then updated in place (same main#record).
//
// Every browser global is read from `window`, so the unit tests can run this file against a fresh happy-dom
// Window: new Function('window', source)(window).
(() => {
  const { document, history, location } = window;
  const tenant = /^\/spa-crm\/([a-z0-9-]{1,40})\//.exec(location.pathname)?.[1];
  if (!tenant) return;
  const base = `/spa-crm/${tenant}`;
  const api = `/spa-crm/api/${tenant}`;
  // Decided once: a page loaded with a "#/…" hash routes by hash for its whole life, any other by path.
  const hashMode = location.hash.startsWith('#/');
  const keep = document.querySelector('meta[name="orbit-while-loading"]')?.getAttribute('content') === 'keep';

  // Nodes (and, per element, attribute names) this app rendered. Reconciliation touches only these, as React
  // does: whatever else ends up inside the app's tree (an extension's buttons) is left where it is.
  const owned = new WeakSet();
  const ownAttrs = new WeakMap();
  let seq = 0; // bumped by every navigation; an answer for an older one is stale
  let shownKey = null; // route key of the latest navigation
  let main = null; // the <main> currently on screen

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    owned.add(el);
    const names = new Set();
    for (const [name, value] of Object.entries(attrs ?? {})) {
      if (value === undefined || value === null) continue;
      el.setAttribute(name, String(value));
      names.add(name);
    }
    ownAttrs.set(el, names);
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false || child === '') continue;
      if (typeof child === 'string') {
        const text = document.createTextNode(child); // text, never HTML
        owned.add(text);
        el.append(text);
      } else {
        el.append(child);
      }
    }
    return el;
  }

  const href = (route) => (hashMode ? `#${route}` : base + route);
  const leadRoute = (id) => `/leads/${encodeURIComponent(id)}`;
  const fullName = (lead) => `${lead.firstName} ${lead.lastName}`;
  const setTitle = (text) => {
    document.title = `${text} | Orbit CRM`;
  };

  function parseRoute() {
    const raw = (hashMode ? location.hash.slice(1) : location.pathname.slice(base.length)).replace(/\/+$/, '');
    if (raw === '') return { kind: 'home', key: 'home' };
    if (raw === '/leads') return { kind: 'list', key: 'list' };
    const match = /^\/leads\/([^/?#]+)$/.exec(raw);
    if (!match) return { kind: 'unknown', key: `unknown:${raw}` };
    try {
      const id = decodeURIComponent(match[1]);
      return { kind: 'record', id, key: `record:${id}` };
    } catch {
      return { kind: 'unknown', key: `unknown:${raw}` };
    }
  }

  function show(next) {
    if (main?.isConnected) main.replaceWith(next);
    else root.append(next);
    main = next;
  }

  // React-style reconciliation: make the live tree match a freshly built one in place (same elements, updated
  // attributes and text), matching owned children by position and tag.
  function morph(live, next) {
    const before = ownAttrs.get(live) ?? new Set();
    for (const name of before) if (!next.hasAttribute(name)) live.removeAttribute(name);
    for (const name of next.getAttributeNames()) {
      const value = next.getAttribute(name);
      if (live.getAttribute(name) !== value) live.setAttribute(name, value);
    }
    ownAttrs.set(live, new Set(next.getAttributeNames()));
    const liveKids = [...live.childNodes].filter((node) => owned.has(node));
    const nextKids = [...next.childNodes];
    nextKids.forEach((child, index) => {
      const old = liveKids[index];
      if (!old) live.append(child);
      else if (old.nodeName !== child.nodeName) old.replaceWith(child);
      else if (old.nodeType !== 1) {
        if (old.nodeValue !== child.nodeValue) old.nodeValue = child.nodeValue;
      } else morph(old, child);
    });
    for (const extra of liveKids.slice(nextKids.length)) extra.remove();
  }

  function listView(leads) {
    const columns = ['Name', 'Phone', 'Email', 'Owner', 'Status'];
    return h(
      'main',
      { id: 'list', class: 'list' },
      h('h1', null, 'Leads'),
      h(
        'table',
        { class: 'leads-table' },
        h('thead', null, h('tr', null, columns.map((column) => h('th', null, column)))),
        h(
          'tbody',
          null,
          leads.map((lead) =>
            h(
              'tr',
              { 'data-record-id': lead.id },
              h('td', null, h('a', { href: href(leadRoute(lead.id)) }, fullName(lead))),
              h('td', null, lead.mobile ?? lead.phone),
              h('td', null, lead.email),
              h('td', null, lead.ownerName ?? lead.ownerEmail),
              h('td', null, lead.status),
            ),
          ),
        ),
      ),
    );
  }

  function recordView(lead, related) {
    const field = (key, label, value, extra) =>
      value
        ? h(
            'div',
            { class: 'field' },
            h('span', { class: 'field-label' }, label),
            h('span', { class: 'field-value', 'data-field': key, ...extra }, value),
          )
        : null;
    return h(
      'main',
      { id: 'record', class: 'record', 'data-record-id': lead.id },
      h(
        'header',
        { class: 'record-header' },
        h(
          'h1',
          { class: 'record-title' },
          h('span', { class: 'first-name' }, lead.firstName),
          ' ',
          h('span', { class: 'last-name' }, lead.lastName),
        ),
        h(
          'div',
          { class: 'record-actions', role: 'toolbar' },
          h('button', { type: 'button' }, 'Call'),
          h('button', { type: 'button' }, 'Email'),
        ),
      ),
      h(
        'section',
        { class: 'details' },
        field('mobile', 'Mobile', lead.mobile),
        field('phone', 'Work phone', lead.phone),
        field('email', 'Email', lead.email),
        field('owner', 'Owner', lead.ownerName ?? lead.ownerEmail, { 'data-owner-email': lead.ownerEmail }),
        field('status', 'Status', lead.status),
      ),
      related.length > 0 &&
        h(
          'section',
          { class: 'related' },
          h('h2', null, 'Related leads'),
          h('ul', null, related.map((other) => h('li', null, h('a', { href: href(leadRoute(other.id)) }, fullName(other))))),
        ),
    );
  }

  const messageView = (id, heading) => h('main', { id, class: id }, h('h1', null, heading));

  async function navigate() {
    let route = parseRoute();
    if (route.kind === 'home') {
      history.replaceState(history.state, '', href('/leads'));
      route = parseRoute();
    }
    const mine = ++seq;
    shownKey = route.key;
    if (route.kind === 'unknown') {
      show(messageView('not-found', 'Page not found'));
      setTitle('Page not found');
      return;
    }
    if (!keep || !main) {
      show(h('main', { id: 'loading', class: 'loading' }, 'Loading…'));
      setTitle('Loading…');
    }
    const url = route.kind === 'list' ? `${api}/leads` : `${api}${leadRoute(route.id)}`;
    let response;
    let body;
    try {
      response = await window.fetch(url, { headers: { accept: 'application/json' } });
      body = await response.json();
    } catch {
      response = undefined;
    }
    if (mine !== seq) return; // a newer navigation owns the screen now
    if (route.kind === 'list' && response?.ok) {
      show(listView(body.leads));
      setTitle('Leads');
    } else if (route.kind === 'record' && response?.status === 404) {
      show(messageView('not-found', `Lead ${route.id} not found`));
      setTitle(`Lead ${route.id} not found`);
    } else if (route.kind === 'record' && response?.ok) {
      const next = recordView(body.lead, body.related ?? []);
      if (keep && main?.id === 'record' && owned.has(main)) morph(main, next);
      else show(next);
      setTitle(fullName(body.lead));
    } else {
      show(messageView('error', 'Could not load this page'));
      setTitle('Error');
    }
  }

  function go(path) {
    if (hashMode) {
      location.hash = path.startsWith('#') ? path : `#${path}`;
    } else {
      history.pushState(null, '', path.startsWith('/spa-crm/') ? path : base + path);
      navigate();
    }
  }

  // Path mode: left clicks without modifiers on the app's own links become pushState navigations; every other
  // click (middle, Ctrl/Cmd/Shift/Alt, target=_blank, another origin or path) is left to the browser. Hash mode:
  // the browser follows "#/…" links itself and the app reacts to hashchange, as hash routers do.
  document.addEventListener('click', (event) => {
    if (hashMode || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target?.closest?.('a[href]');
    if (!link || (link.target && link.target !== '_self') || link.hasAttribute('download')) return;
    if (link.origin !== location.origin || !link.pathname.startsWith(`${base}/`)) return;
    event.preventDefault();
    history.pushState(null, '', link.pathname + link.search + link.hash);
    navigate();
  });
  // Path mode: a popstate for an in-page "#anchor" jump is no navigation, hence the route-key check.
  window.addEventListener(hashMode ? 'hashchange' : 'popstate', () => {
    if (parseRoute().key !== shownKey) navigate();
  });

  const root = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
  root.before(
    h(
      'nav',
      { class: 'orbit-nav' },
      h('span', { class: 'brand' }, 'Orbit CRM'),
      h('span', { class: 'tenant' }, tenant),
      h('a', { class: 'nav-leads', href: href('/leads') }, 'Leads'),
    ),
  );
  window.orbit = { tenant, mode: hashMode ? 'hash' : 'path', whileLoading: keep ? 'keep' : 'clear', go };
  navigate();
})();
