import { describe, expect, it } from 'vitest';
import { call, contactBody, control, createContact, expectError, getState, type Json, OTHER_TOKEN, useSandbox } from './helpers';

const sb = useSandbox();

describe('auth', () => {
  it('answers 401 in ErrorRespDto shape without or with an unknown token', async () => {
    const missing = await call(sb.url, 'POST', '/v2/org/org_demo/contact', { body: contactBody(), token: null });
    expectError(missing, 401, 4010001, 'UNAUTHENTICATED');
    expect(missing.body.payload).toEqual({});
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');

    const unknown = await call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink', { token: 'nope' });
    expectError(unknown, 401, 4010001, 'UNAUTHENTICATED');
  });

  it('answers 403 when the token belongs to another org, or the org does not exist', async () => {
    const other = await call(sb.url, 'POST', '/v2/org/org_demo/contact', { body: contactBody(), token: OTHER_TOKEN });
    const body = expectError(other, 403, 4030001, 'FORBIDDEN');
    expect(body.error_description).toContain('org_demo');

    const unknownOrg = await call(sb.url, 'PUT', '/v1/orgs/org_nope/contact/c_1', { body: { crm_id: 'x' } });
    expect(expectError(unknownOrg, 403, 4030001, 'FORBIDDEN').error_description).toContain('org_nope');
    expect((await getState(sb.url)).contacts).toEqual([]);
  });

  it('answers 404 in ErrorRespDto shape for unknown routes', async () => {
    expectError(await call(sb.url, 'GET', '/v9/nothing'), 404, 4040001, 'NOT_FOUND');
    expectError(await call(sb.url, 'GET', '/v2/org/org_demo/contact'), 404, 4040001, 'NOT_FOUND');
  });

  it('answers 400 to malformed JSON and 415 to a non-JSON content type', async () => {
    const response = await fetch(`${sb.url}/v2/org/org_demo/contact`, {
      method: 'POST',
      headers: { authorization: 'Bearer sandbox-token-demo', 'content-type': 'application/json' },
      body: '{"crm_id": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error_code: 4000001, error_message: 'BAD_REQUEST' });

    const text = await call(sb.url, 'POST', '/v2/org/org_demo/contact', {
      body: contactBody(),
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.error_code).toBe(4150001);
  });
});

describe('create contact', () => {
  it('creates a contact and returns the DTO without the phone', async () => {
    const result = await call(sb.url, 'POST', '/v2/org/org_demo/contact', { body: contactBody() });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      id: expect.stringMatching(/^c_/),
      crm_id: 'L-1001',
      opt_in_date: '2024-01-31T12:00:00.000Z',
      create_date: expect.any(String),
      first_name: 'Ada',
      last_name: 'Lovelace',
      governance_level: null,
    });
    expect(Number.isNaN(Date.parse(result.body.create_date))).toBe(false);
    const state = await getState(sb.url);
    expect(state.contacts).toEqual([
      expect.objectContaining({ id: result.body.id, org_id: 'org_demo', phone_number: '+14155550132' }),
    ]);
  });

  it('accepts opt_in_date as epoch seconds, and only crm_id + opt_in_date', async () => {
    const result = await call(sb.url, 'POST', '/v2/org/org_demo/contact', {
      body: { crm_id: 'L-2', opt_in_date: 1_700_000_000 },
    });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ opt_in_date: '2023-11-14T22:13:20.000Z', first_name: null, last_name: null });
  });

  it.each([
    ['crm_id', { crm_id: undefined }],
    ['crm_id', { crm_id: 'x'.repeat(129) }],
    ['crm_id', { crm_id: 42 }],
    ['opt_in_date', { opt_in_date: undefined }],
    ['opt_in_date', { opt_in_date: 'yesterday' }],
    ['opt_in_date', { opt_in_date: '2024-01-31' }],
    ['opt_in_date', { opt_in_date: 1_700_000_000_000 }],
    ['phone_number', { phone_number: '(415) 555-0132' }],
    ['phone_number', { phone_number: '4155550132' }],
    ['phone_number', { phone_number: '+04155550132' }],
    ['phone_number', { phone_number: '+1234567890123456' }],
    ['first_name', { first_name: 'A*a' }],
    ['first_name', { first_name: 'x'.repeat(129) }],
    ['last_name', { last_name: '*' }],
    ['last_name', { last_name: 'Love\nlace' }],
    ['is_inbound', { is_inbound: 'yes' }],
  ])('rejects an invalid %s with 400 naming the field (%j)', async (field, overrides) => {
    const result = await call(sb.url, 'POST', '/v2/org/org_demo/contact', { body: contactBody(overrides) });
    const body = expectError(result, 400, 4000001, 'BAD_REQUEST');
    expect(body.payload).toEqual({ field });
    expect(body.error_description).toContain(field);
  });

  it('accepts names at the 128-character limit and a minimal E.164 number', async () => {
    const result = await call(sb.url, 'POST', '/v2/org/org_demo/contact', {
      body: contactBody({ crm_id: 'c'.repeat(128), first_name: 'f'.repeat(128), phone_number: '+4420794' }),
    });
    expect(result.status).toBe(200);
  });

  it('answers 409 for a duplicate crm_id, with the existing id only when the setting says so', async () => {
    const id = await createContact(sb.url);
    const duplicate = await call(sb.url, 'POST', '/v2/org/org_demo/contact', { body: contactBody({ first_name: 'B' }) });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({
      error_code: 4090001,
      error_message: 'UQ_CONSTRAINT_FAILED',
      error_description: 'A contact with this crm_id already exists',
      payload: {},
    });

    await control(sb.url, 'POST', '/__sandbox/settings', { conflictPayloadIncludesId: true });
    const withId = await call(sb.url, 'POST', '/v2/org/org_demo/contact', { body: contactBody() });
    expect(withId.status).toBe(409);
    expect(withId.body.payload).toEqual({ contact_id: id, crm_id: contactBody().crm_id });
    expect((await getState(sb.url)).contacts).toHaveLength(1);
  });
});

