import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { POLICY_FORMATS, type PolicyFormat } from '../../lib/config/policy-export';
import { type BuilderDraft, draftFrom, newDraft, type PickField, withAnchor, withChecked, withPick, withRecordView, withUrlProposal } from '../../lib/crm/builder/draft';
import { proposeAnchor, proposeScope, proposeShownRecordId, proposeSource } from '../../lib/crm/builder/selector';
import { builderExport } from '../../lib/crm/builder/export';
import { checkRule, type RuleCheck } from '../../lib/crm/builder/verify';
import type { CrmRule, FieldSource } from '../../lib/crm/rules/schema';
import { watchLocation } from '../../lib/crm/watch/location';
import type { BuilderOutcome, BuilderState } from '../../lib/messaging';
import { pickElement } from './picker';

export interface BuilderApi {
  saveDraft(draft: BuilderDraft): Promise<void>;
  saveRule(rule: CrmRule, replaces?: string): Promise<BuilderOutcome>;
  end(): Promise<void>;
  /** The page reloads so the CRM's content script reads the saved rule (it reads rules when a page loads). */
  reload(): void;
}

/** What a click picks: a field, another phone (added to the ones picked), or the buttons' place. */
type Target = PickField | 'anotherPhone' | 'anchor';

const ROWS: { pick: PickField; label: string; keys: string[]; prompt: string }[] = [
  { pick: 'fullName', label: 'Name', keys: ['fullName'], prompt: 'the lead’s full name' },
  { pick: 'firstName', label: 'First name', keys: ['firstName'], prompt: 'the lead’s first name' },
  { pick: 'lastName', label: 'Last name', keys: ['lastName'], prompt: 'the lead’s last name' },
  { pick: 'phones', label: 'Phone', keys: ['phones'], prompt: 'the lead’s phone number' },
  { pick: 'email', label: 'E-mail', keys: ['email'], prompt: 'the lead’s e-mail address' },
  { pick: 'owner', label: 'Owner', keys: ['ownerEmail', 'ownerName'], prompt: 'the lead’s owner' },
  { pick: 'recordId', label: 'Record id', keys: ['recordId'], prompt: 'the record id shown on the page' },
];

/** How long a record may take to render after the address changed before the check says what is missing. */
const RENDER_WAIT_MS = 5000;

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
    const saved = { ...draft, editing: draft.rule.id ?? draft.rule.name, minimised: true };
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
          <table class="ccb-fields">
            <tbody>
              {ROWS.map((row) => (
                <FieldRow
                  key={row.pick}
                  row={row}
                  draft={draft}
                  check={check}
                  onPick={() => pick(row.pick)}
                  onAdd={row.pick === 'phones' ? () => pick('anotherPhone') : undefined}
                  onFromUrl={row.pick === 'recordId' ? () => change(fromUrl(draft)) : undefined}
                />
              ))}
              <tr data-field="anchor">
                <th>Buttons</th>
                <td>
                  <code>{draft.rule.anchor ? describeAnchor(draft.rule.anchor) : 'floating, bottom right'}</code>
                  <small>{check.anchorFound ? 'found on this page' : draft.rule.anchor ? 'not found on this page' : ''}</small>
                  {draft.notes.anchor && <small class="ccb-why">{draft.notes.anchor}</small>}
                </td>
                <td>
                  <button type="button" data-pick="anchor" onClick={() => pick('anchor')}>
                    Pick
                  </button>
                </td>
              </tr>
            </tbody>
          </table>
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
          <Export draft={draft} state={state} />
        </section>
      }
    </div>
  );
}

const promptFor = (target: Exclude<Target, 'anchor'>) =>
  target === 'anotherPhone' ? 'another phone number of the lead (read too, after the first)' : (ROWS.find((row) => row.pick === target)?.prompt ?? target);

