import { useEffect, useRef, useState } from 'preact/hooks';
import type { LeadReading } from '../lib/crm/profile';
import type { ActionOutcome, Lead } from '../lib/messaging';
import { refuseHiddenClick } from './visible-click';

export interface LeadActionsProps {
  /**
   * Reads the lead shown now (never a cached one), once the page provably shows it: a record still loading
   * makes the click wait (lib/crm/watch/page-session.ts).
   */
  readLead(): Promise<LeadReading>;
  openChat(lead: Lead): Promise<ActionOutcome>;
  login(): Promise<ActionOutcome>;
  /** Later news about this page's actions (the CRM write-back's outcome), shown as a second, smaller toast. */
  subscribeNotices?(listener: (notice: Notice) => void): () => void;
  /**
   * A click is likely soon: the pointer moved on the lead page or entered the buttons, one got keyboard focus, or
   * the tab came back into view. The content script wakes the background worker (throttled: workerWaker), so the click meets it running.
   */
  wake?(): void;
}

export interface Notice {
  ok: boolean;
  message: string;
}

type Kind = 'chat' | 'login';
interface Toast {
  outcome: ActionOutcome;
  kind: Kind;
}

const SUCCESS_TOAST_MS = 6000;

/**
 * The Chat and Login buttons and their toast, for one record page: a navigation to another record mounts a
 * new one, so a busy state, a toast and its Retry always belong to the lead they were for. Clicks must be
 * trusted: a page script calling `click()` or dispatching a synthetic event cannot make the extension act. And
 * they must be seen: a real click on buttons the page made invisible or covered does nothing (visible-click.ts).
 * All text is rendered as text (Preact escapes it), never as HTML: lead names come from the CRM page.
 */
