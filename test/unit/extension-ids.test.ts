import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHROME_EXTENSION_ID } from '../../lib/extension-ids';

describe('CHROME_EXTENSION_ID', () => {
  it('is the id Chrome derives from the manifest public key (what admins put in policy)', () => {
    const config = readFileSync('wxt.config.ts', 'utf8');
    const key = /const CHROME_PUBLIC_KEY =\s*'([^']+)'/.exec(config)?.[1];
    expect(key).toBeDefined();
    const hex = createHash('sha256').update(Buffer.from(key ?? '', 'base64')).digest('hex').slice(0, 32);
    const id = [...hex].map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 16))).join('');
    expect(id).toBe(CHROME_EXTENSION_ID);
  });
});
