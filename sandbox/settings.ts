import { z } from 'zod';

/**
 * Switches for the provider behaviours the docs leave UNCONFIRMED, so the extension can be tested against
 * every plausible answer instead of the one the sandbox happens to give.
 */

const STAGE_PATH_PARAMS = ['{orgId}', '{contactId}', '{crmId}'];
export const DEFAULT_STAGE_PATH = '/v1/orgs/{orgId}/contact/{contactId}/stage';

export const SettingsSchema = z.strictObject({
  magicLinkShape: z.enum(['object', 'string', 'camel', 'no-expiry']),
  assignResponseShape: z.enum(['default', 'nested', 'id', 'empty']),
  conflictPayloadIncludesId: z.boolean(),
  magicLinkTtlSeconds: z.int().min(1).max(30 * 24 * 3600),
  /**
   * Path of the "update disposition & stage" call (PUT), whose route the docs do not give. `{orgId}`,
   * `{contactId}` and `{crmId}` stand for one path segment each; one of the last two is required. The
   * extension's contactStageUrlTemplate must point at the same path. A path equal to another endpoint's
   * loses to that endpoint.
   */
  stagePath: z
    .string()
    .max(300)
    .regex(/^\/[^?#\s]*$/, 'must be a path starting with /, without query or fragment')
    .refine((path) => path.includes('{contactId}') || path.includes('{crmId}'), 'must contain {contactId} or {crmId}')
    .refine((path) => (path.match(/\{[^}]*\}/g) ?? []).every((name) => STAGE_PATH_PARAMS.includes(name)), {
      message: 'the only placeholders are {orgId}, {contactId} and {crmId}',
    }),
});

export type Settings = z.infer<typeof SettingsSchema>;

export const SettingsPatchSchema = SettingsSchema.partial();

export function defaultSettings(): Settings {
  return {
    magicLinkShape: 'object',
    assignResponseShape: 'default',
    conflictPayloadIncludesId: false,
    magicLinkTtlSeconds: 900,
    stagePath: DEFAULT_STAGE_PATH,
  };
}
