import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

export default defineConfig({
  plugins: [WxtVitest()],
  // As in the test and demo builds (wxt.config.ts): the sandbox provider is plain http on loopback, and the demo
  // CRM profile exists (the release bundles' lack of it is checked on the built files: test/e2e/release-build.spec.ts).
  define: { 'import.meta.env.CCB_ALLOW_LOOPBACK': JSON.stringify('true'), 'import.meta.env.CCB_DEMO_PROFILE': JSON.stringify('true') },
  test: {
    environment: 'node',
    include: ['test/unit/**/*.test.{ts,tsx}', 'test/sandbox/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/gateway/**/*.test.ts'],
    setupFiles: ['fake-indexeddb/auto'],
    // Vitest's default is one worker per core less one: a single worker on CI's two cores. The gateway's tests
    // mostly wait (on processes, PostgreSQL, the sandbox's latency), so three files at a time finish sooner
    // (measured: 122 s instead of 169 s for the whole run).
    maxWorkers: 3,
  },
});
