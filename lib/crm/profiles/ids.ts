/**
 * The ids of the built-in profiles, as admins write them in `crmProfiles`. Kept apart from the profile
 * declarations so the config schema can name an unknown id without importing every profile; a test checks
 * the two lists agree.
 */
const CRM_PROFILE_IDS = ['salesforce', 'hubspot', 'zoho', 'pipedrive', 'dynamics', 'freshsales'] as const;

/**
 * Whether this build carries the demo CRM profile (the sandbox's CRM on localhost): only the dev-hosts
 * flavour does (CCB_DEMO_PROFILE, see wxt.config.ts). A constant at build time, so release bundles drop the
 * profile, its id and its pages' match patterns altogether. Optional chaining: wxt.config.ts imports the config
 * schema (and so this file) in Node, where import.meta.env does not exist.
 */
export const DEMO_PROFILE_BUILT: boolean = import.meta.env?.CCB_DEMO_PROFILE === 'true';

export type BuiltInProfileId = (typeof CRM_PROFILE_IDS)[number] | 'demo';
export const BUILT_IN_PROFILE_IDS: readonly [BuiltInProfileId, ...BuiltInProfileId[]] = DEMO_PROFILE_BUILT ? [...CRM_PROFILE_IDS, 'demo'] : CRM_PROFILE_IDS;
