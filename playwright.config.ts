import { defineConfig } from '@playwright/test';
import type { ExtensionBrowserOption } from './test/e2e/fixtures';

/**
 * End-to-end tests: the built extension (dev-hosts flavour, `.output/dev-hosts/{chrome-mv3,firefox-mv2}`)
 * in real browsers, against the provider sandbox over real HTTP.
 *
 * `chromium` runs every Chromium spec; `firefox` (Debian's Firefox ESR driven by puppeteer-core over WebDriver
 * BiDi, since Playwright can only drive its own patched Firefox) runs the specs under `test/e2e/cross-browser/`,
 * written against the browser-agnostic `driver` fixture, and the Firefox-only specs under `test/e2e/firefox/`.
 * Each test launches its own browser and its worker its own sandbox, so these two run side by side in two
 * workers (CI has two cores).
 *
 * Specs that write browser policy do it in a folder every browser of that kind on the machine reads, so no other
 * test of that browser may run beside them: they form their own projects, one worker each, which run only after
 * the others have finished (`dependencies`); the Chromium and the Firefox policy projects may run beside each
 * other (separate policy files). `npm test` runs the two phases as two commands (scripts/test.sh), so a failure
 * in the first does not skip the policy specs. To run one policy spec alone:
 * `npx playwright test --no-deps --project=chromium-policy test/e2e/direct-mode.spec.ts`.
 */
const CHROMIUM_POLICY_SPECS = [/test\/e2e\/(policy|direct-mode|fleet|tenants|crm-actions|builder-policy)\.spec\.ts$/];
const FIREFOX_POLICY_SPECS = [/test\/e2e\/firefox\/policy\.spec\.ts$/];

export default defineConfig<ExtensionBrowserOption, ExtensionBrowserOption>({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  workers: Number(process.env.CCB_E2E_WORKERS ?? 2),
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: { trace: 'retain-on-failure' },
  projects: [
    { name: 'chromium', use: { extensionBrowser: 'chromium' }, testIgnore: ['firefox/**', ...CHROMIUM_POLICY_SPECS] },
    {
      name: 'firefox',
      use: { extensionBrowser: 'firefox' },
      testMatch: ['cross-browser/**/*.spec.ts', 'firefox/**/*.spec.ts'],
      testIgnore: FIREFOX_POLICY_SPECS,
    },
    { name: 'chromium-policy', use: { extensionBrowser: 'chromium' }, testMatch: CHROMIUM_POLICY_SPECS, workers: 1, dependencies: ['chromium', 'firefox'] },
    { name: 'firefox-policy', use: { extensionBrowser: 'firefox' }, testMatch: FIREFOX_POLICY_SPECS, workers: 1, dependencies: ['chromium', 'firefox'] },
  ],
});
