import type { Lead } from '../messaging';

/**
 * A lead read from the page, or the reason there is none (shown in diagnostics). `shownIdMatches`: whether
 * the record view's own id (the rule's shownRecordId) equals the record id; absent when the rule names none.
 */
export type LeadReading = { lead: Lead; shownIdMatches?: boolean } | { reason: string };

export type AnchorPosition = 'before' | 'after' | 'prepend' | 'append';

export interface AnchorPlacement {
  element: Element;
  position: AnchorPosition;
}

/**
 * How the extension recognises one CRM. Built-in profiles and admin rules are both declarations in the rule
 * format (lib/crm/rules/schema.ts) compiled by the same engine (lib/crm/rules/engine.ts) into this interface,
 * so the watcher, the diagnostics and the background's sender check treat them alike.
 */
export interface CrmProfile {
  id: string;
  label: string;
  origin: 'built-in' | 'rule';
  /** Runs on every navigation of every matched page: a cheap URL test, no DOM access. */
  matchesUrl(url: URL): boolean;
  /** The URL parts the pattern named (e.g. { id: "42" }), or null when the URL is not this profile's. */
  matchUrl(url: URL): Record<string, string> | null;
  /** The URL patterns as written, for diagnostics. */
  urlPatterns: readonly string[];
  /** The element holding the record shown now (scope, in the frame), or null while it is not rendered. */
  recordRoot(doc: Document): ParentNode | null;
  /** How long a record must stay unchanged after an in-page navigation before it counts as shown. */
  settleMs: number;
  /** Collects the page into plain data and classifies it. Never throws. */
  readLead(doc: Document, url: URL): LeadReading;
  /** Where the buttons go (quick actions, dialer), or null while the page has not rendered it. Never throws. */
  findAnchor(doc: Document): AnchorPlacement | null;
  /** Show a floating button when the lead is readable but no anchor is. */
  floating: boolean;
  /** Tell the page what happened with DOM events (the rule's pageEvents). */
  pageEvents?: boolean;
  /** True when the record lives in a same-origin iframe (the watcher then observes that document too). */
  usesFrame: boolean;
  /** That iframe's document, or null. */
  frameDocument(doc: Document): Document | null;
}
