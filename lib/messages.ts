import { z } from 'zod/mini';

/**
 * The messages between content scripts, extension pages and the background worker: one zod schema per
 * request and reply. The background validates every request with them before anything runs
 * (lib/background/routes.ts), extension pages validate replies.
 *
 * zod/mini keeps extension pages small. The content script does not import this module at run time (only its
 * types, through lib/messaging.ts): zod would be a third of its size budget, and it validates the little it
 * receives by hand.
 *
 * Nothing in a reply may carry a credential: no API token, no magic link. Outcomes are plain text for people.
 */

const text = (max: number) => z.string().check(z.maxLength(max));
/** At most this many extraFields per rule (lib/crm/rules/schema.ts), carried with a lead. */
export const MAX_EXTRA_FIELDS = 10;
const optionalText = (max: number) => z.optional(text(max));

export const LeadSchema = z.object({
  /** Which built-in profile or admin rule recognised the page. */
  profileId: text(64),
  /**
   * The lead's identity: the key of its mapping and the `crm_id` the provider gets. It names the CRM and the
   * tenant as well as the record (the rule's crmIdTemplate, default `{PROFILE}:{TENANT}:{ID}`), so record 1234
   * of one CRM or tenant never opens record 1234's chat of another.
   */
  crmId: z.string().check(z.minLength(1), z.maxLength(256)),
  /** The record id as the CRM shows it (for people, and to adopt mappings saved before crmIdTemplate). */
  recordId: optionalText(256),
  /** The page the lead was read on (the CRM record's address). */
  pageUrl: optionalText(2048),
  firstName: optionalText(256),
  lastName: optionalText(256),
  phone: optionalText(64),
  /** Every phone the page shows, with its label ("Mobile", "Work"); the background picks one (mobile first). */
  phones: z.optional(z.array(z.object({ number: text(64), label: optionalText(64) })).check(z.maxLength(10))),
  email: optionalText(320),
  /** The lead owner as shown by the CRM; mapped to a provider user through the `agents` directory. */
  ownerEmail: optionalText(320),
  ownerName: optionalText(256),
  /** The owner's user id in the CRM (e.g. Salesforce 005…), compared with `agents[].crmUserId`. */
  ownerId: optionalText(128),
  /** The lead's status as the CRM shows it (e.g. "Qualified"), for the admin's stageMapping. */
  status: optionalText(256),
  /** The name of the profile or rule that read the page (e.g. "Salesforce"): "which CRM" on the dashboard's card. */
  profileLabel: optionalText(200),
  /**
   * More fields the rule reads for the dashboard's CRM card (its `extraFields`: company, deal value…), in the
   * rule's order. Shown to agents only: never sent to the provider.
   */
  extra: z.optional(z.array(z.object({ label: text(100), value: text(1000) })).check(z.maxLength(MAX_EXTRA_FIELDS))),
});
export type Lead = z.infer<typeof LeadSchema>;

/**
 * The CRM card the chat dashboard shows next to a chatroom this product opened (lib/actions/crm-card.ts builds it
 * from the lead at Chat): who the lead is in the CRM, and the exact CRM page the Chat was clicked on ("Open in
 * CRM"). Kept with the mapping: in this browser's IndexedDB (direct mode) or the gateway's database (team mode,
 * so a teammate's dashboard shows it too). Text only; `pageUrl` is http(s) only.
 */
export const CrmCardSchema = z.object({
  crmId: text(256),
  /** Which CRM: the profile or rule name (e.g. "Salesforce"). */
  crmLabel: text(200),
  pageUrl: optionalText(2048),
  firstName: optionalText(256),
  lastName: optionalText(256),
  phone: optionalText(64),
  email: optionalText(320),
  ownerName: optionalText(256),
  ownerEmail: optionalText(320),
  status: optionalText(256),
  extra: z.array(z.object({ label: text(100), value: text(1000) })).check(z.maxLength(MAX_EXTRA_FIELDS)),
  /** Who last opened the chat from the CRM, and when (epoch ms). */
  openedBy: z.optional(z.object({ email: optionalText(320), name: optionalText(256) })),
  openedAt: z.number(),
});
export type CrmCard = z.infer<typeof CrmCardSchema>;

