import { storage } from 'wxt/utils/storage';
import { saveAgentOptions } from '../config/agent-options';
import { agentMayNotSet, type ResolvedConfig } from '../config/resolve';
import { selectBuiltIns } from '../crm/profiles';
import { withRuleReplaced } from '../crm/builder/replace-rule';
import { CrmRuleSchema } from '../crm/rules/schema';
import { BuilderDraftSchema, BuilderSaveRuleRequestSchema, BuilderStartRequestSchema, EmptyRequestSchema } from '../messages';
import type { BuilderDraftMessage, BuilderOutcome, BuilderState } from '../messaging';
import { syncScriptRegistration } from './dashboard-script';
import type { RegistrationApi } from './rule-hosts';
import type { Routes } from './routes';

/**
 * The rule builder's background side ("Teach this page", docs/crm-rules.md). The popup opens it on a tab; from
 * then on that tab's top frame is a `builder-tab` sender (SENDERS) until the admin closes the builder. Its script
 * is injected on demand — never part of the content script agents run all day. While a builder is open it is
 * also registered for that site's pages, so it comes back after each page load of the tab (a server-rendered
 * CRM loads a page per record) with its draft, kept here in session storage (gone when the browser closes).
 * In other tabs of the site it loads, is refused by the sender check and removes itself: no tab listener
 * wakes the worker on every page load of every agent for this.
 */

/** The builder's script in every build (WXT names it after entrypoints/builder.ts). */
export const BUILDER_SCRIPT_FILE = '/builder.js' as const;
export const BUILDER_CONTENT_SCRIPT_ID = 'crm-chat-bridge-builder';

interface Session {
  /** The site the builder follows: its match pattern (`https://crm.acme.test/*`), when it has one. */
  match?: string;
  draft?: BuilderDraftMessage;
}
type Sessions = Record<string, Session>;
const sessionsItem = storage.defineItem<Sessions>('session:builderSessions', { fallback: {} });

export interface BuilderDeps {
  loadConfig(): Promise<ResolvedConfig>;
  /** The tab's address, or undefined once it is closed. */
  tabUrl(tabId: number): Promise<string | undefined>;
  inject(tabId: number): Promise<void>;
  /** Register the builder's script for exactly these match patterns (none: unregister). */
  follow(matches: string[]): Promise<void>;
  /** After a save: register the content script for the rule's hosts (what a settings change does anyway). */
  afterSave(): Promise<void>;
}

type BuilderRoutes = Pick<Routes, 'builderStart' | 'builderState' | 'builderSaveDraft' | 'builderSaveRule' | 'builderEnd'>;

export function builderBackground(deps: BuilderDeps): { routes: BuilderRoutes; isBuilderTab(tabId: number): Promise<boolean> } {
  const update = async (change: (sessions: Sessions) => void | Promise<void>) => {
    const sessions = { ...(await sessionsItem.getValue()) };
    await change(sessions);
    await sessionsItem.setValue(sessions);
    return sessions;
  };
  const followOpen = async (sessions: Sessions) => {
    const matches = [...new Set(Object.values(sessions).flatMap((session) => (session.match ? [session.match] : [])))];
    await deps.follow(matches);
  };
  const tabOf = (from?: { tabId?: number }): string => {
    if (from?.tabId === undefined) throw new Error('The rule builder runs in a tab; this request came from none.');
    return String(from.tabId);
  };

  const start = async (tabId: number): Promise<BuilderOutcome> => {
    const url = await deps.tabUrl(tabId);
    const sessions = await update(async (all) => {
      // Builders whose tab is gone: closed without "Close" (no tab listener watches for it).
      for (const id of Object.keys(all)) if ((await deps.tabUrl(Number(id))) === undefined) delete all[id];
      all[String(tabId)] = { ...all[String(tabId)], ...sitePattern(url) };
    });
    try {
      await deps.inject(tabId);
    } catch (error) {
      await followOpen(await update((all) => void delete all[String(tabId)]));
      return { ok: false, message: `The rule builder cannot run on this page: ${error instanceof Error ? error.message : String(error)}` };
    }
    try {
      await followOpen(sessions);
      return { ok: true, message: 'The rule builder is open on the page.' };
    } catch {
      return { ok: true, message: 'The rule builder is open on this page only: without access to this site it cannot follow you to other records.' };
    }
  };

  const routes: BuilderRoutes = {
    builderStart: { schema: BuilderStartRequestSchema, run: ({ tabId }) => start(tabId) },
    builderState: {
      schema: EmptyRequestSchema,
      run: async (_data, from) => builderState(await deps.loadConfig(), (await sessionsItem.getValue())[tabOf(from)]?.draft),
    },
    builderSaveDraft: {
      schema: BuilderDraftSchema,
      run: async (draft, from) => {
        await update((all) => {
          all[tabOf(from)] = { ...all[tabOf(from)], draft };
        });
      },
    },
    builderSaveRule: {
      schema: BuilderSaveRuleRequestSchema,
      invalid: () => ({ ok: false, message: 'Not saved: the builder sent a rule the extension cannot read.' }),
      run: (request) => saveRule(request, deps),
    },
    builderEnd: {
      schema: EmptyRequestSchema,
      run: async (_data, from) => followOpen(await update((all) => void delete all[tabOf(from)])),
    },
  };
  return { routes, isBuilderTab: async (tabId) => String(tabId) in (await sessionsItem.getValue()) };
}

