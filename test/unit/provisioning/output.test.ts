import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentEntrySchema } from '../../../lib/config/schema';
import { csvCell, escapeFormula, FORMULA_START_CHARACTERS } from '../../../lib/provisioning/csv-cell';
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

describe('CSV formula escaping (OWASP CSV injection)', () => {
  it.each([
    ['=1+2', "'=1+2"],
    ['+1+2', "'+1+2"],
    ['-1+2', "'-1+2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1+2', "'\t=1+2"],
    ['\r=1+2', "'\r=1+2"],
  ])('prefixes %j with a single quote', (value, escaped) => {
    expect(escapeFormula(value)).toBe(escaped);
  });

  it('covers exactly = + - @ tab and carriage return', () => {
    expect([...FORMULA_START_CHARACTERS].sort()).toEqual(['\t', '\r', '+', '-', '=', '@'].sort());
  });

  it('leaves every other value unchanged', () => {
    for (const value of ['', 'ada@example.com', 'Ada', 'u_5c6722243870e133', '4090001', 'a=b', "'quoted", ' =1', 'x-y', 'Saleschat error -1']) {
      expect(escapeFormula(value)).toBe(value);
    }
    expect(csvLine(['2', 'ada@example.com', 'created', 'u_1', '', ''])).toBe('2,ada@example.com,created,u_1,,\r\n');
  });

  it('quotes the escaped cell as CSV requires, and a CSV reader gets the escaped value back', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe('"\'=HYPERLINK(""http://evil.example"",""x"")"');
    expect(csvCell('-2,3')).toBe('"\'-2,3"');
    expect(csvCell('\tcmd')).toBe('"\'\tcmd"');
    expect(csvCell('\r=1')).toBe('"\'\r=1"');
    expect(csvCell('@x')).toBe("'@x");
    const values = ['=1+2', '+1', '-1', '@a', '\t=x', '\r=x', 'plain', 'a,b', 'say "hi"'];
    expect(parse(csvLine(values))).toEqual([values.map(escapeFormula)]);
  });

  it('is applied to every report cell and to the passwords file', () => {
    const text = reportCsv([{ line: 2, email: '-ann@example.com', status: 'failed', errorCode: '-1', errorMessage: '=cmd|"/C calc"!A0' }]);
    expect(text.split('\r\n')[1]).toBe(`2,'-ann@example.com,failed,,'-1,"'=cmd|""/C calc""!A0"`);
    const path = join(dir, 'passwords.csv');
    const file = PasswordsFile.open(path);
    file.add('+ann@example.com', 'Pw-1=x');
    file.close();
    expect(readFileSync(path, 'utf8')).toBe("email,password\r\n'+ann@example.com,Pw-1=x\r\n");
  });

  it('masks every report cell and the agents file with the given mask', () => {
    const mask = (text: string) => text.replaceAll('SECRET-VALUE', '[redacted]');
    const text = reportCsv([{ line: 2, email: 'a@example.com', status: 'failed', errorCode: 'SECRET-VALUE', errorMessage: 'echo SECRET-VALUE' }], mask);
    expect(text).toContain('2,a@example.com,failed,,[redacted],echo [redacted]\r\n');
    expect(text).not.toContain('SECRET-VALUE');
    const path = join(dir, 'agents.json');
    writeAgentsFragment(path, [{ email: 'a@example.com', providerUserId: 'SECRET-VALUE' }], mask);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual([{ email: 'a@example.com', providerUserId: '[redacted]' }]);
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
