/**
 * Clickjacking defence: a trusted click on our UI acts only when the agent could see what they clicked. A CRM
 * page could otherwise hide our buttons (or put its own UI over them) and steer a real click of the agent onto
 * them. The host's own styles are out of the page's reach (SHADOW_HOST_RESET in mount-in-shadow.tsx); what the
 * page still controls is checked here, once per click: the host's ancestors, and what lies at the click's point.
 *
 * Not caught: a page element drawn over our buttons with `pointer-events: none` (hit testing, ours and the
 * browser's, looks through it), and styles the page flips between the press and the click.
 */

/** Below this opacity (the product along the ancestor chain, `filter: opacity()` included) our UI counts as hidden. */
export const MIN_OPACITY = 0.5;

/** Our UI's host as seen from the light DOM: the shadow root's host, or the element itself outside a shadow root. */
export function hostOf(element: Element): Element {
  return (element.getRootNode() as Partial<ShadowRoot>).host ?? element;
}

/**
 * Why a click on `host` must not act, or undefined when the host is visibly rendered and the click's point
 * shows it. Keyboard activation (`detail` 0) has no point to test; the visibility checks still apply.
 */
export function hiddenReason(host: Element, event: MouseEvent): string | undefined {
  // checkVisibility: Chrome 105 / Firefox 106 with the historic option names, both passed (unknown ones are
  // ignored); opacityProperty only catches opacity 0 on the way up, so the walk below multiplies it out.
  const check = typeof host.checkVisibility === 'function';
  if (
    check
      ? !host.checkVisibility({ opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true, checkOpacity: true, checkVisibilityCSS: true })
      : !host.isConnected || !host.getClientRects().length || /^(hidden|collapse)$/.test(getComputedStyle(host).visibility)
  ) {
    return 'not rendered';
  }
  let opacity = 1;
  for (let node: Element | null = host; node; node = flatTreeParent(node)) {
    const style = getComputedStyle(node);
    const own = Number.parseFloat(style.opacity);
    if (own >= 0) opacity *= own;
    for (const [, value = '', percent] of (style.filter || '').matchAll(/opacity\(([\d.]+)(%?)\)/g)) {
      opacity *= Number(value) / (percent ? 100 : 1);
    }
    if (!check && node !== host && style.contentVisibility === 'hidden') return 'content-visibility: hidden';
  }
  if (opacity < MIN_OPACITY) return `opacity ${opacity.toFixed(2)}`;
  if (event.detail > 0) {
    // From the host's own root: a page's shadow root retargets document.elementFromPoint to its own host.
    const hit = (host.getRootNode() as Document | ShadowRoot).elementFromPoint(event.clientX, event.clientY);
    if (hit !== host) return `the click's point shows ${hit ? `<${hit.localName}>` : 'nothing'}`;
  }
  return undefined;
}

/** True (and one console line) when a click on `element`, inside our UI, must be ignored. */
export function refuseHiddenClick(element: Element, event: MouseEvent): boolean {
  const reason = hiddenReason(hostOf(element), event);
  if (reason) console.warn(`CRM Chat Bridge: click ignored, the buttons were not visibly shown (${reason}).`);
  return reason !== undefined;
}

function flatTreeParent(node: Element): Element | null {
  return node.assignedSlot ?? node.parentElement ?? (node.parentNode as Partial<ShadowRoot> | null)?.host ?? null;
}
