import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { LEAD_ACTIONS_CSS, LeadActions } from '../../components/LeadActions';
import { mountInShadow } from '../../components/mount-in-shadow';
import { watchLeadPages } from '../../lib/crm/lead-watcher';
import { BUILT_IN_MATCHES, BUILT_IN_PROFILES } from '../../lib/crm/profiles';
import { sendMessage } from '../../lib/messaging';

export default defineContentScript({
  matches: BUILT_IN_MATCHES,
  runAt: 'document_idle',
  main(ctx: ContentScriptContext) {
    watchLeadPages({
      profiles: BUILT_IN_PROFILES,
      signal: ctx.signal,
      onLocationChange: (callback) => ctx.addEventListener(window, 'wxt:locationchange', callback),
      createUi: (readLead) =>
        mountInShadow(
          'crm-chat-bridge',
          LEAD_ACTIONS_CSS,
          <LeadActions readLead={readLead} openChat={(lead) => sendMessage('openChat', lead)} login={() => sendMessage('login')} />,
        ),
    });
  },
});
