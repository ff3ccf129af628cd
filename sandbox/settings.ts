import { z } from 'zod';

/**
 * Switches for the provider behaviours the docs leave UNCONFIRMED, so the extension can be tested against
 * every plausible answer instead of the one the sandbox happens to give.
 */

export const SettingsSchema = z.strictObject({
  magicLinkShape: z.enum(['object', 'string', 'camel', 'no-expiry']),
  assignResponseShape: z.enum(['default', 'nested', 'id', 'empty']),
  conflictPayloadIncludesId: z.boolean(),
  magicLinkTtlSeconds: z.int().min(1).max(30 * 24 * 3600),
});

export type Settings = z.infer<typeof SettingsSchema>;

export const SettingsPatchSchema = SettingsSchema.partial();

export function defaultSettings(): Settings {
  return {
    magicLinkShape: 'object',
    assignResponseShape: 'default',
    conflictPayloadIncludesId: false,
    magicLinkTtlSeconds: 900,
  };
}
