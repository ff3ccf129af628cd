/**
 * Where the content script is injected in release builds: the built-in CRMs' domains. On a page here that no
 * profile claims, the script does a URL test and nothing else. (Dev-hosts builds add the demo CRM.) Match
 * patterns cannot say "*.crm*.dynamics.com"; the Dynamics profile's own URL test narrows *.dynamics.com.
 * Kept apart from the profile declarations: the content script imports this list, not the declarations
 * (it gets the active ones from the background, see getPageSetup).
 */
export const BUILT_IN_MATCHES = [
  'https://*.lightning.force.com/*',
  'https://app.hubspot.com/*',
  'https://app-eu1.hubspot.com/*',
  'https://app-na2.hubspot.com/*',
  'https://crm.zoho.com/*',
  'https://crm.zoho.eu/*',
  'https://crm.zoho.in/*',
  'https://crm.zoho.com.au/*',
  'https://crm.zoho.jp/*',
  'https://*.pipedrive.com/*',
  'https://*.dynamics.com/*',
  'https://*.myfreshworks.com/*',
  'https://*.freshsales.io/*',
];
