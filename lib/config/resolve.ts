import type { z } from 'zod';
import {
  type AgentEntry,
  AgentEntrySchema,
  CONFIG_DEFAULTS,
  CrmRuleSchema,
  CONFIG_KEYS,
  type Config,
  type ConfigKey,
  ConfigSchema,
  type PartialConfig,
  TEAM_MODE_IGNORED_KEYS,
  POLICY_ONLY_KEYS,
  TOKEN_BOUND_KEYS,
} from './schema';

/**
 * Where a key's effective value came from. Precedence: policy > agent > default; 'browser' is agentEmail taken
 * from the browser's signed-in profile (agentFromBrowserProfile).
 */
export type ConfigSource = 'policy' | 'agent' | 'browser' | 'default';

export interface ConfigProblem {
  key: string;
  source: 'policy' | 'agent';
  message: string;
}

export interface ResolvedConfig {
  values: PartialConfig;
  sources: Partial<Record<ConfigKey, ConfigSource>>;
  /** Keys set in policy are locked: the agent cannot override them. */
  locked: ConfigKey[];
  problems: ConfigProblem[];
  /** The agent's own values not applied, and why (TOKEN_BOUND_KEYS when the token comes from policy). */
  ignored: { key: ConfigKey; message: string }[];
}

export interface ConfigLayers {
  /** Managed storage (admin policy). */
  policy?: unknown;
  /** The agent's own options. */
  agent?: unknown;
  /** The e-mail of the account signed in to this browser profile, when read (lib/config/browser-profile.ts). */
  browserProfileEmail?: string;
}

/**
 * Keys that decide where requests and the token go, and on whose behalf. An invalid value for one of them
 * leaves the key unset (so actions refuse and say why) instead of falling back to another layer or the
 * default: a mistyped provider URL must never quietly become the production URL.
 */
const NO_FALLBACK_KEYS: readonly ConfigKey[] = ['providerApiUrl', 'providerDashboardUrl', 'orgId', 'apiToken', 'agentEmail', 'agentProviderUserId'];

/**
 * List keys whose entries stand on their own: one malformed rule or directory entry is reported (by its
 * position and name) and left out, and the others still apply.
 */
const LIST_ENTRY_SCHEMAS: Partial<Record<ConfigKey, z.ZodType>> = { agents: AgentEntrySchema, crmRules: CrmRuleSchema };

/**
 * Merges the layers key by key. A key is validated on its own, so one wrong key (reported in `problems`)
 * never discards the valid ones; an invalid value of an ordinary key falls through to the next layer or the
 * default. "Present" means the key exists in the layer with a value other than undefined/null — absence,
 * not falsiness.
 */
export function resolveConfig(layers: ConfigLayers): ResolvedConfig {
  const resolved: ResolvedConfig = { values: {}, sources: {}, locked: [], problems: [], ignored: [] };
  const policy = asRecord(layers.policy);
  const agent = asRecord(layers.agent);
  const policyToken = present(policy.apiToken);
  const agentLayer = withoutPolicyOnly(agent, resolved);
  const sources: [ConfigProblem['source'], Record<string, unknown>][] = [
    ['policy', policy],
    ['agent', policyToken ? withoutTokenBound(agentLayer, policy, resolved) : agentLayer],
  ];

  for (const [source, layer] of sources) {
    for (const key of Object.keys(layer)) {
      if (!(CONFIG_KEYS as string[]).includes(key)) {
        resolved.problems.push({ key, source, message: 'is not a known setting (check the spelling)' });
      }
    }
  }

  for (const key of CONFIG_KEYS) {
    let invalid = false;
    for (const [source, layer] of sources) {
      if (layer[key] === undefined || layer[key] === null) continue;
      if (source === 'policy') resolved.locked.push(key);
      const parsed = ConfigSchema.shape[key].safeParse(layer[key]);
      if (parsed.success) {
        setValue(resolved.values, key, parsed.data);
        resolved.sources[key] = source;
        break;
      }
      const entries = parseEntries(key, layer[key]);
      if (entries) {
        setValue(resolved.values, key, entries.valid);
        resolved.sources[key] = source;
        for (const problem of entries.problems) resolved.problems.push({ key: problem.key, source, message: problem.message });
        break;
      }
      resolved.problems.push({ key, source, message: describeIssues(parsed.error.issues) });
      invalid = true;
      if (NO_FALLBACK_KEYS.includes(key)) break;
    }
    if (invalid && NO_FALLBACK_KEYS.includes(key)) continue;
    if (resolved.sources[key] === undefined && key in CONFIG_DEFAULTS) {
      setValue(resolved.values, key, CONFIG_DEFAULTS[key as keyof typeof CONFIG_DEFAULTS]);
      resolved.sources[key] = 'default';
    }
  }
  if (resolved.sources.agentSelfSelect === undefined) {
    resolved.values.agentSelfSelect = !policyToken;
    resolved.sources.agentSelfSelect = 'default';
  }
  if (resolved.values.gatewayUrl !== undefined) return applyTeamMode(resolved);
  requireKnownAgentId(resolved);
  identifyByBrowserProfile(resolved, layers.browserProfileEmail);
  return resolved;
}

