import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateFileError, StateStore, writeFileAtomic } from '../../../lib/provisioning/state';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccb-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const target = { orgId: 'org_demo', apiUrl: 'http://127.0.0.1:4010' };
const fixedNow = () => new Date('2026-01-02T03:04:05.000Z');

describe('StateStore', () => {
  it('starts empty when the file does not exist, and creates nothing until something is recorded', () => {
    const path = join(dir, 'state.json');
    const store = StateStore.open(path, target);
    expect(store.size).toBe(0);
    expect(store.get('a@example.com')).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  it('persists every record at once and reads it back', () => {
    const path = join(dir, 'state.json');
    const store = StateStore.open(path, target, fixedNow);
    store.record('a@example.com', 'u_1', 'created');
    const afterOne = JSON.parse(readFileSync(path, 'utf8'));
    expect(afterOne.users).toEqual({ 'a@example.com': { providerUserId: 'u_1', source: 'created', at: '2026-01-02T03:04:05.000Z' } });
    store.record('b@example.com', 'u_2', 'lookup');
    const reopened = StateStore.open(path, target);
    expect(reopened.size).toBe(2);
    expect(reopened.get('b@example.com')).toMatchObject({ providerUserId: 'u_2', source: 'lookup' });
    expect(reopened.orgId).toBe('org_demo');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('passes every id through the mask before keeping it', () => {
    const path = join(dir, 'state.json');
    const store = StateStore.open(path, target, fixedNow, (value) => value.replaceAll('tok-0123456789', '[redacted]'));
    store.record('a@example.com', 'tok-0123456789', 'created');
    expect(store.get('a@example.com')?.providerUserId).toBe('[redacted]');
    expect(readFileSync(path, 'utf8')).not.toContain('tok-0123456789');
  });

  it('does not mistake inherited object keys for users', () => {
    const store = StateStore.open(join(dir, 'state.json'), target);
    expect(store.get('constructor')).toBeUndefined();
    expect(store.get('__proto__')).toBeUndefined();
  });

  it('refuses a corrupt file, a foreign file and a file of another org', () => {
    const path = join(dir, 'state.json');
    writeFileSync(path, '{"version":1,');
    expect(() => StateStore.open(path, target)).toThrow(StateFileError);
    writeFileSync(path, JSON.stringify({ hello: 'world' }));
    expect(() => StateStore.open(path, target)).toThrow(/not a provisioning state file/);
    StateStore.open(join(dir, 'other.json'), { ...target, orgId: 'org_other' }).record('a@example.com', 'u_1', 'created');
    expect(() => StateStore.open(join(dir, 'other.json'), target)).toThrow(/belongs to org org_other/);
    // A dry run without --org reads any org's file.
    expect(StateStore.open(join(dir, 'other.json'), { orgId: '', apiUrl: '' }).size).toBe(1);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file in one step and leaves no temp file, also on failure', () => {
    const path = join(dir, 'out.json');
    writeFileAtomic(path, 'one');
    writeFileAtomic(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['out.json']);
    expect(() => writeFileAtomic(join(dir, 'missing', 'x.json'), 'three')).toThrow();
    expect(readdirSync(dir)).toEqual(['out.json']);
  });
});
