import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { CRM_CARD_CSS, CrmCard } from '../../components/CrmCard';
import { mountInShadow } from '../../components/mount-in-shadow';
import { compileRule } from '../../lib/crm/rules/engine';
import { watchChatrooms } from '../../lib/dashboard/chatroom-watcher';
import { type DashboardSetup, sendMessage } from '../../lib/messaging';

export default defineContentScript({
  // Registered by the background for the configured dashboard only (lib/background/dashboard-script.ts); these
  // matches only make Saleschat's own dashboard host part of the build's host permissions (it already is).
  registration: 'runtime',
  matches: ['https://*.saleschat.pro/*'],
  runAt: 'document_idle',
  async main(ctx: ContentScriptContext) {
    const setup = await loadSetup();
    if (!setup?.rule || ctx.isInvalid) return;
    const profile = compileRule(setup.rule, 'built-in');
    if ('error' in profile) {
      console.warn(`CRM Chat Bridge: the dashboard rule cannot be used: ${profile.error}`);
      return;
    }
    let collapsed = setup.collapsed;
    watchChatrooms({
      profile,
      signal: ctx.signal,
      mount: (chatroomId) => {
        const ui = mountInShadow(
          'crm-chat-bridge-card',
          CRM_CARD_CSS,
          <CrmCard
            chatroomId={chatroomId}
            collapsed={collapsed}
            load={() => sendMessage('chatroomOpened', { chatroomId, pageUrl: location.href })}
            openInCrm={() => sendMessage('openCrmRecord', { chatroomId, pageUrl: location.href })}
            findInCrm={(lookup, shown) => sendMessage('findInCrm', { chatroomId, pageUrl: location.href, lookup, shown })}
            readShown={() => profile.readLead(document, new URL(location.href))}
            onCollapse={(value) => {
              collapsed = value;
              sendMessage('saveCardState', { collapsed: value }).catch(() => undefined);
            }}
          />,
        );
        document.documentElement.append(ui.host);
        return ui;
      },
    });
  },
});

/**
 * The background's answer, or none when it cannot be reached: then there is no card (the dashboard works as
 * ever). Checked by shape, not zod (kept out of this bundle); the rule engine treats the rule as untrusted.
 */
async function loadSetup(): Promise<DashboardSetup | undefined> {
  try {
    const reply: unknown = await sendMessage('getDashboardSetup', { pageUrl: location.href });
    if (reply && typeof reply === 'object' && typeof (reply as DashboardSetup).collapsed === 'boolean') return reply as DashboardSetup;
  } catch (error) {
    console.warn(`CRM Chat Bridge: no CRM card on this dashboard (${error instanceof Error ? error.message : String(error)}).`);
  }
  return undefined;
}
