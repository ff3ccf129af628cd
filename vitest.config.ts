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
  },
});
