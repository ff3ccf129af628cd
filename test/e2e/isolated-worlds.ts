import type { CDPSession } from '@playwright/test';

/**
 * The isolated worlds Chromium creates in a page for this extension's content scripts (their contextIds), as
 * DevTools sees them. Start collecting before the page loads (and after `Runtime.enable`): an empty list after
 * the load means the content script never ran there.
 */
export function collectIsolatedWorlds(cdp: CDPSession, extensionId: string): number[] {
  const worlds: number[] = [];
  cdp.on('Runtime.executionContextCreated', ({ context }) => {
    const aux = context.auxData as { type?: string } | undefined;
    if (aux?.type === 'isolated' && context.origin === `chrome-extension://${extensionId}`) worlds.push(context.id);
  });
  return worlds;
}
