import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../lib/provider/errors';
import { resolveConfig, UsageError } from '../../../lib/provisioning/options';
import { createProgress, maskedStream } from '../../../lib/provisioning/progress';
import type { ProvisioningApi } from '../../../lib/provisioning/provider';
import { provision } from '../../../lib/provisioning/provision';
import type { RowResult } from '../../../lib/provisioning/runner';
import { StateStore } from '../../../lib/provisioning/state';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccb-provision-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  return { io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line), progress: { write: (chunk: string) => progress.push(chunk) } }, out, err, progress };
}

const noApi: ProvisioningApi = {
  createUser: () => expect.unreachable('no request expected'),
  findUserIdByEmail: () => expect.unreachable('no request expected'),
};

function csv(text: string): string {
  const path = join(dir, 'users.csv');
  writeFileSync(path, text);
  return path;
}

describe('provision', () => {
  it('dry run: lists what would be created, sends nothing, writes nothing', async () => {
    const path = csv('email,first_name,last_name\nann@example.com,Ann,One\nbob@example.com,Bob,Two\nbad,X,Y\n');
    StateStore.open(join(dir, 'users.provision-state.json'), { orgId: 'org_demo', apiUrl: '' }).record('ann@example.com', 'u_ann', 'created');
    const before = readdirSync(dir).sort();
    const { io, out, err } = capture();
    const result = await provision(resolveConfig({ 'dry-run': true }, [path], {}), io, { api: noApi });
    expect(result).toMatchObject({ exitCode: 0, dryRun: true, requests: 0, counts: { created: 0, existed: 1, failed: 0, invalid: 1 } });
    expect(out.join('\n')).toContain('would be created: 1');
    expect(out.join('\n')).toContain('line 3: bob@example.com (Bob Two)');
    expect(err).toEqual(['line 4 (bad): invalid row: email is not a valid e-mail address']);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('writes report, agents and state, and exits 1 when a row failed', async () => {
    const path = csv('email,first_name,last_name\nann@example.com,Ann,One\nbob@example.com,Bob,Two\n');
    const api: ProvisioningApi = {
      createUser: async (input) => {
        if (input.email.startsWith('bob')) throw new ProviderError('http', 'HTTP 422', { endpoint: 'createUser', status: 422 });
        return 'u_ann';
      },
      findUserIdByEmail: async () => undefined,
    };
    const { io, out } = capture();
    const config = resolveConfig({ 'api-url': 'https://x.test', org: 'org_demo' }, [path], { SALESCHAT_API_TOKEN: 't' });
    const result = await provision(config, io, { api });
    expect(result.exitCode).toBe(1);
    expect(result.counts).toEqual({ created: 1, existed: 0, failed: 1, invalid: 0 });
    for (const file of ['users.provision-report.csv', 'users.agents.json', 'users.provision-state.json']) expect(existsSync(join(dir, file))).toBe(true);
    expect(out.join('\n')).toMatch(/created {2}1\n {2}existed {2}0\n {2}failed {3}1\n {2}invalid {2}0/);
  });

  it('masks the token and every generated password in every line and file but the passwords file', async () => {
    const token = 'tok-0123456789abcdef';
    const passwords = ['Pw7#first-password', 'Pw8#second-password', 'Pw9#third-password'];
    const issued = [...passwords];
    const path = csv('email,first_name,last_name\nann@example.com,Ann,One\nbob@example.com,Bob,Two\ncy@example.com,Cy,Three\n');
    const api: ProvisioningApi = {
      createUser: async (input) => {
        // A provider that echoes what it was sent: the password (raw and URL-encoded) and the token.
        if (input.email === 'bob@example.com') {
          throw new ProviderError('http', `Saleschat error 4000001 rejected ${input.password} (${encodeURIComponent(input.password)}) for ${token}`, {
            endpoint: 'createUser',
            status: 400,
            errorCode: 4000001,
          });
        }
        if (input.email === 'cy@example.com') {
          throw new ProviderError('http', `Saleschat error 4010001 bad token ${token}; password ${passwords[0]}`, {
            endpoint: 'createUser',
            status: 401,
            errorCode: 4010001,
          });
        }
        return `u_${input.email.slice(0, 3)}`;
      },
      findUserIdByEmail: async () => undefined,
    };
    const { io, out, err, progress } = capture();
    const handed: RowResult[] = [];
    const config = resolveConfig(
      { 'api-url': 'https://x.test', org: 'org_demo', concurrency: '1', 'passwords-out': join(dir, 'passwords.csv') },
      [path],
      { SALESCHAT_API_TOKEN: token },
    );
    const result = await provision(config, io, { api, newPassword: () => issued.shift() as string, onResult: (row) => handed.push(row) });
    expect(result.counts).toMatchObject({ created: 1, failed: 2 });

    const report = readFileSync(join(dir, 'users.provision-report.csv'), 'utf8');
    const printed = [...out, ...err, ...progress].join('\n');
    // The errors were shown and reported, with the credentials masked...
    expect(report).toContain('rejected [redacted] ([redacted]) for [redacted]');
    expect(printed).toContain('line 3 (bob@example.com): failed: Saleschat error 4000001 rejected [redacted] ([redacted]) for [redacted]');
    expect(printed).toContain('stopped early: Saleschat refused the credentials (Saleschat error 4010001 bad token [redacted]; password [redacted])');
    // ...and no credential is anywhere but in the passwords file, which holds the created user's password.
    const everywhere = [
      printed,
      report,
      readFileSync(join(dir, 'users.agents.json'), 'utf8'),
      readFileSync(join(dir, 'users.provision-state.json'), 'utf8'),
      JSON.stringify(result),
      JSON.stringify(handed),
    ].join('\n');
    for (const secret of [token, ...passwords, ...passwords.map(encodeURIComponent)]) expect(everywhere).not.toContain(secret);
    expect(readFileSync(join(dir, 'passwords.csv'), 'utf8')).toBe(`email,password\r\nann@example.com,${passwords[0]}\r\n`);
  });

  it('turns file problems into usage errors before sending anything', async () => {
    const config = (path: string) => resolveConfig({ 'dry-run': true }, [path], {});
    await expect(provision(config(join(dir, 'missing.csv')), capture().io, { api: noApi })).rejects.toThrow(/cannot read the CSV file/);
    await expect(provision(config(csv('name,mail\n')), capture().io, { api: noApi })).rejects.toThrow(UsageError);
    const path = csv('email,first_name,last_name\n');
    writeFileSync(join(dir, 'users.provision-state.json'), 'garbage');
    await expect(provision(config(path), capture().io, { api: noApi })).rejects.toThrow(/not valid JSON/);
  });
});

describe('progress', () => {
  const result = (status: RowResult['status']): RowResult => ({ line: 2, email: 'a@example.com', status });

  it('off a terminal, prints one line per 10 %', () => {
    const lines: string[] = [];
    const progress = createProgress(25, { write: (chunk: string) => lines.push(chunk), isTTY: false });
    for (let i = 0; i < 25; i++) progress.tick(result(i === 3 ? 'failed' : 'created'));
    progress.stop();
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('provision: 12% (3/25) created 3, existed 0, failed 0\n');
    expect(lines[9]).toBe('provision: 100% (25/25) created 24, existed 0, failed 1\n');
  });

  it('masks what is written through a masked stream, and keeps what cli-progress reads from it', () => {
    const chunks: string[] = [];
    const stream = maskedStream({ write: (chunk: string) => chunks.push(chunk), isTTY: true, columns: 120 }, (text) => text.replaceAll('tok-0123456789', '[redacted]'));
    stream.write('progress tok-0123456789\n');
    expect(chunks).toEqual(['progress [redacted]\n']);
    expect(stream).toMatchObject({ isTTY: true, columns: 120 });
  });

  it('on a terminal, draws a bar', () => {
    const chunks: string[] = [];
    const progress = createProgress(2, { write: (chunk: string) => chunks.push(chunk), isTTY: true });
    progress.tick(result('created'));
    progress.tick(result('existed'));
    progress.stop();
    expect(chunks.join('')).toMatch(/100% \| 2\/2 \| created 1 · existed 1 · failed 0/);
  });
});
