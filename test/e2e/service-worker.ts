import { type BrowserContext, expect, type Page } from '@playwright/test';

/** What Chrome does to an idle or crashed MV3 worker: the target goes away, in-flight requests with it. */
export async function stopServiceWorker(context: BrowserContext, page: Page, extensionId: string): Promise<void> {
  const cdp = await context.newCDPSession(page);
  const { targetInfos } = await cdp.send('Target.getTargets');
  const worker = targetInfos.find((target) => target.type === 'service_worker' && target.url.startsWith(`chrome-extension://${extensionId}/`));
  expect(worker, 'the extension service worker target').toBeDefined();
  await cdp.send('Target.closeTarget', { targetId: worker?.targetId ?? '' });
  await cdp.detach();
}

