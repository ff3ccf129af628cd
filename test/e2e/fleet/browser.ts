import { type BrowserContext, chromium, type Worker } from '@playwright/test';
import { CHROMIUM } from '../driver/chromium';

/** The two CRM host names of the fleet test, both served by the sandbox (launchAgentChromium maps them). */
export const CRM_A = 'crm-a.test';
export const CRM_B = 'crm-b.test';

/**
 * Chromium as an agent's machine runs it: no --load-extension (the extension comes from policy alone), and
 * without Playwright's defaults --disable-extensions, --disable-background-networking and
 * --disable-component-extensions-with-background-pages (they turn off extensions or the background work a
 * force-install needs).
 *
 * `crmPort`: the sandbox's port. Both CRM hosts resolve to it on ANY port, so the CRM pages are plain
 * http://crm-a.test/… as the admin rules name them (no port), and a request the extension makes to the rule's
 * site (http://crm-a.test/, port 80) reaches the sandbox as it would reach a real CRM.
 *
 * Why Playwright: puppeteer-core fails exactly as Playwright does on a force-installed extension (no worker
 * target; a page sent to its chrome-extension:// URL is detached) while Chrome's default
 * DeveloperToolsAvailability hides that extension from DevTools: it is the browser refusing, not the client.
 * With the one test-only policy TEST_HARNESS_POLICY (fleet/policy.ts) Playwright sees the worker and opens the
 * popup and options pages as for any extension, so the spec uses the suite's own tool.
 */
export function launchAgentChromium(crmPort: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext('', {
    executablePath: CHROMIUM,
    headless: true,
    ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking', '--disable-component-extensions-with-background-pages'],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-sync',
      `--host-resolver-rules=MAP ${CRM_A} 127.0.0.1:${crmPort}, MAP ${CRM_B} 127.0.0.1:${crmPort}`,
    ],
  });
}

/** The extension's MV3 service worker, once Chrome has installed it from the update server. */
export async function extensionWorker(context: BrowserContext, id: string, timeout: number): Promise<Worker> {
  const isOurs = (worker: Worker) => worker.url().startsWith(`chrome-extension://${id}/`);
  const appeared = context.waitForEvent('serviceworker', { predicate: isOurs, timeout });
  const existing = context.serviceWorkers().find(isOurs);
  if (existing) {
    appeared.catch(() => undefined);
    return existing;
  }
  return appeared;
}

/** The slice of the chrome.* API the test calls in the worker: `(globalThis as unknown as WithChrome).chrome`. */
export interface ChromeApi {
  runtime: { getManifest(): { key?: string; version: string } };
  management: { getSelf(): Promise<{ id: string; installType: string }> };
  scripting: {
    getRegisteredContentScripts(): Promise<{ matches?: string[] }[]>;
    executeScript(injection: { target: { tabId: number }; func: () => unknown }): Promise<unknown>;
  };
  tabs: { query(query: object): Promise<{ id?: number; url?: string; title?: string }[]> };
  storage: { managed: { get(): Promise<Record<string, unknown>> } };
}

export type WithChrome = { chrome: ChromeApi };
