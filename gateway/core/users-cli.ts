import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import type { GatewayDb } from '../db/open';
import { listUsers, removeUser, type UserInput, UserInputError, upsertUsers } from './team';
import type { TeamMember } from './types';

/**
 * `npm run gateway -- users …`: the administrator's way to say who is in the team.
 *   users add --email E --provider-user-id U [--name N] [--crm-user-id C] [--role agent|manager]
 *   users import FILE.json|FILE.csv   (columns email, provider_user_id, name, crm_user_id, role)
 *   users list
 *   users remove --email E
 * Returns the exit code: 0 done, 1 the input was refused (nothing changed), 2 a usage error.
 */

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: CliOutput = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => console.error(line) };

export const USERS_USAGE = `Usage:
  users add --email E --provider-user-id U [--name N] [--crm-user-id C] [--role agent|manager]
  users import FILE.json|FILE.csv    (columns: email, provider_user_id, name, crm_user_id, role)
  users list
  users remove --email E`;

export async function runUsersCommand(args: string[], db: GatewayDb, output: CliOutput = consoleOutput): Promise<number> {
  const [command, ...rest] = args[0] === 'users' ? args.slice(1) : args;
  try {
    switch (command) {
      case 'add':
        return await add(rest, db, output);
      case 'import':
        return await importFile(rest, db, output);
      case 'list':
        return await list(db, output);
      case 'remove':
        return await remove(rest, db, output);
      default:
        output.err(command ? `Unknown users command: ${command}\n\n${USERS_USAGE}` : USERS_USAGE);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`${error.message}\n\n${USERS_USAGE}`);
      return 2;
    }
    if (error instanceof UserInputError) {
      output.err(error.message);
      return 1;
    }
    throw error;
  }
}

class UsageError extends Error {}

function options(args: string[], names: string[]): Record<string, string | undefined> {
  try {
    const spec = Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
    return parseArgs({ args, options: spec, strict: true, allowPositionals: false }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function add(args: string[], db: GatewayDb, output: CliOutput): Promise<number> {
  const values = options(args, ['email', 'provider-user-id', 'name', 'crm-user-id', 'role']);
  if (!values.email || !values['provider-user-id']) throw new UsageError('users add needs --email and --provider-user-id.');
  const row = definedOnly({
    email: values.email,
    providerUserId: values['provider-user-id'],
    name: values.name,
    crmUserId: values['crm-user-id'],
    role: values.role as UserInput['role'],
  });
  const report = await upsertUsers(db, [row]);
  output.out(`${report.added ? 'Added' : 'Updated'} ${values.email.trim().toLowerCase()}.`);
  return 0;
}

async function importFile(args: string[], db: GatewayDb, output: CliOutput): Promise<number> {
  const [file, ...extra] = args;
  if (!file || extra.length > 0) throw new UsageError('users import takes one file: a .json or .csv file.');
  const rows = await readUsersFile(file);
  const report = await upsertUsers(db, rows);
  output.out(`Imported ${rows.length} users from ${file}: ${report.added} added, ${report.updated} updated.`);
  return 0;
}

async function list(db: GatewayDb, output: CliOutput): Promise<number> {
  const members = await listUsers(db);
  if (members.length === 0) {
    output.out('No users yet: add them with `users add` or `users import`.');
    return 0;
  }
  for (const line of table(members)) output.out(line);
  return 0;
}

async function remove(args: string[], db: GatewayDb, output: CliOutput): Promise<number> {
  const { email } = options(args, ['email']);
  if (!email) throw new UsageError('users remove needs --email.');
  if (!(await removeUser(db, email))) throw new UserInputError(`No user ${email} in the team.`);
  output.out(`Removed ${email.trim().toLowerCase()}.`);
  return 0;
}

function table(members: TeamMember[]): string[] {
  const header = ['EMAIL', 'PROVIDER_USER_ID', 'ROLE', 'NAME', 'CRM_USER_ID'];
  const rows = members.map((m) => [m.email, m.providerUserId, m.role, m.name ?? '', m.crmUserId ?? '']);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
}

/** The spellings a file may use for each field (the CLI's own snake_case, or the extension's camelCase). */
const COLUMNS: Record<string, keyof UserInput> = {
  email: 'email',
  provider_user_id: 'providerUserId',
  providerUserId: 'providerUserId',
  name: 'name',
  crm_user_id: 'crmUserId',
  crmUserId: 'crmUserId',
  role: 'role',
};

/** A .json file (an array of users, or `{ "users": [...] }`) or a .csv file with a header row. */
export async function readUsersFile(file: string): Promise<UserInput[]> {
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new UserInputError(`Cannot read ${file}: ${error.message}`);
  });
  const kind = extname(file).toLowerCase();
  if (kind === '.json') return fromRecords(jsonRecords(text, file), file);
  if (kind === '.csv') return fromRecords(csvRecords(text, file), file);
  throw new UserInputError(`${file}: the file must end in .json or .csv.`);
}

function jsonRecords(text: string, file: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const records = Array.isArray(parsed) ? parsed : (parsed as { users?: unknown } | null)?.users;
  if (!Array.isArray(records)) throw new UserInputError(`${file}: expected an array of users, or {"users": [...]}.`);
  return records;
}

function csvRecords(text: string, file: string): unknown[] {
  try {
    return parseCsv(text, { columns: true, bom: true, trim: true, skip_empty_lines: true }) as unknown[];
  } catch (error) {
    throw new UserInputError(`${file} is not a readable CSV file: ${(error as Error).message}`);
  }
}

/** Records with known columns only (a misspelt column would otherwise vanish unnoticed); empty cells are absent. */
function fromRecords(records: unknown[], file: string): UserInput[] {
  return records.map((record, index) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new UserInputError(`${file}: user ${index + 1} is not an object.`);
    const row: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(record)) {
      const field = COLUMNS[column];
      if (!field) throw new UserInputError(`${file}: unknown column "${column}" (known: email, provider_user_id, name, crm_user_id, role).`);
      if (value !== '' && value !== null && value !== undefined) row[field] = typeof value === 'string' ? value : String(value);
    }
    return row as UserInput;
  });
}

function definedOnly<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
