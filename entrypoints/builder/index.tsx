import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { BuilderPanel } from '../../components/builder/BuilderPanel';
import { BUILDER_CSS } from '../../components/builder/builder-css';
import { mountInShadow } from '../../components/mount-in-shadow';
import { sendMessage } from '../../lib/messaging';

/**
 * The rule builder ("Teach this page"): injected by the background when the popup opens it on a tab, and again
 * on each page load of that tab while it is open (lib/background/builder.ts). Loaded only then, so agents'
 * pages never carry it.
 */
export default defineUnlistedScript(async () => {
  const scope = globalThis as { __crmChatBridgeBuilder?: boolean };
  // Injected twice into one document (the popup's start and the site's registration): one panel.
  if (scope.__crmChatBridgeBuilder) return;
  scope.__crmChatBridgeBuilder = true;
  // Refused in a tab where the popup did not open the builder (another tab of the same site): nothing to show.
  const state = await sendMessage('builderState', undefined).catch(() => undefined);
  if (!state) return;
  const ui = mountInShadow(
    'crm-chat-bridge-builder',
    BUILDER_CSS,
    <BuilderPanel
      state={state}
      host={() => ui.host}
      api={{
        saveDraft: (draft) => sendMessage('builderSaveDraft', draft),
        saveRule: (rule, replaces) => sendMessage('builderSaveRule', { rule, ...(replaces ? { replaces } : {}) }),
        end: async () => {
          await sendMessage('builderEnd', undefined);
          ui.destroy();
          scope.__crmChatBridgeBuilder = false;
        },
        reload: () => location.reload(),
      }}
    />,
  );
  document.documentElement.append(ui.host);
});
