import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvFileError, normalizeColumnName, readAgentsCsv } from '../../../lib/provisioning/csv';

const HEADER = 'email,first_name,last_name,crm_user_id';

describe('readAgentsCsv: format', () => {
  it('reads a plain file with line numbers counted from the header (line 1)', () => {
    const result = readAgentsCsv(`${HEADER}\nann@example.com,Ann,One,U-1\nbob@example.com,Bob,Two,\n`);
    expect(result.rows).toEqual([
      { line: 2, email: 'ann@example.com', firstName: 'Ann', lastName: 'One', crmUserId: 'U-1' },
      { line: 3, email: 'bob@example.com', firstName: 'Bob', lastName: 'Two' },
    ]);
    expect(result.invalid).toEqual([]);
  });

  it('tolerates a BOM, CRLF, padding, quoted fields, blank lines, any column order and header spelling', () => {
    const text =
      '\uFEFF Last Name ,crm-user-id, EMAIL ,First_Name\r\n' +
      ' One , U-1 , ann@example.com , Ann \r\n' +
      '\r\n' +
      '"Two, Jr.","U-2","bob@example.com","Bob ""Bobby"""\r\n' +
      ',,,\r\n' +
      'Three,,cat@example.com,Cat';
    const result = readAgentsCsv(text);
    expect(result.rows).toEqual([
      { line: 2, email: 'ann@example.com', firstName: 'Ann', lastName: 'One', crmUserId: 'U-1' },
      { line: 4, email: 'bob@example.com', firstName: 'Bob "Bobby"', lastName: 'Two, Jr.', crmUserId: 'U-2' },
      { line: 6, email: 'cat@example.com', firstName: 'Cat', lastName: 'Three' },
    ]);
    expect(result.invalid).toEqual([]);
  });

  it('reports a record by the line it starts on, even when a quoted field spans lines', () => {
    const text = `${HEADER}\r\nann@example.com,"Ann\r\nMarie",One,\r\nbob@example.com,Bob,Two,\r\n`;
    const result = readAgentsCsv(text);
    expect(result.invalid).toEqual([{ line: 2, email: 'ann@example.com', reason: 'first_name must not contain a line break' }]);
    expect(result.rows).toEqual([{ line: 4, email: 'bob@example.com', firstName: 'Bob', lastName: 'Two' }]);
  });

  it('reports malformed quoting by line and keeps reading the rows after it', () => {
    const text = [
      HEADER,
      'ann@example.com,Ann,One,',
      '"bad"x@example.com,B,C,',
      'cat@example.com,O"Brien,C,',
      'dan@example.com,"unclosed,D,',
      'eve@example.com,Eve,Five,',
      'fay@example.com,"F",Six,',
      'gus@example.com,Gus,Seven,',
    ].join('\n');
    const result = readAgentsCsv(text);
    expect(result.rows.map((row) => [row.line, row.email])).toEqual([
      [2, 'ann@example.com'],
      [6, 'eve@example.com'],
      [7, 'fay@example.com'],
      [8, 'gus@example.com'],
    ]);
    expect(result.invalid.map((row) => row.line)).toEqual([3, 4, 5]);
    expect(result.invalid[0]?.reason).toMatch(/text after a closing quote/);
    expect(result.invalid[1]?.reason).toMatch(/inside an unquoted field/);
    expect(result.invalid[2]?.reason).toMatch(/noticed on line 7/);
  });

  it('reports a quote left open at the end of the file', () => {
    const result = readAgentsCsv(`${HEADER}\nann@example.com,Ann,One,\nbob@example.com,"Bob,Two,\ncat@example.com,Cat,Three,\n`);
    expect(result.rows.map((row) => row.line)).toEqual([2, 4]);
    expect(result.invalid).toEqual([{ line: 3, reason: expect.stringMatching(/never closed/) }]);
  });

  it('reports rows with too many or too few fields', () => {
    const result = readAgentsCsv(`${HEADER}\nann@example.com,Ann,One,U1,extra\nbob@example.com,Bob\n`);
    expect(result.rows).toEqual([]);
    expect(result.invalid).toEqual([
      { line: 2, email: 'ann@example.com', reason: 'expected 4 fields as in the header, found 5 (an unquoted comma?)' },
      { line: 3, email: 'bob@example.com', reason: 'expected 4 fields as in the header, found 2 (an unquoted comma?)' },
    ]);
  });

  it('accepts a file without the optional column and names ignored columns', () => {
    const result = readAgentsCsv('email,first_name,last_name,team\nann@example.com,Ann,One,Red\n');
    expect(result.rows).toEqual([{ line: 2, email: 'ann@example.com', firstName: 'Ann', lastName: 'One' }]);
    expect(result.ignoredColumns).toEqual(['team']);
  });

  it('refuses files that cannot be read as an agent list at all', () => {
    expect(() => readAgentsCsv('')).toThrow(CsvFileError);
    expect(() => readAgentsCsv('\uFEFF\r\n\r\n')).toThrow(/empty/);
    expect(() => readAgentsCsv('mail,first,last\na@b.co,A,B\n')).toThrow(/lacks email, first_name, last_name/);
    expect(() => readAgentsCsv('email,first_name,last_name,Email\n')).toThrow(/email more than once/);
  });

  it('normalises column names', () => {
    expect(normalizeColumnName(' First Name ')).toBe('first_name');
    expect(normalizeColumnName('CRM-User-Id')).toBe('crm_user_id');
  });
});

