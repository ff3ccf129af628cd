import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GECKO_ID } from '../../lib/extension-ids';
import { FIREFOX } from './driver/firefox';

/**
 * Where Firefox reads enterprise policy: distribution/policies.json in its application directory (Debian:
 * /usr/lib/firefox-esr/distribution → /usr/share/firefox-esr/distribution). Needs root (CI runs as root).
 * Firefox reads it once at start-up, so a test writes it before launching.
 */
export function firefoxPolicyFile(): string {
  return path.join(path.dirname(existsSync(FIREFOX) ? realpathSync(FIREFOX) : FIREFOX), 'distribution', 'policies.json');
}

export const canWriteFirefoxPolicy = (): boolean => process.getuid?.() === 0 && existsSync(FIREFOX);

/** A policies.json that was there before the tests (a real admin's), put back afterwards. */
let previous: string | undefined;

/** Writes the extension's settings the way an admin's policies.json does: policies.3rdparty.Extensions.<gecko id>. */
export function writeFirefoxPolicy(values: Record<string, unknown>): void {
  const file = firefoxPolicyFile();
  if (previous === undefined && existsSync(file)) previous = readFileSync(file, 'utf8');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ policies: { '3rdparty': { Extensions: { [GECKO_ID]: values } } } }, null, 2));
}

export function removeFirefoxPolicy(): void {
  if (previous !== undefined) writeFileSync(firefoxPolicyFile(), previous);
  else rmSync(firefoxPolicyFile(), { force: true });
  previous = undefined;
}
