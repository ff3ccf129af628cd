/**
 * Calls `onChange` once per change of the page's address, right after it changed: same-document navigations
 * (the page's pushState/replaceState, Back/Forward, hash changes) and a page restored from the back/forward
 * cache. Returns `check`, for callers that must be sure before acting (a click).
 *
 * With the Navigation API (Chrome 102+, Firefox 147+) `currententrychange` fires inside the navigation itself,
 * before the page's router renders the next record, so the caller still sees the DOM as it was: that is the
 * baseline freshness.ts compares against. (WXT's `wxt:locationchange` fires on `navigate`, before the address
 * changes, which is too early to read it.) Without the API a content script cannot see the page's pushState,
 * so a MutationObserver compares the address after DOM changes: routers render after they navigate.
 */
export function watchLocation(doc: Document, signal: AbortSignal, onChange: () => void): { check(): void } {
  const win = doc.defaultView ?? window;
  let href = doc.location.href;
  const check = () => {
    if (signal.aborted || doc.location.href === href) return;
    href = doc.location.href;
    onChange();
  };
  const navigation = (win as { navigation?: EventTarget }).navigation;
  if (typeof navigation?.addEventListener === 'function') {
    navigation.addEventListener('currententrychange', check, { signal });
  } else {
    const observer = new MutationObserver(check);
    observer.observe(doc.documentElement, { childList: true, subtree: true });
    signal.addEventListener('abort', () => observer.disconnect(), { once: true });
  }
  for (const type of ['popstate', 'hashchange', 'pageshow']) win.addEventListener(type, check, { signal });
  return { check };
}
