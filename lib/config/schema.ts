import { z } from 'zod';
import { BUILT_IN_PROFILE_IDS } from '../crm/profiles/ids';
import { CrmRuleSchema } from '../crm/rules/schema';
import { tenantProblem } from '../crm/tenants';
import { crmActionsProblems } from '../crm-actions/validate';
import { CrmActionSchema } from '../crm-actions/schema';
import { lookupTemplateProblem } from './lookup-variables';

/**
 * The one configuration schema. Its keys are a public interface (README.md, docs/admin-guide.md): admins write
 * them in managed policy, agents in the options page. Every key is optional here because any key may be
 * absent from any source; defaults live in `CONFIG_DEFAULTS` and required-ness is checked where a key is
 * needed (`requireProviderSettings`), so one bad or missing key never hides the valid ones.
 */

/**
 * Whether provider URLs may be plain http on this machine's loopback (the local sandbox). Only builds made for
 * tests and the demo allow it (CCB_ALLOW_LOOPBACK, see wxt.config.ts): a release build sends the token over
 * TLS only.
 */
export const LOOPBACK_PROVIDER_ALLOWED = import.meta.env?.CCB_ALLOW_LOOPBACK === 'true';

/** Why `url` may not carry the API token, or undefined. http is refused except on loopback where allowed. */
export function insecureProviderUrl(url: string, allowLoopback = LOOPBACK_PROVIDER_ALLOWED): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol === 'https:') return undefined;
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol === 'http:' && loopback && allowLoopback) return undefined;
  return 'must start with https:// (the API token and login links travel with it)';
}

