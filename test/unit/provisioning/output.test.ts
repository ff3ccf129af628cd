import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentEntrySchema } from '../../../lib/config/schema';
import { agentsFragment, csvLine, PasswordsFile, reportCsv, writeAgentsFragment } from '../../../lib/provisioning/output';
import type { RowResult } from '../../../lib/provisioning/runner';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccb-output-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const row = (line: number, email: string, extra: { crmUserId?: string } = {}) => ({ line, email, firstName: 'First', lastName: `Last ${line}`, ...extra });

const results: RowResult[] = [
  { line: 5, email: 'zed@example.com', status: 'created', providerUserId: 'u_5', row: row(5, 'zed@example.com') },
  { line: 2, email: 'amy@example.com', status: 'existed', providerUserId: 'u_2', errorCode: '4090001', errorMessage: 'already in the org (409); id found', row: row(2, 'amy@example.com', { crmUserId: 'CRM-2' }) },
  { line: 3, email: 'bo@example.com', status: 'existed', errorCode: 'ID_UNKNOWN', errorMessage: 'id unknown, see "docs"', row: row(3, 'bo@example.com') },
  { line: 4, email: 'cy@example.com', status: 'failed', errorCode: '5000001', errorMessage: 'Saleschat error 5000001 INTERNAL_ERROR', row: row(4, 'cy@example.com') },
  { line: 6, email: '', status: 'invalid', errorCode: 'INVALID_ROW', errorMessage: 'expected 4 fields, found 5' },
];

describe('report', () => {
  it('has one row per CSV row in line order, with quoting where needed', () => {
    const text = reportCsv(results);
    expect(text.split('\r\n')[0]).toBe('line,email,status,provider_user_id,error_code,error_message');
    expect(text).toContain('3,bo@example.com,existed,,ID_UNKNOWN,"id unknown, see ""docs"""\r\n');
    const parsed = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(parsed.map((entry) => [entry.line, entry.status, entry.provider_user_id])).toEqual([
      ['2', 'existed', 'u_2'],
      ['3', 'existed', ''],
      ['4', 'failed', ''],
      ['5', 'created', 'u_5'],
      ['6', 'invalid', ''],
    ]);
  });

  it('quotes fields with separators, quotes, line breaks or edge spaces', () => {
    expect(csvLine(['a', 'b,c', 'd"e', 'f\ng', ' h', ''])).toBe('a,"b,c","d""e","f\ng"," h",\r\n');
  });
});

describe('agents fragment', () => {
  it('lists every row with a known id, sorted by email, valid for the extension config', () => {
    const fragment = agentsFragment(results);
    expect(fragment).toEqual([
      { email: 'amy@example.com', providerUserId: 'u_2', crmUserId: 'CRM-2', name: 'First Last 2' },
      { email: 'zed@example.com', providerUserId: 'u_5', name: 'First Last 5' },
    ]);
    for (const entry of fragment) expect(AgentEntrySchema.parse(entry)).toEqual(entry);
    const path = join(dir, 'agents.json');
    writeAgentsFragment(path, fragment);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(fragment);
  });
});

describe('PasswordsFile', () => {
  it('is owner-only, starts with a header and appends across runs', () => {
    const path = join(dir, 'passwords.csv');
    const first = PasswordsFile.open(path);
    first.add('a@example.com', 'Pw-1');
    first.close();
    const second = PasswordsFile.open(path);
    second.add('b@example.com', 'Pw-2');
    second.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('email,password\r\na@example.com,Pw-1\r\nb@example.com,Pw-2\r\n');
  });

  it('tightens the mode of an existing file', () => {
    const path = join(dir, 'passwords.csv');
    writeFileSync(path, '', { mode: 0o644 });
    PasswordsFile.open(path).close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
