import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { CHROME_EXTENSION_ID } from '../../lib/extension-ids';

/** Where Debian's Chromium reads mandatory policy (needs root; CI runs as root). */
export const CHROMIUM_POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_FILE = path.join(CHROMIUM_POLICY_DIR, 'crm-chat-bridge-e2e.json');

export const canWritePolicy = (): boolean => process.getuid?.() === 0;

/** Writes the extension's policy the way an admin's Linux JSON file would: 3rdparty.extensions.<id>. */
export function writeChromiumPolicy(values: Record<string, unknown>): void {
  mkdirSync(CHROMIUM_POLICY_DIR, { recursive: true });
  writeFileSync(POLICY_FILE, JSON.stringify({ '3rdparty': { extensions: { [CHROME_EXTENSION_ID]: values } } }, null, 2));
}

/** Writes a whole policy file as an admin deploys it (e.g. the rule builder's export), top-level keys and all. */
export function writeChromiumPolicyFile(file: Record<string, unknown>): void {
  mkdirSync(CHROMIUM_POLICY_DIR, { recursive: true });
  writeFileSync(POLICY_FILE, JSON.stringify(file, null, 2));
}

export function removeChromiumPolicy(): void {
  rmSync(POLICY_FILE, { force: true });
}

/** chrome://policy → "Reload policies": what an admin does to apply a change without restarting. */
export async function reloadPolicies(page: Page): Promise<void> {
  await page.goto('chrome://policy');
  await page.locator('#reload-policies').click();
}
