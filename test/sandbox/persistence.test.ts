import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { call, control, createContact, getState } from './helpers';

const dirs: string[] = [];
const running: Sandbox[] = [];

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-test-'));
  dirs.push(dir);
  return join(dir, 'nested', 'data.json');
}

async function start(dataFile?: string): Promise<Sandbox> {
  const sandbox = await startSandbox({ quiet: true, dataFile });
  running.push(sandbox);
  return sandbox;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((sandbox) => sandbox.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('persistence', () => {
  it('keeps users, contacts, chatrooms, links, sessions and leads across a restart', async () => {
    const dataFile = tempFile();
    const first = await start(dataFile);
    const contactId = await createContact(first.url);
    const assign = await call(first.url, 'POST', `/v3/orgs/org_demo/contacts/${contactId}/assign`, { body: { user_id: 'u_alice' } });
    const user = await call(first.url, 'POST', '/v1/org/org_demo/user', {
      body: { email: 'dan@example.com', password: 'password-1', first_name: 'Dan', last_name: 'Dealer' },
    });
    const link = await call(first.url, 'GET', '/v1/org/org_demo/user/u_alice/magiclink');
    const login = await fetch(link.body.magic_link, { redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    await control(first.url, 'POST', '/__sandbox/leads', { id: 'L-NEW', firstName: 'New', lastName: 'Lead' });
    await control(first.url, 'POST', '/__sandbox/settings', { assignResponseShape: 'empty' });
    await first.close();

    const onDisk = JSON.parse(readFileSync(dataFile, 'utf8'));
    expect(onDisk.contacts).toHaveLength(1);
    expect(JSON.stringify(onDisk)).not.toContain('password-1');

    const second = await start(dataFile);
    const state = await getState(second.url);
    expect(state.contacts.map((c) => c.id)).toEqual([contactId]);
    expect(state.chatrooms.map((r) => r.id)).toEqual([assign.body.chatroom_id]);
    expect(state.users.map((u) => u.id)).toContain(user.body.user_id);
    expect(state.leads.map((l) => l.id)).toContain('L-NEW');
    // Settings and counts are test controls, not data: they start fresh.
    expect((await control(second.url, 'GET', '/__sandbox/settings')).assignResponseShape).toBe('default');
    expect((await control(second.url, 'GET', '/__sandbox/counts')).createContact).toBe(0);

    // The old link (new port, same token) and the old session still work.
    const token = link.body.magic_link.split('/app/magic/')[1];
    expect((await fetch(`${second.url}/app/magic/${token}`, { redirect: 'manual' })).status).toBe(302);
    const home = await fetch(`${second.url}/app/`, { headers: { cookie } });
    expect(await home.text()).toContain('data-user-id="u_alice"');
    expect((await call(second.url, 'POST', '/v2/org/org_demo/contact', {
      body: { crm_id: 'L-1001', opt_in_date: 1_700_000_000 },
    })).status).toBe(409);
  });

  it('restores the seed into the file on reset with data', async () => {
    const dataFile = tempFile();
    const sandbox = await start(dataFile);
    await createContact(sandbox.url);
    await control(sandbox.url, 'POST', '/__sandbox/reset', { data: true });
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).contacts).toEqual([]);
  });

  it('keeps a contact\'s stage across a restart and loads contacts written before stages existed', async () => {
    const dataFile = tempFile();
    const first = await start(dataFile);
    const staged = await createContact(first.url);
    const older = await createContact(first.url, { crm_id: 'L-OLD', phone_number: '+14155550199' });
    await call(first.url, 'PUT', `/v1/orgs/org_demo/contact/${staged}/stage`, { body: { stage: 'WON', disposition: 'Signed' } });
    await first.close();

    const onDisk = JSON.parse(readFileSync(dataFile, 'utf8'));
    for (const contact of onDisk.contacts) {
      if (contact.id === older) {
        delete contact.stage;
        delete contact.disposition;
      }
    }
    writeFileSync(dataFile, JSON.stringify(onDisk));

    const second = await start(dataFile);
    const contacts = (await getState(second.url)).contacts;
    expect(contacts.find((contact) => contact.id === staged)).toMatchObject({ stage: 'WON', disposition: 'Signed' });
    expect(contacts.find((contact) => contact.id === older)).toMatchObject({ stage: null, disposition: null });
  });

  it('refuses to start on a corrupt data file instead of overwriting it', async () => {
    const dataFile = tempFile();
    await start(dataFile).then((sandbox) => sandbox.close());
    writeFileSync(dataFile, '{ not json');
    await expect(startSandbox({ quiet: true, dataFile })).rejects.toThrow(/not readable JSON/);
    expect(readFileSync(dataFile, 'utf8')).toBe('{ not json');
  });

  it('stays in memory without a data file, and close() returns promptly with keep-alive sockets open', async () => {
    const sandbox = await start();
    await createContact(sandbox.url);
    await control(sandbox.url, 'POST', '/__sandbox/faults', { endpoint: 'createContact', delayMs: 10_000 });
    const pending = call(sandbox.url, 'POST', '/v2/org/org_demo/contact', {
      body: { crm_id: 'slow', opt_in_date: 1_700_000_000 },
    }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await sandbox.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);

    const again = await start();
    expect((await getState(again.url)).contacts).toEqual([]);
  });
});
