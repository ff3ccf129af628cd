import { useEffect, useRef } from 'preact/hooks';
import type { BuilderDraft } from '../../lib/crm/builder/draft';
import { checkRule, type RuleCheck } from '../../lib/crm/builder/verify';
import { watchLocation } from '../../lib/crm/watch/location';

/** How long a record may take to render after the address changed before the check says what is missing. */
const RENDER_WAIT_MS = 5000;

/**
 * The check of this page, again after every change of the page (debounced) and of the draft; and, once per
 * record, the result kept in the draft's list: the first reading that gives a lead, or after RENDER_WAIT_MS
 * what is missing.
 */
export function useLiveCheck(draft: BuilderDraft, setCheck: (check: RuleCheck) => void, record: (check: RuleCheck) => void) {
  const latest = useRef({ draft, record });
  latest.current = { draft, record };
  useEffect(() => setCheck(checkRule(draft.rule, document, location.href)), [draft.rule]);
  useEffect(() => {
    const stop = new AbortController();
    let since = Date.now();
    let recorded = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      timer = undefined;
      const result = checkRule(latest.current.draft.rule, document, location.href);
      setCheck(result);
      const worthKeeping = Object.keys(latest.current.draft.rule.fields).length > 0 && recorded !== location.href;
      if (worthKeeping && (result.ok || Date.now() - since >= RENDER_WAIT_MS)) {
        recorded = location.href;
        latest.current.record(result);
      }
    };
    const soon = (ms = 150) => {
      if (timer === undefined) timer = setTimeout(run, ms);
    };
    watchLocation(document, stop.signal, () => {
      since = Date.now();
      soon();
      setTimeout(() => soon(0), RENDER_WAIT_MS + 50);
    });
    const observer = new MutationObserver(() => soon());
    observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true, attributes: true });
    soon();
    setTimeout(() => soon(0), RENDER_WAIT_MS + 50);
    return () => {
      stop.abort();
      observer.disconnect();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, []);
}