export function LeadActions({ readLead, openChat, login, subscribeNotices, wake }: LeadActionsProps) {
  const [busy, setBusy] = useState<Kind | null>(null);
  const [toast, setToast] = useState<Toast | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const hideTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => subscribeNotices?.(setNotice), [subscribeNotices]);
  useEffect(() => wake && onTabShown(wake), [wake]);
  useEffect(() => wake && onPointerActivity(wake), [wake]);

  const run = async (kind: Kind, event: MouseEvent) => {
    if (!event.isTrusted || busy || refuseHiddenClick(event.currentTarget as Element, event)) return;
    clearTimeout(hideTimer.current);
    setBusy(kind);
    setToast(null);
    let outcome: ActionOutcome;
    try {
      if (kind === 'chat') {
        const reading = await readLead();
        outcome =
          'lead' in reading
            ? await openChat(reading.lead)
            : { ok: false, message: `No lead found on this page: ${reading.reason}.`, retryable: false };
      } else {
        outcome = await login();
      }
    } catch (error) {
      outcome = noAnswerOutcome(error);
    }
    setBusy(null);
    setToast({ outcome, kind });
    if (outcome.ok) hideTimer.current = setTimeout(() => setToast(null), SUCCESS_TOAST_MS);
  };

  const outcome = toast?.outcome;
  return (
    <div class="ccb" onPointerEnter={wake} onFocusIn={wake}>
      <button type="button" class="ccb-button ccb-chat" data-ccb="chat" disabled={busy !== null} onClick={(event) => run('chat', event)}>
        {busy === 'chat' ? 'Opening…' : 'Chat'}
      </button>
      <button type="button" class="ccb-button ccb-login" data-ccb="login" disabled={busy !== null} onClick={(event) => run('login', event)}>
        {busy === 'login' ? 'Opening…' : 'Login'}
      </button>
      {toast && outcome && (
        <div
          class={`ccb-toast ${outcome.ok ? 'ccb-ok' : 'ccb-error'}`}
          data-ccb="toast"
          data-ok={String(outcome.ok)}
          data-error-code={outcome.ok ? undefined : outcome.errorCode}
          role={outcome.ok ? 'status' : 'alert'}
        >
          <span class="ccb-toast-text">{outcome.message}</span>
          {!outcome.ok && outcome.retryable && (
            <button type="button" class="ccb-link" data-ccb="retry" onClick={(event) => run(toast.kind, event)}>
              Retry
            </button>
          )}
          <button type="button" class="ccb-link" aria-label="Dismiss" data-ccb="dismiss" onClick={() => setToast(null)}>
            ×
          </button>
        </div>
      )}
      {notice && (
        <div class={`ccb-toast ccb-notice ${notice.ok ? 'ccb-ok' : 'ccb-error'}`} data-ccb="notice" data-ok={String(notice.ok)} role="status">
          <span class="ccb-toast-text">{notice.message}</span>
          <button type="button" class="ccb-link" aria-label="Dismiss" data-ccb="dismiss-notice" onClick={() => setNotice(null)}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}

/** Calls `listener` each time the tab becomes visible again, while the buttons are mounted; returns the cleanup. */
function onTabShown(listener: () => void): () => void {
  const shown = () => {
    if (document.visibilityState === 'visible') listener();
  };
  document.addEventListener('visibilitychange', shown);
  return () => document.removeEventListener('visibilitychange', shown);
}

/**
 * Calls `listener` on pointer movement anywhere on the page while the buttons are mounted: an agent moving the
 * pointer on a lead page is on the way to Chat more often than not, and a pointer crossing the page reaches the
 * button hundreds of milliseconds after its first move, time enough for a stopped worker to start. The listener
 * is passive and the waker's throttle makes all but one move per 20 s a clock read.
 */
function onPointerActivity(listener: () => void): () => void {
  document.addEventListener('pointermove', listener, { passive: true });
  return () => document.removeEventListener('pointermove', listener);
}

/**
 * Chrome stops an idle extension worker ~30 s after its last event. One wake per 20 s therefore keeps a worker
 * that is warm warm, and costs a pointer sweeping back and forth over the buttons one message at most.
 */
export const WAKE_INTERVAL_MS = 20_000;

/**
 * The page's `wake` for LeadActions: sends at once, then at most once per WAKE_INTERVAL_MS. One per page (not per
 * record shown): the worker it wakes serves every record. A wake is best effort: a failure is dropped, never shown.
 */
export function workerWaker(send: () => Promise<unknown>, now: () => number = Date.now): () => void {
  let lastSentAt = Number.NEGATIVE_INFINITY;
  return () => {
    if (now() - lastSentAt < WAKE_INTERVAL_MS) return;
    lastSentAt = now();
    send().catch(() => undefined);
  };
}

/**
 * The background did not answer with an outcome. It refused the request (the errors' names survive the
 * message channel: lib/background/senders.ts, routes.ts), or the browser stopped its worker mid-action (Retry
 * works: the Chat journal finishes what was started without duplicating it), or the extension was updated or
 * reloaded and this page's script is orphaned (only a page reload helps).
 */
export function noAnswerOutcome(error: unknown): ActionOutcome {
  const detail = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  if (name === 'UntrustedSenderError' || name === 'InvalidRequestError') {
    return { ok: false, message: `The extension refused this request: ${detail}`, retryable: false };
  }
  if (/context invalidated/i.test(detail)) {
    return { ok: false, message: 'The extension was updated or restarted. Reload this page, then click again.', retryable: false };
  }
  // The browser's own wording ("message channel closed…") means nothing to an agent: it goes to the console
  // for whoever debugs, the toast says what happened and what to do.
  console.warn(`CRM Chat Bridge: no answer from the background (${detail})`);
  return {
    ok: false,
    message: 'The browser stopped the extension before it answered. Click Retry: nothing already started is done twice.',
    retryable: true,
  };
}

/**
 * Every `:host` declaration is !important: SHADOW_HOST_RESET (mount-in-shadow.tsx) resets the host with an
 * important `all: initial`, which would beat a normal declaration of ours as it beats the page's.
 */
export const LEAD_ACTIONS_CSS = `
:host { display: inline-block !important; vertical-align: middle !important; margin: 0 4px !important; }
:host([data-ccb-floating]) { position: fixed !important; right: 16px !important; bottom: 16px !important; z-index: 2147483646 !important;
  margin: 0 !important; padding: 6px !important; border-radius: 8px !important; background: #fff !important;
  box-shadow: 0 4px 14px rgba(0,0,0,.25) !important; }
:host([data-ccb-floating]) .ccb-toast { bottom: 72px; }
.ccb { display: inline-flex; gap: 6px; font: 13px/1.3 system-ui, -apple-system, "Segoe UI", sans-serif; }
.ccb-button { font: inherit; font-weight: 600; padding: 5px 12px; border-radius: 4px; border: 1px solid #0b7a52; cursor: pointer; }
.ccb-chat { background: #0e9f6e; color: #fff; }
.ccb-login { background: #fff; color: #0b7a52; }
.ccb-button:disabled { opacity: .6; cursor: progress; }
.ccb-button:focus-visible, .ccb-link:focus-visible { outline: 2px solid #1a56db; outline-offset: 2px; }
.ccb-toast { position: fixed; right: 16px; bottom: 16px; z-index: 2147483647; max-width: 420px; display: flex; gap: 8px;
  align-items: flex-start; padding: 10px 12px; border-radius: 6px; color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.ccb-notice { bottom: 72px; font-size: 12px; }
.ccb-ok { background: #046c4e; }
.ccb-error { background: #9b1c1c; }
.ccb-toast-text { flex: 1; white-space: pre-line; overflow-wrap: anywhere; }
.ccb-link { font: inherit; background: none; border: 0; color: inherit; text-decoration: underline; cursor: pointer; padding: 0; }
`;
