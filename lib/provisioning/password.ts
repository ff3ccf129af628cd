import { randomInt } from 'node:crypto';

/**
 * Initial passwords for created users. The provider documents two limits (rendered page: at most 32;
 * OpenAPI: 8 to 64), so lengths stay inside both. The alphabet leaves out look-alikes (0/O, 1/l/I) for
 * anyone who has to read one out, and quotes, commas and spaces so the passwords file is plain CSV.
 */

export const PASSWORD_MIN_LENGTH = 16;
export const PASSWORD_MAX_LENGTH = 24;

export const PASSWORD_CHARACTER_CLASSES = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '!#%+-=?@^_'] as const;
const CLASSES = PASSWORD_CHARACTER_CLASSES;
const ALPHABET = CLASSES.join('');

/**
 * One character of every class (common complexity rules), the rest uniform over the whole alphabet, then a
 * Fisher–Yates shuffle so the guaranteed characters sit anywhere. randomInt draws without modulo bias.
 */
export function generatePassword(length = 20, pick: (max: number) => number = randomInt): string {
  if (!Number.isInteger(length) || length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new RangeError(`password length must be ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH}, got ${length}`);
  }
  const chars = CLASSES.map((set) => charAt(set, pick(set.length)));
  while (chars.length < length) chars.push(charAt(ALPHABET, pick(ALPHABET.length)));
  for (let index = chars.length - 1; index > 0; index--) {
    const other = pick(index + 1);
    [chars[index], chars[other]] = [chars[other] as string, chars[index] as string];
  }
  return chars.join('');
}

function charAt(set: string, index: number): string {
  const char = set[index];
  if (char === undefined) throw new RangeError(`index ${index} outside the character set`);
  return char;
}