describe('look up a contact by crm_id', () => {
  it('answers a list with the exact crm_id match, an empty list when none, and is org-scoped and counted', async () => {
    const id = await createContact(sb.url, { crm_id: 'L 1/2' });
    await createContact(sb.url, { crm_id: 'L 1', phone_number: '+14155550133' });
    const found = await call(sb.url, 'GET', `/v1/orgs/org_demo/contacts?crm_id=${encodeURIComponent('L 1/2')}`);
    expect(found.status).toBe(200);
    expect(found.body).toEqual([expect.objectContaining({ id, crm_id: 'L 1/2' })]);
    expect((await call(sb.url, 'GET', '/v1/orgs/org_demo/contacts?crm_id=L-404')).body).toEqual([]);
    expectError(await call(sb.url, 'GET', '/v1/orgs/org_demo/contacts'), 400, 4000001, 'BAD_REQUEST');
    expectError(await call(sb.url, 'GET', '/v1/orgs/org_demo/contacts?crm_id=L%201', { token: OTHER_TOKEN }), 403, 4030001, 'FORBIDDEN');
    expect((await control(sb.url, 'GET', '/__sandbox/counts')).getContactByCrmId).toBe(4);
  });

  it('can be faulted by name', async () => {
    await control(sb.url, 'POST', '/__sandbox/faults', { endpoint: 'getContactByCrmId', status: 503 });
    expect((await call(sb.url, 'GET', '/v1/orgs/org_demo/contacts?crm_id=L-1')).status).toBe(503);
    expect((await call(sb.url, 'GET', '/v1/orgs/org_demo/contacts?crm_id=L-1')).status).toBe(200);
  });
});

describe('update contact', () => {
  it('updates names, keeps absent fields and re-derives the chatroom name', async () => {
    const id = await createContact(sb.url);
    await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: { user_id: 'u_alice' } });

    const result = await call(sb.url, 'PUT', `/v1/orgs/org_demo/contact/${id}`, {
      body: { crm_id: 'L-1001', first_name: 'Augusta' },
    });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ id, crm_id: 'L-1001', first_name: 'Augusta', last_name: 'Lovelace' });
    const state = await getState(sb.url);
    expect(state.chatrooms[0]?.name).toBe('L-1001 Augusta Lovelace');
  });

  it('validates like create and answers 404 for an unknown contact', async () => {
    const id = await createContact(sb.url);
    const noCrmId = await call(sb.url, 'PUT', `/v1/orgs/org_demo/contact/${id}`, { body: { first_name: 'A' } });
    expect(expectError(noCrmId, 400, 4000001, 'BAD_REQUEST').payload).toEqual({ field: 'crm_id' });
    const star = await call(sb.url, 'PUT', `/v1/orgs/org_demo/contact/${id}`, { body: { crm_id: 'L', last_name: 'a*' } });
    expect(expectError(star, 400, 4000001, 'BAD_REQUEST').payload).toEqual({ field: 'last_name' });

    const missing = await call(sb.url, 'PUT', '/v1/orgs/org_demo/contact/c_missing', { body: { crm_id: 'L' } });
    expectError(missing, 404, 4040001, 'NOT_FOUND');
  });

  it('answers 409 when the new crm_id belongs to another contact', async () => {
    await createContact(sb.url, { crm_id: 'A' });
    const b = await createContact(sb.url, { crm_id: 'B' });
    const result = await call(sb.url, 'PUT', `/v1/orgs/org_demo/contact/${b}`, { body: { crm_id: 'A' } });
    expectError(result, 409, 4090001, 'UQ_CONSTRAINT_FAILED');
  });
});

