import { browser } from 'wxt/browser';
import type { CachedToken, TokenStore } from '../crm-actions/auth';
import { runCrmAction } from '../crm-actions/run';
import { type CrmActionRunner, crmActionRunner } from '../crm-actions/runner';
import type { CrmActionEvent } from '../crm-actions/schema';
import type { ResolvedConfig } from '../config/resolve';
import { resolveAgent } from '../config/resolve';
import { CONFIG_DEFAULTS } from '../config/schema';
import type { ActionOutcome, Lead } from '../messaging';
import { sendMessage } from '../messaging';
import { redact } from '../redact';
import type { BridgeDatabase } from '../store/db';
import { dexieCrmActionJournal } from '../store/crm-action-journal';

/**
 * Direct mode's CRM write-back (crmActions): after a Chat or Login the background journals one row per action
 * concerned and runs it, never before the agent has their chat; retries wait in the journal (IndexedDB) and are
 * picked up when the worker starts again or its alarm fires. The outcome goes to the CRM tab as a second toast.
 */
export interface CrmWriteBack {
  /** After an action answered the agent: journal and start the write-backs its event calls for. */
  after(event: CrmActionEvent, config: ResolvedConfig, outcome: ActionOutcome, context: { lead?: Lead; tabId?: number }): void;
  /** Runs what is due (worker start, alarm). */
  resume(): void;
}

const ALARM = 'crm-actions';
/** Waits shorter than this run on a timer in the worker; the alarm is the fallback when the worker stops. */
const TIMER_LIMIT_MS = 5 * 60_000;

export function crmWriteBack(db: BridgeDatabase, loadConfig: () => Promise<ResolvedConfig>): CrmWriteBack {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tokens = sessionTokens();
  const runner: CrmActionRunner = crmActionRunner({
    journal: dexieCrmActionJournal(db),
    actions: async () => (await loadConfig()).values.crmActions ?? [],
    run: (action, variables) => runCrmAction(action, variables, { fetch: (input, init) => fetch(input, init), now: Date.now, tokens }),
    notify: (row, notice) => {
      if (row.tabId === undefined) return;
      sendMessage('crmActionOutcome', { ok: notice.ok, message: notice.message.slice(0, 1000) }, row.tabId).catch(() => undefined); // the tab closed
    },
    wakeAt: (at) => {
      const wait = Math.max(0, at - Date.now());
      clearTimeout(timer);
      if (wait < TIMER_LIMIT_MS) timer = setTimeout(drain, wait);
      browser.alarms?.create(ALARM, { when: Math.max(at, Date.now() + 30_000) });
    },
    now: Date.now,
  });
  const drain = () => {
    runner.drain().catch((error) => console.warn(redact(`CRM Chat Bridge: the CRM write-back failed: ${String(error)}`)));
  };
  browser.alarms?.onAlarm.addListener((alarm) => {
    if (alarm.name === ALARM) drain();
  });
  return {
    resume: drain,
    after(event, config, outcome, { lead, tabId }) {
      const actions = config.values.crmActions ?? [];
      if (!actions.some((action) => action.on.includes(event))) return;
      const agent = resolveAgent(config.values);
      const detail = outcome.ok ? outcome.detail : undefined;
      runner
        .enqueue({
          event,
          eventId: crypto.randomUUID(),
          ...(lead ? { lead } : {}),
          ...(agent ? { agent } : {}),
          ...(detail ? { chat: detail } : {}),
          outcome: outcome.message,
          now: Date.now(),
          defaultCountry: config.values.defaultCountry ?? CONFIG_DEFAULTS.defaultCountry,
          ...(tabId === undefined ? {} : { tabId }),
        })
        .catch((error) => console.warn(redact(`CRM Chat Bridge: could not journal the CRM write-back: ${String(error)}`)));
    },
  };
}

/** Access tokens for the CRM's API, kept for the browser session where no page or content script reads them. */
function sessionTokens(): TokenStore {
  const area = browser.storage.session;
  const key = (name: string) => `crmToken:${encodeURIComponent(name)}`;
  const memory = new Map<string, CachedToken>();
  return {
    get: async (name) => memory.get(name) ?? ((await area?.get(key(name)))?.[key(name)] as CachedToken | undefined),
    set: async (name, token) => {
      memory.set(name, token);
      await area?.set({ [key(name)]: token });
    },
    delete: async (name) => {
      memory.delete(name);
      await area?.remove(key(name));
    },
  };
}
