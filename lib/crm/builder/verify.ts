import { type CompiledProfile, compileRule } from '../rules/engine';
import { collectPage, type SourceReading } from '../rules/collect';
import type { RuleField } from '../rules/fields';

/**
 * Verify a proposed rule on the page in front of the admin, through the same engine the content script runs
 * (compileRule → readLead / findAnchor): what the builder shows is what agents will get. Per field, the value
 * read or exactly why not, so a failure on another record names the field that broke.
 */

export interface FieldCheck {
  field: RuleField;
  value?: string;
  problem?: string;
}

export interface RuleCheck {
  href: string;
  /** The record id the rule reads here, when it reads one. */
  recordId?: string;
  /** True when the page gives a lead (buttons would show). */
  ok: boolean;
  /** One line for the admin: "Lead: Ada Lovelace · +44 20 7946 0001", or why there is none. */
  summary: string;
  fields: FieldCheck[];
  /** Whether the buttons' place was found (without it they float bottom right). */
  anchorFound: boolean;
}

export function checkRule(rule: unknown, doc: Document, href: string): RuleCheck {
  const compiled = compileRule(rule, 'rule');
  if ('error' in compiled) return failed(href, compiled.error);
  const url = new URL(href);
  const params = compiled.matchUrl(url);
  if (!params) return failed(href, `the URL pattern does not match this address (${href.length > 120 ? `${href.slice(0, 120)}…` : href})`);
  const reading = compiled.readLead(doc, url);
  const fields = fieldChecks(compiled, doc, params, url);
  const anchorFound = compiled.findAnchor(doc) !== null;
  if ('reason' in reading) return { href, ok: false, summary: reading.reason, fields, anchorFound, ...recordIdOf(fields) };
  const { lead } = reading;
  // What the buttons check at the click: a record view showing another (or no) id means "still loading".
  if (reading.shownIdMatches === false) {
    const shown = fields.find((check) => check.field === 'shownRecordId');
    const what = shown?.value ? `shows record ${shown.value}` : `shows no record id (${shown?.problem ?? 'not found'})`;
    return { href, ok: false, summary: `the record view ${what}, not ${lead.recordId ?? 'this record'}: Chat would wait for it`, fields, anchorFound, ...recordIdOf(fields) };
  }
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  const summary = `Lead: ${[name, lead.phone ?? lead.phones?.[0]?.number, lead.email].filter(Boolean).join(' · ') || lead.recordId || lead.crmId}`;
  return { href, ok: true, summary, fields, anchorFound, ...(lead.recordId ? { recordId: lead.recordId } : {}) };
}

function fieldChecks(compiled: CompiledProfile, doc: Document, params: Record<string, string>, url: URL): FieldCheck[] {
  const data = collectPage(compiled.rule, doc, params, url);
  if (data.problem) return [{ field: 'recordId', problem: data.problem }];
  return (Object.entries(data.fields) as [RuleField, SourceReading[]][]).map(([field, readings]) => {
    const value = readings.flatMap((reading) => reading.values)[0]?.text;
    if (value) return { field, value };
    return { field, problem: readings.map((reading) => reading.problem).filter(Boolean).join('; ') || 'nothing found' };
  });
}

const recordIdOf = (fields: FieldCheck[]): { recordId?: string } => {
  const value = fields.find((check) => check.field === 'recordId')?.value;
  return value ? { recordId: value } : {};
};

const failed = (href: string, summary: string): RuleCheck => ({ href, ok: false, summary, fields: [], anchorFound: false });
