import { describe, expect, it } from 'vitest';
import { call, control, createContact, useSandbox } from './helpers';

const sb = useSandbox();
const HOSTILE = '<img src=x onerror=alert(1)>';

async function page(path: string, cookie?: string) {
  const response = await fetch(sb.url + path, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  return { status: response.status, headers: response.headers, html: await response.text() };
}

/** Logs in the way a browser would, but by hand: follow the redirect ourselves and keep the cookie. */
async function loginAs(userId: string): Promise<string> {
  const link = await call(sb.url, 'GET', `/v1/org/org_demo/user/${userId}/magiclink`);
  const response = await fetch(link.body.magic_link, { redirect: 'manual' });
  expect(response.status).toBe(302);
  expect(response.headers.get('location')).toBe('/app/');
  const setCookie = response.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/^sc_session=[^;]+; Path=\/app; HttpOnly; SameSite=Lax$/);
  return setCookie.split(';')[0] ?? '';
}

describe('dashboard', () => {
  it('logs in through a magic link and lists the chatrooms assigned to the user', async () => {
    const contactId = await createContact(sb.url);
    const assign = await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${contactId}/assign`, { body: { user_id: 'u_alice' } });

    const anonymous = await page('/app/');
    expect(anonymous.html).toContain('<p id="logged-in-as" data-user-id="">Not logged in</p>');

    const cookie = await loginAs('u_alice');
    const home = await page('/app/', cookie);
    expect(home.status).toBe(200);
    expect(home.html).toContain('<p id="logged-in-as" data-user-id="u_alice">Logged in as alice@example.com</p>');
    expect(home.html).toContain(`href="/app/chatrooms/${assign.body.chatroom_id}"`);
    expect(home.html).toContain('L-1001 Ada Lovelace');

    const bobHome = await page('/app/', await loginAs('u_bob'));
    expect(bobHome.html).toContain('data-user-id="u_bob"');
    expect(bobHome.html).not.toContain(assign.body.chatroom_id);
  });

  it('lets a link be used more than once until it expires', async () => {
    const link = await call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink');
    expect((await fetch(link.body.magic_link, { redirect: 'manual' })).status).toBe(302);
    expect((await fetch(link.body.magic_link, { redirect: 'manual' })).status).toBe(302);
  });

  it('rejects an unknown link with a 401 page', async () => {
    const result = await page('/app/magic/not-a-token');
    expect(result.status).toBe(401);
    expect(result.html).toContain('This login link has expired or is invalid');
    expect(result.headers.get('set-cookie')).toBeNull();
  });

  it('shows a chatroom and a contact page with stable ids', async () => {
    const contactId = await createContact(sb.url);
    const contactBefore = await page(`/app/contacts/${contactId}`);
    expect(contactBefore.html).toContain('No chatroom yet');

    const assign = await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${contactId}/assign`, { body: { user_id: 'u_bob' } });
    const roomId = assign.body.chatroom_id;
    const cookie = await loginAs('u_bob');
    const room = await page(`/app/chatrooms/${roomId}`, cookie);
    expect(room.status).toBe(200);
    expect(room.html).toContain(`<h1 id="chatroom-name" data-chatroom-id="${roomId}">L-1001 Ada Lovelace</h1>`);
    expect(room.html).toMatch(/<p id="assigned-to" data-user-id="u_bob">Assigned to [^<]*bob@example\.com/);
    expect(room.html).toContain('<p id="logged-in-as" data-user-id="u_bob">Logged in as bob@example.com</p>');

    const contact = await page(`/app/contacts/${contactId}`);
    expect(contact.html).toContain(`<a id="contact-chatroom" href="/app/chatrooms/${roomId}">`);
    expect(contact.html).toContain('data-user-id=""');

    expect((await page('/app/chatrooms/cr_missing')).status).toBe(404);
    expect((await page('/app/contacts/c_missing')).status).toBe(404);
  });

  it('shows the current chatroom name, the contact name and its stage after an update', async () => {
    const contactId = await createContact(sb.url, { crm_id: 'L-77' });
    const assign = await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${contactId}/assign`, { body: { user_id: 'u_alice' } });
    const roomPath = `/app/chatrooms/${assign.body.chatroom_id}`;
    const before = await page(roomPath);
    expect(before.html).toContain('>L-77 Ada Lovelace</h1>');
    expect(before.html).toContain('<dd id="chatroom-contact-name">Ada Lovelace</dd>');
    expect(before.html).toContain('<dd id="chatroom-contact-phone">+14155550132</dd>');
    expect(before.html).toContain('<dd id="chatroom-contact-stage"></dd>');
    expect(before.html).not.toContain('chatroom-contact-disposition');

    await call(sb.url, 'PUT', `/v1/orgs/org_demo/contact/${contactId}`, { body: { crm_id: 'L-77', first_name: 'Augusta', last_name: 'King' } });
    await call(sb.url, 'PUT', `/v1/orgs/org_demo/contact/${contactId}/stage`, { body: { stage: 'QUALIFIED', disposition: 'Callback' } });
    const after = await page(roomPath);
    expect(after.html).toContain(`<h1 id="chatroom-name" data-chatroom-id="${assign.body.chatroom_id}">L-77 Augusta King</h1>`);
    expect(after.html).toContain('<dd id="chatroom-contact-name">Augusta King</dd>');
    expect(after.html).toContain('<dd id="chatroom-contact-stage">QUALIFIED</dd>');
    expect(after.html).toContain('<dd id="chatroom-contact-disposition">Callback</dd>');

    const contact = await page(`/app/contacts/${contactId}`);
    expect(contact.html).toContain('>Augusta King</h1>');
    expect(contact.html).toContain('<dd id="contact-stage">QUALIFIED</dd>');
    expect(contact.html).toContain('<dd id="contact-disposition">Callback</dd>');
    expect(contact.html.match(/id="contact-name"/g)).toHaveLength(1);
  });

  it('escapes a hostile contact name on the chatroom page', async () => {
    const contactId = await createContact(sb.url, { crm_id: `L-"x"`, first_name: HOSTILE, last_name: '&amp;' });
    const assign = await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${contactId}/assign`, { body: { user_id: 'u_alice' } });
    const room = await page(`/app/chatrooms/${assign.body.chatroom_id}`);
    expect(room.html).not.toContain('<img');
    expect(room.html).toContain(
      `<h1 id="chatroom-name" data-chatroom-id="${assign.body.chatroom_id}">L-&quot;x&quot; &lt;img src=x onerror=alert(1)&gt; &amp;amp;</h1>`,
    );
    const home = await page('/app/', await loginAs('u_alice'));
    expect(home.html).not.toContain('<img');
  });
});