export const ActionOutcomeSchema = z.union([
  z.object({
    ok: z.literal(true),
    message: text(500),
    /**
     * What was opened and for whom: the chatroom (Chat) and the agent's e-mail, for the CRM write-back and the
     * page events a rule may ask for (never a login link).
     */
    detail: z.optional(
      z.object({ chatroomUrl: optionalText(2048), chatroomId: optionalText(256), contactId: optionalText(256), agentEmail: optionalText(320) }),
    ),
  }),
  z.object({
    ok: z.literal(false),
    message: text(1000),
    /** The provider's `error_code` (e.g. 4030001) when the provider answered with one. */
    errorCode: z.optional(z.number()),
    /** The provider's `error_message` (e.g. FORBIDDEN). */
    errorMessage: optionalText(200),
    status: z.optional(z.number()),
    /** True when trying again may succeed (network trouble, provider overload). */
    retryable: z.boolean(),
  }),
]);
export type ActionOutcome = z.infer<typeof ActionOutcomeSchema>;

export const EmptyRequestSchema = z.optional(z.undefined());

/**
 * wakeUp: a CRM page's content script starts the background worker ahead of a likely click (the pointer moving on
 * a lead page or entering our buttons, the tab back in view), so the click does not pay the worker's start. No
 * data; the reply is empty.
 */
export const WakeUpRequestSchema = EmptyRequestSchema;

export const ConnectionReportSchema = z.object({
  ok: z.boolean(),
  /** One line per check, in the order they ran. */
  checks: z.array(z.object({ label: text(200), ok: z.boolean(), detail: text(1000) })),
});
export type ConnectionReport = z.infer<typeof ConnectionReportSchema>;

/**
 * What the content script of a tab detected, for the popup's diagnostics: the lead, or exactly why not
 * (e.g. "rule 'Acme' matched the URL; field lastName: selector `.x` not found"), and the full URL it tested.
 * `settled`: the page provably shows the URL's record (see lib/crm/watch/freshness.ts); until then a click waits.
 */
export const DetectionStatusSchema = z.union([
  z.object({ detected: z.literal(true), url: text(4096), profileId: text(64), profileLabel: text(200), lead: LeadSchema, settled: z.boolean() }),
  z.object({ detected: z.literal(false), url: text(4096), reasons: z.array(text(1000)) }),
]);
export type DetectionStatus = z.infer<typeof DetectionStatusSchema>;

/**
 * What a content script needs from the configuration to recognise lead pages: no secrets. The rules are
 * passed as stored (the background validated them against lib/crm/rules/schema.ts); the content script's rule
 * engine tolerates anything and reports a rule it cannot use in the diagnostics.
 */
export const PageSetupSchema = z.object({
  crmProfiles: z.optional(z.array(z.string())),
  /** The company's tenants the built-in profiles are limited to (absent = all; lib/crm/tenants.ts). */
  crmTenants: z.optional(z.array(z.string())),
  crmRules: z.array(z.unknown()),
  /** The built-in profile declarations crmProfiles selects (kept out of the content-script bundle). */
  builtIns: z.array(z.unknown()),
  /** Settings problems for the diagnostics (e.g. an unknown id in crmProfiles). */
  problems: z.array(z.string()),
  defaultCountry: z.string(),
});
export type PageSetup = z.infer<typeof PageSetupSchema>;

export const ConfigSourceSchema = z.enum(['policy', 'agent', 'browser', 'default']);

/** What the options page may know about the settings: everything but the token, which is masked. */
export const SettingsViewSchema = z.object({
  values: z.record(z.string(), z.unknown()),
  sources: z.record(z.string(), ConfigSourceSchema),
  locked: z.array(z.string()),
  problems: z.array(z.object({ key: z.string(), source: z.string(), message: z.string() })),
  /** Keys the agent may not set: policy's own, and those a policy token binds (lib/config/schema.ts TOKEN_BOUND_KEYS). */
  adminOnly: z.array(z.string()),
  /** The agent's own values that are not applied, and why. */
  ignored: z.array(z.object({ key: z.string(), message: z.string() })),
  /** "••••1a2b" (a long token's last 4) or "••••••••" (a short one), or absent when no token is set. */
  apiTokenHint: z.optional(z.string()),
  agent: z.optional(
    z.object({ providerUserId: z.string(), email: z.optional(z.string()), name: z.optional(z.string()), via: z.string() }),
  ),
  /** Why provider actions would refuse right now (missing or invalid required keys), or absent when ready. */
  notReady: z.optional(z.string()),
  /** Whether content scripts can read each storage area (lib/background/storage-access.ts). */
  storageAccess: z.optional(
    z.record(z.string(), z.union([z.object({ state: z.literal('closed') }), z.object({ state: z.literal('open'), why: z.string() })])),
  ),
  /** With agentFromBrowserProfile: the account signed in to this browser (lib/config/browser-profile.ts). */
  browserProfile: z.optional(
    z.union([
      z.object({ state: z.literal('unavailable'), why: z.enum(['unsupported', 'not-granted']) }),
      z.object({ state: z.literal('signed-out') }),
      z.object({ state: z.literal('signed-in'), email: z.string() }),
    ]),
  ),
  /** The outcome of the last provider exchange (Chat, Login, Test connection), for the popup. */
  lastProviderContact: z.optional(z.object({ ok: z.boolean(), message: text(1000), at: z.number() })),
});
export type SettingsView = z.infer<typeof SettingsViewSchema>;

