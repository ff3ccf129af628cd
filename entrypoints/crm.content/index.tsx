import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { LEAD_ACTIONS_CSS, LeadActions } from '../../components/LeadActions';
import { mountInShadow } from '../../components/mount-in-shadow';
import { watchLeadPages } from '../../lib/crm/lead-watcher';
import { compileSetup } from '../../lib/crm/find-profile';
import { BUILT_IN_MATCHES } from '../../lib/crm/matches';
import { onMessage, type PageSetup, PageSetupSchema, sendMessage } from '../../lib/messaging';

export default defineContentScript({
  matches: BUILT_IN_MATCHES,
  runAt: 'document_idle',
  async main(ctx: ContentScriptContext) {
    const { setup, problem } = await loadPageSetup();
    if (ctx.isInvalid) return;
    const compiled = compileSetup(setup);
    const problems = [...setup.problems, ...compiled.problems];
    const { profiles } = compiled;
    const watcher = watchLeadPages({
      profiles,
      signal: ctx.signal,
      setupProblems: problem ? [problem, ...problems] : problems,
      onLocationChange: (callback) => ctx.addEventListener(window, 'wxt:locationchange', callback),
      createUi: (readLead) =>
        mountInShadow(
          'crm-chat-bridge',
          LEAD_ACTIONS_CSS,
          <LeadActions readLead={readLead} openChat={(lead) => sendMessage('openChat', lead)} login={() => sendMessage('login')} />,
        ),
    });
    const removeStatusHandler = onMessage('getDetectionStatus', () => watcher.status());
    ctx.onInvalidated(removeStatusHandler);
  },
});

/** No profiles, and say so in the diagnostics, when the background cannot be reached or answers oddly. */
async function loadPageSetup(): Promise<{ setup: PageSetup; problem?: string }> {
  try {
    const reply = PageSetupSchema.safeParse(await sendMessage('getPageSetup'));
    if (reply.success) return { setup: reply.data };
    return { setup: EMPTY_SETUP, problem: 'the extension sent unreadable detection settings; detection is off' };
  } catch (error) {
    return {
      setup: EMPTY_SETUP,
      problem: `the extension's detection settings could not be loaded (${error instanceof Error ? error.message : String(error)}); detection is off`,
    };
  }
}

const EMPTY_SETUP: PageSetup = { crmRules: [], builtIns: [], problems: [], defaultCountry: 'US' };