describe('readAgentsCsv: validation', () => {
  const one = (row: string) => readAgentsCsv(`${HEADER}\n${row}\n`);

  it.each([
    ['not-an-email,A,B,', 'email is not a valid e-mail address'],
    [',A,B,', 'email is required'],
    ['a@example.com,,B,', 'first_name is required'],
    ['a@example.com,A,,', 'last_name is required'],
    [`a@example.com,${'x'.repeat(41)},B,`, 'first_name must be at most 40 characters'],
    [`a@example.com,A,${'y'.repeat(41)},`, 'last_name must be at most 40 characters'],
    [`a@example.com,A,B,${'c'.repeat(129)}`, 'crm_user_id must be at most 128 characters'],
  ])('rejects %s', (row, reason) => {
    const result = one(row);
    expect(result.rows).toEqual([]);
    expect(result.invalid).toEqual([expect.objectContaining({ line: 2, reason })]);
  });

  it('names every problem of a row at once', () => {
    expect(one('nope,,,').invalid[0]?.reason).toBe('email is not a valid e-mail address; first_name is required; last_name is required');
  });

  it('accepts the limits exactly and lower-cases emails', () => {
    const local = 'l'.repeat(64);
    const domain = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.${'g'.repeat(60)}.com`;
    const email = `${local}@${domain}`;
    expect(email.length).toBeLessThanOrEqual(319);
    const result = one(`${email.toUpperCase()},${'x'.repeat(40)},${'y'.repeat(40)},${'c'.repeat(128)}`);
    expect(result.invalid).toEqual([]);
    expect(result.rows[0]?.email).toBe(email);
  });

  it('rejects emails over 319 characters', () => {
    const email = `${'l'.repeat(64)}@${Array.from({ length: 5 }, () => 'd'.repeat(60)).join('.')}.com`;
    expect(email.length).toBeGreaterThan(319);
    expect(one(`${email},A,B,`).invalid[0]?.reason).toMatch(/at most 319/);
  });

  it('reports the second occurrence of an email (any case) as a duplicate of the first', () => {
    const result = readAgentsCsv(`${HEADER}\nann@example.com,Ann,One,\nbob@example.com,Bob,Two,\nANN@example.com,Ann,Again,\n`);
    expect(result.rows.map((row) => row.line)).toEqual([2, 3]);
    expect(result.invalid).toEqual([{ line: 4, email: 'ann@example.com', reason: 'duplicate email: already on line 2' }]);
  });

  it('does not count an invalid row as the first occurrence', () => {
    const result = readAgentsCsv(`${HEADER}\nann@example.com,,One,\nann@example.com,Ann,One,\n`);
    expect(result.rows.map((row) => row.line)).toEqual([3]);
  });

  it('round-trips any valid names through quoting, with correct line numbers', () => {
    const name = fc
      .string({ minLength: 1, maxLength: 40, unit: fc.constantFrom('a', 'Z', ' ', ',', '"', 'é', "'", '-') })
      .filter((value) => value.trim() === value && value.trim() !== '');
    fc.assert(
      fc.property(fc.array(fc.tuple(name, name), { minLength: 1, maxLength: 20 }), fc.boolean(), (names, crlf) => {
        const eol = crlf ? '\r\n' : '\n';
        const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
        const lines = names.map(([first, last], index) => `a${index}@example.com,${quote(first)},${quote(last)},`);
        const result = readAgentsCsv([HEADER, ...lines].join(eol));
        expect(result.invalid).toEqual([]);
        expect(result.rows).toEqual(
          names.map(([first, last], index) => ({ line: index + 2, email: `a${index}@example.com`, firstName: first, lastName: last })),
        );
      }),
    );
  });
});