/** `https://crm.acme.test/*` for a web page (ports are not part of match patterns); nothing for other pages. */
function sitePattern(url: string | undefined): { match?: string } {
  try {
    const parsed = new URL(url ?? '');
    return /^https?:$/.test(parsed.protocol) ? { match: `${parsed.protocol}//${parsed.hostname}/*` } : {};
  } catch {
    return {};
  }
}

function builderState(config: ResolvedConfig, draft: BuilderDraftMessage | undefined): BuilderState {
  const rules = (config.values.crmRules ?? []) as Record<string, unknown>[];
  const fromPolicy = config.sources.crmRules === 'policy';
  const bases: BuilderState['bases'] = [
    ...rules.map((rule) => ({ origin: fromPolicy ? ('policy' as const) : ('agent' as const), rule })),
    ...selectBuiltIns(config.values.crmProfiles).declarations.map((rule) => ({ origin: 'built-in' as const, rule: rule as Record<string, unknown> })),
  ];
  return { ...(draft ? { draft } : {}), bases, rulesLocked: fromPolicy, policyRules: fromPolicy ? rules : [] };
}

/** The rule, checked against the full schema, into the agent's own crmRules: replacing the one it edits or one with its id. */
async function saveRule(request: { rule: Record<string, unknown>; replaces?: string | undefined }, deps: BuilderDeps): Promise<BuilderOutcome> {
  const parsed = CrmRuleSchema.safeParse(request.rule);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `Not saved: ${issue ? `${issue.path.join('.') || 'the rule'}: ${issue.message}` : 'the rule is not valid'}.` };
  }
  const config = await deps.loadConfig();
  if (config.sources.crmRules === 'policy') {
    return { ok: false, message: 'Not saved: your administrator’s policy sets the CRM rules, so a rule in your own settings would not apply. Export it and add it to the policy.' };
  }
  const rule = parsed.data;
  const own = config.sources.crmRules === 'agent' ? [...(config.values.crmRules ?? [])] : [];
  const { rules: next, replaced } = withRuleReplaced(own, rule, request.replaces);
  const problems = await saveAgentOptions({ crmRules: next }, agentMayNotSet(config));
  if (problems.length > 0) return { ok: false, message: `Not saved: ${problems.map((problem) => `${problem.key} ${problem.message}`).join('; ')}.` };
  await deps.afterSave();
  return { ok: true, message: `Saved '${rule.name}' in your own settings (${replaced ? 'replacing the earlier version' : 'a new rule'}). This page reloads to use it; other tabs of this CRM use it once reloaded.` };
}

/** The builder's registration follows the open builders' sites; not kept across browser restarts, as their drafts are not. */
export function syncBuilderScript(matches: readonly string[], scripting: RegistrationApi['scripting']): Promise<void> {
  return syncScriptRegistration(scripting, { id: BUILDER_CONTENT_SCRIPT_ID, file: BUILDER_SCRIPT_FILE.slice(1), matches, persistAcrossSessions: false });
}
