import type { Lead } from '../messaging';

/** A lead read from the page, or the reason there is none (shown in diagnostics). */
export type LeadReading = { lead: Lead } | { reason: string };

export type AnchorPosition = 'before' | 'after' | 'prepend' | 'append';

/**
 * How the extension recognises one CRM. Built-in profiles (one file each under profiles/) and, later, admin
 * rules implement this same interface, so the watcher and the background treat them alike.
 */
export interface CrmProfile {
  id: string;
  label: string;
  /** Runs on every navigation of every matched page: must be a cheap URL test, no DOM access. */
  matchesUrl(url: URL): boolean;
  /** Reads the lead from the page into plain data. */
  readLead(root: ParentNode, url: URL): LeadReading;
  /** The element the buttons go next to (quick actions, dialer), or null while the page has not rendered it. */
  findAnchor(root: ParentNode): Element | null;
  anchorPosition: AnchorPosition;
}

/** Trimmed text content of the first match, whitespace collapsed; undefined when absent or empty. */
export function textOf(root: ParentNode, selector: string): string | undefined {
  const text = root.querySelector(selector)?.textContent?.replace(/\s+/g, ' ').trim();
  return text ? text : undefined;
}

export function attributeOf(root: ParentNode, selector: string, attribute: string): string | undefined {
  const value = root.querySelector(selector)?.getAttribute(attribute)?.trim();
  return value ? value : undefined;
}
