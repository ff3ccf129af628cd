import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CrmTabOutcome } from '../../../lib/actions/crm-tab';
import { type DashboardDeps, dashboardBackground } from '../../../lib/background/dashboard';
import type { ResolvedConfig } from '../../../lib/config/resolve';
import type { PartialConfig } from '../../../lib/config/schema';
import { saleschatDashboardRule } from '../../../lib/crm/profiles/saleschat-dashboard';
import { ActionOutcomeSchema, ChatroomViewSchema, type CrmCard, DashboardSetupSchema, type Lead } from '../../../lib/messages';
import type { CardResponse } from '../../../lib/team/api';

const DASH = 'https://app.test/app';
const TEAM_DASH = 'https://team.saleschat.test/app';
const GATEWAY = 'https://gateway.acme.test';
const CHATROOM_PAGE = `${DASH}/chatrooms/cr_1`;
const LEAD_PAGE = 'https://crm.example.com/leads/L-1';

const CARD: CrmCard = {
  crmId: 'demo:crm.example.com:L-1',
  crmLabel: 'Demo CRM',
  pageUrl: LEAD_PAGE,
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-0132',
  extra: [],
  openedAt: 1_800_000_000_000,
};

const LOOKUPS = [
  { label: 'Acme', url: 'https://crm.acme.test/search?q={EMAIL|PHONE_E164}' },
  { label: 'By id', url: 'https://crm.acme.test/c/{CRM_ID}' },
];

/** A ResolvedConfig with these values (sources and problems do not matter to the dashboard). */
const config = (values: PartialConfig): ResolvedConfig => ({ values, sources: {}, locked: [], problems: [], ignored: [] });
const DIRECT: PartialConfig = { providerDashboardUrl: DASH, orgId: 'org_1', crmLookupUrlTemplates: LOOKUPS };
const TEAM: PartialConfig = { gatewayUrl: GATEWAY, crmLookupUrlTemplates: LOOKUPS };

