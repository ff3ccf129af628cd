import { CsvError, parse } from 'csv-parse/sync';
import { z } from 'zod';

/**
 * Reads the admins' agent CSV. Every data row comes back with the line it starts on, either valid or with
 * the reason it is not, so one bad row never stops the others. Only problems that make the whole file
 * meaningless (no header, a required column missing) are thrown, as `CsvFileError`.
 */

export const REQUIRED_COLUMNS = ['email', 'first_name', 'last_name'] as const;
export const OPTIONAL_COLUMNS = ['crm_user_id'] as const;
type Column = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

/**
 * Create user's documented limits (provider-api.md 2.1). Names: the rendered page says 128, the OpenAPI 40;
 * the stricter one is the one that cannot be rejected. crm_user_id never reaches the provider; 128 matches
 * its other CRM id fields.
 */
export const LIMITS = { email: 319, name: 40, crmUserId: 128 } as const;

const requiredName = (column: string) =>
  z
    .string()
    .min(1, { message: `${column} is required` })
    .max(LIMITS.name, { message: `${column} must be at most ${LIMITS.name} characters` })
    .refine((value) => !/[\r\n]/.test(value), { message: `${column} must not contain a line break` });

export const AgentRowSchema = z.object({
  email: z
    .string()
    .min(1, { message: 'email is required' })
    .max(LIMITS.email, { message: `email must be at most ${LIMITS.email} characters` })
    .pipe(z.email({ message: 'email is not a valid e-mail address' }))
    // The provider and the extension's agent directory compare e-mails case-insensitively; one spelling
    // everywhere keeps the state file, the duplicate check and the agents fragment in agreement.
    .transform((value) => value.toLowerCase()),
  first_name: requiredName('first_name'),
  last_name: requiredName('last_name'),
  crm_user_id: z
    .string()
    .max(LIMITS.crmUserId, { message: `crm_user_id must be at most ${LIMITS.crmUserId} characters` })
    .transform((value) => (value === '' ? undefined : value))
    .optional(),
});

export interface AgentRow {
  line: number;
  email: string;
  firstName: string;
  lastName: string;
  crmUserId?: string;
}

export interface InvalidRow {
  line: number;
  /** As written in the file, when the row got far enough to have one. */
  email?: string;
  reason: string;
}

export interface CsvReadResult {
  rows: AgentRow[];
  invalid: InvalidRow[];
  /** Header columns that are neither required nor optional; ignored, reported so typos are noticed. */
  ignoredColumns: string[];
}

export class CsvFileError extends Error {
  override readonly name = 'CsvFileError';
}

/** Lower case, spaces and dashes as underscores: "First Name", "first-name" and "FIRST_NAME" all match. */
export function normalizeColumnName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

interface RawRecord {
  /** Line the record starts on, 1-based, in the whole file. */
  line: number;
  fields: string[];
}

type ParsePiece = { records: RawRecord[]; error?: { line: number; message: string } };

const PARSE_OPTIONS = {
  bom: true,
  trim: true,
  skip_empty_lines: true,
  skip_records_with_empty_values: true,
  // Column counts are checked here, so that a short row is reported with its line instead of aborting.
  relax_column_count: true,
  record_delimiter: '\n',
} as const;

/**
 * csv-parse stops at the first malformed record, and its own skip mode can silently swallow the rows after
 * a stray quote. So parsing restarts on the line after each malformed record: every line is either read
 * or reported. Line endings are normalised first because with `trim` csv-parse counts CRLF lines wrongly.
 */
function readRecords(text: string): { records: RawRecord[]; errors: InvalidRow[] } {
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const lineStarts = [0];
  for (let index = normalised.indexOf('\n'); index !== -1; index = normalised.indexOf('\n', index + 1)) {
    lineStarts.push(index + 1);
  }
  const records: RawRecord[] = [];
  const errors: InvalidRow[] = [];
  let fromLine = 1;
  while (fromLine <= lineStarts.length) {
    const piece = parsePiece(normalised.slice(lineStarts[fromLine - 1]), fromLine - 1);
    records.push(...piece.records);
    if (!piece.error) break;
    errors.push({ line: piece.error.line, reason: piece.error.message });
    fromLine = piece.error.line + 1;
  }
  return { records, errors };
}