/** A change from the options page: a value per key; null clears the agent's own value (back to default). */
export const SettingsChangeSchema = z.record(z.string().check(z.maxLength(64)), z.unknown());
export type SettingsChange = z.infer<typeof SettingsChangeSchema>;

export const SaveResultSchema = z.object({
  ok: z.boolean(),
  problems: z.array(z.object({ key: z.string(), message: z.string() })),
});
export type SaveResult = z.infer<typeof SaveResultSchema>;

/**
 * The hosts admin rules need, whether the agent granted each, and rules whose host cannot be told; and the
 * dashboard's own origin when it is not one of the extension's built-in hosts (access to it lets Chat and
 * Login find and reuse the one dashboard tab).
 */
export const RuleHostsViewSchema = z.object({
  /**
   * `state`: allowed; not granted yet (the agent's one click); blocked — the extension holds the permission
   * but the site does not let it in, as when the administrator's policy blocks it; or unconfirmed (the check
   * could not tell): lib/background/site-access.ts.
   */
  access: z.array(
    z.object({ origin: z.string(), rules: z.array(z.string()), granted: z.boolean(), state: z.enum(['allowed', 'not-granted', 'blocked', 'unconfirmed']) }),
  ),
  unresolved: z.array(z.object({ rule: z.string(), reason: z.string() })),
  dashboard: z.optional(z.object({ origin: z.string(), granted: z.boolean() })),
});
export type RuleHostsView = z.infer<typeof RuleHostsViewSchema>;

/**
 * Options page → background: this org's mappings as a JSON document (lib/store/transfer.ts), or why not.
 * The document holds ids only; never the token or a magic link.
 */
export const MappingExportSchema = z.union([
  z.object({ ok: z.literal(true), fileName: text(200), json: z.string(), message: text(500) }),
  z.object({ ok: z.literal(false), message: text(1000) }),
]);
export type MappingExport = z.infer<typeof MappingExportSchema>;

/** The file's text as the agent picked it; the background parses and validates it (never the page). */
export const MappingImportRequestSchema = z.object({ json: z.string().check(z.maxLength(50_000_000)) });
export type MappingImportRequest = z.infer<typeof MappingImportRequestSchema>;

const TransferCountsSchema = z.object({ added: z.number(), unchanged: z.number(), conflicting: z.number() });

export const MappingImportResultSchema = z.union([
  z.object({
    ok: z.literal(true),
    message: text(1000),
    contacts: TransferCountsSchema,
    chatrooms: TransferCountsSchema,
    /** Assignments are never imported (lib/store/transfer.ts); how many the file had. */
    assignmentsSkipped: z.number(),
    /** What disagreed (this browser's value was kept): the first ones, the counts are exact. */
    conflicts: z.array(z.object({ table: z.enum(['contacts', 'chatrooms']), key: text(300), here: text(600), inFile: text(300) })),
  }),
  z.object({ ok: z.literal(false), message: text(1000) }),
]);
export type MappingImportResult = z.infer<typeof MappingImportResultSchema>;

/** Popup → background, for a tab where no content script answered: why, and what to do (site-access.ts). */
export const TabAccessSchema = z.union([
  z.object({ state: z.literal('blocked-by-policy') }),
  z.object({ state: z.literal('needs-access'), hosts: z.array(z.object({ origin: z.string(), rules: z.array(z.string()) })) }),
  z.object({ state: z.literal('reload'), rule: z.string() }),
  z.object({ state: z.literal('not-crm') }),
]);
export type TabAccess = z.infer<typeof TabAccessSchema>;

export const TabAccessRequestSchema = z.object({ tabId: z.number().check(z.int(), z.positive()) });

/** login(): a content script says which page it was clicked on; extension pages send nothing. */
export const LoginRequestSchema = z.optional(z.object({ pageUrl: optionalText(2048) }));
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

/** Team mode's sign-in and the gateway's health, for the popup and the options page (never a token). */
export const TeamStatusSchema = z.object({
  mode: z.enum(['direct', 'team']),
  gatewayUrl: optionalText(2048),
  signedIn: z.optional(z.object({ email: text(320), name: optionalText(256), expiresAt: z.number() })),
  /** A sign-in tab is open and the background waits for it; or the last attempt's failure. */
  signIn: z.enum(['idle', 'pending', 'failed']),
  signInProblem: optionalText(1000),
  health: z.optional(z.object({ ok: z.boolean(), detail: text(1000) })),
});
export type TeamStatus = z.infer<typeof TeamStatusSchema>;

