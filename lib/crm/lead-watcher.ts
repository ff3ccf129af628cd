import type { CrmProfile, LeadReading } from './profile';
import { findProfileForUrl } from './profiles';

export interface PlacedUi {
  /** The element inserted next to the anchor; moved, never duplicated. */
  host: HTMLElement;
  destroy(): void;
}

export interface WatchOptions {
  profiles: readonly CrmProfile[];
  signal: AbortSignal;
  /** Registers a callback for same-document navigations (WXT's `wxt:locationchange`). */
  onLocationChange(callback: () => void): void;
  /** Creates the buttons once; `readLead` is called at click time so a click always acts on the lead shown. */
  createUi(readLead: () => LeadReading): PlacedUi;
  doc?: Document;
}

/**
 * Keeps exactly one set of buttons next to the current CRM profile's anchor while the page shows a lead.
 *
 * One MutationObserver, no polling. On each mutation batch it does a string compare of the URL and, on a
 * lead page, checks that our host still sits in a connected anchor; only when that fails does it query the
 * DOM again. Everything is torn down through `signal`.
 */
export function watchLeadPages({ profiles, signal, onLocationChange, createUi, doc = document }: WatchOptions): void {
  let href = '';
  let profile: CrmProfile | undefined;
  let ui: PlacedUi | undefined;
  let anchor: Element | null = null;

  const readLead = (): LeadReading => {
    const current = findProfileForUrl(doc.location.href, profiles);
    if (!current) return { reason: 'this page is not a lead page of a known CRM' };
    return current.readLead(doc, new URL(doc.location.href));
  };

  const detach = () => {
    ui?.host.remove();
    anchor = null;
  };

  const isPlaced = () => {
    if (!ui?.host.isConnected || !anchor?.isConnected) return false;
    const position = profile?.anchorPosition;
    if (position === 'append' || position === 'prepend') return ui.host.parentNode === anchor;
    return ui.host.parentNode === anchor.parentNode;
  };

  const place = () => {
    if (!profile || isPlaced()) return;
    const found = profile.findAnchor(doc);
    if (!found || !('lead' in profile.readLead(doc, new URL(doc.location.href)))) {
      detach();
      return;
    }
    ui ??= createUi(readLead);
    anchor = found;
    found[profile.anchorPosition](ui.host);
  };

  const checkLocation = () => {
    if (doc.location.href === href) return;
    href = doc.location.href;
    profile = findProfileForUrl(href, profiles);
    detach();
    place();
  };

  const observer = new MutationObserver(() => {
    checkLocation();
    place();
  });
  observer.observe(doc.documentElement, { childList: true, subtree: true });
  onLocationChange(checkLocation);
  checkLocation();

  signal.addEventListener(
    'abort',
    () => {
      observer.disconnect();
      ui?.destroy();
      ui = undefined;
    },
    { once: true },
  );
}
