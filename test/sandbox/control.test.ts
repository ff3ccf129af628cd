import { describe, expect, it } from 'vitest';
import { call, contactBody, control, createContact, getState, OTHER_TOKEN, useSandbox } from './helpers';

const sb = useSandbox();
const CONTACT = '/v2/org/org_demo/contact';

function state() {
  return getState(sb.url);
}

describe('counts and request log', () => {
  it('counts every routed request, including auth failures and faulted ones', async () => {
    expect(await control(sb.url, 'GET', '/__sandbox/counts')).toEqual({
      createUser: 0,
      magicLink: 0,
      createContact: 0,
      updateContact: 0,
      updateStage: 0,
      assign: 0,
      getUserByEmail: 0,
      getContactByCrmId: 0,
    });
    await call(sb.url, 'POST', CONTACT, { body: contactBody(), token: null });
    await call(sb.url, 'POST', CONTACT, { body: contactBody(), token: OTHER_TOKEN });
    await control(sb.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', status: 503 });
    await call(sb.url, 'POST', CONTACT, { body: contactBody() });
    const id = await createContact(sb.url);
    await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: { user_id: 'u_alice' } });
    await call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink');
    await call(sb.url, 'GET', '/v9/unknown');
    expect(await control(sb.url, 'GET', '/__sandbox/counts')).toEqual({
      createUser: 0,
      magicLink: 1,
      createContact: 4,
      updateContact: 0,
      updateStage: 0,
      assign: 1,
      getUserByEmail: 0,
      getContactByCrmId: 0,
    });
  });

  it('logs requests with status and parsed body but never the Authorization header', async () => {
    await createContact(sb.url);
    await call(sb.url, 'POST', CONTACT, { body: contactBody() });
    await call(sb.url, 'GET', '/v9/typo');
    const log = await control(sb.url, 'GET', '/__sandbox/requests');
    expect(log).toEqual([
      expect.objectContaining({ endpoint: 'createContact', method: 'POST', path: CONTACT, status: 200, body: contactBody() }),
      expect.objectContaining({ endpoint: 'createContact', status: 409 }),
      expect.objectContaining({ endpoint: null, path: '/v9/typo', status: 404, body: null }),
    ]);
    expect(Number.isNaN(Date.parse(log[0].at))).toBe(false);
    expect(JSON.stringify(log)).not.toContain('sandbox-token-demo');
  });

  it('keeps only the last 500 requests', async () => {
    for (let batch = 0; batch < 11; batch++) {
      await Promise.all(Array.from({ length: 50 }, () => call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink')));
    }
    expect(await control(sb.url, 'GET', '/__sandbox/requests')).toHaveLength(500);
    expect((await control(sb.url, 'GET', '/__sandbox/counts')).magicLink).toBe(550);
    // 550 real HTTP requests: about a second alone, several when the machine's two cores are busy with other files.
  }, 30_000);
});

describe('faults', () => {
  it('answers with the configured status, body and headers, then recovers', async () => {
    await control(sb.url, 'POST', '/__sandbox/faults', {
      endpoint: 'createContact',
      times: 2,
      status: 429,
      body: { error_code: 4290001, error_message: 'TOO_MANY_REQUESTS', error_description: 'slow down', payload: {} },
      headers: { 'Retry-After': '2' },
    });
    for (let i = 0; i < 2; i++) {
      const result = await call(sb.url, 'POST', CONTACT, { body: contactBody() });
      expect(result.status).toBe(429);
      expect(result.body.error_description).toBe('slow down');
      expect(result.headers.get('retry-after')).toBe('2');
    }
    expect((await state()).contacts).toEqual([]);
    expect((await call(sb.url, 'POST', CONTACT, { body: contactBody() })).status).toBe(200);
  });

  it('fills in an ErrorRespDto when only a status is given', async () => {
    await control(sb.url, 'POST', '/__sandbox/faults', { endpoint: '*', status: 503 });
    const result = await call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink');
    expect(result.status).toBe(503);
    expect(result.body).toMatchObject({ error_code: 5030001, error_message: 'SERVICE_UNAVAILABLE', payload: {} });
  });

  it('sends a raw bodyText such as malformed JSON', async () => {
    await control(sb.url, 'POST', '/__sandbox/faults', { endpoint: 'magicLink', status: 200, bodyText: '{"magic_link": ' });
    const response = await fetch(`${sb.url}/v1/org/org_demo/user/u_alice/magiclink`, {
      headers: { authorization: 'Bearer sandbox-token-demo' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    await expect(response.json()).rejects.toThrow();
  });

  it('drops the connection so that fetch rejects', async () => {
    await control(sb.url, 'POST', '/__sandbox/faults', { endpoint: 'assign', drop: true });
    const id = await createContact(sb.url);
    await expect(call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: { user_id: 'u_alice' } })).rejects.toThrow();
    expect((await state()).chatrooms).toEqual([]);
    const log = await control(sb.url, 'GET', '/__sandbox/requests');
    expect(log.at(-1)).toMatchObject({ endpoint: 'assign', status: 0, fault: expect.any(String) });
    // The next request is handled normally.
    expect((await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: { user_id: 'u_alice' } })).status).toBe(200);
  });

  it('delays and then handles normally when only delayMs is given', async () => {
    await control(sb.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', delayMs: 300 });
    const started = Date.now();
    const result = await call(sb.url, 'POST', CONTACT, { body: contactBody() });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(result.status).toBe(200);
    expect((await state()).contacts).toHaveLength(1);
  });

  it('still handles a delayed request after the client gave up, like a real server', async () => {
    await control(sb.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', delayMs: 300 });
    await expect(
      fetch(sb.url + CONTACT, {
        method: 'POST',
        headers: { authorization: 'Bearer sandbox-token-demo', 'content-type': 'application/json' },
        body: JSON.stringify(contactBody()),
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow();
    expect((await state()).contacts).toEqual([]);
    await expect.poll(async () => (await state()).contacts.length, { timeout: 2000 }).toBe(1);
  });

  it('performs the operation first with afterHandling, then fails', async () => {
    await control(sb.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', afterHandling: true, status: 500 });
    const result = await call(sb.url, 'POST', CONTACT, { body: contactBody() });
    expect(result.status).toBe(500);
    expect(result.body).toMatchObject({ error_code: 5000001, error_message: 'INTERNAL_ERROR' });
    expect((await state()).contacts).toEqual([expect.objectContaining({ crm_id: 'L-1001' })]);
    // The retry now meets the contact the lost response created.
    expect((await call(sb.url, 'POST', CONTACT, { body: contactBody() })).status).toBe(409);
  });

  it('performs the operation first with afterHandling, then drops the connection', async () => {
    await control(sb.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', afterHandling: true, drop: true });
    await expect(call(sb.url, 'POST', CONTACT, { body: contactBody() })).rejects.toThrow();
    expect((await state()).contacts).toHaveLength(1);
  });

  it('consumes faults in order and can be cleared', async () => {
    await control(sb.url, 'POST', '/__sandbox/faults', [
      { endpoint: 'createContact', status: 502 },
      { endpoint: '*', status: 504 },
    ]);
    expect((await call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink')).status).toBe(504);
    expect((await control(sb.url, 'GET', '/__sandbox/faults'))).toHaveLength(1);
    await control(sb.url, 'DELETE', '/__sandbox/faults');
    expect((await call(sb.url, 'POST', CONTACT, { body: contactBody() })).status).toBe(200);
  });

  it('rejects an invalid fault with 400', async () => {
    const result = await call(sb.url, 'POST', '/__sandbox/faults', { body: { endpoint: 'nope' }, token: null });
    expect(result.status).toBe(400);
    expect(result.body.payload).toEqual({ field: 'endpoint' });
    const both = await call(sb.url, 'POST', '/__sandbox/faults', { body: { endpoint: '*', body: {}, bodyText: 'x' }, token: null });
    expect(both.status).toBe(400);
  });
});

describe('latency, settings and reset', () => {
  it('adds latency to API requests only', async () => {
    await control(sb.url, 'POST', '/__sandbox/latency', { ms: 250 });
    let started = Date.now();
    await call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink');
    expect(Date.now() - started).toBeGreaterThanOrEqual(230);
    started = Date.now();
    await fetch(`${sb.url}/crm/leads`);
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('merges settings and reset restores the defaults', async () => {
    const defaults = await control(sb.url, 'GET', '/__sandbox/settings');
    expect(defaults).toEqual({
      magicLinkShape: 'object',
      assignResponseShape: 'default',
      conflictPayloadIncludesId: false,
      magicLinkTtlSeconds: 900,
      stagePath: '/v1/orgs/{orgId}/contact/{contactId}/stage',
    });
    expect(await control(sb.url, 'POST', '/__sandbox/settings', { magicLinkShape: 'camel' })).toEqual({
      ...defaults,
      magicLinkShape: 'camel',
    });
    const bad = await call(sb.url, 'POST', '/__sandbox/settings', { body: { magicLinkShape: 'xml' }, token: null });
    expect(bad.status).toBe(400);

    await control(sb.url, 'POST', '/__sandbox/latency', { ms: 5 });
    await control(sb.url, 'POST', '/__sandbox/faults', { endpoint: '*', status: 500 });
    await createContact(sb.url, { crm_id: 'kept' }).catch(() => undefined);
    await createContact(sb.url, { crm_id: 'kept' });

    await control(sb.url, 'POST', '/__sandbox/reset', {});
    expect(await control(sb.url, 'GET', '/__sandbox/settings')).toEqual(defaults);
    expect(await control(sb.url, 'GET', '/__sandbox/faults')).toEqual([]);
    expect(await control(sb.url, 'GET', '/__sandbox/latency')).toEqual({ ms: 0 });
    expect((await control(sb.url, 'GET', '/__sandbox/counts')).createContact).toBe(0);
    expect(await control(sb.url, 'GET', '/__sandbox/requests')).toEqual([]);
    expect((await state()).contacts).toHaveLength(1);

    await control(sb.url, 'POST', '/__sandbox/reset', { data: true });
    const fresh = await state();
    expect(fresh.contacts).toEqual([]);
    expect(fresh.users.map((user) => user.id)).toEqual(['u_alice', 'u_bob']);
    expect(fresh.leads.map((lead) => lead.id)).toEqual(['L-1001', 'L-1002', 'L-1003']);
  });
});

describe('deleting a contact (as in the provider dashboard)', () => {
  it('removes the contact and its chatroom; assign then answers 404; an unknown id is a 404 of the control API', async () => {
    const id = await createContact(sb.url, { crm_id: 'DEL-1' });
    expect((await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: { user_id: 'u_alice' } })).status).toBe(200);
    expect(await control(sb.url, 'DELETE', `/__sandbox/contacts/${id}`)).toEqual({ deleted: id });
    const after = await state();
    expect(after.contacts.find((contact) => contact.id === id)).toBeUndefined();
    expect(after.chatrooms.find((room) => room.contact_id === id)).toBeUndefined();
    expect((await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: { user_id: 'u_alice' } })).status).toBe(404);
    expect((await call(sb.url, 'DELETE', `/__sandbox/contacts/${id}`, { token: null })).status).toBe(404);
  });
});