describe('update stage', () => {
  const stagePath = (id: string) => `/v1/orgs/org_demo/contact/${id}/stage`;

  it('stores stage and disposition on the contact and answers the contact with them', async () => {
    const id = await createContact(sb.url);
    expect((await getState(sb.url)).contacts[0]).toMatchObject({ stage: null, disposition: null });

    const result = await call(sb.url, 'PUT', stagePath(id), { body: { stage: 'QUALIFIED', disposition: 'Hot lead' } });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      id,
      crm_id: 'L-1001',
      opt_in_date: '2024-01-31T12:00:00.000Z',
      create_date: expect.any(String),
      first_name: 'Ada',
      last_name: 'Lovelace',
      governance_level: null,
      stage: 'QUALIFIED',
      disposition: 'Hot lead',
    });
    expect((await getState(sb.url)).contacts[0]).toMatchObject({ id, stage: 'QUALIFIED', disposition: 'Hot lead' });

    // Without a disposition the previous one goes: it belonged to the previous stage.
    const next = await call(sb.url, 'PUT', stagePath(id), { body: { stage: 'WON' } });
    expect(next.body).toMatchObject({ stage: 'WON', disposition: null });
    expect((await getState(sb.url)).contacts[0]).toMatchObject({ stage: 'WON', disposition: null });
    expect((await control(sb.url, 'GET', '/__sandbox/counts')).updateStage).toBe(2);
    const log = await control(sb.url, 'GET', '/__sandbox/requests');
    expect(log.filter((entry: Json) => entry.endpoint === 'updateStage')).toEqual([
      expect.objectContaining({ method: 'PUT', path: stagePath(id), status: 200, body: { stage: 'QUALIFIED', disposition: 'Hot lead' } }),
      expect.objectContaining({ status: 200, body: { stage: 'WON' } }),
    ]);
  });

  it.each([
    ['stage', {}],
    ['stage', { stage: ' ' }],
    ['stage', { stage: 7 }],
    ['stage', { stage: 's'.repeat(129) }],
    ['disposition', { stage: 'NEW', disposition: false }],
    ['disposition', { stage: 'NEW', disposition: 'd'.repeat(129) }],
  ])('rejects an invalid %s with 400 naming the field (%j)', async (field, body) => {
    const id = await createContact(sb.url);
    const result = await call(sb.url, 'PUT', stagePath(id), { body });
    expect(expectError(result, 400, 4000001, 'BAD_REQUEST').payload).toEqual({ field });
    expect((await getState(sb.url)).contacts[0]).toMatchObject({ stage: null });
  });

  it('answers 404 for an unknown contact, 401/403 like the other endpoints, and counts them all', async () => {
    const id = await createContact(sb.url);
    expectError(await call(sb.url, 'PUT', stagePath('c_missing'), { body: { stage: 'NEW' } }), 404, 4040001, 'NOT_FOUND');
    expectError(await call(sb.url, 'PUT', stagePath(id), { body: { stage: 'NEW' }, token: null }), 401, 4010001, 'UNAUTHENTICATED');
    expectError(await call(sb.url, 'PUT', stagePath(id), { body: { stage: 'NEW' }, token: OTHER_TOKEN }), 403, 4030001, 'FORBIDDEN');
    const otherOrg = await call(sb.url, 'PUT', `/v1/orgs/org_other/contact/${id}/stage`, { body: { stage: 'NEW' }, token: OTHER_TOKEN });
    expectError(otherOrg, 404, 4040001, 'NOT_FOUND');
    // Only PUT is the stage call.
    expectError(await call(sb.url, 'POST', stagePath(id), { body: { stage: 'NEW' } }), 404, 4040001, 'NOT_FOUND');
    expect((await getState(sb.url)).contacts[0]).toMatchObject({ stage: null });
    expect((await control(sb.url, 'GET', '/__sandbox/counts')).updateStage).toBe(4);
  });

  it('can be faulted by name', async () => {
    const id = await createContact(sb.url);
    await control(sb.url, 'POST', '/__sandbox/faults', { endpoint: 'updateStage', status: 503 });
    expect((await call(sb.url, 'PUT', stagePath(id), { body: { stage: 'NEW' } })).status).toBe(503);
    expect((await getState(sb.url)).contacts[0]).toMatchObject({ stage: null });
    expect((await call(sb.url, 'PUT', stagePath(id), { body: { stage: 'NEW' } })).status).toBe(200);
  });

  it('answers at the path of the stagePath setting, by contact id or crm_id, and no longer at the default', async () => {
    const id = await createContact(sb.url, { crm_id: 'L 1/2' });
    await control(sb.url, 'POST', '/__sandbox/settings', { stagePath: '/v2/orgs/{orgId}/contacts/{contactId}/disposition' });
    const custom = await call(sb.url, 'PUT', `/v2/orgs/org_demo/contacts/${id}/disposition`, { body: { stage: 'NEW' } });
    expect(custom.status).toBe(200);
    const old = await call(sb.url, 'PUT', stagePath(id), { body: { stage: 'LOST' } });
    expectError(old, 404, 4040001, 'NOT_FOUND');

    await control(sb.url, 'POST', '/__sandbox/settings', { stagePath: '/v1/contact-stage/{crmId}' });
    const byCrmId = await call(sb.url, 'PUT', `/v1/contact-stage/${encodeURIComponent('L 1/2')}`, { body: { stage: 'WON' } });
    expect(byCrmId.body).toMatchObject({ id, stage: 'WON' });
    // Without {orgId} the token's org is the org: another org's token does not find the contact.
    const foreign = await call(sb.url, 'PUT', `/v1/contact-stage/${encodeURIComponent('L 1/2')}`, { body: { stage: 'LOST' }, token: OTHER_TOKEN });
    expectError(foreign, 404, 4040001, 'NOT_FOUND');

    expect((await getState(sb.url)).contacts[0]).toMatchObject({ stage: 'WON' });
    const log = await control(sb.url, 'GET', '/__sandbox/requests');
    expect(log.map((entry: Json) => entry.endpoint)).toEqual(['createContact', 'updateStage', null, 'updateStage', 'updateStage']);
  });

  it('rejects a stagePath that cannot route', async () => {
    for (const stagePath of ['v1/x/{contactId}', '/v1/orgs/{orgId}/stage', '/v1/{contact}/stage', '/v1/{contactId}?x=1']) {
      const result = await call(sb.url, 'POST', '/__sandbox/settings', { body: { stagePath }, token: null });
      expect(result.status, stagePath).toBe(400);
      expect(result.body.payload).toEqual({ field: 'stagePath' });
    }
  });

  it('leaves update contact its route when stagePath names the same one', async () => {
    const id = await createContact(sb.url);
    await control(sb.url, 'POST', '/__sandbox/settings', { stagePath: '/v1/orgs/{orgId}/contact/{contactId}' });
    const result = await call(sb.url, 'PUT', `/v1/orgs/org_demo/contact/${id}`, { body: { crm_id: 'L-1001', first_name: 'Augusta' } });
    expect(result.body).toMatchObject({ first_name: 'Augusta' });
    expect((await control(sb.url, 'GET', '/__sandbox/counts')).updateStage).toBe(0);
  });
});

