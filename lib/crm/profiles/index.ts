import type { CrmProfile } from '../profile';
import { demoProfile } from './demo';

/** Every built-in profile. The detection issue adds Salesforce, HubSpot, Zoho, Pipedrive, Dynamics, Freshsales. */
export const BUILT_IN_PROFILES: readonly CrmProfile[] = [demoProfile];

/** The first profile that claims the URL, or undefined. Cheap: URL tests only. */
export function findProfileForUrl(url: string | URL, profiles: readonly CrmProfile[] = BUILT_IN_PROFILES): CrmProfile | undefined {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return undefined;
  }
  return profiles.find((profile) => profile.matchesUrl(parsed));
}

/**
 * Where the content script is injected in release builds: the built-in CRMs' domains. On a page here that no
 * profile claims, the script does a URL test and nothing else. (Dev-hosts builds add the demo CRM.)
 */
export const BUILT_IN_MATCHES = [
  'https://*.lightning.force.com/*',
  'https://app.hubspot.com/*',
  'https://crm.zoho.com/*',
  'https://*.pipedrive.com/*',
  'https://*.dynamics.com/*',
  'https://*.myfreshworks.com/*',
];
