import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

export default defineConfig({
  plugins: [WxtVitest()],
  test: {
    environment: 'node',
    include: ['test/unit/**/*.test.{ts,tsx}', 'test/sandbox/**/*.test.ts', 'test/integration/**/*.test.ts'],
    setupFiles: ['fake-indexeddb/auto'],
  },
});
