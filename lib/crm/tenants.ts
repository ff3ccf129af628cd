import { BUILT_IN_SITES, type BuiltInSite, siteMatches, type TenantKind } from './matches';
import type { CrmProfile } from './profile';

/**
 * `crmTenants`: the company's own accounts (tenants) of the built-in CRMs. Anyone can open a free trial of
 * Salesforce, HubSpot, Pipedrive… and a page of that trial looks, to a built-in profile, like any other lead
 * page: without this list the buttons would appear there and Chat would send lead data to the company's
 * Saleschat. Absent: every tenant (as before the key existed). Set: the built-in profiles run on the listed
 * tenants only, which this module enforces in two places that cannot disagree (one parse, one table):
 * - where the content script is registered at all (builtInMatches, used by lib/background/rule-hosts.ts);
 * - which URLs a built-in profile accepts (restrictToTenants), in the content script and in the background's
 *   sender check, so a page outside the list gets no buttons and its Chat / Login messages are refused even
 *   where a match pattern cannot be exact (HubSpot portals share one host).
 * Admin rules (crmRules) are not affected: the admin wrote their URLs.
 */

export type TenantEntry = { kind: 'host'; host: string } | { kind: 'hubspot-portal'; portal: string } | { kind: 'zoho-org'; org: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const PORTAL = /^\d{1,15}$/;
const ZOHO_ORG = /^org\d{1,20}$/;

export const TENANT_EXAMPLES =
  'a host name such as acme.lightning.force.com (or acme.my.salesforce.com), acme.pipedrive.com, acme.crm4.dynamics.com or acme.myfreshworks.com, a HubSpot portal id such as 4151234, or a Zoho org such as org746753262';

/**
 * One crmTenants entry, read: a HubSpot portal (digits), a Zoho org (`org` and digits), or the host of a tenant
 * of a built-in CRM whose tenants are hosts (Salesforce My Domain hosts read as their Lightning host).
 * Undefined: the entry names no tenant, and allows nothing. No messages here (the content script bundles this):
 * tenantProblem says what is wrong.
 */
export function readTenant(raw: string, sites: readonly BuiltInSite[] = BUILT_IN_SITES): TenantEntry | undefined {
  const entry = raw.trim().toLowerCase();
  if (PORTAL.test(entry)) return { kind: 'hubspot-portal', portal: entry };
  if (ZOHO_ORG.test(entry)) return { kind: 'zoho-org', org: entry };
  if (!entry.split('.').every((label) => LABEL.test(label))) return undefined;
  const host = salesforceLightningHost(entry);
  return sites.some((site) => site.tenant === 'host' && site.hosts.some((pattern) => hostIsTenantOf(host, pattern))) ? { kind: 'host', host } : undefined;
}

/** Why a crmTenants entry names no tenant of a built-in CRM, in words for the admin; undefined when it does. */
export function tenantProblem(raw: string, sites: readonly BuiltInSite[] = BUILT_IN_SITES): string | undefined {
  if (readTenant(raw, sites)) return undefined;
  const entry = raw.trim().toLowerCase();
  if (/[/:@?#\s]/.test(entry)) return `"${raw}" is not a host name: write the host only, without https://, a path or a port (e.g. acme.pipedrive.com)`;
  if (!entry.split('.').every((label) => LABEL.test(label))) {
    return `"${raw}" is not a host name (letters, digits and hyphens between dots; an international domain in its xn-- form)`;
  }
  const shared = sites.find((site) => site.tenant !== 'host' && site.hosts.includes(entry));
  if (shared?.tenant === 'hubspot-portal') {
    return `"${raw}" is shared by every HubSpot account: write your portal id instead (the number after /contacts/ in HubSpot's addresses, e.g. 4151234)`;
  }
  if (shared?.tenant === 'zoho-org') {
    return `"${raw}" is shared by every Zoho CRM org: write your org as Zoho's addresses show it instead (/crm/org746753262/… → org746753262)`;
  }
  return `"${raw}" is not a tenant of a built-in CRM: write ${TENANT_EXAMPLES}`;
}

/**
 * Salesforce names an org by its My Domain: acme.my.salesforce.com, and its Lightning pages (where the profile
 * runs) are on acme.lightning.force.com; sandboxes and other editions add labels before both suffixes
 * (acme--uat.sandbox.my.salesforce.com ↔ acme--uat.sandbox.lightning.force.com). Either form names the org.
 */
function salesforceLightningHost(host: string): string {
  return host.endsWith('.my.salesforce.com') ? `${host.slice(0, -'.my.salesforce.com'.length)}.lightning.force.com` : host;
}

/** `acme.pipedrive.com` is a tenant of `*.pipedrive.com` (pipedrive.com itself is not); an exact host is its own. */
function hostIsTenantOf(host: string, pattern: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern;
}

interface AllowedTenants {
  host: ReadonlySet<string>;
  'hubspot-portal': ReadonlySet<string>;
  'zoho-org': ReadonlySet<string>;
}

/** The usable entries by kind; an entry that names no tenant allows nothing. */
function allowedTenants(entries: readonly string[], sites: readonly BuiltInSite[]): AllowedTenants {
  const allowed = { host: new Set<string>(), 'hubspot-portal': new Set<string>(), 'zoho-org': new Set<string>() };
  for (const entry of entries) {
    const parsed = readTenant(entry, sites);
    if (!parsed) continue;
    allowed[parsed.kind].add(parsed.kind === 'host' ? parsed.host : parsed.kind === 'hubspot-portal' ? parsed.portal : parsed.org);
  }
  return allowed;
}

/**
 * The tenant a built-in profile's URL belongs to: the host; HubSpot's portal (the profile's `:portal`, also
 * its identity's {TENANT}); Zoho's org segment, which its addresses may leave out (then: none, and the page is
 * not allowed).
 */
export function tenantOfUrl(kind: TenantKind, url: URL, params: Readonly<Record<string, string>>): string | undefined {
  if (kind === 'host') return url.hostname.toLowerCase();
  if (kind === 'hubspot-portal') return params.portal;
  return /^\/crm\/(org\d+)(?:\/|$)/i.exec(url.pathname)?.[1]?.toLowerCase();
}

/**
 * The profiles with every built-in one limited to the listed tenants (absent list: unchanged). A built-in
 * profile this module has no site for runs nowhere once a list is set. Admin rules pass through.
 */
export function restrictToTenants<P extends CrmProfile>(profiles: readonly P[], entries: readonly string[] | undefined, sites: readonly BuiltInSite[] = BUILT_IN_SITES): P[] {
  if (entries === undefined) return [...profiles];
  const allowed = allowedTenants(entries, sites);
  const restricted: P[] = [];
  for (const profile of profiles) {
    if (profile.origin !== 'built-in') {
      restricted.push(profile);
      continue;
    }
    const site = sites.find((candidate) => candidate.profile === profile.id);
    if (!site) continue;
    const inner = profile;
    const matchUrl = (url: URL): Record<string, string> | null => {
      const params = inner.matchUrl(url);
      if (!params) return null;
      const tenant = tenantOfUrl(site.tenant, url, params);
      return tenant !== undefined && allowed[site.tenant].has(tenant) ? params : null;
    };
    restricted.push({
      ...inner,
      matchUrl,
      matchesUrl: (url: URL) => matchUrl(url) !== null,
      readLead: (doc: Document, url: URL) =>
        matchUrl(url) ? inner.readLead(doc, url) : { reason: `profile '${inner.label}': this account is not one of the company's tenants (crmTenants)` },
    });
  }
  return restricted;
}

/**
 * Where the built-in profiles' content script must be registered: every built-in CRM's domain when
 * `crmTenants` is absent, else exactly the listed tenants' hosts (HubSpot: the portal's paths on each HubSpot
 * host; Zoho: the org's paths on each Zoho domain). Only the sites of the profiles `crmProfiles` selects.
 */
export function builtInMatches(
  setup: { crmTenants?: readonly string[] | undefined; crmProfiles?: readonly string[] | undefined },
  sites: readonly BuiltInSite[] = BUILT_IN_SITES,
): string[] {
  const selected = Array.isArray(setup.crmProfiles) ? sites.filter((site) => setup.crmProfiles?.includes(site.profile)) : sites;
  if (setup.crmTenants === undefined) return [...new Set(siteMatches(selected))];
  const allowed = allowedTenants(setup.crmTenants, sites);
  const matches: string[] = [];
  for (const site of selected) {
    for (const pattern of site.hosts) {
      const at = `${site.scheme}://${pattern}`;
      if (site.tenant === 'host') {
        for (const host of allowed.host) if (hostIsTenantOf(host, pattern)) matches.push(`${site.scheme}://${host}${site.path}`);
      } else if (site.tenant === 'hubspot-portal') {
        // The portal is a path segment (/contacts/4151234/…, /reports-dashboard/4151234/…); `*` after it also
        // takes a longer id, which the URL check then refuses.
        for (const portal of allowed['hubspot-portal']) matches.push(`${at}/*/${portal}*`);
      } else {
        for (const org of allowed['zoho-org']) matches.push(`${at}/crm/${org}/*`);
      }
    }
  }
  return [...new Set(matches)];
}
