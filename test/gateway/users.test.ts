import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { listUsers, removeUser, upsertUsers, whoIs } from '../../gateway/core';
import { runUsersCommand } from '../../gateway/core/users-cli';
import { users } from '../../gateway/db/schema';
import { usePglite } from './helpers';

/** The team's users: the admin functions and the `users` CLI. */

const database = usePglite();
const folder = mkdtempSync(join(tmpdir(), 'ccb-gateway-users-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runUsersCommand(args, database.db, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

describe('team users', () => {
  it('adds, updates (keeping what a row leaves out), lists and removes users', async () => {
    expect(await upsertUsers(database.db, [{ email: ' Alice@Example.com ', providerUserId: 'u_alice', name: 'Alice Agent', role: 'manager' }])).toEqual({ added: 1, updated: 0 });
    expect(await upsertUsers(database.db, [{ email: 'alice@example.com', providerUserId: 'u_alice', crmUserId: '005A' }])).toEqual({ added: 0, updated: 1 });

    expect(await listUsers(database.db)).toEqual([{ email: 'alice@example.com', providerUserId: 'u_alice', name: 'Alice Agent', crmUserId: '005A', role: 'manager' }]);
    expect(await whoIs({ db: database.db }, { email: 'ALICE@example.com', subject: 's' })).toMatchObject({ providerUserId: 'u_alice' });
    expect(await removeUser(database.db, 'alice@example.com')).toBe(true);
    expect(await removeUser(database.db, 'alice@example.com')).toBe(false);
    expect(await listUsers(database.db)).toEqual([]);
  });

  it('rejects the whole batch when one row is invalid or takes another e-mail\'s Saleschat user', async () => {
    await expect(upsertUsers(database.db, [{ email: 'a@example.com', providerUserId: 'u_a' }, { email: 'not-an-email', providerUserId: 'u_b' }])).rejects.toThrow(
      'User 2 (not-an-email): email must be an e-mail address',
    );
    await upsertUsers(database.db, [{ email: 'a@example.com', providerUserId: 'u_a' }]);
    await expect(upsertUsers(database.db, [{ email: 'c@example.com', providerUserId: 'u_c' }, { email: 'b@example.com', providerUserId: 'u_a' }])).rejects.toThrow(
      'already belongs to another e-mail',
    );
    expect((await listUsers(database.db)).map((user) => user.email)).toEqual(['a@example.com']);
  });

  it("drops a kept magic link when the user's Saleschat account changes", async () => {
    await upsertUsers(database.db, [{ email: 'a@example.com', providerUserId: 'u_a' }]);
    await database.db.update(users).set({ magicLink: 'https://x.example/app/magic/secret', magicLinkExpiresAt: new Date(Date.now() + 60_000) });
    await upsertUsers(database.db, [{ email: 'a@example.com', providerUserId: 'u_a', name: 'A' }]);
    expect((await database.db.select({ link: users.magicLink }).from(users))[0]?.link).toBe('https://x.example/app/magic/secret');
    await upsertUsers(database.db, [{ email: 'a@example.com', providerUserId: 'u_other' }]);
    expect(await database.db.select({ link: users.magicLink, at: users.magicLinkExpiresAt }).from(users)).toEqual([{ link: null, at: null }]);
  });
});

describe('users CLI', () => {
  it('adds a user and lists the team', async () => {
    expect(await run('users', 'add', '--email', 'Bob@Example.com', '--provider-user-id', 'u_bob', '--name', 'Bob Agent', '--role', 'manager')).toEqual({
      code: 0,
      out: ['Added bob@example.com.'],
      err: [],
    });
    const listed = await run('list');
    expect(listed.code).toBe(0);
    expect(listed.out).toEqual(['EMAIL            PROVIDER_USER_ID  ROLE     NAME       CRM_USER_ID', 'bob@example.com  u_bob             manager  Bob Agent']);
  });

  it('imports a CSV file (snake_case columns, empty cells absent)', async () => {
    const csv = file('team.csv', 'email,provider_user_id,name,crm_user_id,role\nalice@example.com,u_alice,Alice Agent,,manager\nbob@example.com,u_bob,,005B,\n');
    expect(await run('import', csv)).toMatchObject({ code: 0, out: [`Imported 2 users from ${csv}: 2 added, 0 updated.`] });
    expect(await listUsers(database.db)).toEqual([
      { email: 'alice@example.com', providerUserId: 'u_alice', name: 'Alice Agent', role: 'manager' },
      { email: 'bob@example.com', providerUserId: 'u_bob', crmUserId: '005B', role: 'agent' },
    ]);
  });

  it('imports a JSON file (camelCase, or {"users": [...]})', async () => {
    const json = file('team.json', JSON.stringify({ users: [{ email: 'alice@example.com', providerUserId: 'u_alice', crmUserId: '005A' }] }));
    expect(await run('import', json)).toMatchObject({ code: 0 });
    expect(await database.db.select({ crm: users.crmUserId }).from(users).where(eq(users.email, 'alice@example.com'))).toEqual([{ crm: '005A' }]);
  });

  it('refuses a file with an unknown column, changing nothing', async () => {
    const csv = file('typo.csv', 'email,provider_userid\nalice@example.com,u_alice\n');
    const result = await run('import', csv);
    expect(result).toMatchObject({ code: 1, out: [] });
    expect(result.err[0]).toContain('unknown column "provider_userid"');
    expect(await listUsers(database.db)).toEqual([]);
  });

  it('answers usage errors with exit code 2', async () => {
    expect((await run('add', '--email', 'x@example.com')).code).toBe(2);
    expect((await run('add', '--email', 'x@example.com', '--provider-user-id', 'u', '--bogus', 'y')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('remove', '--email', 'nobody@example.com')).code).toBe(1);
  });
});