/** One click turned into the draft's next state: the source proposed for the element, then the record view around all picks. */
function applyPick(draft: BuilderDraft, target: Target, element: Element, picked: Map<string, Element>, say: (outcome: BuilderOutcome) => void): BuilderDraft {
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

function fromUrl(draft: BuilderDraft): BuilderDraft {
  const { recordId: _picked, ...fields } = draft.rule.fields;
  const notes = { ...draft.notes, recordId: 'From the URL (its :id part).' };
  return withUrlProposal({ ...draft, rule: { ...draft.rule, fields }, notes }, location.href);
}

/**
 * The check of this page, again after every change of the page (debounced) and of the draft; and, once per
 * record, the result kept in the draft's list: the first reading that gives a lead, or after RENDER_WAIT_MS
 * what is missing.
 */
function useLiveCheck(draft: BuilderDraft, setCheck: (check: RuleCheck) => void, record: (check: RuleCheck) => void) {
  const latest = useRef({ draft, record });
  latest.current = { draft, record };
  useEffect(() => setCheck(checkRule(draft.rule, document, location.href)), [draft.rule]);
  useEffect(() => {
    const stop = new AbortController();
    let since = Date.now();
    let recorded = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      timer = undefined;
      const result = checkRule(latest.current.draft.rule, document, location.href);
      setCheck(result);
      const worthKeeping = Object.keys(latest.current.draft.rule.fields).length > 0 && recorded !== location.href;
      if (worthKeeping && (result.ok || Date.now() - since >= RENDER_WAIT_MS)) {
        recorded = location.href;
        latest.current.record(result);
      }
    };
    const soon = (ms = 150) => {
      if (timer === undefined) timer = setTimeout(run, ms);
    };
    watchLocation(document, stop.signal, () => {
      since = Date.now();
      soon();
      setTimeout(() => soon(0), RENDER_WAIT_MS + 50);
    });
    const observer = new MutationObserver(() => soon());
    observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true, attributes: true });
    soon();
    setTimeout(() => soon(0), RENDER_WAIT_MS + 50);
    return () => {
      stop.abort();
      observer.disconnect();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, []);
}

function FieldRow(props: {
  row: (typeof ROWS)[number];
  draft: BuilderDraft;
  check: RuleCheck;
  onPick(): void;
  onAdd?: (() => void) | undefined;
  onFromUrl?: (() => void) | undefined;
}) {
  const { row, draft, check } = props;
  const key = row.keys.find((candidate) => (draft.rule.fields as Record<string, unknown>)[candidate] !== undefined);
  const source = key ? (draft.rule.fields as Record<string, FieldSource | FieldSource[]>)[key] : undefined;
  const reading = check.fields.find((field) => field.field === key);
  const fromUrlDefault = row.pick === 'recordId' && !source;
  return (
    <tr data-field={row.pick}>
      <th>{row.label}</th>
      <td>
        <code data-builder="source">{source ? describeSource(source) : fromUrlDefault ? 'from the URL (:id)' : '—'}</code>
        {(reading || fromUrlDefault) && (
          <span class={reading?.problem ? 'error' : 'value'} data-builder="value">
            {reading?.value ?? reading?.problem ?? check.recordId ?? ''}
          </span>
        )}
        {key && draft.notes[key] && <small class="ccb-why">{draft.notes[key]}</small>}
      </td>
      <td>
        <button type="button" data-pick={row.pick} onClick={props.onPick}>
          Pick
        </button>
        {props.onAdd && source && (
          <button type="button" data-pick="anotherPhone" onClick={props.onAdd}>
            Add
          </button>
        )}
        {props.onFromUrl && source && (
          <button type="button" data-builder="from-url" onClick={props.onFromUrl}>
            From URL
          </button>
        )}
      </td>
    </tr>
  );
}

