import { z } from 'zod';

/**
 * `crmActions`: HTTP calls against the CRM's own API that tell the CRM a chat happened (docs/crm-actions.md). Each
 * action runs on one or more events, as one or more steps (find, then create…); each step is a request built from
 * templates (lib/crm-actions/template.ts) whose answer may give values to later steps (`capture`, JSON pointers).
 *
 * Only JSON-Schema-representable parts (no transform/refine): the managed-policy schema is generated from the config
 * schema. What cannot be checked here (a template naming an unknown variable) is checked by `crmActionProblems`.
 */

export const CRM_ACTION_EVENTS = ['chat-opened', 'chat-failed', 'login'] as const;
export type CrmActionEvent = (typeof CRM_ACTION_EVENTS)[number];

const template = (max: number) => z.string().min(1).max(max);
const variableName = z.string().regex(/^[A-Z][A-Z0-9_]{0,39}$/, 'must be a variable name in capitals, e.g. PERSON_ID');
/** A JSON body: objects, arrays and scalars; every string may hold {VARIABLES} or be a =FUNCTION(…). */
export type BodyTemplate = string | number | boolean | null | BodyTemplate[] | { [key: string]: BodyTemplate };
const BodyTemplateSchema: z.ZodType<BodyTemplate> = z.lazy(() =>
  z.union([z.string().max(10_000), z.number(), z.boolean(), z.null(), z.array(BodyTemplateSchema).max(100), z.record(z.string().max(200), BodyTemplateSchema)]),
);

export const CrmActionStepSchema = z.strictObject({
  name: z.string().min(1).max(60).optional().describe('Shown in messages, e.g. "find person"; default "step 1", "step 2"…'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  url: template(2000).describe('http(s) URL template, e.g. "https://acme.my.salesforce.com/services/data/v62.0/sobjects/Task"; values are URL-encoded'),
  query: z.record(z.string().min(1).max(200), template(2000)).optional().describe('Query parameters (templates); one whose value comes out empty is left out'),
  headers: z.record(z.string().min(1).max(200), template(2000)).optional().describe('Extra request headers (templates)'),
  body: BodyTemplateSchema.optional()
    .describe('The JSON body (POST/PUT/PATCH): properties, or a container such as { "data": [ { … } ] }')
    // Any JSON value has no single type Chrome's policy schema can declare: Chrome policy carries bodyJson instead.
    .meta({ chromePolicy: 'omit' }),
  bodyJson: z
    .string()
    .max(20_000)
    .optional()
    .describe('The body as JSON text, e.g. "{\\"Subject\\": \\"Chat {CHATROOM_URL}\\"}": the form Chrome policy can carry; parsed, then used as `body`'),
  bodyFormat: z.enum(['json', 'form']).optional().describe('Send the body as JSON (default) or as a form (its top-level properties)'),
  when: z
    .strictObject({ missing: variableName.optional(), present: variableName.optional() })
    .optional()
    .describe('Run this step only when an earlier step captured (present) or did not capture (missing) this variable: find-then-create'),
  capture: z
    .record(variableName, z.string().max(500).regex(/^(\/.*)?$/, 'must be a JSON pointer such as /data/0/id'))
    .optional()
    .describe('Values to read from the JSON answer for later steps (response data location), e.g. { "PERSON_ID": "/data/items/0/item/id" }'),
});

export const CrmActionAuthSchema = z.union([
  z.strictObject({
    type: z.literal('header'),
    header: z.string().min(1).max(100).describe('e.g. "Authorization"'),
    value: z.string().min(1).max(2000).describe('e.g. "Bearer {SECRET}" or "Token token={SECRET}"; {SECRET} is `secret`'),
    secret: z.string().min(1).max(4000),
  }),
  z.strictObject({
    type: z.literal('query'),
    parameter: z.string().min(1).max(100).describe('e.g. "api_token" (Pipedrive)'),
    secret: z.string().min(1).max(4000),
  }),
  z.strictObject({ type: z.literal('basic'), username: z.string().min(1).max(500), password: z.string().min(1).max(4000) }),
  z.strictObject({
    type: z.literal('oauth-client-credentials'),
    tokenUrl: z.string().min(1).max(2000),
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(1).max(4000),
    scope: z.string().max(2000).optional(),
    /** Extra form fields some token endpoints want (e.g. Dataverse `resource`). */
    extra: z.record(z.string().min(1).max(100), z.string().max(2000)).optional(),
    scheme: z.string().min(1).max(40).optional().describe('The Authorization scheme for the token (default "Bearer")'),
  }),
  z.strictObject({
    type: z.literal('oauth-refresh-token'),
    tokenUrl: z.string().min(1).max(2000),
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(1).max(4000),
    refreshToken: z.string().min(1).max(4000),
    scheme: z.string().min(1).max(40).optional().describe('The Authorization scheme for the token (default "Bearer"; Zoho: "Zoho-oauthtoken")'),
  }),
]);
export type CrmActionAuth = z.infer<typeof CrmActionAuthSchema>;

export const CrmActionSchema = z.strictObject({
  name: z.string().min(1).max(60).describe('The CRM as agents know it: "Logged to Salesforce"'),
  on: z.array(z.enum(CRM_ACTION_EVENTS)).min(1).max(3),
  profiles: z
    .array(z.string().min(1).max(64))
    .max(20)
    .optional()
    .describe('Only for leads read by these profiles or rules (ids, e.g. "salesforce", "rule:acme"); default: every lead'),
  auth: CrmActionAuthSchema.optional(),
  timeoutMs: z.number().int().min(1000).max(10_000).optional().describe('Per request (default 8000)'),
  steps: z.array(CrmActionStepSchema).min(1).max(5),
});
export type CrmAction = z.infer<typeof CrmActionSchema>;
export type CrmActionStep = z.infer<typeof CrmActionStepSchema>;

/** The step's body template: `body`, or `bodyJson` parsed (validate.ts reports JSON that does not parse). */
export function stepBody(step: CrmActionStep): BodyTemplate | undefined {
  if (step.body !== undefined) return step.body;
  if (step.bodyJson === undefined) return undefined;
  try {
    return JSON.parse(step.bodyJson) as BodyTemplate;
  } catch {
    return undefined;
  }
}