function setup(values: PartialConfig, more: { stored?: CrmCard; team?: () => Promise<CardResponse>; outcome?: CrmTabOutcome; shownByChat?: boolean; collapsed?: boolean } = {}) {
  const log: string[] = [];
  let collapsed = more.collapsed ?? false;
  const deps: DashboardDeps = {
    loadConfig: async () => config(values),
    storedCard: async (orgId, chatroomId) => {
      log.push(`storedCard ${orgId} ${chatroomId}`);
      return orgId === 'org_1' && chatroomId === 'cr_1' ? more.stored : undefined;
    },
    teamCard: async (gatewayUrl, chatroomId) => {
      log.push(`teamCard ${gatewayUrl} ${chatroomId}`);
      return more.team ? more.team() : { found: false };
    },
    teamDashboardUrl: async (gatewayUrl) => {
      log.push(`teamDashboardUrl ${gatewayUrl}`);
      return TEAM_DASH;
    },
    showCrmTab: async (url, open) => {
      log.push(`showCrmTab ${url} open=${open}`);
      return more.outcome ?? 'focused';
    },
    openTab: async (url) => {
      log.push(`openTab ${url}`);
    },
    shownByChatRecently: async (pageUrl) => {
      log.push(`shownByChatRecently ${pageUrl}`);
      return more.shownByChat ?? false;
    },
    cardState: {
      get: async () => ({ collapsed }),
      set: async (state) => {
        log.push(`cardState ${state.collapsed}`);
        collapsed = state.collapsed;
      },
    },
  };
  const { routes, dashboardUrl } = dashboardBackground(deps);
  return { log, deps, routes, dashboardUrl };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('getDashboardSetup', () => {
  it('direct mode: the built-in rule for the configured dashboard’s chatroom pages, and the card’s state', async () => {
    const { routes } = setup(DIRECT, { collapsed: true });
    const answer = await routes.getDashboardSetup.run({ pageUrl: CHATROOM_PAGE });
    expect(answer).toEqual({ rule: saleschatDashboardRule('https://app.test/app/chatrooms/:id'), collapsed: true, problems: [] });
    expect(DashboardSetupSchema.safeParse(answer).success).toBe(true);
  });

  it('follows the configured chatroom URL template', async () => {
    const { routes } = setup({ ...DIRECT, chatroomUrlTemplate: '{DASHBOARD_URL}/inbox/{CHATROOM_ID}' });
    expect(await routes.getDashboardSetup.run({})).toEqual({ rule: saleschatDashboardRule('https://app.test/app/inbox/:id'), collapsed: false, problems: [] });
  });

  it('team mode: the dashboard URL the gateway gave at sign-in', async () => {
    const { routes, log } = setup(TEAM);
    expect(await routes.getDashboardSetup.run({})).toEqual({
      rule: saleschatDashboardRule('https://team.saleschat.test/app/chatrooms/:id'),
      collapsed: false,
      problems: [],
    });
    expect(log).toEqual([`teamDashboardUrl ${GATEWAY}`]);
  });

  it('the admin’s dashboardRule when set, as it is', async () => {
    const dashboardRule = { name: 'Our console', url: 'https://chat.acme.test/c/:id', fields: { email: { label: 'Mail' } } };
    const { routes } = setup({ ...DIRECT, dashboardRule });
    expect(await routes.getDashboardSetup.run({})).toEqual({ rule: dashboardRule, collapsed: false, problems: [] });
  });

  it('no rule and the reason when the dashboard URL is not known', async () => {
    const { routes } = setup({ orgId: 'org_1' });
    expect(await routes.getDashboardSetup.run({})).toEqual({ collapsed: false, problems: ['No CRM card: the dashboard URL is not known yet.'] });
    const team = setup(TEAM);
    team.deps.teamDashboardUrl = async () => undefined;
    const { routes: teamRoutes } = dashboardBackground(team.deps);
    expect(await teamRoutes.getDashboardSetup.run({})).toEqual({ collapsed: false, problems: ['No CRM card: the dashboard URL is not known yet.'] });
  });

  it('no rule and the reason when the chatroom URL template names no chatroom id', async () => {
    const { routes } = setup({ ...DIRECT, chatroomUrlTemplate: '{DASHBOARD_URL}/contacts/{CONTACT_ID}' });
    expect(await routes.getDashboardSetup.run({})).toEqual({
      collapsed: false,
      problems: ['No CRM card: chatroomUrlTemplate ({DASHBOARD_URL}/contacts/{CONTACT_ID}) has no {CHATROOM_ID}.'],
    });
  });
});

describe('dashboardUrl (for the sender check and the content script registration)', () => {
  it('the configured one in direct mode, the gateway’s in team mode', async () => {
    expect(await setup(DIRECT).dashboardUrl()).toBe(DASH);
    expect(await setup(TEAM).dashboardUrl()).toBe(TEAM_DASH);
    expect(await setup({}).dashboardUrl()).toBeUndefined();
  });
});

describe('chatroomOpened: the card', () => {
  it('direct mode: the card this browser stored at its Chat, by org and chatroom, with the lookup buttons’ labels', async () => {
    const { routes, log } = setup(DIRECT, { stored: CARD });
    const view = await routes.chatroomOpened.run({ chatroomId: 'cr_1' });
    expect(view).toEqual({ lookups: ['Acme', 'By id'], card: CARD });
    expect(ChatroomViewSchema.safeParse(view).success).toBe(true);
    expect(log).toEqual(['storedCard org_1 cr_1']);
  });

  it('direct mode: a chatroom the product did not open has no card', async () => {
    const { routes } = setup(DIRECT, { stored: CARD });
    expect(await routes.chatroomOpened.run({ chatroomId: 'cr_other' })).toEqual({ lookups: ['Acme', 'By id'] });
  });

  it('direct mode without an org: no card, and the store is not asked', async () => {
    const { routes, log } = setup({ providerDashboardUrl: DASH }, { stored: CARD });
    expect(await routes.chatroomOpened.run({ chatroomId: 'cr_1' })).toEqual({ lookups: [] });
    expect(log).toEqual([]);
  });

  it('team mode: the gateway’s card, never this browser’s', async () => {
    const { routes, log } = setup(TEAM, { stored: CARD, team: async () => ({ found: true, card: { ...CARD, crmLabel: 'Team CRM' } }) });
    expect(await routes.chatroomOpened.run({ chatroomId: 'cr_1' })).toEqual({ lookups: ['Acme', 'By id'], card: { ...CARD, crmLabel: 'Team CRM' } });
    expect(log).toEqual([`teamCard ${GATEWAY} cr_1`]);
  });

  it('team mode: found false is no card', async () => {
    const { routes } = setup(TEAM, { team: async () => ({ found: false }) });
    expect(await routes.chatroomOpened.run({ chatroomId: 'cr_1' })).toEqual({ lookups: ['Acme', 'By id'] });
  });

  it('team mode: a failed fetch is a problem the card shows, not a throw, and nothing pops', async () => {
    const { routes, log } = setup({ ...TEAM, screenPop: 'open' }, {
      team: async () => {
        throw new Error('The team gateway could not be reached.');
      },
    });
    const view = await routes.chatroomOpened.run({ chatroomId: 'cr_1', pageUrl: CHATROOM_PAGE });
    expect(view).toEqual({ lookups: ['Acme', 'By id'], problem: 'The CRM card could not be loaded: The team gateway could not be reached.' });
    expect(ChatroomViewSchema.safeParse(view).success).toBe(true);
    expect(log).toEqual([`teamCard ${GATEWAY} cr_1`]);
  });
});

describe('chatroomOpened: the screen pop', () => {
  const pops = async (values: PartialConfig, more: Parameters<typeof setup>[1] = {}, pageUrl: string | null = CHATROOM_PAGE) => {
    const { routes, log } = setup(values, { stored: CARD, ...more });
    const view = await routes.chatroomOpened.run({ chatroomId: 'cr_1', ...(pageUrl ? { pageUrl } : {}) });
    expect(view.card).toEqual(more.stored === undefined ? CARD : more.stored);
    return log.filter((line) => line !== 'storedCard org_1 cr_1');
  };

  it('off (the default): never', async () => {
    expect(await pops(DIRECT)).toEqual([]);
    expect(await pops({ ...DIRECT, screenPop: 'off' })).toEqual([]);
  });

  it('focus: brings the lead’s CRM tab forward, never opens one', async () => {
    expect(await pops({ ...DIRECT, screenPop: 'focus' })).toEqual([`shownByChatRecently ${CHATROOM_PAGE}`, `showCrmTab ${LEAD_PAGE} open=false`]);
  });

  it('open: also opens it when none is open', async () => {
    expect(await pops({ ...DIRECT, screenPop: 'open' })).toEqual([`shownByChatRecently ${CHATROOM_PAGE}`, `showCrmTab ${LEAD_PAGE} open=true`]);
  });

  it('never for the chatroom our own Chat just showed (the agent is coming from that CRM tab)', async () => {
    expect(await pops({ ...DIRECT, screenPop: 'open' }, { shownByChat: true })).toEqual([`shownByChatRecently ${CHATROOM_PAGE}`]);
  });

  it('never without a CRM page on the card, without a card, or without the chatroom page’s address', async () => {
    const { pageUrl: _page, ...noPage } = CARD;
    expect(await pops({ ...DIRECT, screenPop: 'open' }, { stored: noPage })).toEqual([]);
    const { routes, log } = setup({ ...DIRECT, screenPop: 'open' });
    expect(await routes.chatroomOpened.run({ chatroomId: 'cr_1', pageUrl: CHATROOM_PAGE })).toEqual({ lookups: ['Acme', 'By id'] });
    expect(log).toEqual(['storedCard org_1 cr_1']);
    expect(await pops({ ...DIRECT, screenPop: 'open' }, {}, null)).toEqual([]);
  });

  it('a failing screen pop is logged, and the card still answers', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { deps } = setup({ ...DIRECT, screenPop: 'open' }, { stored: CARD });
    deps.showCrmTab = async () => {
      throw new Error('No window with id: 3.');
    };
    const view = await dashboardBackground(deps).routes.chatroomOpened.run({ chatroomId: 'cr_1', pageUrl: CHATROOM_PAGE });
    expect(view).toEqual({ lookups: ['Acme', 'By id'], card: CARD });
    expect(warn).toHaveBeenCalledWith('CRM Chat Bridge: screen pop failed: Error: No window with id: 3.');
  });
});

