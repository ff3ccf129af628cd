import type { DetectionStatus } from '../messaging';
import type { AnchorPlacement, CrmProfile, LeadReading } from './profile';
import { findProfileIn as findProfileForUrl } from './find-profile';

export interface PlacedUi {
  /** The element inserted next to the anchor (or floating); moved, never duplicated. */
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
  /** How long a readable lead waits for its anchor before the floating button shows. */
  floatingDelayMs?: number;
  /** Problems to report in the diagnostics (unusable admin rules, config not loaded). */
  setupProblems?: readonly string[];
}

export interface LeadWatcher {
  /** What the page shows now, for the popup: the lead, or exactly why not. */
  status(): DetectionStatus;
}

/** At most one full scan per frame under a mutation storm; quieter pages get their scan at once. */
const MIN_SCAN_INTERVAL_MS = 16;
const FLOATING_ATTRIBUTE = 'data-ccb-floating';

/**
 * Keeps exactly one set of buttons next to the current CRM profile's anchor while the page shows a lead.
 *
 * Cost model: on a page no profile claims there is no observer at all, only a URL test per navigation. On a
 * claimed page one MutationObserver runs; per mutation batch it compares the URL string and checks that our
 * host still sits where it was put (a few property reads). Only when that fails does it query the DOM, at most
 * once per frame. Everything a page session sets up hangs off an AbortController aborted on navigation and
 * when the content script's `signal` aborts.
 */