/** Team mode: whether the config names a team gateway (the gateway then holds the token and knows the agent). */
export function isTeamMode(resolved: ResolvedConfig): boolean {
  return resolved.values.gatewayUrl !== undefined;
}

/**
 * In team mode the browser never holds the provider token and never says who the agent is: those keys are
 * dropped whatever their source, each reported (the options page shows it), so an admin who left apiToken in
 * policy sees that it is unused and should be removed.
 */
function applyTeamMode(resolved: ResolvedConfig): ResolvedConfig {
  for (const key of TEAM_MODE_IGNORED_KEYS) {
    const source = resolved.sources[key];
    if (source === undefined || source === 'default') continue;
    delete resolved.values[key];
    delete resolved.sources[key];
    resolved.ignored.push({
      key,
      message:
        key === 'apiToken'
          ? `ignored in team mode: the team gateway holds the Saleschat token, so this browser keeps none (remove apiToken from ${source === 'policy' ? 'the policy' : 'your options'})`
          : 'ignored in team mode: the team gateway knows who you are from your company sign-in and applies the team\'s rules',
    });
  }
  return resolved;
}

/**
 * agentFromBrowserProfile: the agent is the directory entry with the browser profile's e-mail. Only the
 * administrator's own choice (agentProviderUserId, or agentEmail in policy) comes first; an agent's own pick
 * does not, since the profile is the stronger proof of who sits at this browser.
 */
function identifyByBrowserProfile(resolved: ResolvedConfig, email: string | undefined): void {
  const { values, sources } = resolved;
  if (values.agentFromBrowserProfile !== true || !email) return;
  if (values.agentProviderUserId !== undefined || sources.agentEmail === 'policy') return;
  const entry = findAgentByEmail(values.agents ?? [], email);
  if (!entry) {
    const source = sources.agentFromBrowserProfile === 'agent' ? 'agent' : 'policy';
    resolved.problems.push({ key: 'agentFromBrowserProfile', source, message: `this browser is signed in as ${email}, who is not in the agents directory` });
    return;
  }
  values.agentEmail = entry.email;
  sources.agentEmail = 'browser';
}

const present = (value: unknown) => value !== undefined && value !== null;

/**
 * The agent's layer without the keys the policy token binds (TOKEN_BOUND_KEYS), each reported as ignored.
 * agentEmail stays when the policy lets agents pick themselves (agentSelfSelect).
 */
function withoutTokenBound(agent: Record<string, unknown>, policy: Record<string, unknown>, resolved: ResolvedConfig): Record<string, unknown> {
  const kept = { ...agent };
  for (const key of TOKEN_BOUND_KEYS) {
    if (!present(agent[key]) || present(policy[key])) continue;
    if (key === 'agentEmail' && policy.agentSelfSelect === true) continue;
    delete kept[key];
    resolved.ignored.push({
      key,
      message:
        key === 'agentEmail'
          ? 'your own choice is ignored: your administrator sets the API token and does not let agents pick themselves (agentSelfSelect)'
          : 'your own value is ignored: your administrator sets the API token, so where it goes and whom it acts for come from policy only',
    });
  }
  return kept;
}

/**
 * Keys the agent may not set in their own options: those policy sets (locked), and, when the token comes from
 * policy, the keys it binds (agentEmail only when agents may pick themselves).
 */
export function agentMayNotSet(resolved: ResolvedConfig): ConfigKey[] {
  if (resolved.sources.apiToken !== 'policy') return [...new Set([...resolved.locked, ...POLICY_ONLY_KEYS])];
  const bound = TOKEN_BOUND_KEYS.filter((key) => !(key === 'agentEmail' && resolved.values.agentSelfSelect === true));
  return [...new Set([...resolved.locked, ...POLICY_ONLY_KEYS, ...bound])];
}

/** The agent's layer without the keys only policy may set (POLICY_ONLY_KEYS), each reported as ignored. */
function withoutPolicyOnly(agent: Record<string, unknown>, resolved: ResolvedConfig): Record<string, unknown> {
  const kept = { ...agent };
  for (const key of POLICY_ONLY_KEYS) {
    if (!present(agent[key])) continue;
    delete kept[key];
    resolved.ignored.push({ key, message: 'only your administrator can set this (it holds the CRM’s credentials): your own value is ignored' });
  }
  return kept;
}

/** agentProviderUserId must be someone in the directory: a free-form id would let anyone act as anyone. */
function requireKnownAgentId(resolved: ResolvedConfig): void {
  const id = resolved.values.agentProviderUserId;
  if (id === undefined || (resolved.values.agents ?? []).some((agent) => agent.providerUserId === id)) return;
  const source = resolved.sources.agentProviderUserId;
  delete resolved.values.agentProviderUserId;
  delete resolved.sources.agentProviderUserId;
  if (source === 'policy' || source === 'agent') {
    resolved.problems.push({ key: 'agentProviderUserId', source, message: `names ${id}, who is not in the agents directory` });
  }
}