function parsePiece(text: string, lineOffset: number): ParsePiece {
  const records: RawRecord[] = [];
  let lastEndLine = lineOffset;
  try {
    parse(text, {
      ...PARSE_OPTIONS,
      on_record: (record: string[], context) => {
        const endLine = context.lines + lineOffset;
        // A quoted field may span lines; the record starts where its first field does.
        const innerBreaks = record.reduce((sum, field) => sum + (field.split('\n').length - 1), 0);
        records.push({ line: endLine - innerBreaks, fields: record });
        lastEndLine = endLine;
        return null;
      },
    });
    return { records };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = firstContentLine(text, lastEndLine - lineOffset) + lineOffset;
    const detectedOn = typeof error.lines === 'number' ? error.lines + lineOffset : line;
    const where = detectedOn > line && error.code !== 'CSV_QUOTE_NOT_CLOSED' ? ` (noticed on line ${detectedOn})` : '';
    return { records, error: { line, message: `${describeCsvError(error)}${where}` } };
  }
}

/** The malformed record starts on the first non-blank line after the last good one. */
function firstContentLine(text: string, afterLine: number): number {
  const lines = text.split('\n');
  for (let index = afterLine; index < lines.length; index++) {
    if ((lines[index] ?? '').trim() !== '') return index + 1;
  }
  return afterLine + 1;
}

function describeCsvError(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed (a missing " ); the rows after it were read from the next line on';
    case 'INVALID_OPENING_QUOTE':
      return 'a " inside an unquoted field; quote the whole field and double the inner quote ("O""Brien")';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'text after a closing quote; quote the whole field and double any inner quote';
    default:
      return `not valid CSV (${error.message.replace(/ at line \d+/, '')})`;
  }
}

export function readAgentsCsv(text: string): CsvReadResult {
  const { records, errors } = readRecords(text);
  const [header, ...data] = records;
  if (!header) throw new CsvFileError('the CSV file is empty; it needs a header row: email,first_name,last_name[,crm_user_id]');

  const columns = header.fields.map(normalizeColumnName);
  const known = new Set<string>([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]);
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw new CsvFileError(
      `the header row (line ${header.line}) lacks ${missing.join(', ')}; found ${columns.join(', ') || 'nothing'}. ` +
        'Expected: email,first_name,last_name[,crm_user_id], in any order',
    );
  }
  const repeated = columns.filter((column, index) => known.has(column) && columns.indexOf(column) !== index);
  if (repeated.length > 0) throw new CsvFileError(`the header row names ${[...new Set(repeated)].join(', ')} more than once`);
  const index = Object.fromEntries(columns.map((column, position) => [column, position])) as Partial<Record<Column, number>>;

  const invalid: InvalidRow[] = [...errors];
  const rows: AgentRow[] = [];
  const firstLineOf = new Map<string, number>();
  for (const record of data) {
    const value = (column: Column) => {
      const position = index[column];
      return position === undefined ? undefined : record.fields[position];
    };
    const writtenEmail = value('email');
    if (record.fields.length !== columns.length) {
      invalid.push({
        line: record.line,
        ...(writtenEmail ? { email: writtenEmail } : {}),
        reason: `expected ${columns.length} fields as in the header, found ${record.fields.length} (an unquoted comma?)`,
      });
      continue;
    }
    const parsed = AgentRowSchema.safeParse({
      email: writtenEmail,
      first_name: value('first_name'),
      last_name: value('last_name'),
      crm_user_id: value('crm_user_id'),
    });
    if (!parsed.success) {
      invalid.push({
        line: record.line,
        ...(writtenEmail ? { email: writtenEmail } : {}),
        reason: parsed.error.issues.map((issue) => issue.message).join('; '),
      });
      continue;
    }
    const { email, first_name, last_name, crm_user_id } = parsed.data;
    const first = firstLineOf.get(email);
    if (first !== undefined) {
      invalid.push({ line: record.line, email, reason: `duplicate email: already on line ${first}` });
      continue;
    }
    firstLineOf.set(email, record.line);
    rows.push({
      line: record.line,
      email,
      firstName: first_name,
      lastName: last_name,
      ...(crm_user_id === undefined ? {} : { crmUserId: crm_user_id }),
    });
  }
  invalid.sort((a, b) => a.line - b.line);
  return { rows, invalid, ignoredColumns: columns.filter((column) => !known.has(column)) };
}
