import type { BuilderDraft, PickField } from '../../lib/crm/builder/draft';
import { draftFrom, newDraft } from '../../lib/crm/builder/draft';
import type { RuleCheck } from '../../lib/crm/builder/verify';
import type { CrmRule, FieldSource } from '../../lib/crm/rules/schema';
import type { BuilderState } from '../../lib/messaging';

/** The parts of the builder's panel: one per thing the admin decides or checks. */

export const ROWS: { pick: PickField; label: string; keys: string[]; prompt: string }[] = [
  { pick: 'fullName', label: 'Name', keys: ['fullName'], prompt: 'the lead’s full name' },
  { pick: 'firstName', label: 'First name', keys: ['firstName'], prompt: 'the lead’s first name' },
  { pick: 'lastName', label: 'Last name', keys: ['lastName'], prompt: 'the lead’s last name' },
  { pick: 'phones', label: 'Phone', keys: ['phones'], prompt: 'the lead’s phone number' },
  { pick: 'email', label: 'E-mail', keys: ['email'], prompt: 'the lead’s e-mail address' },
  { pick: 'owner', label: 'Owner', keys: ['ownerEmail', 'ownerName'], prompt: 'the lead’s owner' },
  { pick: 'recordId', label: 'Record id', keys: ['recordId'], prompt: 'the record id shown on the page' },
];

/** What the rule reads, one row per field, with the value read on this page; and where the buttons go. */
export function FieldTable(props: { draft: BuilderDraft; check: RuleCheck; onPick(target: PickField | 'anotherPhone' | 'anchor'): void; onFromUrl(): void }) {
  const { draft, check, onPick, onFromUrl } = props;
  return (
    <table class="ccb-fields">
      <tbody>
        {ROWS.map((row) => (
          <FieldRow
            key={row.pick}
            row={row}
            draft={draft}
            check={check}
            onPick={() => onPick(row.pick)}
            onAdd={row.pick === 'phones' ? () => onPick('anotherPhone') : undefined}
            onFromUrl={row.pick === 'recordId' ? onFromUrl : undefined}
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
            <button type="button" data-pick="anchor" onClick={() => onPick('anchor')}>
              Pick
            </button>
          </td>
        </tr>
      </tbody>
    </table>
  );
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

export function UrlEditor({ draft, onChange }: { draft: BuilderDraft; onChange(next: BuilderDraft): void }) {
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

export function BaseChooser({ state, onChoose }: { state: BuilderState; onChoose(draft: BuilderDraft): void }) {
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

export function RecordView({ draft }: { draft: BuilderDraft }) {
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

export function Checked({ draft }: { draft: BuilderDraft }) {
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

function describeSource(source: FieldSource | FieldSource[]): string {
  const list = Array.isArray(source) ? source : [source];
  return list
    .map((one) => ('url' in one ? `URL :${one.url}` : 'label' in one ? `label “${[one.label].flat().join('” / “')}”` : `${one.selector}${one.attribute ? ` @${one.attribute}` : ''}`))
    .join(', then ');
}

export function describeAnchor(anchor: NonNullable<CrmRule['anchor']>): string {
  const first = Array.isArray(anchor) ? anchor[0] : anchor;
  if (!first) return '—';
  return `${'selector' in first ? first.selector : `label “${[first.label].flat().join('” / “')}”`} (${first.position ?? ('selector' in first ? 'append' : 'after')})`;
}

