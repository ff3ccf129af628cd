import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatePassword, PASSWORD_CHARACTER_CLASSES, PASSWORD_FIRST_CHARACTERS } from '../../../lib/provisioning/password';

/** What a spreadsheet takes for the start of a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

describe('generatePassword', () => {
  it('fits both documented limits (8–64 and at most 32) with every character class', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(password).toHaveLength(20);
      for (const set of PASSWORD_CHARACTER_CLASSES) expect([...password].some((char) => set.includes(char))).toBe(true);
      expect(password).not.toMatch(/[\s,"'`\\]/);
    }
  });

  it('never starts with a character a spreadsheet reads as a formula (5,000 samples)', () => {
    const firsts = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const password = generatePassword();
      expect(password).not.toMatch(FORMULA_START);
      firsts.add(password.charAt(0));
    }
    // Still drawn from the whole remaining alphabet, symbols included (not, say, letters only).
    expect(PASSWORD_FIRST_CHARACTERS).not.toMatch(/[=+\-@]/);
    expect(PASSWORD_FIRST_CHARACTERS.length).toBe(PASSWORD_CHARACTER_CLASSES.join('').length - 4);
    expect(firsts.size).toBe(PASSWORD_FIRST_CHARACTERS.length);
    // The formula characters still appear elsewhere in passwords: the symbol class is unchanged.
    expect(PASSWORD_CHARACTER_CLASSES[3]).toMatch(/[=+\-@]/);
  });

  it('accepts lengths 16–24 only', () => {
    expect(generatePassword(16)).toHaveLength(16);
    expect(generatePassword(24)).toHaveLength(24);
    for (const bad of [15, 25, 8, 32, 20.5]) expect(() => generatePassword(bad)).toThrow(RangeError);
  });

  it('keeps every class for any sequence of draws', () => {
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 24 }), fc.infiniteStream(fc.nat()), (length, draws) => {
        const source = draws[Symbol.iterator]();
        const password = generatePassword(length, (max) => (source.next().value as number) % max);
        expect(password).toHaveLength(length);
        expect(password).not.toMatch(FORMULA_START);
        for (const set of PASSWORD_CHARACTER_CLASSES) expect([...password].some((char) => set.includes(char))).toBe(true);
      }),
    );
  });

  it('does not repeat itself', () => {
    const passwords = new Set(Array.from({ length: 1000 }, () => generatePassword()));
    expect(passwords.size).toBe(1000);
  });
});
