/**
 * How every CSV this tool writes (the report, the passwords file) turns a value into a cell. One function,
 * so no writer can forget the formula guard.
 *
 * CSV injection (OWASP "CSV Injection"): a spreadsheet opening the file runs a cell that starts with `=`,
 * `+`, `-` or `@` as a formula (tab and carriage return are on the list because some importers drop them
 * and then see one of the others). Such a cell is written with a leading single quote, which spreadsheets
 * take as "text, not a formula" and which a reader of the raw file sees at once.
 */

/** The first characters that make a spreadsheet read a cell as a formula. */
export const FORMULA_START_CHARACTERS = ['=', '+', '-', '@', '\t', '\r'] as const;

export function startsLikeFormula(value: string): boolean {
  return (FORMULA_START_CHARACTERS as readonly string[]).includes(value.charAt(0));
}

/** `'` + value when a spreadsheet would take the value for a formula; otherwise the value unchanged. */
export function escapeFormula(value: string): string {
  return startsLikeFormula(value) ? `'${value}` : value;
}

/**
 * One CSV cell: formula-guarded, then quoted as RFC 4180 requires (separator, quote, line break, tab, or
 * spaces at either end), inner quotes doubled.
 */
export function csvCell(value: string): string {
  const safe = escapeFormula(value);
  return /[",\r\n\t]/.test(safe) || safe !== safe.trim() ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A CSV row of cells, CRLF-terminated so Excel opens it as written. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvCell).join(',')}\r\n`;
}
