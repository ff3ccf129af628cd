import { z } from 'zod';

/**
 * The admin rule format (`crmRules`), documented in docs/crm-rules.md. Built-in profiles are written in the
 * same format (lib/crm/profiles/*), so anything a built-in does an admin can do, and a built-in can be copied
 * into policy as the start of a rule.
 *
 * Only JSON-Schema-representable parts (no transform/refine/custom): the managed-policy schema is generated
 * from this with z.toJSONSchema. Anything that cannot be checked here (a CSS selector or a regex that does not
 * compile) is reported by the engine at run time, by rule and field name, in the detection diagnostics.
 *
 * Full zod on purpose: this module is imported by the config schema and the background, never by the content
 * script (which imports its type only).
 */

const cssSelector = z.string().min(1).max(1000).describe('A CSS selector, e.g. ".record-header .phone"');
const labelText = z
  .union([z.string().min(1).max(100), z.array(z.string().min(1).max(100)).min(1).max(10)])
  .describe('Visible label text next to the value, e.g. "Mobile" (case and a trailing ":" or "*" ignored); a list means any of them');

const transforms = {
  regex: z
    .string()
    .min(1)
    .max(500)
    .optional()
    .describe('Keep only part of the value: the named group "value", else the first capture group, else the whole match'),
  split: z.enum(['first', 'last']).optional().describe('Treat the value as a full name and keep its first-name or last-name part'),
  lowercase: z
    .boolean()
    .optional()
    .describe('Lower-case the value: for ids the CRM writes in either case (GUIDs), so one record never gets two identities'),
  kind: z.string().min(1).max(40).optional().describe('For phones: what the number is (e.g. "mobile"); a found label is used when absent'),
};

export const SelectorSourceSchema = z.strictObject({
  selector: cssSelector,
  attribute: z.string().min(1).max(100).optional().describe('Read this attribute instead of the text (e.g. "href", "data-id")'),
  all: z.boolean().optional().describe('Phones: read every match, not only the first'),
  ...transforms,
});

export const LabelSourceSchema = z.strictObject({ label: labelText, ...transforms });

export const UrlSourceSchema = z.strictObject({
  url: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,39}$/).describe('A named part of the matched URL pattern, e.g. "id"'),
  ...transforms,
});

export const FieldSourceSchema = z.union([SelectorSourceSchema, LabelSourceSchema, UrlSourceSchema]);
export const FieldSchema = z
  .union([FieldSourceSchema, z.array(FieldSourceSchema).min(1).max(12)])
  .describe('Where a value comes from; a list is tried in order (phones: every source is read)');

export const UrlPatternSchema = z.union([
  z
    .string()
    .min(1)
    .max(1000)
    .describe('e.g. "https://crm.acme.test/leads/:id", "https://*.acme.test/app#/lead/:id", "https://x.test/main.aspx?etn=lead&id=:id"'),
  z.strictObject({
    regex: z
      .string()
      .min(1)
      .max(1000)
      .describe('Must match the whole URL as the browser shows it (percent-encoding kept; end with .* to allow more); named groups, e.g. (?<id>\\d+), are URL parts'),
  }),
]);

export const AnchorTargetSchema = z.union([
  z.strictObject({ selector: cssSelector, position: z.enum(['before', 'after', 'prepend', 'append']).optional() }),
  z.strictObject({ label: labelText, position: z.enum(['before', 'after']).optional() }),
]);

export { RULE_FIELDS, type RuleField } from './fields';

export const CrmRuleSchema = z.strictObject({
  name: z.string().min(1).max(100).describe('Shown in diagnostics, e.g. "Acme CRM"'),
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,47}$/)
    .optional()
    .describe('Sent with the lead as its profile id; default "rule:" + the name in lower case'),
  enabled: z.boolean().optional(),
  url: z.union([UrlPatternSchema, z.array(UrlPatternSchema).min(1).max(20)]).describe('The record pages this rule applies to'),
  frame: cssSelector.optional().describe('A same-origin iframe that holds the record; fields and anchor are looked up inside it'),
  scope: z
    .union([cssSelector, z.array(cssSelector).min(1).max(10)])
    .optional()
    .describe('The element that holds the record shown now (first match wins); fields and anchor are looked up inside it'),
  require: z.array(z.enum(['name', 'phone', 'email'])).max(3).optional().describe('No buttons unless these are found'),
  fields: z.strictObject({
    recordId: FieldSchema.optional().describe('Default: the URL part named "id"'),
    shownRecordId: FieldSchema.optional().describe(
      'Where the record view shows the id of the record it displays (e.g. a data-id attribute). When set, the buttons act only while it equals recordId: the surest way to never mix two records on a CRM that changes the URL before it renders the record',
    ),
    tenant: FieldSchema.optional().describe(
      'Which account, portal or instance of the CRM the page belongs to ({TENANT} in crmIdTemplate); default: the page\'s host name',
    ),
    firstName: FieldSchema.optional(),
    lastName: FieldSchema.optional(),
    fullName: FieldSchema.optional().describe('Split into first and last name when those are not found'),
    phones: FieldSchema.optional(),
    email: FieldSchema.optional(),
    ownerName: FieldSchema.optional(),
    ownerEmail: FieldSchema.optional(),
    ownerId: FieldSchema.optional().describe(
      "The lead owner's user id in the CRM (e.g. a Salesforce user id 005…), compared with agents[].crmUserId",
    ),
    status: FieldSchema.optional().describe('The lead status as the CRM shows it (e.g. "Qualified"), mapped to a Saleschat stage by stageMapping'),
  }),
  extraFields: z
    .record(z.string().min(1).max(100), FieldSchema)
    .optional()
    .describe(
      'More fields for the CRM card in the chat dashboard, label → source, e.g. { "Company": { "label": "Company" } }; at most 10, in this order. Shown to agents, never sent to Saleschat',
    ),
  crmIdTemplate: z
    .string()
    .min(4)
    .max(200)
    .regex(/\{ID\}/, 'must contain {ID}')
    .optional()
    .describe(
      'The lead\'s identity: its mapping key and the crm_id Saleschat gets, from {PROFILE} (the rule id), {TENANT} and {ID} (the record id). Default "{PROFILE}:{TENANT}:{ID}"; "{ID}" alone keeps contacts created before identities were namespaced, but lets two CRMs or tenants with the same record id share one chat',
    ),
  settleMs: z
    .int()
    .min(0)
    .max(5000)
    .optional()
    .describe('After an in-page navigation without shownRecordId: how long the record must stay unchanged before the buttons act (default 400)'),
  anchor: z.union([AnchorTargetSchema, z.array(AnchorTargetSchema).min(1).max(10)]).optional(),
  floating: z.boolean().optional().describe('Show a floating button when no anchor is found (default true)'),
  pageEvents: z
    .boolean()
    .optional()
    .describe(
      'Tell the CRM page what happened: crm-chat-bridge:chat-opened, :chat-failed and :login DOM events on its document (docs/crm-actions.md#page-events); default false',
    ),
});

export type CrmRule = z.infer<typeof CrmRuleSchema>;
export type FieldSource = z.infer<typeof FieldSourceSchema>;
export type FieldSpec = z.infer<typeof FieldSchema>;
export type UrlPattern = z.infer<typeof UrlPatternSchema>;
export type AnchorTarget = z.infer<typeof AnchorTargetSchema>;
