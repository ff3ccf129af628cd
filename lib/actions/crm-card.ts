import type { CrmCard, Lead } from '../messages';
import { pickPhone } from '../phone';

/** Who opened the chat from the CRM, as the card names them. */
export interface CardOpener {
  email?: string | undefined;
  name?: string | undefined;
}

/**
 * The CRM card for a lead, as the Chat on it saw it (direct mode: the background; team mode: the gateway, with the
 * signed-in agent as opener). The phone is the one the Chat sent, as the page shows it; the page URL is kept only
 * when it is a web page (http or https), so "Open in CRM" can never run a script URL a page slipped in.
 */
export function cardFromLead(lead: Lead, opener: CardOpener | undefined, now: number, defaultCountry: string): CrmCard {
  const pageUrl = webPageUrl(lead.pageUrl);
  const who = opener && (opener.email || opener.name) ? { ...optional('email', opener.email, 320), ...optional('name', opener.name, 256) } : undefined;
  return {
    crmId: lead.crmId,
    crmLabel: lead.profileLabel ?? lead.profileId,
    ...optional('pageUrl', pageUrl, PAGE_URL_MAX),
    ...optional('firstName', lead.firstName),
    ...optional('lastName', lead.lastName),
    ...optional('phone', shownPhone(lead, defaultCountry)),
    ...optional('email', lead.email),
    ...optional('ownerName', lead.ownerName),
    ...optional('ownerEmail', lead.ownerEmail),
    ...optional('status', lead.status),
    extra: lead.extra ?? [],
    ...(who ? { openedBy: who } : {}),
    openedAt: now,
  };
}

/**
 * `url` when it parses as an http(s) address no longer than the card keeps (parsing percent-encodes, so a page
 * address can grow several times over), else undefined: a page we could not reopen exactly is better not offered.
 */
export function webPageUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    const web = parsed.protocol === 'https:' || parsed.protocol === 'http:';
    return web && parsed.href.length <= PAGE_URL_MAX ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** The number the Chat picked, as the page showed it; the first number when none could be read. */
function shownPhone(lead: Lead, defaultCountry: string): string | undefined {
  try {
    const pick = pickPhone(lead, defaultCountry);
    if (pick) return pick.shown;
  } catch {
    // An unreadable number is still what the CRM shows; the card is for people.
  }
  return lead.phones?.[0]?.number ?? lead.phone;
}

const PAGE_URL_MAX = 2048;

/** `{ key: value }` when the value is not blank, cut to `max` (the card's limits; a member's name has none). */
function optional<K extends string>(key: K, value: string | undefined, max = 1000): { [P in K]?: string } {
  const trimmed = value?.trim().slice(0, max);
  return (trimmed ? { [key]: trimmed } : {}) as { [P in K]?: string };
}
