import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatePassword, PASSWORD_CHARACTER_CLASSES } from '../../../lib/provisioning/password';

describe('generatePassword', () => {
  it('fits both documented limits (8–64 and at most 32) with every character class', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(password).toHaveLength(20);
      for (const set of PASSWORD_CHARACTER_CLASSES) expect([...password].some((char) => set.includes(char))).toBe(true);
      expect(password).not.toMatch(/[\s,"'`\\]/);
    }
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
        for (const set of PASSWORD_CHARACTER_CLASSES) expect([...password].some((char) => set.includes(char))).toBe(true);
      }),
    );
  });

  it('does not repeat itself', () => {
    const passwords = new Set(Array.from({ length: 1000 }, () => generatePassword()));
    expect(passwords.size).toBe(1000);
  });
});
