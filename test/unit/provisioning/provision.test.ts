import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../lib/provider/errors';
import { resolveConfig, UsageError } from '../../../lib/provisioning/options';
import { createProgress } from '../../../lib/provisioning/progress';
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
    const config = resolveConfig({ 'api-url': 'http://x.test', org: 'org_demo' }, [path], { SALESCHAT_API_TOKEN: 't' });
    const result = await provision(config, io, { api });
    expect(result.exitCode).toBe(1);
    expect(result.counts).toEqual({ created: 1, existed: 0, failed: 1, invalid: 0 });
    for (const file of ['users.provision-report.csv', 'users.agents.json', 'users.provision-state.json']) expect(existsSync(join(dir, file))).toBe(true);
    expect(out.join('\n')).toMatch(/created {2}1\n {2}existed {2}0\n {2}failed {3}1\n {2}invalid {2}0/);
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

  it('on a terminal, draws a bar', () => {
    const chunks: string[] = [];
    const progress = createProgress(2, { write: (chunk: string) => chunks.push(chunk), isTTY: true });
    progress.tick(result('created'));
    progress.tick(result('existed'));
    progress.stop();
    expect(chunks.join('')).toMatch(/100% \| 2\/2 \| created 1 · existed 1 · failed 0/);
  });
});