function UrlEditor({ draft, onChange }: { draft: BuilderDraft; onChange(next: BuilderDraft): void }) {
  const text = urlPatterns(draft.rule.url).join('\n');
  return (
    <label class="ccb-row">
      Record pages (one pattern per line; <code>regex:</code> for the regex form)
      <textarea
        data-builder="url"
        rows={2}
        value={text}
        onChange={(event) => {
          const lines = (event.target as HTMLTextAreaElement).value.split('\n').map((line) => line.trim()).filter(Boolean);
          if (lines.length === 0) return;
          const patterns = lines.map((line) => (line.startsWith('regex:') ? { regex: line.slice(6) } : line));
          onChange({ ...draft, rule: { ...draft.rule, url: patterns.length === 1 ? (patterns[0] as string | { regex: string }) : patterns }, notes: { ...draft.notes, url: 'Edited by hand.' } });
        }}
      />
      {draft.notes.url && <small class="ccb-why">{draft.notes.url}</small>}
    </label>
  );
}

function urlPatterns(url: CrmRule['url']): string[] {
  return (Array.isArray(url) ? url : [url]).map((pattern) => (typeof pattern === 'string' ? pattern : `regex:${pattern.regex}`));
}

function BaseChooser({ state, onChoose }: { state: BuilderState; onChoose(draft: BuilderDraft): void }) {
  const bases = state.bases.filter((base) => typeof base.rule.name === 'string');
  if (bases.length === 0) return null;
  return (
    <label class="ccb-row">
      Start from
      <select
        data-builder="base"
        onChange={(event) => {
          const index = Number((event.target as HTMLSelectElement).value);
          const base = bases[index];
          onChoose(base ? draftFrom(base.rule as unknown as CrmRule, base.origin) : newDraft(location.href, document.title));
        }}
      >
        <option value="-1">a new rule</option>
        {bases.map((base, index) => (
          <option key={`${base.origin}:${String(base.rule.name)}`} value={String(index)}>
            {String(base.rule.name)} ({base.origin === 'built-in' ? 'built-in' : base.origin === 'policy' ? 'your administrator’s' : 'yours'})
          </option>
        ))}
      </select>
    </label>
  );
}

function RecordView({ draft }: { draft: BuilderDraft }) {
  const { scope, require, fields } = draft.rule;
  return (
    <ul class="ccb-view">
      <li data-builder="require">
        Required: {require?.length ? require.join(', ') : 'nothing'} {draft.notes.require && <small class="ccb-why">{draft.notes.require}</small>}
      </li>
      <li data-builder="scope">
        Record container: <code>{scope ? String(scope) : 'the whole page'}</code> {draft.notes.scope && <small class="ccb-why">{draft.notes.scope}</small>}
      </li>
      {fields.shownRecordId && (
        <li data-builder="shown-record-id">
          Shown record id: <code>{describeSource(fields.shownRecordId)}</code> <small class="ccb-why">{draft.notes.shownRecordId}</small>
        </li>
      )}
    </ul>
  );
}

function Checked({ draft }: { draft: BuilderDraft }) {
  if (draft.checked.length === 0) return <p class="ccb-note">Open two or three other records of this CRM: each is checked here with this rule.</p>;
  return (
    <ol class="ccb-checked" data-builder="checked">
      {draft.checked.map((entry) => (
        <li key={entry.href} class={entry.ok ? 'ok' : 'error'} data-ok={String(entry.ok)} data-record={entry.recordId ?? ''}>
          {entry.ok ? '✓' : '✗'} {entry.recordId ?? entry.href}: {entry.summary}
          {entry.failedField && !entry.ok ? ` (field ${entry.failedField})` : ''}
        </li>
      ))}
    </ol>
  );
}

