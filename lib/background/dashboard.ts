import { z } from 'zod/mini';
import { storage } from 'wxt/utils/storage';
import { expandLookup, lookupValues } from '../actions/crm-lookup';
import type { CrmTabOutcome } from '../actions/crm-tab';
import type { ResolvedConfig } from '../config/resolve';
import { CONFIG_DEFAULTS } from '../config/schema';
import { chatroomPagePattern, saleschatDashboardRule } from '../crm/profiles/saleschat-dashboard';
import {
  CardStateSchema,
  ChatroomRequestSchema,
  type ChatroomView,
  type CrmCard,
  type DashboardSetup,
  FindInCrmRequestSchema,
} from '../messages';
import type { ActionOutcome } from '../messaging';
import { redact } from '../redact';
import type { CardResponse } from '../team/api';
import type { Routes } from './routes';

/**
 * The background's side of the CRM card in the Saleschat dashboard (entrypoints/dashboard.content): which pages
 * are chatroom pages and how to read them, the card of a chatroom (this browser's mappings in direct mode, the
 * gateway's in team mode), "Open in CRM", "Find in CRM" and the screen pop. The dashboard page only ever names
 * a chatroom and what it shows: which CRM page opens is decided here, from the stored card or the admin's lookup
 * templates, so a dashboard page cannot make the extension open an address of its choosing.
 */
export interface DashboardDeps {
  loadConfig(): Promise<ResolvedConfig>;
  /** Direct mode: the card this browser stored at its Chat. */
  storedCard(orgId: string, chatroomId: string): Promise<CrmCard | undefined>;
  /** Team mode: the gateway's card, and the dashboard URL the gateway gave at sign-in. */
  teamCard(gatewayUrl: string, chatroomId: string): Promise<CardResponse>;
  teamDashboardUrl(gatewayUrl: string): Promise<string | undefined>;
  showCrmTab(url: string, open: boolean): Promise<CrmTabOutcome>;
  openTab(url: string): Promise<unknown>;
  /** Whether our own Chat just showed this chatroom page (then no screen pop: the agent came from the CRM). */
  shownByChatRecently(pageUrl: string): Promise<boolean>;
  cardState: { get(): Promise<{ collapsed: boolean }>; set(state: { collapsed: boolean }): Promise<void> };
}

export type DashboardRoutes = Pick<Routes, 'getDashboardSetup' | 'chatroomOpened' | 'openCrmRecord' | 'findInCrm' | 'saveCardState'>;

export function dashboardBackground(deps: DashboardDeps): { routes: DashboardRoutes; dashboardUrl(): Promise<string | undefined> } {
  const dashboardUrl = async (config?: ResolvedConfig) => {
    const { values } = config ?? (await deps.loadConfig());
    return values.gatewayUrl ? deps.teamDashboardUrl(values.gatewayUrl) : values.providerDashboardUrl;
  };
  const card = async (config: ResolvedConfig, chatroomId: string): Promise<CrmCard | undefined> => {
    const { gatewayUrl, orgId } = config.values;
    if (gatewayUrl) {
      const answer = await deps.teamCard(gatewayUrl, chatroomId);
      return answer.found ? answer.card : undefined;
    }
    return orgId ? deps.storedCard(orgId, chatroomId) : undefined;
  };

  return {
    dashboardUrl: () => dashboardUrl(),
    routes: {
      getDashboardSetup: {
        schema: PageUrlSchema,
        pageUrl: (request) => request.pageUrl,
        run: async () => setup(await deps.loadConfig(), await dashboardUrl(), (await deps.cardState.get()).collapsed),
      },
      chatroomOpened: {
        schema: ChatroomRequestSchema,
        pageUrl: (request) => request.pageUrl,
        run: async ({ chatroomId, pageUrl }) => {
          const config = await deps.loadConfig();
          const view = await chatroomView(config, () => card(config, chatroomId));
          if (view.card?.pageUrl && pageUrl) await screenPop(config, view.card.pageUrl, pageUrl, deps);
          return view;
        },
      },
      openCrmRecord: {
        schema: ChatroomRequestSchema,
        pageUrl: (request) => request.pageUrl,
        run: async ({ chatroomId }) => {
          const config = await deps.loadConfig();
          const found = await card(config, chatroomId);
          if (!found?.pageUrl) return { ok: false, message: 'This chat has no CRM page on record: it was not opened from the CRM.', retryable: false };
          const outcome = await deps.showCrmTab(found.pageUrl, true);
          return { ok: true, message: outcome === 'focused' ? `Switched to ${leadName(found)} in ${found.crmLabel}.` : `Opened ${leadName(found)} in ${found.crmLabel}.` };
        },
      },
      findInCrm: {
        schema: FindInCrmRequestSchema,
        pageUrl: (request) => request.pageUrl,
        run: async ({ lookup, shown }) => findInCrm(await deps.loadConfig(), lookup, shown, deps),
      },
      saveCardState: {
        schema: CardStateSchema,
        run: async (state) => {
          await deps.cardState.set(state);
          return state;
        },
      },
    },
  };
}