export const TeamActionResultSchema = z.object({ ok: z.boolean(), message: text(1000) });
export type TeamActionResult = z.infer<typeof TeamActionResultSchema>;

/**
 * What the dashboard content script needs on the Saleschat dashboard: the rule that reads a chatroom page (the
 * admin's dashboardRule, else the built-in Saleschat dashboard profile, its URL the chatroom pages), or none when
 * the extension does not know the dashboard's chatroom pages; and whether the agent collapsed the card. No secrets.
 */
export const DashboardSetupSchema = z.object({
  rule: z.optional(z.unknown()),
  collapsed: z.boolean(),
  problems: z.array(text(1000)),
});
export type DashboardSetup = z.infer<typeof DashboardSetupSchema>;

/** Dashboard content script → background: the chatroom page the agent opened. */
export const ChatroomRequestSchema = z.object({ chatroomId: z.string().check(z.minLength(1), z.maxLength(256)), pageUrl: optionalText(4096) });
export type ChatroomRequest = z.infer<typeof ChatroomRequestSchema>;

/**
 * The background's answer for a chatroom page: its CRM card when the product opened the chat (this browser's
 * mappings, or the gateway's in team mode), the "Find in CRM" buttons' labels, and why there is no card when it
 * could not be fetched (e.g. the gateway is down: the agent is told, never a silently empty card).
 */
export const ChatroomViewSchema = z.object({
  card: z.optional(CrmCardSchema),
  lookups: z.array(text(60)),
  problem: optionalText(1000),
});
export type ChatroomView = z.infer<typeof ChatroomViewSchema>;

/** "Find in CRM": which lookup (its index in crmLookupUrlTemplates), with what the dashboard page shows. */
export const FindInCrmRequestSchema = z.object({
  chatroomId: z.string().check(z.minLength(1), z.maxLength(256)),
  pageUrl: optionalText(4096),
  lookup: z.number().check(z.int(), z.minimum(0), z.maximum(9)),
  shown: LeadSchema,
});
export type FindInCrmRequest = z.infer<typeof FindInCrmRequestSchema>;

export const CardStateSchema = z.object({ collapsed: z.boolean() });
export type CardState = z.infer<typeof CardStateSchema>;

/** Background → the CRM tab's content script: how the CRM write-back of that tab's Chat went. */
export const NoticeSchema = z.object({ ok: z.boolean(), message: text(1000) });
export type Notice = z.infer<typeof NoticeSchema>;

/**
 * The rule builder (issue 18). The draft is the builder's own state, kept by the background between page loads
 * of the tab it runs in; its rule is checked against the full rule schema only when saved (the background's
 * builderSaveRule), since a draft may be unfinished.
 */
export const BuilderDraftSchema = z.object({
  rule: z.record(z.string(), z.unknown()),
  notes: z.record(z.string(), text(2000)),
  checked: z
    .array(
      z.object({ href: text(4096), recordId: optionalText(256), ok: z.boolean(), summary: text(2000), failedField: optionalText(40) }),
    )
    .check(z.maxLength(10)),
  editing: optionalText(100),
  minimised: z.optional(z.boolean()),
});
export type BuilderDraftMessage = z.infer<typeof BuilderDraftSchema>;

export const BuilderStartRequestSchema = z.object({ tabId: z.number().check(z.int(), z.positive()) });

/** A rule the builder can start from, and where it is set. */
export const BuilderBaseSchema = z.object({ origin: z.enum(['policy', 'agent', 'built-in']), rule: z.record(z.string(), z.unknown()) });

/** What the builder in a tab needs: its draft (after a reload), the rules it can start from, and whether saving can take effect. */
export const BuilderStateSchema = z.object({
  draft: z.optional(BuilderDraftSchema),
  bases: z.array(BuilderBaseSchema),
  /** The administrator's policy sets crmRules: a rule saved in the agent's own settings would not apply. */
  rulesLocked: z.boolean(),
  /** The crmRules policy sets now (for the export: the whole list, this rule added or replaced). */
  policyRules: z.array(z.unknown()),
});
export type BuilderState = z.infer<typeof BuilderStateSchema>;

export const BuilderSaveRuleRequestSchema = z.object({ rule: z.record(z.string(), z.unknown()), replaces: optionalText(100) });
export type BuilderSaveRuleRequest = z.infer<typeof BuilderSaveRuleRequestSchema>;

export const BuilderOutcomeSchema = z.object({ ok: z.boolean(), message: text(2000) });
export type BuilderOutcome = z.infer<typeof BuilderOutcomeSchema>;