describe('assign', () => {
  it('creates the chatroom on the first call and reassigns it later', async () => {
    const id = await createContact(sb.url);
    const first = await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: { user_id: 'u_alice' } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      chatroom_id: expect.stringMatching(/^cr_/),
      contact_id: id,
      assigned_user_id: 'u_alice',
      previous_assigned_user_id: null,
      created: true,
    });

    const second = await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: { user_id: 'u_bob' } });
    expect(second.body).toEqual({
      chatroom_id: first.body.chatroom_id,
      contact_id: id,
      assigned_user_id: 'u_bob',
      previous_assigned_user_id: 'u_alice',
      created: false,
    });

    const state = await getState(sb.url);
    expect(state.chatrooms).toEqual([
      expect.objectContaining({
        id: first.body.chatroom_id,
        contact_id: id,
        name: 'L-1001 Ada Lovelace',
        assigned_user_id: 'u_bob',
      }),
    ]);
  });

  it('derives the name from crm_id alone when the contact has no names', async () => {
    const id = await createContact(sb.url, { crm_id: '  L-9 ', first_name: undefined, last_name: ' ' });
    await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: { user_id: 'u_alice' } });
    expect((await getState(sb.url)).chatrooms[0]?.name).toBe('L-9');
  });

  it('answers 404 for an unknown contact or user and 400 without user_id/group_id', async () => {
    const unknownContact = await call(sb.url, 'POST', '/v3/orgs/org_demo/contacts/c_x/assign', { body: { user_id: 'u_alice' } });
    expectError(unknownContact, 404, 4040001, 'NOT_FOUND');

    const id = await createContact(sb.url);
    const neither = await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: {} });
    expectError(neither, 400, 4000001, 'BAD_REQUEST');

    const unknownUser = await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: { user_id: 'u_zed' } });
    expect(expectError(unknownUser, 404, 4040001, 'NOT_FOUND').error_description).toMatch(/user/i);
    expect((await getState(sb.url)).chatrooms).toEqual([]);
  });

  it.each([
    ['nested', (room: Json) => ({ chatroom: { id: room.id, name: room.name, assigned_user_id: 'u_alice' } })],
    ['id', (room: Json) => ({ id: room.id })],
    ['empty', () => ({})],
  ])('answers in the %s shape when configured', async (shape, expected) => {
    await control(sb.url, 'POST', '/__sandbox/settings', { assignResponseShape: shape });
    const id = await createContact(sb.url);
    const result = await call(sb.url, 'POST', `/v3/orgs/org_demo/contacts/${id}/assign`, { body: { user_id: 'u_alice' } });
    expect(result.status).toBe(200);
    const room = (await getState(sb.url)).chatrooms[0];
    expect(result.body).toEqual(expected(room));
  });
});

