import type { ChromeSchema } from '../../../lib/config/managed-schema';

/**
 * What Chromium does to a policy value (observed in Chromium 156 with a probe extension, see
 * lib/config/managed-schema.ts): a value of the wrong JSON type is dropped, undeclared object properties are
 * stripped unless the object's additionalProperties says what they hold.
 */
export function chromeNormalize(schema: ChromeSchema, value: unknown): unknown {
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : value === null ? 'null' : typeof value;
  const fits = schema.type === actual || (schema.type === 'number' && actual === 'integer');
  if (!fits) return undefined;
  if (schema.type === 'array') return (value as unknown[]).map((item) => chromeNormalize(schema.items as ChromeSchema, item));
  if (schema.type === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const property = schema.properties?.[key] ?? schema.additionalProperties;
      if (property) out[key] = chromeNormalize(property, child);
    }
    return out;
  }
  return value;
}
