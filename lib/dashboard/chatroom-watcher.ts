import type { CrmProfile } from '../crm/profile';
import { watchLocation } from '../crm/watch/location';

/**
 * Keeps one CRM card on the dashboard's chatroom page the tab shows, whichever way the agent got there (loaded
 * on it, from the chatroom list, Back/Forward, a link between chatrooms): one URL test per address change, and
 * nothing at all on other dashboard pages. `mount` is called once per chatroom visited; what it returns is
 * destroyed when the agent leaves that chatroom.
 */
export function watchChatrooms(options: {
  profile: Pick<CrmProfile, 'matchUrl'>;
  signal: AbortSignal;
  mount(chatroomId: string): { destroy(): void };
  doc?: Document;
}): void {
  const { profile, signal, mount, doc = document } = options;
  let current: { chatroomId: string; ui: { destroy(): void } } | undefined;
  const show = () => {
    const chatroomId = chatroomIdOf(profile, doc.location.href);
    if (chatroomId === current?.chatroomId) return;
    current?.ui.destroy();
    current = chatroomId && !signal.aborted ? { chatroomId, ui: mount(chatroomId) } : undefined;
  };
  watchLocation(doc, signal, show);
  show();
  signal.addEventListener('abort', () => current?.ui.destroy(), { once: true });
}

/** The chatroom id the address names (the rule's record id, `:id`), or undefined on any other page. */
export function chatroomIdOf(profile: Pick<CrmProfile, 'matchUrl'>, href: string): string | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  const id = profile.matchUrl(url)?.id;
  return id ? id.slice(0, 256) : undefined;
}
