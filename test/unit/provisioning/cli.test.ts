import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The real command, as an admin runs it: exit codes and messages. */

const root = resolve(import.meta.dirname, '../../..');
const tsx = join(root, 'node_modules/.bin/tsx');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccb-cli-'));
  writeFileSync(join(dir, 'users.csv'), 'email,first_name,last_name\nann@example.com,Ann,One\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], env: Record<string, string> = {}) {
  const { SALESCHAT_API_TOKEN: _drop, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(tsx, ['scripts/provision.ts', ...args], { cwd: root, env: { ...inherited, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run provision', () => {
  it('prints help', { timeout: 30_000 }, async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: npm run provision -- USERS.csv [options]');
  });

  it('exits 2 on usage errors, and refuses a token flag', { timeout: 30_000 }, async () => {
    const missing = await cli([join(dir, 'users.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --api-url URL, --org ID, the SALESCHAT_API_TOKEN environment variable');
    const token = await cli([join(dir, 'users.csv'), '--token', 'abc']);
    expect(token.code).toBe(2);
    expect(token.stderr).toContain('read from the SALESCHAT_API_TOKEN environment variable, not a flag');
  });

  it('refuses an http: API URL other than a loopback host, with exit code 2', { timeout: 30_000 }, async () => {
    const result = await cli([join(dir, 'users.csv'), '--api-url', 'http://apis.example', '--org', 'org_demo'], { SALESCHAT_API_TOKEN: 'tok-0123456789' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'provision: --api-url must use https: (over http: the API token would cross the network in clear text); ' +
        'http: is accepted only for localhost, 127.0.0.1 and [::1] (the sandbox). Got http://apis.example',
    );
    expect(result.stdout).toBe('');
  });

  it('masks the token in what it prints', { timeout: 30_000 }, async () => {
    const token = 'tok-0123456789';
    const result = await cli([join(dir, 'users.csv'), '--api-url', `http://apis.example/${token}`, '--org', 'org_demo'], { SALESCHAT_API_TOKEN: token });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Got http://apis.example/[redacted]');
    expect(result.stderr).not.toContain(token);
  });

  it('dry-runs without connection settings', { timeout: 30_000 }, async () => {
    const result = await cli([join(dir, 'users.csv'), '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('line 2: ann@example.com (Ann One)');
  });
});
