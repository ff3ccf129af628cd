import type { AnchorPlacement, CrmProfile, LeadReading } from '../profile';
import { Freshness, type RecordState } from './freshness';

export interface PlacedUi {
  /** The element inserted next to the anchor (or floating); moved, never duplicated. */
  host: HTMLElement;
  destroy(): void;
}

/** What the buttons of one record page may do: read the lead for a click (waiting for it if it is still loading). */
export interface LeadSource {
  readForClick(): Promise<LeadReading>;
}

export interface SessionOptions {
  profile: CrmProfile;
  doc: Document;
  /** Aborted when the page navigates to another record and when the content script ends. */
  signal: AbortSignal;
  /** The page as it was when the address changed; null on the document's first page. */
  baseline: RecordState | null;
  createUi(source: LeadSource): PlacedUi;
  /** Called first on every click: a navigation the watcher has not seen yet must end this session. */
  checkLocation(): void;
  floatingDelayMs: number;
  clickWaitMs: number;
}

/** At most one full scan per frame under a mutation storm; quieter pages get their scan at once. */
const MIN_SCAN_INTERVAL_MS = 16;
const FLOATING_ATTRIBUTE = 'data-ccb-floating';
const CLICK_POLL_MS = 50;

export const STILL_LOADING = 'the page is still loading this lead; click again once it shows';
export const MOVED_ON = 'the page moved on to another record; click the buttons shown there';

/** What the rule reads on the page now, as freshness.ts compares it. */
export function recordState(profile: CrmProfile, doc: Document, reading: LeadReading): RecordState {
  const values = 'lead' in reading ? { ...reading.lead, pageUrl: undefined } : reading;
  return { root: profile.recordRoot(doc), fingerprint: JSON.stringify(values) };
}

/**
 * One record page: from the navigation that showed it until the next one. Its own buttons (a new UI for each
 * record, so a busy state, toast or Retry never carries over to another lead), its own MutationObserver and
 * timers, all ended by its signal (Refined GitHub's pattern: one navigation, one signal).
 *
 * Cost model: while the buttons are not placed, or the record is not yet proven shown (freshness.ts), every
 * mutation batch of the page is seen and the page is read at most once per frame. Once they are placed and the
 * record is proven, only the region they live in is watched: the child lists of the host's ancestors (and of
 * the anchor's, which are the same), the only changes that can take the buttons out of place. A page busy
 * elsewhere (a live feed, a ticking clock) then costs nothing at all: issue 17 measured one observer callback
 * per batch of such a storm as the extension's whole cost there. Any change in that region is checked with a
 * few property reads; if the buttons are out of place, the whole page is watched again and read.
 */
export class PageSession {
  private ui: PlacedUi | undefined;
  private placed: AnchorPlacement | 'floating' | undefined;
  private lastScan = Number.NEGATIVE_INFINITY;
  private scanPending = false;
  private floatingTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly freshness: Freshness;
  private readonly observer: MutationObserver;
  /** What the observer watches: the whole page (and its frame's), or only the placed buttons' ancestors. */
  private watching: 'page' | 'buttons' | undefined;