const httpUrl = z
  .string()
  .trim()
  .url({ message: 'must be a full URL such as https://apis.saleschat.pro' })
  .refine((value) => /^https?:\/\//i.test(value), { message: 'must start with https://' })
  .transform((value) => value.replace(/\/+$/, ''));

/** A URL the token or a login link goes to: https only (loopback http in test and demo builds). */
const providerUrl = httpUrl.superRefine((value, ctx) => {
  const problem = insecureProviderUrl(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const AgentEntrySchema = z.object({
  email: z.string().trim().toLowerCase().email({ message: 'must be an e-mail address' }),
  providerUserId: z.string().trim().min(1, { message: 'must not be empty' }),
  crmUserId: z.string().trim().min(1).optional(),
  name: z.string().trim().optional(),
});
export type AgentEntry = z.infer<typeof AgentEntrySchema>;

export const StageMappingEntrySchema = z.object({
  /** The lead status as the CRM shows it (compared trimmed, case-insensitively). */
  crmStatus: z.string().trim().min(1, { message: 'must not be empty' }).max(256),
  stage: z.string().trim().min(1, { message: 'must not be empty' }).max(128),
  disposition: z.string().trim().min(1).max(128).optional(),
});
export type StageMappingEntry = z.infer<typeof StageMappingEntrySchema>;

/** Admin-defined detection rules: the format belongs to the detection engine (docs/crm-rules.md). */
export { CrmRuleSchema };

/** One "Find in CRM" button: its label, and the search page to open (an http(s) URL template with variables). */
export const CrmLookupTemplateSchema = z.object({
  label: z.string().trim().min(1, { message: 'must not be empty' }).max(60),
  url: z
    .string()
    .trim()
    .max(2000)
    .refine((value) => /^https?:\/\//i.test(value), { message: 'must start with https:// (or http://)' })
    .refine((value) => /\{[A-Z_|0-9]+\}/.test(value), { message: 'must contain a variable such as {PHONE_E164} or {EMAIL|PHONE_E164}' })
    .superRefine((value, ctx) => {
      const problem = lookupTemplateProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});
export type CrmLookupTemplate = z.infer<typeof CrmLookupTemplateSchema>;

export const ConfigSchema = z.object({
  providerApiUrl: providerUrl,
  providerDashboardUrl: providerUrl,
  chatroomUrlTemplate: z.string().trim().min(1),
  /** Where to send the agent when the provider assigned the chat but returned no chatroom id. */
  contactUrlTemplate: z.string().trim().min(1),
  /**
   * GET route that finds an existing contact by CRM id, for a create-contact 409 without the contact's id
   * (the provider documents no such lookup: provider-api.md 3.4). Sent with the API token, so it may only
   * point at the provider API itself.
   */
  contactLookupUrlTemplate: z
    .string()
    .trim()
    .refine((value) => value.startsWith('{API_URL}/'), {
      message: 'must start with {API_URL}/ (the lookup carries the API token, so it may only go to the provider API)',
    })
    .refine((value) => value.includes('{CRM_ID}'), { message: 'must contain {CRM_ID}' }),
  orgId: z.string().trim().min(1, { message: 'must not be empty' }),
  apiToken: z.string().trim().min(1, { message: 'must not be empty' }),
  agents: z.array(AgentEntrySchema),
  agentEmail: z.string().trim().toLowerCase().email({ message: 'must be an e-mail address' }),
  agentProviderUserId: z.string().trim().min(1),
  allowReassign: z.boolean(),
  defaultCountry: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, { message: 'must be a two-letter country code such as US or DE' }),
  requestTimeoutMs: z.number().int().min(1000).max(10000),
  /** Used when the magic-link response carries no expiry (the provider does not document one). */
  magicLinkLifetimeSeconds: z.number().int().min(10).max(86400),
  crmProfiles: z.array(z.enum(BUILT_IN_PROFILE_IDS, { message: `must be one of ${BUILT_IN_PROFILE_IDS.join(', ')}` })),
  crmRules: z.array(CrmRuleSchema),
  /**
   * The company's own tenants of the built-in CRMs (lib/crm/tenants.ts): host names, HubSpot portal ids, Zoho
   * orgs. Absent: every tenant. Set: the built-in profiles run on these only, not on anyone's free trial.
   */
  crmTenants: z.array(
    z
      .string()
      .trim()
      .toLowerCase()
      .superRefine((value, ctx) => {
        const problem = tenantProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  ),
  /**
   * May the agent pick themselves in the agents directory (agentEmail in their own options)? Default: yes
   * when they also set the token themselves, no when the token comes from policy (docs/security.md).
   */
  agentSelfSelect: z.boolean(),
  /** Chrome: the agent is the `agents` entry with the signed-in browser profile's e-mail. */
  agentFromBrowserProfile: z.boolean(),
  /** Reuse a login link until it expires (whether Saleschat allows it is not documented); default: never. */
  magicLinkReuse: z.boolean(),
  /** May this browser import a mappings file (options page)? Default: no. */
  allowMappingImport: z.boolean(),
  /** allowReassign false and the CRM page does not show whose lead it is: allow the Chat, or refuse it. */
  reassignWhenOwnerUnknown: z.enum(['allow', 'refuse']),
  /**
   * Team mode (docs/gateway.md): the company's team gateway. Set, the browser holds no provider token (a set
   * apiToken is ignored), agents sign in with the company's identity provider, and the gateway decides who
   * they are and keeps the team's one lead ↔ chat map.
   */
  gatewayUrl: providerUrl,
  /**
   * At a Chat on a known lead, when the CRM's names differ from those last sent to Saleschat: 'overwrite' the
   * contact's names with the CRM's (default), 'fillEmpty' (only names Saleschat has empty), or 'never'.
   */
  contactUpdatePolicy: z.enum(['never', 'overwrite', 'fillEmpty']),
  /**
   * The CRM shows another phone number than the lead's Saleschat contact has (which cannot change): 'warn'
   * (open the existing chat and tell the agent; default), 'newContact' (a new contact with a derived crm_id,
   * e.g. `<id>-2`), or 'refuse'.
   */
  phoneChangePolicy: z.enum(['warn', 'newContact', 'refuse']),
  /** CRM lead status → Saleschat stage (and disposition), sent at Chat when it changed. Off when empty. */
  stageMapping: z.array(StageMappingEntrySchema),
  /**
   * The stage endpoint's route (its path is not documented: provider-api.md 3.3), sent with the API token, so it
   * may only point at the provider API. PUT with `{ stage, disposition? }`.
   */
  contactStageUrlTemplate: z
    .string()
    .trim()
    .refine((value) => value.startsWith('{API_URL}/'), {
      message: 'must start with {API_URL}/ (the stage update carries the API token, so it may only go to the provider API)',
    })
    .refine((value) => value.includes('{CONTACT_ID}'), { message: 'must contain {CONTACT_ID}' }),
  /**
   * "Find in CRM" on a dashboard chatroom the product did not open: one button per entry, opening `url` with the
   * lead's phone, e-mail or names from the dashboard page (lib/actions/crm-lookup.ts), URL-encoded.
   */
  crmLookupUrlTemplates: z.array(CrmLookupTemplateSchema).max(10),
  /** When the agent opens a chatroom in the dashboard: 'focus' the lead's CRM tab, 'open' it if none is, or 'off'. */
  screenPop: z.enum(['off', 'focus', 'open']),
  /** Reads the phone, e-mail and name on a dashboard chatroom page instead of the built-in Saleschat dashboard profile. */
  dashboardRule: CrmRuleSchema,
  /**
   * The CRM learns a chat happened: HTTP calls to the CRM's API on chat-opened, chat-failed or login
   * (lib/crm-actions/, docs/crm-actions.md). Policy only (POLICY_ONLY_KEYS): they hold the CRM's credentials.
   */
  crmActions: z
    .array(CrmActionSchema)
    .max(10)
    .superRefine((actions, ctx) => {
      for (const problem of crmActionsProblems(actions)) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

export type ConfigKey = keyof typeof ConfigSchema.shape;
export type Config = z.infer<typeof ConfigSchema>;
export type PartialConfig = Partial<Config>;

export const CONFIG_KEYS = Object.keys(ConfigSchema.shape) as ConfigKey[];

export const CONFIG_DEFAULTS = {
  providerApiUrl: 'https://apis.saleschat.pro',
  chatroomUrlTemplate: '{DASHBOARD_URL}/chatrooms/{CHATROOM_ID}',
  contactUrlTemplate: '{DASHBOARD_URL}/contacts/{CONTACT_ID}',
  agents: [],
  allowReassign: true,
  defaultCountry: 'US',
  requestTimeoutMs: 8000,
  magicLinkLifetimeSeconds: 300,
  // crmProfiles has no default on purpose: absent means every built-in profile is active.
  crmRules: [],
  // agentSelfSelect has no fixed default: it depends on where the token comes from (resolveConfig).
  agentFromBrowserProfile: false,
  magicLinkReuse: false,
  allowMappingImport: false,
  reassignWhenOwnerUnknown: 'allow',
  contactUpdatePolicy: 'overwrite',
  phoneChangePolicy: 'warn',
  stageMapping: [],
  crmLookupUrlTemplates: [],
  screenPop: 'off',
} satisfies PartialConfig;

/**
 * Keys that decide where the API token goes and on whose behalf it acts. When the token comes from policy,
 * these come from policy or defaults only: an agent's own value would let them send the organisation's token
 * to a server of their choosing, or act as someone else (agentEmail: only with agentSelfSelect).
 */
export const TOKEN_BOUND_KEYS: readonly ConfigKey[] = [
  'providerApiUrl',
  'providerDashboardUrl',
  'orgId',
  'agentProviderUserId',
  'agentEmail',
  'agents',
  'contactLookupUrlTemplate',
  'agentSelfSelect',
  'agentFromBrowserProfile',
  'magicLinkReuse',
  'allowMappingImport',
  'allowReassign',
  'reassignWhenOwnerUnknown',
  'contactUpdatePolicy',
  'phoneChangePolicy',
  'stageMapping',
  'contactStageUrlTemplate',
];

/**
 * Keys whose value is or holds a credential: masked on chrome://policy, never logged. apiToken is never sent to any
 * page; crmActions reaches the options page with its secrets masked (lib/crm-actions/validate.ts).
 */
export const SECRET_KEYS: readonly ConfigKey[] = ['apiToken', 'crmActions'];

/**
 * Keys taken from policy only: they hold the company's credentials for other systems, which must not sit in the
 * agent's own options (readable by content scripts in Firefox), and they decide where lead data goes.
 */
export const POLICY_ONLY_KEYS: readonly ConfigKey[] = ['crmActions'];

/**
 * Keys that say who the agent is or act with the provider token: in team mode the gateway decides these, so
 * any value the browser has for them is ignored (lib/config/resolve.ts applyTeamMode).
 */
export const TEAM_MODE_IGNORED_KEYS: readonly ConfigKey[] = [
  'apiToken',
  'agentEmail',
  'agentProviderUserId',
  'agentSelfSelect',
  'agentFromBrowserProfile',
  'contactLookupUrlTemplate',
  'magicLinkReuse',
  'allowMappingImport',
  'contactUpdatePolicy',
  'phoneChangePolicy',
  'stageMapping',
  'contactStageUrlTemplate',
  'crmActions',
];
