import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: the built extension (dev-hosts flavour, `.output/dev-hosts/chrome-mv3`) in real
 * Chromium, against the provider sandbox over real HTTP. One worker: each test launches its own browser,
 * and CI has two cores.
 */
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: { trace: 'retain-on-failure' },
});