const PageUrlSchema = z.object({ pageUrl: z.optional(z.string().check(z.maxLength(4096))) });

function setup(config: ResolvedConfig, dashboardUrl: string | undefined, collapsed: boolean): DashboardSetup {
  const { values } = config;
  if (values.dashboardRule) return { rule: values.dashboardRule, collapsed, problems: [] };
  const template = values.chatroomUrlTemplate ?? CONFIG_DEFAULTS.chatroomUrlTemplate;
  const pattern = dashboardUrl ? chatroomPagePattern(dashboardUrl, template) : undefined;
  if (!pattern) {
    const why = dashboardUrl ? `chatroomUrlTemplate (${template}) has no {CHATROOM_ID}` : 'the dashboard URL is not known yet';
    return { collapsed, problems: [`No CRM card: ${why}.`] };
  }
  return { rule: saleschatDashboardRule(pattern), collapsed, problems: [] };
}

async function chatroomView(config: ResolvedConfig, card: () => Promise<CrmCard | undefined>): Promise<ChatroomView> {
  const lookups = (config.values.crmLookupUrlTemplates ?? []).map((template) => template.label);
  try {
    const found = await card();
    return { lookups, ...(found ? { card: found } : {}) };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { lookups, problem: redact(`The CRM card could not be loaded: ${why}`).slice(0, 1000) };
  }
}

/**
 * The agent opened a chatroom in the dashboard: per `screenPop`, bring the lead's CRM tab forward ('focus') or
 * also open it ('open'). Not when our own Chat just showed this chatroom: the agent is coming from that CRM tab,
 * and sending them back would undo their click. A failure is logged, never shown: the card is there anyway.
 */
async function screenPop(config: ResolvedConfig, crmPageUrl: string, chatroomPageUrl: string, deps: DashboardDeps): Promise<void> {
  const mode = config.values.screenPop ?? CONFIG_DEFAULTS.screenPop;
  if (mode === 'off' || (await deps.shownByChatRecently(chatroomPageUrl))) return;
  await deps.showCrmTab(crmPageUrl, mode === 'open').catch((error) => console.warn(redact(`CRM Chat Bridge: screen pop failed: ${String(error)}`)));
}

async function findInCrm(config: ResolvedConfig, index: number, shown: Parameters<typeof lookupValues>[0], deps: DashboardDeps): Promise<ActionOutcome> {
  const template = config.values.crmLookupUrlTemplates?.[index];
  if (!template) return { ok: false, message: 'This search is no longer configured; reload the page.', retryable: false };
  const result = expandLookup(template, lookupValues(shown, config.values.defaultCountry ?? CONFIG_DEFAULTS.defaultCountry));
  if (!result.ok) return { ok: false, message: result.message, retryable: false };
  await deps.openTab(result.url);
  return { ok: true, message: `Searching ${template.label}.` };
}

function leadName(card: CrmCard): string {
  return [card.firstName, card.lastName].filter(Boolean).join(' ') || 'the lead';
}

/** Whether the agent collapsed the card: kept in the extension's storage, where the dashboard page cannot see it. */
export function cardStateItem(): DashboardDeps['cardState'] {
  const item = storage.defineItem<boolean>('local:dashboardCardCollapsed', { fallback: false });
  return {
    get: async () => ({ collapsed: await item.getValue() }),
    set: (state) => item.setValue(state.collapsed),
  };
}
