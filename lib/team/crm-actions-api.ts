import { z } from 'zod/mini';

/**
 * GET /v1/crm-actions/{eventId} at the team gateway (gateway/http/app.ts): the outcome of the CRM write-back
 * (crmActions, run by the gateway in team mode) of one Chat or Login, whose answer named the event as
 * `crmActionsEventId`. Readable by the member whose event it is, and by managers (404 for anyone else). The extension
 * polls it until no action is pending or running.
 */

const text = (max: number) => z.string().check(z.maxLength(max));

export const CRM_ACTION_STATES = ['pending', 'running', 'done', 'failed'] as const;

export const CrmActionsStatusSchema = z.object({
  actions: z.array(
    z.object({
      /** The action's name as CRM_ACTIONS gives it, e.g. "Logged to Salesforce". */
      name: text(60),
      /** pending: waiting for its (next) attempt; running: being attempted; done; failed: given up. */
      state: z.enum(CRM_ACTION_STATES),
      attempts: z.number(),
      /** The sentence for the agent: the outcome, or why it will be tried again. Absent before the first attempt. */
      message: z.optional(text(2000)),
    }),
  ),
});
export type CrmActionsStatus = z.infer<typeof CrmActionsStatusSchema>;
