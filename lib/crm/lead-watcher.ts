import type { DetectionStatus } from '../messaging';
import { findProfileIn } from './find-profile';
import type { CrmProfile } from './profile';
import { watchLocation } from './watch/location';
import { type LeadSource, PageSession, type PlacedUi, recordState } from './watch/page-session';

export type { LeadSource, PlacedUi };

export interface WatchOptions {
  profiles: readonly CrmProfile[];
  /** The content script's signal: everything stops when it aborts. */
  signal: AbortSignal;
  /** Creates the buttons of one record page; they read the lead at click time through `source`. */
  createUi(source: LeadSource): PlacedUi;
  doc?: Document;
  /** How long a readable lead waits for its anchor before the floating button shows. */
  floatingDelayMs?: number;
  /** How long a click waits for a record that is still loading (see watch/freshness.ts). */
  clickWaitMs?: number;
  /** Problems to report in the diagnostics (unusable admin rules, config not loaded). */
  setupProblems?: readonly string[];
}

export interface LeadWatcher {
  /** What the page shows now, for the popup: the lead, or exactly why not. */
  status(): DetectionStatus;
}

/**
 * Keeps exactly one set of buttons on the record page the tab shows, whichever way the agent got there:
 * loaded on it, entered from a list, Back/Forward, a hash change, a link between records.
 *
 * Every address change is watched on every page the content script runs on (cheap: an event, no DOM work);
 * a page no profile claims gets nothing more. A page a profile claims gets a PageSession for its record,
 * ended by the next navigation to another record. Navigations within one record (another tab of the record,
 * a query parameter the rule does not name) keep the session and its buttons.
 */
export function watchLeadPages({ profiles, signal, createUi, doc = document, floatingDelayMs = 1500, clickWaitMs = 3000, setupProblems = [] }: WatchOptions): LeadWatcher {
  let current: { key: string; session: PageSession; controller: AbortController } | undefined;
  let firstPage = true;

  const sessionKey = (profile: CrmProfile, url: URL) => `${profile.id}\u0000${JSON.stringify(profile.matchUrl(url))}`;

  const start = () => {
    const url = new URL(doc.location.href);
    const profile = findProfileIn(url, profiles);
    const key = profile ? sessionKey(profile, url) : undefined;
    if (key !== undefined && key === current?.key) return;
    // Read before anything else runs: the page's router may be about to render the next record.
    const baseline = profile && !firstPage ? recordState(profile, doc, profile.readLead(doc, url)) : null;
    firstPage = false;
    current?.controller.abort();
    current = undefined;
    if (!profile || key === undefined || signal.aborted) return;
    const controller = new AbortController();
    const session = new PageSession({
      profile,
      doc,
      signal: AbortSignal.any([signal, controller.signal]),
      baseline,
      createUi,
      checkLocation: () => location.check(),
      floatingDelayMs,
      clickWaitMs,
    });
    current = { key, session, controller };
  };

  const location = watchLocation(doc, signal, start);
  start();
  signal.addEventListener('abort', () => current?.controller.abort(), { once: true });

  return {
    status(): DetectionStatus {
      const url = doc.location.href;
      if (!current) return { detected: false, url, reasons: unmatchedReasons(url, profiles, setupProblems) };
      const { reading, settled } = current.session.status();
      const profile = findProfileIn(url, profiles);
      if ('lead' in reading && profile) {
        return { detected: true, url, profileId: profile.id.slice(0, 64), profileLabel: profile.label.slice(0, 200), lead: reading.lead, settled };
      }
      return { detected: false, url, reasons: clip(['reason' in reading ? reading.reason : 'no lead', ...setupProblems]) };
    },
  };
}

/** Why no profile claims the address: each admin rule's patterns, and the built-ins by name. */
function unmatchedReasons(url: string, profiles: readonly CrmProfile[], setupProblems: readonly string[]): string[] {
  const rules = profiles.filter((profile) => profile.origin === 'rule');
  const builtIns = profiles.filter((profile) => profile.origin === 'built-in').map((profile) => profile.label);
  return clip([
    `No CRM profile or rule applies to ${url}`,
    ...rules.map((rule) => `rule '${rule.label}' applies to ${rule.urlPatterns.join(' or ')}, not to this address`),
    ...(builtIns.length > 0 ? [`built-in profiles (${builtIns.join(', ')}) do not recognise this address as a lead or contact page`] : []),
    ...setupProblems,
  ]);
}

const clip = (reasons: string[]) => reasons.map((reason) => reason.slice(0, 1000));