describe('openCrmRecord', () => {
  it('switches to the lead’s open CRM tab', async () => {
    const { routes, log } = setup(DIRECT, { stored: CARD, outcome: 'focused' });
    const outcome = await routes.openCrmRecord.run({ chatroomId: 'cr_1', pageUrl: CHATROOM_PAGE });
    expect(outcome).toEqual({ ok: true, message: 'Switched to Ada Lovelace in Demo CRM.' });
    expect(ActionOutcomeSchema.safeParse(outcome).success).toBe(true);
    expect(log).toEqual(['storedCard org_1 cr_1', `showCrmTab ${LEAD_PAGE} open=true`]);
  });

  it('opens it when no tab shows it', async () => {
    const { routes } = setup(DIRECT, { stored: CARD, outcome: 'opened' });
    expect(await routes.openCrmRecord.run({ chatroomId: 'cr_1' })).toEqual({ ok: true, message: 'Opened Ada Lovelace in Demo CRM.' });
  });

  it('a card without names speaks of "the lead"', async () => {
    const { firstName: _first, lastName: _last, ...nameless } = CARD;
    const { routes } = setup(DIRECT, { stored: nameless, outcome: 'opened' });
    expect(await routes.openCrmRecord.run({ chatroomId: 'cr_1' })).toEqual({ ok: true, message: 'Opened the lead in Demo CRM.' });
  });

  it('team mode: the gateway’s card’s page', async () => {
    const { routes, log } = setup(TEAM, { team: async () => ({ found: true, card: CARD }), outcome: 'opened' });
    expect(await routes.openCrmRecord.run({ chatroomId: 'cr_1' })).toEqual({ ok: true, message: 'Opened Ada Lovelace in Demo CRM.' });
    expect(log).toEqual([`teamCard ${GATEWAY} cr_1`, `showCrmTab ${LEAD_PAGE} open=true`]);
  });

  it('refuses, and opens nothing, when the chat has no CRM page on record', async () => {
    const refusal = { ok: false, message: 'This chat has no CRM page on record: it was not opened from the CRM.', retryable: false };
    const { pageUrl: _page, ...noPage } = CARD;
    for (const stored of [undefined, noPage]) {
      const { routes, log } = setup(DIRECT, stored ? { stored } : {});
      expect(await routes.openCrmRecord.run({ chatroomId: 'cr_1' })).toEqual(refusal);
      expect(log).toEqual(['storedCard org_1 cr_1']);
    }
  });
});

