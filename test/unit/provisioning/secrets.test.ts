import { describe, expect, it } from 'vitest';
import { SecretMasker } from '../../../lib/provisioning/secrets';

describe('SecretMasker', () => {
  it('masks registered values in their raw, URL-encoded and JSON-escaped forms', () => {
    const masker = new SecretMasker();
    masker.add('  tok-0123456789  ');
    masker.add('Pw#a+b=c@d"e\\f');
    expect(masker.maskKnown('token tok-0123456789 twice tok-0123456789.')).toBe('token [redacted] twice [redacted].');
    expect(masker.maskKnown(`?p=${encodeURIComponent('Pw#a+b=c@d"e\\f')}&x=1`)).toBe('?p=[redacted]&x=1');
    expect(masker.maskKnown(JSON.stringify({ sent: 'Pw#a+b=c@d"e\\f' }))).toBe('{"sent":"[redacted]"}');
    expect(masker.maskKnown('Pw#a+b=c@d"e\\f')).toBe('[redacted]');
  });

  it('leaves text without a registered value untouched, and ignores values under 8 characters', () => {
    const masker = new SecretMasker();
    expect(masker.maskKnown('nothing registered')).toBe('nothing registered');
    masker.add('short');
    masker.add(undefined);
    masker.add('secret-one');
    expect(masker.maskKnown('a short text, secret-on, secret-one!')).toBe('a short text, secret-on, [redacted]!');
  });

  it('masks the longest of overlapping values whole', () => {
    const masker = new SecretMasker();
    masker.add('abcdefgh');
    masker.add('abcdefgh-and-more');
    expect(masker.maskKnown('x abcdefgh-and-more abcdefgh y')).toBe('x [redacted] [redacted] y');
  });

  it('stays fast with thousands of registered values, even sharing their first characters', () => {
    const masker = new SecretMasker();
    for (let i = 0; i < 10_000; i++) masker.add(`password-${String(i).padStart(5, '0')}`);
    const text = 'Saleschat error 4000001 rejected password-04242 for some user; '.repeat(20);
    const started = performance.now();
    // About 0.1 s here; checking each value in turn (split/join per value, as lib/redact.ts does for its 64) takes seconds.
    for (let i = 0; i < 300; i++) masker.maskKnown(text);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(masker.maskKnown(text)).not.toContain('password-04242');
  });

  it('mask() adds the shape rules of lib/redact.ts for credentials it was never told about', () => {
    const masker = new SecretMasker();
    masker.add('known-secret-1');
    expect(masker.mask('known-secret-1; Authorization: Bearer abcdefgh12345; {"password":"hunter2hunter2"}')).toBe(
      '[redacted]; Authorization: Bearer [redacted]; {"password":"[redacted]"}',
    );
    expect(masker.maskKnown('{"password":"hunter2hunter2"}')).toBe('{"password":"hunter2hunter2"}');
  });
});
