import { DEMO_PROFILE_BUILT } from './profiles/ids';

/**
 * Where the built-in CRMs live, and what tells one company's account there (its tenant) from another's: the
 * host for most (acme.pipedrive.com), the portal id in the path for HubSpot (every portal shares
 * app.hubspot.com), the org segment for Zoho (/crm/org746753262/…; every org shares crm.zoho.<tld>).
 * lib/crm/tenants.ts turns the admin's `crmTenants` into match patterns and URL checks from this table.
 * Kept apart from the profile declarations: the content script imports this table, not the declarations
 * (it gets the active ones from the background, see getPageSetup). Match patterns cannot say
 * "*.crm*.dynamics.com"; the Dynamics profile's own URL test narrows *.dynamics.com.
 */
export type TenantKind = 'host' | 'hubspot-portal' | 'zoho-org';

export interface BuiltInSite {
  /** The built-in profile (lib/crm/profiles) that runs here. */
  profile: string;
  scheme: 'https' | 'http';
  /** Match-pattern hosts: exact, or `*.` and a domain (which then names the tenant's host). */
  hosts: readonly string[];
  /** The match-pattern path the content script needs on these hosts. */
  path: string;
  tenant: TenantKind;
}

const CRM_SITES: readonly BuiltInSite[] = [
  { profile: 'salesforce', scheme: 'https', hosts: ['*.lightning.force.com'], path: '/*', tenant: 'host' },
  { profile: 'hubspot', scheme: 'https', hosts: ['app.hubspot.com', 'app-eu1.hubspot.com', 'app-na2.hubspot.com'], path: '/*', tenant: 'hubspot-portal' },
  { profile: 'zoho', scheme: 'https', hosts: ['crm.zoho.com', 'crm.zoho.eu', 'crm.zoho.in', 'crm.zoho.com.au', 'crm.zoho.jp'], path: '/*', tenant: 'zoho-org' },
  { profile: 'pipedrive', scheme: 'https', hosts: ['*.pipedrive.com'], path: '/*', tenant: 'host' },
  { profile: 'dynamics', scheme: 'https', hosts: ['*.dynamics.com'], path: '/*', tenant: 'host' },
  { profile: 'freshsales', scheme: 'https', hosts: ['*.myfreshworks.com', '*.freshsales.io'], path: '/*', tenant: 'host' },
];

/** The sandbox's demo CRM (lib/crm/profiles/demo.ts): dev-hosts builds only. */
const DEMO_SITE: BuiltInSite = { profile: 'demo', scheme: 'http', hosts: ['localhost', '127.0.0.1'], path: '/crm/*', tenant: 'host' };

export const BUILT_IN_SITES: readonly BuiltInSite[] = DEMO_PROFILE_BUILT ? [...CRM_SITES, DEMO_SITE] : CRM_SITES;

/** The match patterns of a site table: where the built-in profiles can run at all. */
export function siteMatches(sites: readonly BuiltInSite[]): string[] {
  return sites.flatMap((site) => site.hosts.map((host) => `${site.scheme}://${host}${site.path}`));
}

/**
 * The built-in SaaS CRMs' domains: the content script's host permissions in every build (WXT adds a runtime-
 * registered script's `matches` to host_permissions). Where it actually runs is registered at run time from
 * `crmTenants` (lib/background/rule-hosts.ts).
 */
export const BUILT_IN_MATCHES = siteMatches(CRM_SITES);
