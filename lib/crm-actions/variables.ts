import type { Lead } from '../messages';
import { phoneForms } from '../phone';
import type { CrmActionEvent } from './schema';

/**
 * The variables a crmActions template may use: the lead (as the CRM page showed it at the click), the agent, the
 * chat, the event and the time. Values a lead does not have are absent: a template that needs one says which
 * (lib/crm-actions/template.ts), and the functions DEFAULT_VALUE / CONCAT_OR / CONCAT_AND fall back.
 */
export const ACTION_VARIABLES = [
  'CRM_ID',
  'LEAD_IDENTITY',
  'RECORD_URL',
  'FIRST_NAME',
  'LAST_NAME',
  'FULL_NAME',
  'PHONE_E164',
  'PHONE_NATIONAL',
  'PHONE_DIGITS',
  'EMAIL',
  'OWNER_EMAIL',
  'OWNER_NAME',
  'STATUS',
  'AGENT_EMAIL',
  'AGENT_NAME',
  'AGENT_ID',
  'CHATROOM_URL',
  'CHATROOM_ID',
  'CONTACT_ID',
  'EVENT',
  'EVENT_ID',
  'OUTCOME',
  'NOW_ISO',
  'NOW_MS',
  'TODAY',
] as const;
export type ActionVariable = (typeof ACTION_VARIABLES)[number];
export type ActionVariables = Partial<Record<string, string>>;

export interface ActionEventInput {
  event: CrmActionEvent;
  /** Unique per event (one Chat click): the write-back's idempotency key, {EVENT_ID}. */
  eventId: string;
  lead?: Lead;
  agent?: { email?: string | undefined; name?: string | undefined; providerUserId?: string | undefined };
  chat?: { chatroomUrl?: string | undefined; chatroomId?: string | undefined; contactId?: string | undefined };
  /** What the agent was told (chat-failed: why it failed). */
  outcome?: string;
  now: number;
  defaultCountry: string;
}

export function actionVariables(input: ActionEventInput): ActionVariables {
  const { lead, agent, chat } = input;
  const vars: ActionVariables = {};
  const set = (name: ActionVariable, value: string | undefined) => {
    const trimmed = value?.trim();
    if (trimmed) vars[name] = trimmed;
  };
  set('CRM_ID', lead?.recordId);
  set('LEAD_IDENTITY', lead?.crmId);
  set('RECORD_URL', lead?.pageUrl);
  set('FIRST_NAME', lead?.firstName);
  set('LAST_NAME', lead?.lastName);
  set('FULL_NAME', [lead?.firstName, lead?.lastName].filter(Boolean).join(' '));
  if (lead) Object.assign(vars, phoneForms(lead, input.defaultCountry));
  set('EMAIL', lead?.email);
  set('OWNER_EMAIL', lead?.ownerEmail);
  set('OWNER_NAME', lead?.ownerName);
  set('STATUS', lead?.status);
  set('AGENT_EMAIL', agent?.email);
  set('AGENT_NAME', agent?.name ?? agent?.email);
  set('AGENT_ID', agent?.providerUserId);
  set('CHATROOM_URL', chat?.chatroomUrl);
  set('CHATROOM_ID', chat?.chatroomId);
  set('CONTACT_ID', chat?.contactId);
  set('EVENT', input.event);
  set('EVENT_ID', input.eventId);
  set('OUTCOME', input.outcome);
  const now = new Date(input.now);
  set('NOW_ISO', now.toISOString());
  set('NOW_MS', String(input.now));
  set('TODAY', now.toISOString().slice(0, 10));
  return vars;
}