describe('demo CRM pages', () => {
  it('lists the seeded leads', async () => {
    const result = await page('/crm/leads');
    expect(result.status).toBe(200);
    expect(result.html).toContain('<main class="crm-list"><table>');
    for (const id of ['L-1001', 'L-1002', 'L-1003']) expect(result.html).toContain(`href="/crm/leads/${id}"`);
  });

  it('renders a lead record in the documented structure, omitting absent fields', async () => {
    const ada = await page('/crm/leads/L-1001');
    expect(ada.html).toContain(`<main class="crm-record" data-record-type="lead" data-record-id="L-1001">
  <header class="record-header">
    <h1 class="record-name"><span class="first-name">Ada</span> <span class="last-name">Lovelace</span></h1>
    <div class="quick-actions" role="toolbar"><button class="qa-dialer" type="button">Call</button><button class="qa-email" type="button">Email</button></div>
  </header>
  <dl class="record-fields">
    <dt>Phone</dt><dd class="field-phone">(415) 555-0132</dd>
    <dt>Email</dt><dd class="field-email">ada@example.com</dd>
    <dt>Owner</dt><dd class="field-owner" data-owner-email="alice@example.com">Alice Agent</dd>
    <dt>Status</dt><dd class="field-status">Qualified</dd>
    <dt>Company</dt><dd class="field-company">Analytical Engines Ltd</dd>
  </dl>
</main>`);
    const alan = await page('/crm/leads/L-1003');
    expect(alan.html).not.toContain('field-email');
    expect(alan.html).not.toContain('field-status');
    expect(alan.html).not.toContain('field-company');
    expect(alan.html).toContain('<dd class="field-phone">415 555 0199</dd>');
  });

  it('shows a status set or changed through the control API, escaped, and drops it when the lead loses it', async () => {
    await control(sb.url, 'POST', '/__sandbox/leads', { id: 'L-S', firstName: 'Sam', lastName: 'Status', status: 'New' });
    expect((await page('/crm/leads/L-S')).html).toContain('<dt>Status</dt><dd class="field-status">New</dd>');
    await control(sb.url, 'POST', '/__sandbox/leads', { id: 'L-S', firstName: 'Sam', lastName: 'Status', status: `Won & ${HOSTILE}` });
    const won = await page('/crm/leads/L-S');
    expect(won.html).toContain('<dd class="field-status">Won &amp; &lt;img src=x onerror=alert(1)&gt;</dd>');
    await control(sb.url, 'POST', '/__sandbox/leads', { id: 'L-S', firstName: 'Sam', lastName: 'Status' });
    expect((await page('/crm/leads/L-S')).html).not.toContain('field-status');
    const bad = await call(sb.url, 'POST', '/__sandbox/leads', { body: { id: 'L-S', firstName: 'S', lastName: 'S', status: 3 }, token: null });
    expect(bad.status).toBe(400);
  });

  it('answers 404 without a record for an unknown lead', async () => {
    const result = await page('/crm/leads/L-404');
    expect(result.status).toBe(404);
    expect(result.html).not.toContain('crm-record');
  });

  it('serves leads added at runtime and escapes hostile values', async () => {
    await control(sb.url, 'POST', '/__sandbox/leads', [
      { id: 'L-X', firstName: HOSTILE, lastName: '"Bobby"', ownerEmail: '"><script>alert(1)</script>' },
      { id: 'L-1001', firstName: 'Ada', lastName: 'Byron' },
    ]);
    const hostile = await page('/crm/leads/L-X');
    expect(hostile.status).toBe(200);
    expect(hostile.html).not.toContain('<img');
    expect(hostile.html).not.toContain('<script>');
    expect(hostile.html).toContain('<span class="first-name">&lt;img src=x onerror=alert(1)&gt;</span>');
    expect(hostile.html).toContain('<span class="last-name">&quot;Bobby&quot;</span>');
    expect(hostile.html).toContain('data-owner-email="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(hostile.html).not.toContain('field-phone');

    const replaced = await page('/crm/leads/L-1001');
    expect(replaced.html).toContain('<span class="last-name">Byron</span>');
    expect(replaced.html).not.toContain('field-phone');
    const list = await page('/crm/leads');
    expect(list.html).not.toContain('<img');
    expect(list.html).toContain('href="/crm/leads/L-X"');
  });
});
