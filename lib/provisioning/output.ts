import { closeSync, fchmodSync, fstatSync, openSync, writeSync } from 'node:fs';
import type { RowResult } from './runner';
import { writeFileAtomic } from './state';

/** The files a run leaves behind: the per-row report, the agents fragment, and (only if asked) passwords. */

export const REPORT_COLUMNS = ['line', 'email', 'status', 'provider_user_id', 'error_code', 'error_message'] as const;

/** The extension's `agents` entry (lib/config/schema.ts AgentEntrySchema), in its key order. */
export interface AgentEntry {
  email: string;
  providerUserId: string;
  crmUserId?: string;
  name?: string;
}

/** RFC 4180: quote when needed, double inner quotes; CRLF rows so Excel opens it as written. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;
}

export function reportCsv(results: readonly RowResult[]): string {
  const sorted = [...results].sort((a, b) => a.line - b.line);
  return [
    csvLine(REPORT_COLUMNS),
    ...sorted.map((result) =>
      csvLine([
        String(result.line),
        result.email,
        result.status,
        result.providerUserId ?? '',
        result.errorCode ?? '',
        result.errorMessage ?? '',
      ]),
    ),
  ].join('');
}

/** Every row with a known id, by email: exactly the value of the `agents` policy key. */
export function agentsFragment(results: readonly RowResult[]): AgentEntry[] {
  const entries: AgentEntry[] = [];
  for (const result of results) {
    if (!result.providerUserId || !result.row) continue;
    const { email, crmUserId, firstName, lastName } = result.row;
    entries.push({
      email,
      providerUserId: result.providerUserId,
      ...(crmUserId === undefined ? {} : { crmUserId }),
      name: `${firstName} ${lastName}`,
    });
  }
  return entries.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

export function writeReport(path: string, results: readonly RowResult[]): void {
  writeFileAtomic(path, reportCsv(results));
}

export function writeAgentsFragment(path: string, entries: readonly AgentEntry[]): void {
  writeFileAtomic(path, `${JSON.stringify(entries, null, 2)}\n`);
}

/**
 * email,password rows for users created in this run, appended as each creation is confirmed so a crash
 * cannot lose them. Owner-only (0600) whether the file is new or not. Appending keeps the passwords of
 * earlier runs when the same file is given again.
 */
export class PasswordsFile {
  private constructor(private readonly fd: number) {}

  static open(path: string): PasswordsFile {
    const fd = openSync(path, 'a', 0o600);
    try {
      fchmodSync(fd, 0o600);
      if (fstatSync(fd).size === 0) writeSync(fd, csvLine(['email', 'password']));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return new PasswordsFile(fd);
  }

  add(email: string, password: string): void {
    writeSync(this.fd, csvLine([email, password]));
  }

  close(): void {
    closeSync(this.fd);
  }
}
