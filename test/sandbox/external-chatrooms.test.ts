import { describe, expect, it } from 'vitest';
import { call, control, getState, useSandbox } from './helpers';

const sb = useSandbox();
const EXTERNAL = '/__sandbox/external-chatrooms';
const HOSTILE = '<img src=x onerror=alert(1)>';

async function page(path: string) {
  const response = await fetch(sb.url + path);
  return { status: response.status, html: await response.text() };
}

function addExternal(body: Record<string, unknown> = {}) {
  return control(sb.url, 'POST', EXTERNAL, body);
}

async function loginAs(userId: string): Promise<string> {
  const link = await call(sb.url, 'GET', `/v1/org/org_demo/user/${userId}/magiclink`);
  const response = await fetch(link.body.magic_link, { redirect: 'manual' });
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

describe('external chatrooms (a customer wrote in)', () => {
  it('creates a contact with a provider-made crm_id and its chatroom, assigned to the org’s first user', async () => {
    const created = await addExternal({ firstName: 'Wanda', lastName: 'Webchat', phone: '+14155550177', email: 'wanda@example.org' });
    expect(created).toEqual({
      contactId: expect.stringMatching(/^c_/),
      chatroomId: expect.stringMatching(/^cr_/),
      chatroomPath: `/app/chatrooms/${encodeURIComponent(created.chatroomId)}`,
    });
    const state = await getState(sb.url);
    const contact = state.contacts.find((candidate) => candidate.id === created.contactId);
    expect(contact).toMatchObject({
      org_id: 'org_demo',
      phone_number: '+14155550177',
      email: 'wanda@example.org',
      first_name: 'Wanda',
      last_name: 'Webchat',
      is_inbound: true,
      stage: null,
    });
    // Nothing like the extension's `profile:tenant:id` identities.
    expect(contact?.crm_id).toMatch(/^webchat-[0-9a-f]{16}$/);
    expect(state.chatrooms).toEqual([
      expect.objectContaining({
        id: created.chatroomId,
        contact_id: created.contactId,
        assigned_user_id: 'u_alice',
        name: `${contact?.crm_id} Wanda Webchat`,
      }),
    ]);
  });

  it('shows name, phone and e-mail under visible labels on the chatroom page, with a link back to the list', async () => {
    const created = await addExternal({ firstName: 'Wanda', lastName: 'Webchat', phone: '+14155550177', email: 'wanda@example.org' });
    const room = await page(created.chatroomPath);
    expect(room.status).toBe(200);
    expect(room.html).toMatch(/<h1 id="chatroom-name" data-chatroom-id="cr_[0-9a-f]+">webchat-[0-9a-f]{16} Wanda Webchat<\/h1>/);
    expect(room.html).toContain('<p id="assigned-to" data-user-id="u_alice">Assigned to Alice Agent (alice@example.com)</p>');
    expect(room.html).toContain('<dt>Name</dt><dd id="chatroom-contact-name">Wanda Webchat</dd>');
    expect(room.html).toContain('<dt>Phone</dt><dd id="chatroom-contact-phone">+14155550177</dd>');
    expect(room.html).toContain('<dt>E-mail</dt><dd id="chatroom-contact-email">wanda@example.org</dd>');
    expect(room.html).toContain('<dd id="chatroom-contact-stage"></dd>');
    expect(room.html).toContain(`<aside id="chatroom-contact-panel" class="sc-contact-panel" aria-label="Contact" data-contact-id="${created.contactId}">`);
    expect(room.html).toMatch(/<a id="chatroom-contact" href="\/app\/contacts\/c_[0-9a-f]+">webchat-/);
    expect(room.html).toContain('<a id="back-to-chatrooms" href="/app/">');

    const contact = await page(`/app/contacts/${created.contactId}`);
    expect(contact.html).toContain('<dt>E-mail</dt><dd id="contact-email">wanda@example.org</dd>');
    expect(contact.html).toContain(`<a id="contact-chatroom" href="${created.chatroomPath}">`);
  });

  it('lists the chatroom on the assignee’s dashboard home', async () => {
    const created = await addExternal({ assignedUserId: 'u_bob', firstName: 'Bea' });
    const cookie = await loginAs('u_bob');
    const response = await fetch(`${sb.url}/app/`, { headers: { cookie } });
    const html = await response.text();
    expect(html).toContain('<ul class="chatrooms" id="chatroom-list">');
    expect(html).toContain(`href="${created.chatroomPath}" data-chatroom-id="${created.chatroomId}"`);
  });

  it('renders an e-mail-only (phone-less, nameless) contact: the crm_id stands in for the name', async () => {
    const created = await addExternal({ email: 'anon@example.org', phone: '' });
    const { contacts } = await getState(sb.url);
    const crmId = contacts[0]?.crm_id ?? '';
    expect(contacts[0]).toMatchObject({ phone_number: null, first_name: null, last_name: null, email: 'anon@example.org' });

    const room = await page(created.chatroomPath);
    expect(room.status).toBe(200);
    expect(room.html).toContain(`<h1 id="chatroom-name" data-chatroom-id="${created.chatroomId}">${crmId}</h1>`);
    expect(room.html).toContain('<dd id="chatroom-contact-name"></dd>');
    expect(room.html).not.toContain('chatroom-contact-phone');
    expect(room.html).toContain('<dd id="chatroom-contact-email">anon@example.org</dd>');

    const contact = await page(`/app/contacts/${created.contactId}`);
    expect(contact.status).toBe(200);
    expect(contact.html).toContain(`>${crmId}</h1>`);
    expect(contact.html).not.toContain('contact-phone');
  });

  it('renders a contact with nothing at all, and leaves the e-mail out when there is none', async () => {
    const created = await addExternal();
    const room = await page(created.chatroomPath);
    expect(room.status).toBe(200);
    expect(room.html).not.toContain('chatroom-contact-email');
    expect(room.html).not.toContain('chatroom-contact-phone');
    expect((await getState(sb.url)).contacts[0]).not.toHaveProperty('email');
  });

  it('escapes hostile names and e-mail on the dashboard', async () => {
    const created = await addExternal({ firstName: HOSTILE, lastName: '"&amp;"', email: '<b>x</b>@evil.example' });
    const room = await page(created.chatroomPath);
    expect(room.html).not.toContain('<img');
    expect(room.html).not.toContain('<b>');
    expect(room.html).toContain('<dd id="chatroom-contact-name">&lt;img src=x onerror=alert(1)&gt; &quot;&amp;amp;&quot;</dd>');
    expect(room.html).toContain('<dd id="chatroom-contact-email">&lt;b&gt;x&lt;/b&gt;@evil.example</dd>');
  });

  it('leaves the API counts and the request log untouched', async () => {
    await addExternal({ phone: '+14155550177' });
    await addExternal({ email: 'second@example.org' });
    const counts = await control(sb.url, 'GET', '/__sandbox/counts');
    expect(Object.values(counts).every((count) => count === 0)).toBe(true);
    expect(await control(sb.url, 'GET', '/__sandbox/requests')).toEqual([]);
    expect((await getState(sb.url)).chatrooms).toHaveLength(2);
  });

  it('gives every external contact its own crm_id, which the API lookup then finds', async () => {
    const first = await addExternal({ firstName: 'One' });
    await addExternal({ firstName: 'Two' });
    const { contacts } = await getState(sb.url);
    expect(new Set(contacts.map((contact) => contact.crm_id)).size).toBe(2);
    const crmId = contacts.find((contact) => contact.id === first.contactId)?.crm_id ?? '';
    const lookup = await call(sb.url, 'GET', `/v1/orgs/org_demo/contacts?crm_id=${encodeURIComponent(crmId)}`);
    expect(lookup.body).toEqual([expect.objectContaining({ id: first.contactId, crm_id: crmId, first_name: 'One' })]);
  });

  it.each([
    [{ orgId: 'org_nope' }, 'orgId', 'No org org_nope'],
    [{ orgId: 'org_other' }, 'assignedUserId', 'Org org_other has no users to assign the chatroom to'],
    [{ assignedUserId: 'u_nobody' }, 'assignedUserId', 'No user u_nobody in org org_demo'],
    [{ email: 'not-an-email' }, 'email', 'email: must be an e-mail address such as ada@example.com, or empty'],
    [{ email: 'a@b' }, 'email', 'email: must be an e-mail address such as ada@example.com, or empty'],
    [{ phone: '(415) 555-0177' }, 'phone', 'phone: must be an E.164 number such as +14155550132, or empty'],
    [{ phone: 4155550177 }, 'phone', 'phone: Invalid input: expected string, received number'],
    [{ firstName: 'x'.repeat(129) }, 'firstName', undefined],
    [{ crmId: 'L-1' }, '', 'Unrecognized key: "crmId"'],
  ])('rejects %j with a 400 naming the field', async (body, field, message) => {
    const result = await call(sb.url, 'POST', EXTERNAL, { body, token: null });
    expect(result.status, JSON.stringify(result.body)).toBe(400);
    expect(result.body).toMatchObject({ error_code: 4000001, error_message: 'BAD_REQUEST', payload: { field } });
    if (message !== undefined) expect(result.body.error_description).toBe(message);
    const state = await getState(sb.url);
    expect(state.contacts).toEqual([]);
    expect(state.chatrooms).toEqual([]);
  });

  it('rejects malformed JSON and a body that is not an object', async () => {
    const response = await fetch(sb.url + EXTERNAL, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"phone":' });
    expect(response.status).toBe(400);
    expect((await call(sb.url, 'POST', EXTERNAL, { body: ['x'], token: null })).status).toBe(400);
  });
});
