import { useRef, useState } from 'preact/hooks';
import { type BuilderDraft, newDraft, withChecked } from '../../lib/crm/builder/draft';
import { checkRule, type RuleCheck } from '../../lib/crm/builder/verify';
import type { CrmRule } from '../../lib/crm/rules/schema';
import type { BuilderOutcome, BuilderState } from '../../lib/messaging';
import { applyPick, fromUrl, type Target } from './apply-pick';
import { ExportSection } from './ExportSection';
import { useLiveCheck } from './live-check';
import { pickElement } from './picker';
import { BaseChooser, Checked, FieldTable, RecordView, ROWS, UrlEditor } from './sections';

/**
 * The rule builder's panel ("Teach this page"): the admin picks what the rule reads by clicking the page, sees
 * each choice with the value read and why, checks the rule on this and other records, saves it for this browser
 * or exports it for the policy. State is the draft (lib/crm/builder/draft.ts), kept by the background per tab.
 */

export interface BuilderApi {
  saveDraft(draft: BuilderDraft): Promise<void>;
  saveRule(rule: CrmRule, replaces?: string): Promise<BuilderOutcome>;
  end(): Promise<void>;
  /** The page reloads so the CRM's content script reads the saved rule (it reads rules when a page loads). */
  reload(): void;
}

export function BuilderPanel({ api, state, host }: { api: BuilderApi; state: BuilderState; host: () => Element }) {
  const [draft, setDraft] = useState<BuilderDraft>(() => (state.draft as BuilderDraft | undefined) ?? newDraft(location.href, document.title));
  const [picking, setPicking] = useState<Target | null>(null);
  const [message, setMessage] = useState<BuilderOutcome | null>(null);
  const [check, setCheck] = useState<RuleCheck>(() => checkRule(draft.rule, document, location.href));
  const minimised = draft.minimised === true;
  const picked = useRef(new Map<string, Element>());
  const outline = useRef<HTMLDivElement>(null);

  const change = (next: BuilderDraft) => {
    setDraft(next);
    void api.saveDraft(next).catch(() => setMessage({ ok: false, message: 'The draft could not be kept: it is lost if this page reloads.' }));
  };
  useLiveCheck(draft, setCheck, (result) => change(withChecked(draft, result)));

  const pick = async (target: Target) => {
    setMessage(null);
    setPicking(target);
    const element = outline.current ? await pickElement({ host: host(), outline: outline.current, signal: new AbortController().signal }) : null;
    setPicking(null);
    if (element) change(applyPick(draft, target, element, picked.current, setMessage));
  };

  const save = async (event: MouseEvent) => {
    if (!event.isTrusted) return;
    const outcome = await api.saveRule(draft.rule, draft.editing).catch((error) => ({ ok: false, message: `Not saved: ${String(error)}` }));
    setMessage(outcome);
    if (!outcome.ok) return;
    // Back after the reload minimised: the admin now tries the buttons on this and other records.
    // Kept in the panel too, so a check recorded before the reload keeps these.
    const saved = { ...draft, editing: draft.rule.id ?? draft.rule.name, minimised: true };
    setDraft(saved);
    await api.saveDraft(saved).catch(() => undefined);
    api.reload();
  };
  const close = async (event: MouseEvent) => {
    if (event.isTrusted) await api.end().catch(() => undefined);
  };

  return (
    <div class="ccb-builder">
      <div class="ccb-outline" ref={outline} hidden />
      {picking ? (
        <p class="ccb-banner" data-builder="picking" role="status">
          Click {picking === 'anchor' ? 'where the Chat and Login buttons should go (e.g. the record’s Call button)' : promptFor(picking)} · Esc cancels
        </p>
      ) : (
        minimised && (
          <button type="button" class="ccb-tab" data-builder="restore" onClick={() => change({ ...draft, minimised: false })}>
            Teach this page
          </button>
        )
      )}
      {
        // Minimised or while picking, the panel stays (hidden): its checks go on, its state is kept.
        <section class="ccb-panel" aria-label="Teach this page" hidden={minimised || picking !== null}>
          <header>
            <h2>Teach this page</h2>
            <button type="button" aria-label="Minimise" data-builder="minimise" onClick={() => change({ ...draft, minimised: true })}>
              –
            </button>
            <button type="button" aria-label="Close" data-builder="close" onClick={close}>
              ×
            </button>
          </header>
          <BaseChooser state={state} onChoose={(next) => change(next)} />
          <label class="ccb-row">
            Rule name
            <input data-builder="name" value={draft.rule.name} onInput={(event) => change({ ...draft, rule: { ...draft.rule, name: (event.target as HTMLInputElement).value || draft.rule.name } })} />
          </label>
          <UrlEditor draft={draft} onChange={change} />
          <FieldTable draft={draft} check={check} onPick={pick} onFromUrl={() => change(fromUrl(draft))} />
          <RecordView draft={draft} />
          <p class={`ccb-check ${check.ok ? 'ok' : 'error'}`} data-builder="check" data-ok={String(check.ok)}>
            This page: {check.summary}
          </p>
          <Checked draft={draft} />
          <div class="ccb-actions">
            <button type="button" data-builder="save" disabled={state.rulesLocked} onClick={save}>
              Save and try
            </button>
          </div>
          {state.rulesLocked && <p class="ccb-note">Your administrator’s policy sets the CRM rules: export this one and add it to the policy.</p>}
          {message && (
            <p class={message.ok ? 'ok' : 'error'} data-builder="message" role="status">
              {message.message}
            </p>
          )}
          <ExportSection draft={draft} state={state} />
        </section>
      }
    </div>
  );
}

const promptFor = (target: Exclude<Target, 'anchor'>) =>
  target === 'anotherPhone' ? 'another phone number of the lead (read too, after the first)' : (ROWS.find((row) => row.pick === target)?.prompt ?? target);

