import type { AnchorTarget, CrmRule, FieldSource } from '../rules/schema';
import { proposeUrlPattern } from './url-generalize';
import type { RuleCheck } from './verify';

/**
 * The rule the builder is making, with the reason for each choice (shown to the admin next to it) and the
 * records it was checked on. Pure data: it is kept by the background between page loads (a server-rendered
 * CRM reloads on every record) and turned into the saved / exported rule as is.
 */

/** What the admin can pick on the page. `owner` becomes ownerEmail or ownerName by what it reads. */
export type PickField = 'fullName' | 'firstName' | 'lastName' | 'phones' | 'email' | 'owner' | 'recordId';

export interface CheckedRecord {
  href: string;
  recordId?: string;
  ok: boolean;
  summary: string;
  /** The first field that read nothing, when one did. */
  failedField?: string;
}

export interface BuilderDraft {
  rule: CrmRule;
  /** Why each choice was made, by rule key (url, scope, require, anchor, shownRecordId) or field name. */
  notes: Record<string, string>;
  checked: CheckedRecord[];
  /** The id or name of the saved rule this draft replaces when saved. */
  editing?: string;
  /** The panel is folded into a small tab (it is after a save, while the admin tries the buttons). */
  minimised?: boolean;
}

/** A rule's name from the page title's last part ("Ada Lovelace | Orbit CRM", "Lena Ledger » Ledger CRM" → the CRM), else the host. */
export function nameFromPage(title: string, host: string): string {
  const parts = title.split(/\s+[|–—»:-]\s+/).map((part) => part.trim()).filter(Boolean);
  const last = parts.length > 1 ? parts[parts.length - 1] : undefined;
  return (last && last.length <= 60 ? last : `CRM at ${host}`).slice(0, 100);
}

export function newDraft(href: string, title: string): BuilderDraft {
  const host = new URL(href).hostname;
  const draft: BuilderDraft = { rule: { name: nameFromPage(title, host), url: href, fields: {} }, notes: {}, checked: [] };
  return withUrlProposal(draft, href);
}

/** The URL pattern proposed from this address (with the picked record id, when there is one). */
export function withUrlProposal(draft: BuilderDraft, href: string, recordId?: string): BuilderDraft {
  try {
    const proposal = proposeUrlPattern(href, recordId ? { recordId } : {});
    return { ...draft, rule: { ...draft.rule, url: proposal.url }, notes: { ...draft.notes, url: sentences(proposal.why) } };
  } catch (error) {
    return { ...draft, notes: { ...draft.notes, url: `No pattern proposed: ${error instanceof Error ? error.message : String(error)}` } };
  }
}

/**
 * The picked source for the field, replacing what it had; with `append` (phones: a lead may show its number
 * under another label), added after the sources it has, which are read too.
 */
/** The proposal's reasons as one paragraph of sentences. */
const sentences = (parts: readonly string[]): string => parts.map((part) => (/[.!?]$/.test(part) ? part : `${part}.`)).join(' ');

export function withPick(
  draft: BuilderDraft,
  field: PickField,
  pick: { source: FieldSource; value: string; why: string },
  href: string,
  options: { append?: boolean } = {},
): BuilderDraft {
  const key = field === 'owner' ? (pick.value.includes('@') ? 'ownerEmail' : 'ownerName') : field;
  const had = (draft.rule.fields as Record<string, FieldSource | FieldSource[] | undefined>)[key];
  const source = options.append && had ? [...[had].flat(), pick.source] : pick.source;
  const why = options.append && had && draft.notes[key] ? `${draft.notes[key]} Then: ${pick.why}` : pick.why;
  const fields = { ...draft.rule.fields, [key]: source };
  const next: BuilderDraft = { ...draft, rule: { ...draft.rule, fields }, notes: { ...draft.notes, [key]: why } };
  // The id on the page must also be found in the address, or the rule would fit one record only.
  return field === 'recordId' ? withUrlProposal(next, href, pick.value) : withSensibleRequire(next);
}

export function withAnchor(draft: BuilderDraft, target: AnchorTarget, why: string): BuilderDraft {
  return { ...draft, rule: { ...draft.rule, anchor: target }, notes: { ...draft.notes, anchor: why } };
}

/** The record container and the id the record view shows, when the page offers them (selector.ts proposes). */
export function withRecordView(
  draft: BuilderDraft,
  view: { scope?: string; scopeWhy: string; shownRecordId?: { source: FieldSource; why: string } },
): BuilderDraft {
  const { scope: _scope, ...rest } = draft.rule;
  const fields = { ...draft.rule.fields };
  if (view.shownRecordId) fields.shownRecordId = view.shownRecordId.source;
  const notes = { ...draft.notes, scope: view.scopeWhy, ...(view.shownRecordId ? { shownRecordId: view.shownRecordId.why } : {}) };
  return { ...draft, rule: { ...rest, ...(view.scope ? { scope: view.scope } : {}), fields }, notes };
}

/**
 * No buttons until the name and phone the admin picked have rendered: a "not found" page or a loading spinner
 * under a matching address then shows none. E-mail is not required (many leads have none).
 */
export function withSensibleRequire(draft: BuilderDraft): BuilderDraft {
  const { fields } = draft.rule;
  const require: ('name' | 'phone')[] = [];
  if (fields.fullName || fields.firstName || fields.lastName) require.push('name');
  if (fields.phones) require.push('phone');
  const { require: _old, ...rest } = draft.rule;
  const why = require.length
    ? `No buttons until the ${require.join(' and ')} you picked are on the page: a loading or "not found" page stays quiet.`
    : 'Nothing required yet: pick the name or phone.';
  return { ...draft, rule: { ...rest, ...(require.length ? { require } : {}) }, notes: { ...draft.notes, require: why } };
}

/**
 * Start from a saved rule or a built-in profile. A built-in keeps its id: the id is part of every lead's
 * identity ({PROFILE} in crmIdTemplate), so leads keep the chats they have. Admin rules win over built-ins.
 */
export function draftFrom(rule: CrmRule, origin: 'built-in' | 'policy' | 'agent'): BuilderDraft {
  const copy = structuredClone(rule);
  const note = origin === 'built-in' ? `Starts from the built-in profile '${rule.name}' (its id kept, so its leads keep their chats).` : `Editing '${rule.name}'.`;
  return { rule: copy, notes: { name: note }, checked: [], editing: rule.id ?? rule.name };
}

/** Adds (or replaces, for the same record) a record the rule was checked on; the newest first, at most 10. */
export function withChecked(draft: BuilderDraft, check: RuleCheck): BuilderDraft {
  const failedField = check.fields.find((field) => field.problem)?.field;
  const entry: CheckedRecord = {
    href: check.href,
    ok: check.ok,
    summary: check.summary,
    ...(check.recordId ? { recordId: check.recordId } : {}),
    ...(failedField ? { failedField } : {}),
  };
  const others = draft.checked.filter((old) => (entry.recordId ? old.recordId !== entry.recordId : old.href !== entry.href));
  return { ...draft, checked: [entry, ...others].slice(0, 10) };
}
