/**
 * The ids of the built-in profiles, as admins write them in `crmProfiles`. Kept apart from the profile
 * declarations so the config schema can name an unknown id without importing every profile; a test checks
 * the two lists agree.
 */
export const BUILT_IN_PROFILE_IDS = ['salesforce', 'hubspot', 'zoho', 'pipedrive', 'dynamics', 'freshsales', 'demo'] as const;
export type BuiltInProfileId = (typeof BUILT_IN_PROFILE_IDS)[number];
