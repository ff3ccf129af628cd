import { useEffect, useState } from 'preact/hooks';
import type { LeadReading } from '../lib/crm/profile';
import type { ActionOutcome, ChatroomView, CrmCard as Card, FindInCrmRequest } from '../lib/messaging';
import { refuseHiddenClick } from './visible-click';

export interface CrmCardProps {
  chatroomId: string;
  /** What the background says about this chatroom: its card, the lookups, or why there is none. */
  load(): Promise<ChatroomView>;
  openInCrm(): Promise<ActionOutcome>;
  findInCrm(lookup: number, shown: FindInCrmRequest['shown']): Promise<ActionOutcome>;
  /** Reads the chatroom page now (the contact's phone, e-mail, name), for "Find in CRM". */
  readShown(): LeadReading;
  collapsed: boolean;
  onCollapse(collapsed: boolean): void;
}

type State = { loading: true } | { loading: false; view: ChatroomView };

/**
 * The CRM card beside a Saleschat chatroom: who the lead is in the CRM and "Open in CRM" for a chat opened from the
 * CRM, "Find in CRM" for any other. Every value is rendered as text (Preact escapes it): it comes from CRM and
 * dashboard pages. Clicks must be trusted and on a visible card, as with the CRM buttons. Collapsible to a small
 * tab; fixed in a corner so the dashboard's own layout never moves.
 */
export function CrmCard({ chatroomId, load, openInCrm, findInCrm, readShown, collapsed: initiallyCollapsed, onCollapse }: CrmCardProps) {
  const [state, setState] = useState<State>({ loading: true });
  const [collapsed, setCollapsed] = useState(initiallyCollapsed);
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    load()
      .then((view) => live && setState({ loading: false, view }))
      .catch((error: unknown) => live && setState({ loading: false, view: { lookups: [], problem: `The extension did not answer (${errorText(error)}).` } }));
    return () => {
      live = false;
    };
  }, [chatroomId]);

  const act = async (event: MouseEvent, action: () => Promise<ActionOutcome>) => {
    if (!event.isTrusted || busy || refuseHiddenClick(event.currentTarget as Element, event)) return;
    setBusy(true);
    setOutcome(null);
    setOutcome(await action().catch((error: unknown): ActionOutcome => ({ ok: false, message: `The extension did not answer (${errorText(error)}).`, retryable: true })));
    setBusy(false);
  };

  const toggle = (event: MouseEvent) => {
    if (!event.isTrusted) return;
    setCollapsed(!collapsed);
    onCollapse(!collapsed);
  };

  const find = (lookup: number): Promise<ActionOutcome> => {
    const reading = readShown();
    if ('reason' in reading) return Promise.resolve({ ok: false, message: `Nothing to search with: ${reading.reason}.`, retryable: false });
    return findInCrm(lookup, reading.lead);
  };

  return (
    <section class={`card${collapsed ? ' collapsed' : ''}`} aria-label="CRM card" data-chatroom-id={chatroomId} data-state={state.loading ? 'loading' : 'ready'}>
      <header>
        <strong>CRM</strong>
        <button type="button" class="toggle" aria-expanded={!collapsed} onClick={toggle}>
          {collapsed ? 'Show' : 'Hide'}
        </button>
      </header>
      {!collapsed && (
        <div class="body">
          {state.loading ? <p class="muted">Loading…</p> : <Details view={state.view} busy={busy} act={act} openInCrm={openInCrm} find={find} />}
          {outcome && (
            <p class="outcome" role="status" data-ok={String(outcome.ok)}>
              {outcome.message}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

interface DetailsProps {
  view: ChatroomView;
  busy: boolean;
  act(event: MouseEvent, action: () => Promise<ActionOutcome>): void;
  openInCrm(): Promise<ActionOutcome>;
  find(lookup: number): Promise<ActionOutcome>;
}

function Details({ view, busy, act, openInCrm, find }: DetailsProps) {
  const { card } = view;
  return (
    <>
      {view.problem && <p class="problem">{view.problem}</p>}
      {card ? <LeadFacts card={card} /> : !view.problem && <p class="muted not-ours">Not opened from the CRM.</p>}
      <div class="actions">
        {card?.pageUrl && (
          <button type="button" class="open-in-crm" disabled={busy} onClick={(event) => act(event, openInCrm)}>
            Open in {card.crmLabel}
          </button>
        )}
        {!card &&
          view.lookups.map((label, index) => (
            <button type="button" class="find-in-crm" data-lookup={index} key={label} disabled={busy} onClick={(event) => act(event, () => find(index))}>
              Find in {label}
            </button>
          ))}
      </div>
    </>
  );
}

function LeadFacts({ card }: { card: Card }) {
  const name = [card.firstName, card.lastName].filter(Boolean).join(' ') || card.crmId;
  const owner = card.ownerName ?? card.ownerEmail;
  const opener = card.openedBy?.name ?? card.openedBy?.email;
  return (
    <>
      <p class="name" data-field="name">
        {name}
      </p>
      <dl>
        <Fact label="CRM" field="crm" value={card.crmLabel} />
        <Fact label="Phone" field="phone" value={card.phone} />
        <Fact label="E-mail" field="email" value={card.email} />
        <Fact label="Owner" field="owner" value={owner} />
        <Fact label="Status" field="status" value={card.status} />
        {card.extra.map((extra) => (
          <Fact key={extra.label} label={extra.label} field="extra" value={extra.value} />
        ))}
      </dl>
      <p class="muted opened" data-field="opened">
        {opener ? `Opened from the CRM by ${opener}, ${when(card.openedAt)}` : `Opened from the CRM ${when(card.openedAt)}`}
      </p>
    </>
  );
}

function Fact({ label, field, value }: { label: string; field: string; value: string | undefined }) {
  if (!value) return null;
  return (
    <>
      <dt>{label}</dt>
      <dd data-field={field}>{value}</dd>
    </>
  );
}

function when(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const CRM_CARD_CSS = `
.card { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; width: 300px; max-height: 70vh; overflow: auto;
  box-sizing: border-box; font: 13px/1.45 system-ui, sans-serif; color: #1d2733; background: #fff;
  border: 1px solid #c8d1da; border-radius: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.18); }
.card.collapsed { width: auto; }
header { display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 6px 10px;
  background: #eef2f5; border-radius: 8px 8px 0 0; }
.body { padding: 8px 12px 12px; }
.name { font-size: 15px; font-weight: 600; margin: 0 0 6px; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0 0 6px; }
dt { color: #5b6b7b; }
dd { margin: 0; overflow-wrap: anywhere; }
.muted { color: #5b6b7b; margin: 4px 0; }
.problem { color: #a61b1b; margin: 4px 0; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
button { font: inherit; cursor: pointer; border-radius: 6px; border: 1px solid #0b6e4f; background: #0b6e4f; color: #fff; padding: 4px 10px; }
button.toggle { background: transparent; color: #0b6e4f; padding: 0 6px; }
button:disabled { opacity: .6; cursor: default; }
.outcome { margin: 8px 0 0; }
.outcome[data-ok="false"] { color: #a61b1b; }
`;