describe('users and magic links', () => {
  const userBody = { email: 'carol@example.com', password: 'secret-pass', first_name: 'Carol', last_name: 'Closer' };

  it('creates a user, rejects a duplicate email with 409 and invalid fields with 422', async () => {
    const created = await call(sb.url, 'POST', '/v1/org/org_demo/user', { body: userBody });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ user_id: expect.stringMatching(/^u_/) });

    const dup = await call(sb.url, 'POST', '/v1/org/org_demo/user', { body: { ...userBody, email: 'CAROL@example.com' } });
    expectError(dup, 409, 4090001, 'UQ_CONSTRAINT_FAILED');

    for (const [field, value] of [
      ['email', undefined],
      ['email', `${'x'.repeat(310)}@example.com`],
      ['password', 'short'],
      ['password', 'x'.repeat(65)],
      ['first_name', 'x'.repeat(41)],
      ['last_name', undefined],
    ] as const) {
      const result = await call(sb.url, 'POST', '/v1/org/org_demo/user', { body: { ...userBody, [field]: value } });
      expect(expectError(result, 422, 4220001, 'VALIDATION_FAILED').payload).toEqual({ field });
    }
    const state = await getState(sb.url);
    expect(state.users.find((user) => user.id === created.body.user_id)).toMatchObject({ org_id: 'org_demo' });
    expect(JSON.stringify(state)).not.toContain('secret-pass');
  });

  it('returns a link that is reused until it expires', async () => {
    const first = await call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ magic_link: expect.stringMatching(new RegExp(`^${sb.url}/app/magic/`)), expiry_ts: expect.any(Number) });
    const now = Date.now() / 1000;
    expect(first.body.expiry_ts).toBeGreaterThan(now + 890);
    expect(first.body.expiry_ts).toBeLessThan(now + 910);

    const again = await call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink');
    expect(again.body).toEqual(first.body);
    const bob = await call(sb.url, 'GET', '/v1/org/org_demo/user/u_bob/magiclink');
    expect(bob.body.magic_link).not.toBe(first.body.magic_link);

    expectError(await call(sb.url, 'GET', '/v1/org/org_demo/user/u_nobody/magiclink'), 404, 4040001, 'NOT_FOUND');
  });

  it('issues a new link once the old one expired', async () => {
    await control(sb.url, 'POST', '/__sandbox/settings', { magicLinkTtlSeconds: 1 });
    const first = await call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink');
    expect(second.body.magic_link).not.toBe(first.body.magic_link);
    const login = await fetch(first.body.magic_link, { redirect: 'manual' });
    expect(login.status).toBe(401);
  });

  it.each([
    ['string', (body: Json) => expect(body).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/app\/magic\/\S+$/)],
    ['camel', (body: Json) => {
      expect(body).toEqual({ magicLink: expect.stringContaining('/app/magic/'), expires_at: expect.any(String) });
      expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now());
    }],
    ['no-expiry', (body: Json) => expect(body).toEqual({ link: expect.stringContaining('/app/magic/') })],
  ])('answers in the %s shape when configured', async (shape, check) => {
    await control(sb.url, 'POST', '/__sandbox/settings', { magicLinkShape: shape });
    const result = await call(sb.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink');
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/json');
    check(result.body);
  });
});
