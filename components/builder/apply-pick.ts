import { type BuilderDraft, type PickField, withAnchor, withPick, withRecordView, withUrlProposal } from '../../lib/crm/builder/draft';
import { proposeAnchor, proposeScope, proposeShownRecordId, proposeSource } from '../../lib/crm/builder/selector';
import { checkRule } from '../../lib/crm/builder/verify';
import type { BuilderOutcome } from '../../lib/messaging';

/** What a click picks: a field, another phone (added to the ones picked), or the buttons' place. */
export type Target = PickField | 'anotherPhone' | 'anchor';

/** One click turned into the draft's next state: the source proposed for the element, then the record view around all picks. */
export function applyPick(draft: BuilderDraft, target: Target, element: Element, picked: Map<string, Element>, say: (outcome: BuilderOutcome) => void): BuilderDraft {
  if (target === 'anchor') {
    const anchor = proposeAnchor(element, document);
    if ('problem' in anchor) {
      say({ ok: false, message: anchor.problem });
      return draft;
    }
    picked.set('anchor', element);
    return withAnchor(draft, anchor.target, anchor.why);
  }
  const recordId = checkRule(draft.rule, document, location.href).recordId;
  const field = target === 'anotherPhone' ? 'phones' : target;
  const proposal = proposeSource(element, document, { field: field === 'owner' ? 'ownerName' : field, avoidValues: recordId ? [recordId] : [] });
  if ('problem' in proposal) {
    say({ ok: false, message: proposal.problem });
    return draft;
  }
  picked.set(target, element);
  const next = withPick(draft, field, proposal, location.href, { append: target === 'anotherPhone' });
  const elements = [...picked.values()].filter((picked) => picked.isConnected);
  const scope = proposeScope(elements, document);
  const id = checkRule(next.rule, document, location.href).recordId;
  const shown = id ? shownIdInScope(proposeShownRecordId(elements, id), scope.scope) : undefined;
  return withRecordView(next, { ...(scope.scope ? { scope: scope.scope } : {}), scopeWhy: scope.why, ...(shown ? { shownRecordId: shown } : {}) });
}

/**
 * Fields are read inside the scope (querySelector looks below it): an id carried by the scope element itself is
 * read as `:scope`, and one carried above the scope cannot be read at all.
 */
function shownIdInScope(shown: ReturnType<typeof proposeShownRecordId>, scope: string | undefined): ReturnType<typeof proposeShownRecordId> {
  if (!shown || !scope) return shown;
  const container = document.querySelector(scope);
  if (!container) return undefined;
  if (container.matches(shown.source.selector)) return { ...shown, source: { ...shown.source, selector: ':scope' } };
  return container.querySelector(shown.source.selector) ? shown : undefined;
}

export function fromUrl(draft: BuilderDraft): BuilderDraft {
  const { recordId: _picked, ...fields } = draft.rule.fields;
  const notes = { ...draft.notes, recordId: 'From the URL (its :id part).' };
  return withUrlProposal({ ...draft, rule: { ...draft.rule, fields }, notes }, location.href);
}

