import { randomInt } from 'node:crypto';
import { startsLikeFormula } from './csv-cell';

/**
 * Initial passwords for created users. The provider documents two limits (rendered page: at most 32;
 * OpenAPI: 8 to 64), so lengths stay inside both. The alphabet leaves out look-alikes (0/O, 1/l/I) for
 * anyone who has to read one out, and quotes, commas and spaces so the passwords file is plain CSV. The first
 * character is never one that makes a spreadsheet read the cell as a formula (`= + - @`, see csv-cell.ts),
 * so the passwords file holds every password exactly as set, without the formula guard's quote.
 */

export const PASSWORD_MIN_LENGTH = 16;
export const PASSWORD_MAX_LENGTH = 24;

export const PASSWORD_CHARACTER_CLASSES = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '!#%+-=?@^_'] as const;
const CLASSES = PASSWORD_CHARACTER_CLASSES;
const ALPHABET = CLASSES.join('');
/** The alphabet minus the formula starters: what the first character is drawn from. */
export const PASSWORD_FIRST_CHARACTERS = [...ALPHABET].filter((char) => !startsLikeFormula(char)).join('');

/**
 * The first character uniform over PASSWORD_FIRST_CHARACTERS; then one character of every class (common
 * complexity rules), the rest uniform over the whole alphabet, and a Fisher–Yates shuffle of those so the
 * guaranteed characters sit anywhere after the first. randomInt draws without modulo bias.
 */
export function generatePassword(length = 20, pick: (max: number) => number = randomInt): string {
  if (!Number.isInteger(length) || length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new RangeError(`password length must be ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH}, got ${length}`);
  }
  const first = charAt(PASSWORD_FIRST_CHARACTERS, pick(PASSWORD_FIRST_CHARACTERS.length));
  const chars = CLASSES.map((set) => charAt(set, pick(set.length)));
  while (chars.length < length - 1) chars.push(charAt(ALPHABET, pick(ALPHABET.length)));
  for (let index = chars.length - 1; index > 0; index--) {
    const other = pick(index + 1);
    [chars[index], chars[other]] = [chars[other] as string, chars[index] as string];
  }
  return first + chars.join('');
}

function charAt(set: string, index: number): string {
  const char = set[index];
  if (char === undefined) throw new RangeError(`index ${index} outside the character set`);
  return char;
}