function parseEntries(key: ConfigKey, value: unknown): { valid: unknown[]; problems: { key: string; message: string }[] } | undefined {
  const schema = LIST_ENTRY_SCHEMAS[key];
  if (!schema || !Array.isArray(value)) return undefined;
  const valid: unknown[] = [];
  const problems: { key: string; message: string }[] = [];
  value.forEach((entry, index) => {
    const parsed = schema.safeParse(entry);
    if (parsed.success) {
      valid.push(parsed.data);
      return;
    }
    const label = entryLabel(entry);
    problems.push({ key: `${key}[${index}]`, message: `${label ? `${label}: ` : ''}${describeIssues(parsed.error.issues)} (this entry is ignored)` });
  });
  return { valid, problems };
}

/** A name to recognise a list entry by: a rule's name, an agent's e-mail. */
function entryLabel(entry: unknown): string | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const record = entry as Record<string, unknown>;
  const label = typeof record.name === 'string' ? `rule '${record.name}'` : typeof record.email === 'string' ? record.email : undefined;
  return label?.slice(0, 80);
}

function setValue<K extends ConfigKey>(values: PartialConfig, key: K, value: unknown): void {
  values[key] = value as Config[K];
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => (issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** The settings every provider call needs. */
export interface ProviderConfig {
  providerApiUrl: string;
  providerDashboardUrl: string;
  orgId: string;
  apiToken: string;
}

const REQUIRED_FOR_PROVIDER = ['providerApiUrl', 'orgId', 'apiToken', 'providerDashboardUrl'] as const;

const KEY_LABELS: Record<(typeof REQUIRED_FOR_PROVIDER)[number], string> = {
  providerApiUrl: 'provider API URL (providerApiUrl)',
  providerDashboardUrl: 'provider dashboard URL (providerDashboardUrl)',
  orgId: 'organisation id (orgId)',
  apiToken: 'API token (apiToken)',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Refuses, before any network call, when a key the provider needs is missing or invalid. */
export function requireProviderConfig(resolved: ResolvedConfig): ProviderConfig {
  const missing = REQUIRED_FOR_PROVIDER.filter((key) => resolved.values[key] === undefined);
  if (missing.length > 0) {
    const invalid = new Set(resolved.problems.map((problem) => problem.key));
    const list = missing.map((key) => `${KEY_LABELS[key]}${invalid.has(key) ? ' is invalid' : ' is not set'}`);
    throw new ConfigError(`CRM Chat Bridge is not configured: ${list.join(', ')}. Open the extension's options or ask your administrator.`);
  }
  const { providerApiUrl, providerDashboardUrl, orgId, apiToken } = resolved.values as Required<PartialConfig>;
  return { providerApiUrl, providerDashboardUrl, orgId, apiToken };
}

export interface AgentIdentity {
  providerUserId: string;
  email?: string;
  name?: string;
  via: 'agentProviderUserId' | 'agentEmail';
}

/**
 * Who this browser's agent is (the README's configuration table): `agentProviderUserId`; else the `agents` entry
 * whose email is `agentEmail` (which resolveConfig may have taken from the browser profile).
 */
export function resolveAgent(values: PartialConfig): AgentIdentity | undefined {
  const agents = values.agents ?? [];
  if (values.agentProviderUserId) {
    const entry = agents.find((agent) => agent.providerUserId === values.agentProviderUserId);
    return { ...entryFields(entry), providerUserId: values.agentProviderUserId, via: 'agentProviderUserId' };
  }
  const configured = values.agentEmail ? findAgentByEmail(agents, values.agentEmail) : undefined;
  if (configured) return { ...entryFields(configured), providerUserId: configured.providerUserId, via: 'agentEmail' };
  return undefined;
}

/** The current agent, or a ConfigError telling the agent how to fix it. */
export function requireAgent(values: PartialConfig): AgentIdentity {
  const agent = resolveAgent(values);
  if (!agent && values.agentFromBrowserProfile === true) {
    throw new ConfigError(
      'CRM Chat Bridge identifies you by the account signed in to this browser, and could not: open the extension options ("Who you are") to see what is missing.',
    );
  }
  if (!agent) {
    throw new ConfigError(
      'CRM Chat Bridge does not know who you are at Saleschat. Pick yourself in the extension options (agentEmail), or ask your administrator to set agentEmail or agentProviderUserId.',
    );
  }
  return agent;
}

export function findAgentByEmail(agents: readonly AgentEntry[], email: string): AgentEntry | undefined {
  const wanted = email.trim().toLowerCase();
  return agents.find((agent) => agent.email === wanted);
}

function entryFields(entry: AgentEntry | undefined): { email?: string; name?: string } {
  return entry ? { email: entry.email, ...(entry.name ? { name: entry.name } : {}) } : {};
}

/** Fills `{DASHBOARD_URL}`-style variables; values are URL-encoded, the dashboard base is not. */
export function fillUrlTemplate(template: string, variables: Record<string, string | undefined>): string {
  return template.replace(/\{([A-Z_]+)\}/g, (whole, name: string) => {
    const value = variables[name];
    if (value === undefined) return whole;
    return name === 'DASHBOARD_URL' ? value : encodeURIComponent(value);
  });
}
