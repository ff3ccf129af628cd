import type { CDPSession } from '@playwright/test';

/**
 * Release and fleet builds put the injected UI in a CLOSED shadow root: no page script and no Playwright locator
 * reaches inside. DevTools does (DOM.getDocument with pierce), so specs read the Chat button and the toast that
 * way, then click with real (trusted) mouse input at the button's position.
 */

interface CdpNode {
  nodeId: number;
  localName?: string;
  children?: CdpNode[];
  shadowRoots?: (CdpNode & { shadowRootType?: string })[];
  contentDocument?: CdpNode;
}

export interface ClosedUi {
  /** The shadow root's mode as DevTools reports it: 'closed' in release and fleet builds; null before the UI exists. */
  mode: string | null;
  chatText: string | null;
  /** The Chat button's centre in viewport coordinates, when it is enabled. */
  chatCenter: { x: number; y: number } | null;
  toast: { ok: boolean; text: string } | null;
}

export async function readClosedUi(cdp: CDPSession): Promise<ClosedUi> {
  const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: CdpNode };
  const host = findNode(root, (node) => node.localName === 'crm-chat-bridge');
  const shadow = host?.shadowRoots?.find((candidate) => candidate.shadowRootType !== 'user-agent');
  if (!shadow) return { mode: null, chatText: null, chatCenter: null, toast: null };
  const select = async (selector: string) => ((await cdp.send('DOM.querySelector', { nodeId: shadow.nodeId, selector })) as { nodeId: number }).nodeId;
  const html = async (nodeId: number) => ((await cdp.send('DOM.getOuterHTML', { nodeId })) as { outerHTML: string }).outerHTML;

  const textOf = (markup: string) => markup.replace(/<[^>]*>/g, '').trim();
  const chat = await select('[data-ccb="chat"]');
  let chatCenter: ClosedUi['chatCenter'] = null;
  if (await select('[data-ccb="chat"]:not([disabled])')) {
    await cdp.send('DOM.scrollIntoViewIfNeeded', { nodeId: chat });
    const { model } = (await cdp.send('DOM.getBoxModel', { nodeId: chat })) as { model: { content: number[] } };
    const [x1 = 0, y1 = 0, , , x3 = 0, y3 = 0] = model.content;
    chatCenter = { x: (x1 + x3) / 2, y: (y1 + y3) / 2 };
  }
  const toast = await select('[data-ccb="toast"]');
  const toastText = toast ? await select('[data-ccb="toast"] .ccb-toast-text') : 0;
  return {
    mode: shadow.shadowRootType ?? null,
    chatText: chat ? textOf(await html(chat)) : null,
    chatCenter,
    toast: toast ? { ok: (await html(toast)).includes('data-ok="true"'), text: toastText ? textOf(await html(toastText)) : '' } : null,
  };
}

/** The dashboard's CRM card as DevTools sees it: its shadow root's mode and the lead name it shows. */
export async function readClosedCard(cdp: CDPSession): Promise<{ mode: string | null; name: string | null }> {
  const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: CdpNode };
  const host = findNode(root, (node) => node.localName === 'crm-chat-bridge-card');
  const shadow = host?.shadowRoots?.find((candidate) => candidate.shadowRootType !== 'user-agent');
  if (!shadow) return { mode: null, name: null };
  const { nodeId } = (await cdp.send('DOM.querySelector', { nodeId: shadow.nodeId, selector: '[data-field="name"]' })) as { nodeId: number };
  const markup = nodeId ? ((await cdp.send('DOM.getOuterHTML', { nodeId })) as { outerHTML: string }).outerHTML : null;
  return { mode: shadow.shadowRootType ?? null, name: markup === null ? null : markup.replace(/<[^>]*>/g, '').trim() };
}

function findNode(node: CdpNode, match: (node: CdpNode) => boolean): CdpNode | undefined {
  if (match(node)) return node;
  for (const child of [...(node.children ?? []), ...(node.shadowRoots ?? []), ...(node.contentDocument ? [node.contentDocument] : [])]) {
    const found = findNode(child, match);
    if (found) return found;
  }
  return undefined;
}
