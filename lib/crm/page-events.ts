import type { ActionOutcome, Lead } from '../messaging';

/**
 * Page events (a rule's `pageEvents: true`): after Chat and Login the content script tells the CRM page itself what
 * happened, as `crm-chat-bridge:chat-opened`, `:chat-failed` and `:login` CustomEvents on its document, so a
 * homegrown CRM can log the chat its own way. The detail is versioned, documented (docs/crm-actions.md#page-events)
 * and never holds anything secret: ids, the chatroom's address, the agent's e-mail, the time, the agent's message.
 */
export const PAGE_EVENT_VERSION = 1;
export type PageEventName = 'chat-opened' | 'chat-failed' | 'login';

export interface PageEventDetail {
  version: typeof PAGE_EVENT_VERSION;
  event: PageEventName;
  /** The lead's identity and record id (Chat only). */
  crmId?: string;
  recordId?: string;
  chatroomUrl?: string;
  agentEmail?: string;
  /** What the agent was told. */
  message: string;
  /** ISO 8601. */
  at: string;
}

export function pageEventDetail(event: PageEventName, outcome: ActionOutcome, lead: Lead | undefined, now: Date): PageEventDetail {
  const detail = outcome.ok ? outcome.detail : undefined;
  return {
    version: PAGE_EVENT_VERSION,
    event,
    ...(lead ? { crmId: lead.crmId, ...(lead.recordId ? { recordId: lead.recordId } : {}) } : {}),
    ...(detail?.chatroomUrl ? { chatroomUrl: detail.chatroomUrl } : {}),
    ...(detail?.agentEmail ? { agentEmail: detail.agentEmail } : {}),
    message: outcome.message,
    at: now.toISOString(),
  };
}

declare const cloneInto: ((value: unknown, scope: object) => unknown) | undefined;

/** Dispatches on the page's document. Firefox: the detail is cloned into the page's scope, else its scripts cannot read it. */
export function dispatchPageEvent(doc: Document, detail: PageEventDetail): void {
  const scope = doc.defaultView;
  const shared = typeof cloneInto === 'function' && scope ? cloneInto(detail, scope) : detail;
  doc.dispatchEvent(new CustomEvent(`crm-chat-bridge:${detail.event}`, { detail: shared }));
}
