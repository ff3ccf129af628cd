import { defineExtensionMessaging } from '@webext-core/messaging';
import { z } from 'zod/mini';

/**
 * The typed protocol between content scripts, extension pages and the background worker.
 *
 * zod/mini, not zod: this module is bundled into the content script, which runs on every CRM page and has
 * a 25 KB gzip budget. The background validates every request with these schemas (the sender may be a
 * compromised page context); senders validate replies with them too.
 *
 * Nothing in a reply may carry a credential: no API token, no magic link. Outcomes are plain text for people.
 */

const text = (max: number) => z.string().check(z.maxLength(max));
const optionalText = (max: number) => z.optional(text(max));

export const LeadSchema = z.object({
  /** Which built-in profile or admin rule recognised the page. */
  profileId: text(64),
  crmId: z.string().check(z.minLength(1), z.maxLength(256)),
  firstName: optionalText(256),
  lastName: optionalText(256),
  phone: optionalText(64),
  /** Every phone the page shows, with its label ("Mobile", "Work"); the background picks one (mobile first). */
  phones: z.optional(z.array(z.object({ number: text(64), label: optionalText(64) })).check(z.maxLength(10))),
  email: optionalText(320),
  /** The lead owner as shown by the CRM; mapped to a provider user through the `agents` directory. */
  ownerEmail: optionalText(320),
  ownerName: optionalText(256),
});
export type Lead = z.infer<typeof LeadSchema>;

export const ActionOutcomeSchema = z.union([
  z.object({
    ok: z.literal(true),
    message: text(500),
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

export const ConnectionReportSchema = z.object({
  ok: z.boolean(),
  /** One line per check, in the order they ran. */
  checks: z.array(z.object({ label: text(200), ok: z.boolean(), detail: text(1000) })),
});
export type ConnectionReport = z.infer<typeof ConnectionReportSchema>;

/**
 * What the content script of a tab detected, for the popup's diagnostics: the lead, or exactly why not
 * (e.g. "rule 'Acme' matched the URL; field lastName: selector `.x` not found").
 */
export const DetectionStatusSchema = z.union([
  z.object({ detected: z.literal(true), profileId: text(64), profileLabel: text(200), lead: LeadSchema }),
  z.object({ detected: z.literal(false), reasons: z.array(text(1000)) }),
]);
export type DetectionStatus = z.infer<typeof DetectionStatusSchema>;

/**
 * What a content script needs from the configuration to recognise lead pages: no secrets. The rules are
 * passed as stored (the background validated them against lib/crm/rules/schema.ts); the content script's rule
 * engine tolerates anything and reports a rule it cannot use in the diagnostics.
 */
export const PageSetupSchema = z.object({
  crmProfiles: z.optional(z.array(z.string())),
  crmRules: z.array(z.unknown()),
  /** The built-in profile declarations crmProfiles selects (kept out of the content-script bundle). */
  builtIns: z.array(z.unknown()),
  /** Settings problems for the diagnostics (e.g. an unknown id in crmProfiles). */
  problems: z.array(z.string()),
  defaultCountry: z.string(),
});
export type PageSetup = z.infer<typeof PageSetupSchema>;

export const ConfigSourceSchema = z.enum(['policy', 'agent', 'default']);

/** What the options page may know about the settings: everything but the token, which is masked. */
export const SettingsViewSchema = z.object({
  values: z.record(z.string(), z.unknown()),
  sources: z.record(z.string(), ConfigSourceSchema),
  locked: z.array(z.string()),
  problems: z.array(z.object({ key: z.string(), source: z.string(), message: z.string() })),
  /** e.g. "••••1a2b", or absent when no token is set. */
  apiTokenHint: z.optional(z.string()),
  agent: z.optional(
    z.object({ providerUserId: z.string(), email: z.optional(z.string()), name: z.optional(z.string()), via: z.string() }),
  ),
  /** Why provider actions would refuse right now (missing or invalid required keys), or absent when ready. */
  notReady: z.optional(z.string()),
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

/** The hosts admin rules need, whether the agent granted each, and rules whose host cannot be told. */
export const RuleHostsViewSchema = z.object({
  access: z.array(z.object({ origin: z.string(), rules: z.array(z.string()), granted: z.boolean() })),
  unresolved: z.array(z.object({ rule: z.string(), reason: z.string() })),
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
    assignments: TransferCountsSchema,
    /** What disagreed (this browser's value was kept): the first ones, the counts are exact. */
    conflicts: z.array(z.object({ table: z.enum(['contacts', 'chatrooms', 'assignments']), key: text(300), here: text(600), inFile: text(300) })),
  }),
  z.object({ ok: z.literal(false), message: text(1000) }),
]);
export type MappingImportResult = z.infer<typeof MappingImportResultSchema>;

interface ProtocolMap {
  /** Content script → background: open (creating if needed) the chatroom with this lead. */
  openChat(lead: Lead): ActionOutcome;
  /** Content script or extension page → background: open the provider dashboard logged in. */
  login(): ActionOutcome;
  /** Options page → background: check provider URL, token, org and agent. */
  testConnection(): ConnectionReport;
  /** Content script → background: the detection settings (profiles, rules, default country). */
  getPageSetup(): PageSetup;
  /** Popup → the content script of a tab (tabs.sendMessage): what it detected on the page. */
  getDetectionStatus(): DetectionStatus;
  /** Options page → background: the effective settings, token masked. */
  getSettings(): SettingsView;
  /** Options page → background: the admin-rule hosts and their access (re-syncs the registration). */
  getRuleHosts(): RuleHostsView;
  /** Options page → background: validate and store the agent's own values. */
  saveSettings(change: SettingsChange): SaveResult;
  /** Options page → background: this org's contact mappings as a JSON file's text. */
  exportMappings(): MappingExport;
  /** Options page → background: merge an exported file into this browser's mappings (conflicts reported). */
  importMappings(request: MappingImportRequest): MappingImportResult;
}

export const messaging = defineExtensionMessaging<ProtocolMap>();
export const { sendMessage, onMessage } = messaging;
