import type { CrmProfile } from '../crm/profile';
import { BUILT_IN_PROFILES, findProfileForUrl } from '../crm/profiles';

/** The parts of runtime.MessageSender we trust-check (the same in Chrome and Firefox). */
export interface MessageSender {
  id?: string;
  url?: string;
  tab?: { url?: string };
}

export class UntrustedSenderError extends Error {
  override readonly name = 'UntrustedSenderError';
}

/** A page of this extension (options, popup): same extension id and a URL under our own origin. */
export function assertExtensionPage(sender: MessageSender, runtimeId: string, extensionOrigin: string): void {
  if (sender.id !== runtimeId || !sender.url?.startsWith(extensionOrigin)) {
    throw new UntrustedSenderError('This request is only accepted from the extension’s own pages.');
  }
}

/**
 * Our content script in a CRM tab: same extension id, a tab, and a tab URL that an active CRM profile or admin
 * rule claims (`profiles`: see activeCrmProfiles in page-setup.ts; the built-ins when not given). A message
 * from any other context (another extension, a web page) is refused.
 */
export function assertCrmContentScript(sender: MessageSender, runtimeId: string, profiles: readonly CrmProfile[] = BUILT_IN_PROFILES): void {
  // The frame that sent the message, falling back to its tab: a CRM may run its record view in a frame.
  const url = sender.url ?? sender.tab?.url;
  if (sender.id !== runtimeId || !sender.tab || !url || !findProfileForUrl(url, profiles)) {
    throw new UntrustedSenderError('This request is only accepted from a CRM page the extension recognises.');
  }
}