describe('findInCrm', () => {
  const shown: Lead = {
    profileId: 'saleschat-dashboard',
    crmId: 'saleschat-dashboard:app.test:cr_1',
    phone: '(415) 555-0132',
    extra: [{ label: 'CRM id', value: 'demo:L-1' }],
  };

  it('opens the lookup URL expanded with what the page shows, URL-encoded', async () => {
    const { routes, log } = setup(DIRECT);
    const outcome = await routes.findInCrm.run({ chatroomId: 'cr_1', lookup: 0, shown });
    expect(outcome).toEqual({ ok: true, message: 'Searching Acme.' });
    expect(log).toEqual(['openTab https://crm.acme.test/search?q=%2B14155550132']);
    expect(await routes.findInCrm.run({ chatroomId: 'cr_1', lookup: 1, shown })).toEqual({ ok: true, message: 'Searching By id.' });
    expect(log[1]).toBe('openTab https://crm.acme.test/c/demo%3AL-1');
  });

  it('reads the phone with the configured default country', async () => {
    const { routes, log } = setup({ ...DIRECT, defaultCountry: 'GB', crmLookupUrlTemplates: [{ label: 'UK', url: 'https://crm.acme.test/?p={PHONE_NATIONAL}&d={PHONE_DIGITS}' }] });
    await routes.findInCrm.run({ chatroomId: 'cr_1', lookup: 0, shown: { ...shown, phone: '020 7946 0018' } });
    expect(log).toEqual(['openTab https://crm.acme.test/?p=020%207946%200018&d=442079460018']);
  });

  it('tells what the page does not show, and opens nothing', async () => {
    const { routes, log } = setup(DIRECT);
    const { phone: _phone, ...noPhone } = shown;
    expect(await routes.findInCrm.run({ chatroomId: 'cr_1', lookup: 0, shown: noPhone })).toEqual({
      ok: false,
      message: '“Acme” needs {EMAIL|PHONE_E164}, which this chat does not show.',
      retryable: false,
    });
    expect(log).toEqual([]);
  });

  it('refuses a lookup index that is not configured (any more), and opens nothing', async () => {
    const { routes, log } = setup(DIRECT);
    const refusal = { ok: false, message: 'This search is no longer configured; reload the page.', retryable: false };
    expect(await routes.findInCrm.run({ chatroomId: 'cr_1', lookup: 2, shown })).toEqual(refusal);
    expect(await setup({ ...DIRECT, crmLookupUrlTemplates: undefined }).routes.findInCrm.run({ chatroomId: 'cr_1', lookup: 0, shown })).toEqual(refusal);
    expect(log).toEqual([]);
  });

  it('the request schema refuses an index outside 0–9 before anything runs', () => {
    const { routes } = setup(DIRECT);
    for (const lookup of [-1, 10, 1.5]) expect(routes.findInCrm.schema.safeParse({ chatroomId: 'cr_1', lookup, shown }).success).toBe(false);
    expect(routes.findInCrm.schema.safeParse({ chatroomId: 'cr_1', lookup: 9, shown }).success).toBe(true);
  });
});

describe('saveCardState', () => {
  it('keeps whether the agent collapsed the card, and getDashboardSetup answers it', async () => {
    const { routes, log } = setup(DIRECT);
    expect(await routes.saveCardState.run({ collapsed: true })).toEqual({ collapsed: true });
    expect(log).toEqual(['cardState true']);
    expect((await routes.getDashboardSetup.run({})).collapsed).toBe(true);
  });
});

describe('the pages the routes act on', () => {
  it('every dashboard route names the page it was sent from (for the sender check), saveCardState none', () => {
    const { routes } = setup(DIRECT);
    expect(routes.getDashboardSetup.pageUrl?.({ pageUrl: CHATROOM_PAGE })).toBe(CHATROOM_PAGE);
    expect(routes.chatroomOpened.pageUrl?.({ chatroomId: 'cr_1', pageUrl: CHATROOM_PAGE })).toBe(CHATROOM_PAGE);
    expect(routes.openCrmRecord.pageUrl?.({ chatroomId: 'cr_1', pageUrl: CHATROOM_PAGE })).toBe(CHATROOM_PAGE);
    expect(routes.saveCardState).not.toHaveProperty('pageUrl');
  });
});
