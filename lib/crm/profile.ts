import type { Lead } from '../messaging';

/** A lead read from the page, or the reason there is none (shown in diagnostics). */
export type LeadReading = { lead: Lead } | { reason: string };

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
  /** Collects the page into plain data and classifies it. Never throws. */
  readLead(doc: Document, url: URL): LeadReading;
  /** Where the buttons go (quick actions, dialer), or null while the page has not rendered it. Never throws. */
  findAnchor(doc: Document): AnchorPlacement | null;
  /** Show a floating button when the lead is readable but no anchor is. */
  floating: boolean;
  /** True when the record lives in a same-origin iframe (the watcher then observes that document too). */
  usesFrame: boolean;
  /** That iframe's document, or null. */
  frameDocument(doc: Document): Document | null;
}
