import type { CrmProfile } from '../crm/profile';
import { isDashboardUrl } from '../actions/dashboard-tab';
import { findProfileIn } from '../crm/find-profile';
import { isExtensionPage, type MessageSender, type SenderKind } from '../messaging';

export type { MessageSender };

/** Thrown back to the sender (its name survives the message channel, so the content script can tell it). */
export class UntrustedSenderError extends Error {
  override readonly name = 'UntrustedSenderError';
}

export interface SenderCheckContext {
  runtimeId: string;
  /** browser.runtime.getURL('/') */
  extensionOrigin: string;
  /** The CRM profiles in force now (admin rules + selected built-ins); asked only for `crm-page`. */
  profiles(): Promise<readonly CrmProfile[]>;
  /** The Saleschat dashboard's URL this browser is configured for (direct or team mode); asked only for `dashboard-page`. */
  dashboardUrl?(): Promise<string | undefined>;
  /** Whether the popup opened the rule builder in this tab; asked only for `builder-tab`. */
  builderTab?(tabId: number): Promise<boolean>;
}

/**
 * The page a content script's tab shows now. The tab's URL is the browser's own record of it and follows
 * same-document navigations; the sender's `url` does not (Chrome keeps the URL the document was loaded with,
 * e.g. the CRM's list the agent entered from). Where the browser hides the tab's URL (no host access to it),
 * the content script's own reading is used, but only within the origin of the document that sent it: a page
 * can change its path, never its origin, without reloading. Only the top frame: our script runs nowhere else.
 */
export function pageShown(sender: MessageSender, claimedPageUrl: string | undefined): string | undefined {
  if (!sender.tab || (sender.frameId ?? 0) !== 0) return undefined;
  if (sender.tab.url) return sender.tab.url;
  if (claimedPageUrl && sender.url && sameOrigin(claimedPageUrl, sender.url)) return claimedPageUrl;
  return undefined;
}

/**
 * Resolves when `sender` is one of the `allowed` kinds (lib/messaging.ts SENDERS); otherwise throws an
 * UntrustedSenderError that says why in words an agent can act on.
 */
export async function checkSender(
  allowed: readonly SenderKind[],
  sender: MessageSender,
  context: SenderCheckContext,
  claimedPageUrl?: string,
): Promise<void> {
  if (sender.id !== context.runtimeId) throw new UntrustedSenderError('This request is only accepted from CRM Chat Bridge itself.');
  if (allowed.includes('extension-page') && isExtensionPage(sender, context.runtimeId, context.extensionOrigin)) return;
  const fromTab = Boolean(sender.tab) && (sender.frameId ?? 0) === 0 && !isExtensionPage(sender, context.runtimeId, context.extensionOrigin);
  if (fromTab && allowed.includes('content-script')) return;
  if (fromTab && allowed.includes('crm-page')) {
    const shown = pageShown(sender, claimedPageUrl);
    if (!shown) throw new UntrustedSenderError('The extension cannot tell which page this tab shows, so it does not act on it.');
    if (findProfileIn(shown, await context.profiles())) return;
    throw new UntrustedSenderError(`This tab shows ${describeUrl(shown)}, which no active CRM profile or admin rule covers, so the extension does not act on it.`);
  }
  if (fromTab && allowed.includes('dashboard-page')) {
    const shown = pageShown(sender, claimedPageUrl);
    const dashboardUrl = await context.dashboardUrl?.();
    if (shown && dashboardUrl && isDashboardUrl(shown, dashboardUrl)) return;
    throw new UntrustedSenderError('This request is only accepted from the Saleschat dashboard this browser is configured for.');
  }
  if (fromTab && allowed.includes('builder-tab')) {
    const tabId = sender.tab?.id;
    if (tabId !== undefined && (await context.builderTab?.(tabId))) return;
    throw new UntrustedSenderError('Only the rule builder, opened from the extension’s popup in this tab, may do this.');
  }
  throw new UntrustedSenderError(`This request is only accepted from ${allowed.map(describeKind).join(' or ')}.`);
}

function describeKind(kind: SenderKind): string {
  if (kind === 'dashboard-page') return 'the Saleschat dashboard';
  if (kind === 'builder-tab') return 'the rule builder';
  return kind === 'extension-page' ? 'the extension’s own pages' : kind === 'crm-page' ? 'a CRM page the extension recognises' : 'the extension’s content script';
}

function describeUrl(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