export function watchLeadPages({
  profiles,
  signal,
  onLocationChange,
  createUi,
  doc = document,
  floatingDelayMs = 1500,
  setupProblems = [],
}: WatchOptions): LeadWatcher {
  let href = '';
  let profile: CrmProfile | undefined;
  let ui: PlacedUi | undefined;
  let placed: AnchorPlacement | 'floating' | undefined;
  let session: AbortController | undefined;
  let lastScan = -Infinity;
  let scanPending = false;
  let floatingTimer: ReturnType<typeof setTimeout> | undefined;

  const currentUrl = () => new URL(doc.location.href);

  const readLead = (): LeadReading => {
    const current = findProfileForUrl(doc.location.href, profiles);
    if (!current) return { reason: 'this page is not a lead page of a known CRM' };
    return current.readLead(doc, currentUrl());
  };

  const detach = () => {
    ui?.host.remove();
    placed = undefined;
  };

  const isPlaced = (): boolean => {
    const host = ui?.host;
    if (!host?.isConnected || !placed) return false;
    if (placed === 'floating') return false; // keep looking for the real anchor
    const { element, position } = placed;
    if (!element.isConnected) return false;
    if (position === 'append' || position === 'prepend') return host.parentNode === element;
    return host.parentNode === element.parentNode;
  };

  const placeAt = (target: AnchorPlacement | 'floating') => {
    ui ??= createUi(readLead);
    const host = ui.host;
    if (target === 'floating') {
      host.setAttribute(FLOATING_ATTRIBUTE, '');
      if (host.parentNode !== doc.body) (doc.body ?? doc.documentElement).append(host);
    } else {
      host.removeAttribute(FLOATING_ATTRIBUTE);
      const { element, position } = target;
      // Already in the right spot (e.g. only the anchor's siblings changed): moving it would restart its focus.
      const inPlace =
        position === 'append' ? element.lastElementChild === host
        : position === 'prepend' ? element.firstElementChild === host
        : position === 'after' ? element.nextElementSibling === host
        : element.previousElementSibling === host;
      if (!inPlace) element[position](host);
    }
    placed = target;
  };

  const scan = () => {
    scanPending = false;
    lastScan = performance.now();
    if (!profile || signal.aborted) return;
    if (isPlaced()) return;
    const url = currentUrl();
    const anchor = profile.findAnchor(doc);
    const reading = profile.readLead(doc, url);
    if (!('lead' in reading)) {
      detach();
      return;
    }
    if (anchor) {
      clearTimeout(floatingTimer);
      floatingTimer = undefined;
      placeAt(anchor);
      return;
    }
    if (placed === 'floating' && ui?.host.isConnected) return;
    if (!profile.floating) {
      detach();
      return;
    }
    // The header usually renders a moment after the fields: wait before settling for the floating button.
    floatingTimer ??= setTimeout(() => {
      floatingTimer = undefined;
      if (!session?.signal.aborted && !isPlaced() && profile?.findAnchor(doc) === null && 'lead' in (profile?.readLead(doc, currentUrl()) ?? {})) {
        placeAt('floating');
      }
    }, floatingDelayMs);
  };

  const requestScan = () => {
    if (scanPending) return;
    if (performance.now() - lastScan >= MIN_SCAN_INTERVAL_MS) {
      scan();
      return;
    }
    scanPending = true;
    const run = () => {
      if (scanPending) scan();
    };
    // rAF keeps it to once per frame; the timeout covers hidden tabs, where rAF does not run.
    requestAnimationFrame(run);
    setTimeout(run, 100);
  };

  const observeFrame = (current: AbortController, observer: MutationObserver) => {
    const frameDoc = profile?.frameDocument(doc);
    if (frameDoc?.documentElement) observer.observe(frameDoc.documentElement, { childList: true, subtree: true });
    // A frame that navigates gets a new document: its load event (captured on ours) re-attaches.
    doc.addEventListener(
      'load',
      (event) => {
        if ((event.target as Element | null)?.tagName !== 'IFRAME') return;
        const next = profile?.frameDocument(doc);
        if (next?.documentElement) observer.observe(next.documentElement, { childList: true, subtree: true });
        requestScan();
      },
      { capture: true, signal: current.signal },
    );
  };

  const checkLocation = () => {
    if (signal.aborted || doc.location.href === href) return;
    href = doc.location.href;
    session?.abort();
    session = undefined;
    clearTimeout(floatingTimer);
    floatingTimer = undefined;
    scanPending = false;
    profile = findProfileForUrl(href, profiles);
    detach();
    if (!profile) return;

    const current = new AbortController();
    session = current;
    const observer = new MutationObserver(() => {
      if (doc.location.href !== href) {
        checkLocation();
        return;
      }
      if (!isPlaced()) requestScan();
    });
    observer.observe(doc.documentElement, { childList: true, subtree: true });
    if (profile.usesFrame) observeFrame(current, observer);
    current.signal.addEventListener('abort', () => observer.disconnect(), { once: true });
    scan();
  };

  // The navigate event fires before the URL changes; look once the page's pushState has returned.
  onLocationChange(() => queueMicrotask(checkLocation));
  checkLocation();

  signal.addEventListener(
    'abort',
    () => {
      session?.abort();
      clearTimeout(floatingTimer);
      ui?.destroy();
      ui = undefined;
      placed = undefined;
    },
    { once: true },
  );

  return {
    status(): DetectionStatus {
      const url = currentUrl();
      const current = findProfileForUrl(url, profiles);
      if (!current) {
        return {
          detected: false,
          reasons: [`No CRM profile or rule applies to ${url.origin}${url.pathname}`.slice(0, 1000), ...setupProblems].map((r) => r.slice(0, 1000)),
        };
      }
      const reading = current.readLead(doc, url);
      if ('lead' in reading) return { detected: true, profileId: current.id.slice(0, 64), profileLabel: current.label.slice(0, 200), lead: reading.lead };
      return { detected: false, reasons: [reading.reason, ...setupProblems].map((r) => r.slice(0, 1000)) };
    },
  };
}

/** "Lead detected: Salesforce · 00Q… · Ada Lovelace · +1 415…" or the reasons, one line each. */
export function describeStatus(status: DetectionStatus): string {
  if (!status.detected) return status.reasons.join('\n');
  const { lead } = status;
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  return [`Lead detected: ${status.profileLabel}`, lead.crmId, name || '(no name)', lead.phone ?? '(no phone)'].join(' · ');
}
