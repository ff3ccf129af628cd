import { browser } from 'wxt/browser';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { LEAD_ACTIONS_CSS, LeadActions, workerWaker } from '../../components/LeadActions';
import { mountInShadow } from '../../components/mount-in-shadow';
import { compileSetup } from '../../lib/crm/find-profile';
import { watchLeadPages } from '../../lib/crm/lead-watcher';
import { BUILT_IN_MATCHES } from '../../lib/crm/matches';
import { restrictToTenants } from '../../lib/crm/tenants';
import { findProfileIn } from '../../lib/crm/find-profile';
import { dispatchPageEvent, pageEventDetail } from '../../lib/crm/page-events';
import { type ActionOutcome, isExtensionPage, type Lead, type Notice, onMessage, type PageSetup, SENDERS, sendMessage } from '../../lib/messaging';

export default defineContentScript({
  // Registered by the background at run time, for the company's tenants of the built-in CRMs only (crmTenants)
  // and the admin rules' granted hosts: lib/background/rule-hosts.ts says why and what covers the gaps. These
  // matches only make the built-in CRMs' domains the build's host permissions.
  registration: 'runtime',
  matches: BUILT_IN_MATCHES,
  // The runtime registration's runAt (CONTENT_SCRIPT_RUN_AT in lib/background/rule-hosts.ts) is what applies.
  runAt: 'document_start',
  async main(ctx: ContentScriptContext) {
    const { setup, problem } = await loadPageSetup();
    await documentRoot();
    if (ctx.isInvalid) return;
    const compiled = compileSetup(setup);
    // Second line behind the registration: a built-in profile accepts only the allowed tenants' URLs, on every
    // navigation (a HubSpot portal is a path, which a match pattern cannot bound exactly).
    const profiles = restrictToTenants(compiled.profiles, setup.crmTenants);
    const problems = [...setup.problems, ...compiled.problems];
    const notices = noticeBoard();
    // One throttle for the page, across the records it shows: the worker it wakes serves them all.
    const wake = workerWaker(() => sendMessage('wakeUp', undefined));
    const watcher = watchLeadPages({
      profiles,
      signal: ctx.signal,
      setupProblems: problem ? [problem, ...problems] : problems,
      createUi: (source) =>
        mountInShadow(
          'crm-chat-bridge',
          LEAD_ACTIONS_CSS,
          <LeadActions
            readLead={source.readForClick}
            openChat={async (lead) => announced(await sendMessage('openChat', lead), lead)}
            login={async () => announced(await sendMessage('login', { pageUrl: location.href }))}
            subscribeNotices={notices.subscribe}
            wake={wake}
          />,
        ),
    });
    // Page events, for a rule that asks for them: after the outcome, on the page the action was clicked on.
    const announced = (outcome: ActionOutcome, lead?: Lead): ActionOutcome => {
      const profile = findProfileIn(location.href, profiles);
      if (profile?.pageEvents) {
        const event = lead ? (outcome.ok ? 'chat-opened' : 'chat-failed') : 'login';
        if (lead || outcome.ok) dispatchPageEvent(document, pageEventDetail(event, outcome, lead, new Date()));
      }
      return outcome;
    };
    const removeNoticeHandler = onMessage('crmActionOutcome', ({ data, sender }) => {
      if (!fromExtension('crmActionOutcome', sender)) return;
      notices.tell({ ok: data.ok === true, message: String(data.message).slice(0, 1000) });
    });
    ctx.onInvalidated(removeNoticeHandler);
    const removeStatusHandler = onMessage('getDetectionStatus', ({ sender }) => {
      if (!fromExtension('getDetectionStatus', sender)) throw new Error('Only the extension’s own pages may ask what this page shows.');
      return watcher.status();
    });
    ctx.onInvalidated(removeStatusHandler);
  },
});

/** Resolves once the document has its root element: at document_start the parser may not have made it yet. */
function documentRoot(): Promise<void> {
  if (document.documentElement) return Promise.resolve();
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (!document.documentElement) return;
      observer.disconnect();
      resolve();
    });
    observer.observe(document, { childList: true });
  });
}

/** The one sender table (lib/messaging.ts): the messages a content script answers come from the extension's own pages. */
function fromExtension(name: 'getDetectionStatus' | 'crmActionOutcome', sender: Parameters<typeof isExtensionPage>[0]): boolean {
  return SENDERS[name].includes('extension-page') && isExtensionPage(sender, browser.runtime.id, browser.runtime.getURL('/'));
}

/** Later news for the buttons shown now (the CRM write-back's outcome). */
function noticeBoard() {
  const listeners = new Set<(notice: Notice) => void>();
  return {
    subscribe: (listener: (notice: Notice) => void) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    tell: (notice: Notice) => {
      for (const listener of listeners) listener(notice);
    },
  };
}

/**
 * No profiles, and say so in the diagnostics, when the background cannot be reached or answers oddly. The
 * reply is checked by shape here rather than with zod (kept out of this bundle): the rule engine treats
 * whatever it gets as untrusted anyway and reports what it cannot use.
 */
async function loadPageSetup(): Promise<{ setup: PageSetup; problem?: string }> {
  try {
    const reply: unknown = await sendMessage('getPageSetup', undefined);
    if (isPageSetup(reply)) return { setup: reply };
    return { setup: EMPTY_SETUP, problem: 'the extension sent unreadable detection settings; detection is off' };
  } catch (error) {
    return {
      setup: EMPTY_SETUP,
      problem: `the extension's detection settings could not be loaded (${error instanceof Error ? error.message : String(error)}); detection is off`,
    };
  }
}

/** A crmTenants of any other shape than a list of strings is unreadable: then, as with no setup, detection is off. */
function isPageSetup(value: unknown): value is PageSetup {
  if (typeof value !== 'object' || value === null) return false;
  const setup = value as Record<string, unknown>;
  const tenants = setup.crmTenants === undefined || (Array.isArray(setup.crmTenants) && setup.crmTenants.every((entry) => typeof entry === 'string'));
  return tenants && Array.isArray(setup.crmRules) && Array.isArray(setup.builtIns) && Array.isArray(setup.problems) && typeof setup.defaultCountry === 'string';
}

const EMPTY_SETUP: PageSetup = { crmRules: [], builtIns: [], problems: [], defaultCountry: 'US' };
