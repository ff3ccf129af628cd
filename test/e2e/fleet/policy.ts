import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM_POLICY_DIR } from '../chromium-policy';

/**
 * The ONE managed-policy file that sets up a fleet (the admin guide quotes `fleetPolicy`):
 *
 * - ExtensionSettings force-installs the self-hosted CRX. The fleet build requires access to all sites, which
 *   a force-install grants without asking the agent; runtime_blocked_hosts takes all of it away again and
 *   runtime_allowed_hosts gives back the company's CRM and Saleschat hosts (allowed wins over blocked).
 * - 3rdparty.extensions.<id> is the extension's own configuration (provider, agents, admin CRM rules).
 */
export function fleetPolicy({
  id,
  updateUrl,
  allowedHosts,
  settings,
}: {
  id: string;
  updateUrl: string;
  allowedHosts: string[];
  settings: Record<string, unknown>;
}) {
  return {
    ExtensionSettings: {
      [id]: {
        installation_mode: 'force_installed',
        update_url: updateUrl,
        runtime_blocked_hosts: ['*://*'],
        runtime_allowed_hosts: allowedHosts,
      },
    },
    '3rdparty': { extensions: { [id]: settings } },
  };
}

/**
 * NOT part of the fleet's configuration: only lets the test see the extension. Chrome's default
 * (DeveloperToolsAvailability 0, "DevTools disallowed on extensions installed by policy") hides a force-installed
 * extension's service worker and pages from the DevTools protocol: Playwright (and puppeteer) never see its worker,
 * and a page navigated to its chrome-extension:// URL is detached ("Target page, context or browser has been
 * closed"). 1 allows DevTools everywhere. Kept in a file of its own, so the fleet file stays exactly `fleetPolicy`.
 */
export const TEST_HARNESS_POLICY = { DeveloperToolsAvailability: 1 };

/** Their own file names, so they never overwrite (or are removed with) another spec's policy. */
export const FLEET_POLICY_FILE = path.join(CHROMIUM_POLICY_DIR, 'crm-chat-bridge-fleet-e2e.json');
export const HARNESS_POLICY_FILE = path.join(CHROMIUM_POLICY_DIR, 'crm-chat-bridge-fleet-e2e-devtools.json');

export function writeFleetPolicies(fleet: object): void {
  mkdirSync(CHROMIUM_POLICY_DIR, { recursive: true });
  writeFileSync(FLEET_POLICY_FILE, JSON.stringify(fleet, null, 2));
  writeFileSync(HARNESS_POLICY_FILE, JSON.stringify(TEST_HARNESS_POLICY, null, 2));
}

/** Synchronous, so it can also run from a process 'exit' handler. */
export function removeFleetPolicies(): void {
  rmSync(FLEET_POLICY_FILE, { force: true });
  rmSync(HARNESS_POLICY_FILE, { force: true });
}
