import { closeSync, fchmodSync, fstatSync, openSync, writeSync } from 'node:fs';
import { csvLine } from './csv-cell';
import type { RowResult } from './runner';
import { writeFileAtomic } from './state';

/**
 * The files a run leaves behind: the per-row report, the agents fragment, and (only if asked) passwords.
 * Both CSVs go through csvLine (lib/provisioning/csv-cell.ts: quoting and the formula guard). The report and
 * the agents file take a mask (lib/provisioning/secrets.ts) so no credential reaches them; the passwords
 * file is the one place passwords are written, on purpose.
 */

export { csvLine } from './csv-cell';

export const REPORT_COLUMNS = ['line', 'email', 'status', 'provider_user_id', 'error_code', 'error_message'] as const;

/** The extension's `agents` entry (lib/config/schema.ts AgentEntrySchema), in its key order. */
export interface AgentEntry {
  email: string;
  providerUserId: string;
  crmUserId?: string;
  name?: string;
}

type Mask = (text: string) => string;
const unmasked: Mask = (text) => text;

/** `mask` is applied to every cell (the provider's error text may quote a credential). */
export function reportCsv(results: readonly RowResult[], mask: Mask = unmasked): string {
  const sorted = [...results].sort((a, b) => a.line - b.line);
  return [
    csvLine(REPORT_COLUMNS),
    ...sorted.map((result) =>
      csvLine(
        [
          String(result.line),
          result.email,
          result.status,
          result.providerUserId ?? '',
          result.errorCode ?? '',
          result.errorMessage ?? '',
        ].map(mask),
      ),
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

export function writeReport(path: string, results: readonly RowResult[], mask: Mask = unmasked): void {
  writeFileAtomic(path, reportCsv(results, mask));
}

/** `mask` sees the whole JSON text: it must only replace known values (SecretMasker.maskKnown) to keep it JSON. */
export function writeAgentsFragment(path: string, entries: readonly AgentEntry[], mask: Mask = unmasked): void {
  writeFileAtomic(path, mask(`${JSON.stringify(entries, null, 2)}\n`));
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
