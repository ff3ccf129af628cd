import { removeChromiumPolicy, writeChromiumPolicy, writeChromiumPolicyFile } from './chromium-policy';
import { test as base, launchWithExtension } from './fixtures';

type Launched = Awaited<ReturnType<typeof launchWithExtension>>;

export interface PolicyBrowser {
  /**
   * Writes the policy file, then starts Chromium with the extension, which reads it at start. `policy` is the
   * extension's settings, or with `asFile` the whole file (3rdparty.extensions.<id> and any browser policy).
   */
  launch(policy: Record<string, unknown>, extensionDir?: string, options?: { asFile?: boolean }): Promise<Launched>;
}

/**
 * `test` for the specs that write Chromium's machine-wide policy: each test starts with the sandbox's counts
 * reset, and whatever happens, ends with the policy file removed (no other browser may see it) and its
 * browser closed.
 */
export const test = base.extend<{ policyBrowser: PolicyBrowser }>({
  policyBrowser: async ({ sandbox }, use) => {
    await sandbox.call('POST', 'reset', {});
    const launched: Launched[] = [];
    try {
      await use({
        launch: async (policy, extensionDir, options) => {
          if (options?.asFile) writeChromiumPolicyFile(policy);
          else writeChromiumPolicy(policy);
          const browser = await launchWithExtension(extensionDir);
          launched.push(browser);
          return browser;
        },
      });
    } finally {
      removeChromiumPolicy();
      for (const browser of launched) await browser.context.close();
    }
  },
});

export const expect = test.expect;
