import { browser } from 'wxt/browser';
import type { ShowInDashboard } from '../actions/dashboard-tab';
import { loadConfig } from '../config/agent-options';
import { EmptyRequestSchema, type TeamStatus } from '../messages';
import { type ActionOutcome, type CrmCard, type Lead, sendMessage } from '../messaging';
import type { MappingStore } from '../store/mappings';
import { teamChat, teamLogin } from '../team/actions';
import { followTeamWriteBack } from '../team/follow-write-back';
import type { CardResponse } from '../team/api';
import { fetchTeamCard } from '../team/card';
import { type SessionStore, teamSessionStore } from '../team/session';
import { gatewayFor, gatewayHealth, signInState, signOut, startSignIn } from '../team/sign-in';
import type { Routes } from './routes';

/**
 * Team mode's part of the background: which mode the config is in, the team sign-in routes, and Chat/Login
 * sent to the gateway. Nothing here reads or writes a provider token: in team mode there is none.
 */
export interface TeamBackground {
  /** `tabId`: the CRM tab that asked, told the outcome of the gateway's CRM write-back. */
  chat(gatewayUrl: string, lead: Lead, tabId?: number): Promise<ActionOutcome>;
  login(gatewayUrl: string, tabId?: number): Promise<ActionOutcome>;
  /** The CRM card the gateway keeps for a chatroom (any teammate's Chat), for the dashboard. */
  card(gatewayUrl: string, chatroomId: string): Promise<CardResponse>;
  /** Where the team's Saleschat dashboard is, as the gateway said at sign-in (undefined when not signed in). */
  dashboardUrl(gatewayUrl: string): Promise<string | undefined>;
  routes: Pick<Routes, 'getTeamStatus' | 'teamSignIn' | 'teamSignOut'>;
}

export function teamBackground(deps: { store: MappingStore; showInDashboard: ShowInDashboard; onSessionChange?(): void }): TeamBackground {
  const sessions = observed(teamSessionStore(), deps.onSessionChange);
  const justShown = justShownCards();
  const gatewayUrl = async () => (await loadConfig()).values.gatewayUrl;
  const context = (url: string, tabId?: number) => {
    const gateway = gatewayFor({ gatewayUrl: url, sessions });
    const tell = (notice: { ok: boolean; message: string }) => {
      if (tabId !== undefined) sendMessage('crmActionOutcome', { ok: notice.ok, message: notice.message.slice(0, 1000) }, tabId).catch(() => undefined);
    };
    const followWriteBack = (eventId: string) => {
      followTeamWriteBack(gateway, eventId, tell).catch(() => undefined); // a second toast is a courtesy
    };
    return { gateway, showInDashboard: deps.showInDashboard, store: deps.store, now: Date.now, followWriteBack, rememberCard: justShown.remember };
  };
  const notInTeamMode = { ok: false, message: 'Team mode is not configured (gatewayUrl): this browser works in direct mode.' };

  return {
    chat: (url, lead, tabId) => teamChat(lead, context(url, tabId)),
    login: (url, tabId) => teamLogin(context(url, tabId)),
    card: async (url, chatroomId) => {
      const card = justShown.take(chatroomId);
      return card ? { found: true, card } : fetchTeamCard(gatewayFor({ gatewayUrl: url, sessions }), chatroomId);
    },
    dashboardUrl: async (url) => (await sessions.get(url))?.rules?.providerDashboardUrl,
    routes: {
      getTeamStatus: { schema: EmptyRequestSchema, run: async () => teamStatus(await gatewayUrl(), sessions) },
      teamSignIn: {
        schema: EmptyRequestSchema,
        run: async () => {
          const url = await gatewayUrl();
          if (!url) return notInTeamMode;
          return startSignIn({ gatewayUrl: url, sessions, tabs: browser.tabs });
        },
      },
      teamSignOut: {
        schema: EmptyRequestSchema,
        run: async () => {
          const url = await gatewayUrl();
          if (!url) return notInTeamMode;
          await signOut({ gatewayUrl: url, sessions });
          return { ok: true, message: 'Signed out of your team on this browser.' };
        },
      },
    },
  };
}

async function teamStatus(gatewayUrl: string | undefined, sessions: ReturnType<typeof teamSessionStore>): Promise<TeamStatus> {
  if (!gatewayUrl) return { mode: 'direct', signIn: 'idle' };
  const [session, health] = await Promise.all([sessions.get(gatewayUrl), gatewayHealth({ gatewayUrl })]);
  const attempt = signInState();
  return {
    mode: 'team',
    gatewayUrl,
    signIn: attempt.state,
    health,
    ...(attempt.state === 'failed' ? { signInProblem: attempt.message.slice(0, 1000) } : {}),
    ...(session ? { signedIn: { email: session.email, expiresAt: session.expiresAt, ...(session.name ? { name: session.name } : {}) } } : {}),
  };
}

/** The session store, telling `onChange` after each sign-in, renewal or sign-out (the dashboard's URL may change). */
function observed(sessions: SessionStore, onChange: (() => void) | undefined): SessionStore {
  if (!onChange) return sessions;
  return {
    get: (gatewayUrl) => sessions.get(gatewayUrl),
    set: async (session) => {
      await sessions.set(session);
      onChange();
    },
    clear: async () => {
      await sessions.clear();
      onChange();
    },
  };
}

/** Cards kept this long for the dashboard page a Chat opens; a later visit asks the gateway (a teammate may have chatted). */
const JUST_SHOWN_MS = 2 * 60_000;

/**
 * The card of the chatroom our own Chat just showed, built from what the Chat sent (the gateway stores the same):
 * taken once, by the dashboard page that Chat opened, which then costs the gateway no request.
 */
function justShownCards() {
  const cards = new Map<string, { card: CrmCard; at: number }>();
  return {
    remember: (chatroomId: string, card: CrmCard) => {
      cards.set(chatroomId, { card, at: Date.now() });
    },
    take: (chatroomId: string): CrmCard | undefined => {
      const kept = cards.get(chatroomId);
      cards.delete(chatroomId);
      return kept && Date.now() - kept.at < JUST_SHOWN_MS ? kept.card : undefined;
    },
  };
}