  constructor(private readonly options: SessionOptions) {
    const { signal } = options;
    this.freshness = new Freshness({ baseline: options.baseline, settleMs: options.profile.settleMs, now: () => performance.now(), recheck: () => this.requestScan(), signal });
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(this.floatingTimer);
        this.observer.disconnect();
        this.ui?.destroy();
      },
      { once: true },
    );
    this.observer = new MutationObserver(() => {
      if (!this.isPlaced() || !this.freshness.isSettled) {
        this.watchPage();
        this.requestScan();
      } else if (this.watching === 'buttons') {
        // Still in place, but the way up to them may have changed (an ancestor moved elsewhere): watch it again.
        this.watchButtons();
      }
    });
    this.watchPage();
    // A frame that navigates gets a new document: its load event (captured on ours) re-attaches.
    if (options.profile.usesFrame) {
      options.doc.addEventListener(
        'load',
        (event) => {
          if ((event.target as Element | null)?.tagName !== 'IFRAME') return;
          this.watchPage(true);
          this.requestScan();
        },
        { capture: true, signal },
      );
    }
    this.scan();
  }

  /** The lead as the page shows it now, and whether a click may use it without waiting. */
  status(): { reading: LeadReading; settled: boolean } {
    const reading = this.read();
    return { reading, settled: this.usable(reading) };
  }

  /**
   * For a click: the lead, once the page provably shows the address's record; waits up to clickWaitMs for
   * that, then says the page is still loading. Never a reading that mixes two records.
   */
  readonly readForClick = async (): Promise<LeadReading> => {
    const { signal, clickWaitMs } = this.options;
    this.options.checkLocation();
    const deadline = performance.now() + clickWaitMs;
    for (;;) {
      if (signal.aborted) return { reason: MOVED_ON };
      const reading = this.read();
      const usable = this.usable(reading);
      if (usable && 'lead' in reading) return reading;
      if (performance.now() >= deadline) return usable ? reading : { reason: STILL_LOADING };
      await new Promise((resolve) => setTimeout(resolve, CLICK_POLL_MS));
    }
  };

  private read(): LeadReading {
    const { profile, doc } = this.options;
    return profile.readLead(doc, new URL(doc.location.href));
  }

  private usable(reading: LeadReading): boolean {
    const { profile, doc } = this.options;
    return this.freshness.observe(recordState(profile, doc, reading), 'lead' in reading ? reading.shownIdMatches : undefined);
  }

  /**
   * Every change of the page (and of the rule's frame) may matter: the buttons are not placed, or the record
   * not proven. `again` re-attaches even when already watching the page (a frame got a new document).
   */
  private watchPage(again = false): void {
    const { doc, profile, signal } = this.options;
    if ((this.watching === 'page' && !again) || signal.aborted) return;
    this.watching = 'page';
    this.observer.disconnect();
    const watch = (root: Node | null | undefined) => root && this.observer.observe(root, { childList: true, subtree: true, characterData: true });
    watch(doc.documentElement);
    if (profile.usesFrame) watch(profile.frameDocument(doc)?.documentElement);
  }

  /**
   * Placed and proven: only a change of a child list on the way from the document down to the buttons can
   * move or remove them or their anchor (their parent, or a sibling sharing it), so only those child lists
   * are watched, through shadow roots up to the document. A rule reading a frame keeps watching the whole
   * page: a frame's document can be replaced without any of these child lists changing.
   */
  private watchButtons(): void {
    const host = this.ui?.host;
    if (!host || this.options.profile.usesFrame || this.options.signal.aborted) return;
    this.watching = 'buttons';
    this.observer.disconnect();
    for (let node: Node | null = host.parentNode; node; node = node.parentNode ?? shadowHost(node)) this.observer.observe(node, { childList: true });
  }

  private requestScan(): void {
    if (this.scanPending || this.options.signal.aborted) return;
    if (performance.now() - this.lastScan >= MIN_SCAN_INTERVAL_MS) {
      this.scan();
      return;
    }
    this.scanPending = true;
    const run = () => {
      if (this.scanPending) this.scan();
    };
    // rAF keeps it to once per frame; the timeout covers hidden tabs, where rAF does not run.
    requestAnimationFrame(run);
    setTimeout(run, 100);
  }

  private scan(): void {
    this.scanPending = false;
    this.lastScan = performance.now();
    if (this.options.signal.aborted) return;
    if (!this.isPlaced() || !this.freshness.isSettled) this.update();
    if (this.isPlaced() && this.freshness.isSettled) this.watchButtons();
  }

  /** Reads the page; places the buttons (or takes them away when the page shows no lead). */
  private update(): void {
    const reading = this.read();
    this.usable(reading);
    if (!('lead' in reading)) {
      this.detach();
      return;
    }
    if (this.isPlaced()) return;
    this.placeNearAnchor();
  }

  private placeNearAnchor(): void {
    const { profile, doc, floatingDelayMs } = this.options;
    const anchor = profile.findAnchor(doc);
    if (anchor) {
      clearTimeout(this.floatingTimer);
      this.floatingTimer = undefined;
      this.placeAt(anchor);
      return;
    }
    if (this.placed === 'floating' && this.ui?.host.isConnected) return;
    if (!profile.floating) {
      this.detach();
      return;
    }
    // The header usually renders a moment after the fields: wait before settling for the floating button.
    this.floatingTimer ??= setTimeout(() => {
      this.floatingTimer = undefined;
      if (this.options.signal.aborted || this.isPlaced() || profile.findAnchor(doc) !== null) return;
      if ('lead' in this.read()) this.placeAt('floating');
    }, floatingDelayMs);
  }

  private isPlaced(): boolean {
    const host = this.ui?.host;
    if (!host?.isConnected || !this.placed) return false;
    if (this.placed === 'floating') return false; // keep looking for the real anchor
    const { element, position } = this.placed;
    if (!element.isConnected) return false;
    if (position === 'append' || position === 'prepend') return host.parentNode === element;
    return host.parentNode === element.parentNode;
  }

  private placeAt(target: AnchorPlacement | 'floating'): void {
    const { doc } = this.options;
    this.ui ??= this.options.createUi({ readForClick: this.readForClick });
    const host = this.ui.host;
    if (target === 'floating') {
      host.setAttribute(FLOATING_ATTRIBUTE, '');
      if (host.parentNode !== doc.body) (doc.body ?? doc.documentElement).append(host);
    } else {
      host.removeAttribute(FLOATING_ATTRIBUTE);
      const { element, position } = target;
      // Already in the right spot (e.g. only the anchor's siblings changed): moving it would restart its focus.
      const inPlace =
        position === 'append'
          ? element.lastElementChild === host
          : position === 'prepend'
            ? element.firstElementChild === host
            : position === 'after'
              ? element.nextElementSibling === host
              : element.previousElementSibling === host;
      if (!inPlace) element[position](host);
    }
    this.placed = target;
  }

  private detach(): void {
    this.ui?.host.remove();
    this.placed = undefined;
  }
}

/** The element a shadow root belongs to (where the way up to the document continues); null for any other node. */
function shadowHost(node: Node): Element | null {
  return node.nodeType === 11 && 'host' in node ? (node as ShadowRoot).host : null;
}