function Export({ draft, state }: { draft: BuilderDraft; state: BuilderState }) {
  const [format, setFormat] = useState<PolicyFormat>('chrome-json');
  const { text, problems } = useMemo(() => builderExport(state.policyRules, draft, format), [draft.rule, draft.editing, state.policyRules, format]);
  const about = POLICY_FORMATS.find((entry) => entry.format === format);
  return (
    <details class="ccb-export">
      <summary>Export for the policy</summary>
      <select data-builder="export-format" value={format} onChange={(event) => setFormat((event.target as HTMLSelectElement).value as PolicyFormat)}>
        {POLICY_FORMATS.map((entry) => (
          <option key={entry.format} value={entry.format}>
            {entry.title}
          </option>
        ))}
      </select>
      {about && <small class="ccb-why">{about.where}</small>}
      {problems.map((problem) => (
        <p key={problem} class="error" data-builder="export-problem">
          {problem}
        </p>
      ))}
      <textarea data-builder="export" readOnly rows={8} value={text} />
      <button type="button" data-builder="copy" onClick={() => void navigator.clipboard?.writeText(text)}>
        Copy
      </button>
      <small class="ccb-why">
        {state.policyRules.length > 0 ? `The policy’s ${state.policyRules.length} rule(s) with this one added or replaced.` : 'crmRules with this rule.'}
      </small>
    </details>
  );
}

function describeSource(source: FieldSource | FieldSource[]): string {
  const list = Array.isArray(source) ? source : [source];
  return list
    .map((one) => ('url' in one ? `URL :${one.url}` : 'label' in one ? `label “${[one.label].flat().join('” / “')}”` : `${one.selector}${one.attribute ? ` @${one.attribute}` : ''}`))
    .join(', then ');
}

function describeAnchor(anchor: NonNullable<CrmRule['anchor']>): string {
  const first = Array.isArray(anchor) ? anchor[0] : anchor;
  if (!first) return '—';
  return `${'selector' in first ? first.selector : `label “${[first.label].flat().join('” / “')}”`} (${first.position ?? ('selector' in first ? 'append' : 'after')})`;
}

export const BUILDER_CSS = `
.ccb-builder { font: 13px/1.4 system-ui, sans-serif; color: #1c2434; }
.ccb-panel { position: fixed; top: 12px; right: 12px; width: 380px; max-height: calc(100vh - 24px); overflow: auto;
  background: #fff; border: 1px solid #b9c4d2; border-radius: 8px; box-shadow: 0 8px 28px rgba(0,0,0,.25); padding: 10px 12px;
  z-index: 2147483647; }
.ccb-panel header { display: flex; align-items: center; gap: 6px; }
.ccb-panel h2 { flex: 1; margin: 0; font-size: 15px; }
.ccb-row { display: block; margin: 8px 0; }
.ccb-row input, .ccb-row textarea, .ccb-row select { display: block; width: 100%; box-sizing: border-box; font: 12px ui-monospace, monospace; }
.ccb-fields { width: 100%; border-collapse: collapse; }
.ccb-fields th { text-align: left; font-weight: 600; vertical-align: top; padding: 4px 4px 4px 0; white-space: nowrap; }
.ccb-fields td { vertical-align: top; padding: 4px 0; }
.ccb-fields code, .ccb-view code { font: 11px ui-monospace, monospace; word-break: break-all; }
.ccb-fields .value, .ccb-fields .error { display: block; }
.ccb-why { display: block; color: #5f6d80; }
.ok { color: #1b7a3a; } .error { color: #b42318; }
.ccb-check { font-weight: 600; }
.ccb-view, .ccb-checked { padding-left: 18px; margin: 6px 0; }
.ccb-actions { margin: 8px 0; }
.ccb-export textarea { width: 100%; box-sizing: border-box; font: 11px ui-monospace, monospace; }
.ccb-banner, .ccb-tab { position: fixed; bottom: 12px; left: 12px; margin: 0; padding: 8px 12px; background: #1b3a5c; color: #fff;
  border-radius: 6px; z-index: 2147483647; font: 13px system-ui, sans-serif; border: 0; }
.ccb-outline { position: fixed; pointer-events: none; border: 2px solid #e8590c; background: rgba(232,89,12,.08); z-index: 2147483646; }
button { font: inherit; cursor: pointer; }
`;
