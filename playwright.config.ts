import { defineConfig } from '@playwright/test';
import type { ExtensionBrowserOption } from './test/e2e/fixtures';

/**
 * End-to-end tests: the built extension (dev-hosts flavour, `.output/dev-hosts/{chrome-mv3,firefox-mv2}`)
 * in real browsers, against the provider sandbox over real HTTP. One worker: each test launches its own
 * browser, and CI has two cores.
 *
 * Two projects. `chromium` runs every spec; `firefox` (Debian's Firefox ESR driven by puppeteer-core over
 * WebDriver BiDi, since Playwright can only drive its own patched Firefox) runs the specs under
 * `test/e2e/cross-browser/`, which are written against the browser-agnostic `driver` fixture, and the
 * Firefox-only specs under `test/e2e/firefox/` (policies.json). Other specs use Playwright's Chromium objects
 * directly and stay Chromium-only.
 */
export default defineConfig<ExtensionBrowserOption, ExtensionBrowserOption>({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: { trace: 'retain-on-failure' },
  projects: [
    { name: 'chromium', use: { extensionBrowser: 'chromium' }, testIgnore: 'firefox/**' },
    { name: 'firefox', use: { extensionBrowser: 'firefox' }, testMatch: ['cross-browser/**/*.spec.ts', 'firefox/**/*.spec.ts'] },
  ],
});
