import { z } from 'zod';
import { CONFIG_DOCS } from './docs';
import { ConfigSchema, SECRET_KEYS } from './schema';

/** The subset of JSON Schema that Chrome's policy schema accepts, as we emit it. */
export interface ChromeSchema {
  type: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  title?: string;
  description?: string;
  properties?: Record<string, ChromeSchema>;
  items?: ChromeSchema;
  /** A dictionary's values (e.g. a rule's extraFields, label → source); never on the top level (Chrome refuses it). */
  additionalProperties?: ChromeSchema;
  /** Chrome masks the value on chrome://policy (the extension still receives it). */
  sensitiveValue?: true;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  [keyword: string]: unknown;
};

/**
 * The `storage.managed_schema` file, generated from the one config schema at build time.
 *
 * Chrome validates policy against this schema and, as observed in Chromium 156, silently DROPS a policy
 * whose JSON type does not match, drops a whole key when a nested value mismatches, and STRIPS nested
 * properties the schema does not declare. So this schema keeps only what Chrome must know — types,
 * properties, items — plus titles/descriptions for the admin console, and leaves formats, patterns, ranges,
 * enums and required-ness to zod: a bad URL, an out-of-range timeout or an unknown profile id then reaches
 * the extension, which names the key and the reason instead of the value vanishing.
 */
export function buildManagedSchema(): ChromeSchema {
  const json = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'throw' }) as JsonSchema;
  const schema = toChromeSchema(json, '');
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const docs = CONFIG_DOCS[key as keyof typeof CONFIG_DOCS];
    property.title = docs.title;
    property.description = docs.description;
    // Anyone at the machine can open chrome://policy; the token must not be readable there.
    if ((SECRET_KEYS as string[]).includes(key)) property.sensitiveValue = true;
  }
  return schema;
}

const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean']);

function toChromeSchema(node: JsonSchema, path: string): ChromeSchema {
  const branches = node.anyOf ?? node.oneOf;
  if (branches) return mergeObjectBranches(branches, path);
  const type = Array.isArray(node.type) ? undefined : node.type;
  if (type === 'object') {
    const properties = Object.fromEntries(
      Object.entries(node.properties ?? {})
        // A part marked for it has another form for Chrome policy (e.g. a crmActions step's body: bodyJson).
        .filter(([, child]) => child.chromePolicy !== 'omit')
        .map(([key, child]) => [key, toChromeSchema(child, `${path}.${key}`)]),
    );
    const values = node.additionalProperties;
    // A record (z.record): Chrome keeps keys it was not told about only when additionalProperties says what they hold.
    if (values && typeof values === 'object') return { type: 'object', properties, additionalProperties: toChromeSchema(values as JsonSchema, `${path}.*`) };
    return { type: 'object', properties };
  }
  if (type === 'array') {
    if (!node.items) throw new Error(`managed schema: array at ${path || '(root)'} has no items schema`);
    return { type: 'array', items: toChromeSchema(node.items, `${path}[]`) };
  }
  if (type && SCALAR_TYPES.has(type)) return { type: type as ChromeSchema['type'] };
  throw new Error(`managed schema: ${path || '(root)'} has no single JSON type Chrome can express (${JSON.stringify(node).slice(0, 120)})`);
}

/**
 * Chrome has no anyOf, so each union gets one canonical form that zod also accepts:
 * - `X | X[]` (a shorthand and its list) → the list; an admin writes lists in Chrome policy;
 * - a union of object shapes (e.g. field sources) → one object declaring all their properties, so no variant
 *   loses fields (zod still checks which combination is valid);
 * - a string or an object (a URL pattern or `{ regex }`) → the string form, the common one; the object form
 *   is then not available through Chrome policy (the admin guide says so).
 * Anything else cannot be expressed and fails the build.
 */
function mergeObjectBranches(branches: JsonSchema[], path: string): ChromeSchema {
  const arrays = branches.filter((branch) => branch.type === 'array' && branch.items);
  if (arrays.length === 1 && branches.length > 1) {
    const singles = branches.filter((branch) => branch !== arrays[0]);
    const items = [arrays[0]?.items as JsonSchema, ...singles].flatMap((branch) => branch.anyOf ?? branch.oneOf ?? [branch]);
    return { type: 'array', items: mergeObjectBranches(items, `${path}[]`) };
  }
  const converted = branches.map((branch) => toChromeSchema(branch, path));
  const types = new Set(converted.map((branch) => branch.type));
  if (types.size === 1 && types.has('object')) {
    const properties: Record<string, ChromeSchema> = {};
    for (const branch of converted) {
      for (const [key, child] of Object.entries(branch.properties ?? {})) {
        const existing = properties[key];
        if (existing && existing.type !== child.type) {
          throw new Error(`managed schema: ${path}.${key} has different types in different variants`);
        }
        properties[key] =
          existing && existing.type === 'object' ? mergeObjectBranches([existing as JsonSchema, child as JsonSchema], `${path}.${key}`) : child;
      }
    }
    return { type: 'object', properties };
  }
  if (types.size === 1) return converted[0] as ChromeSchema;
  if (types.size === 2 && types.has('string') && types.has('object')) return { type: 'string' };
  throw new Error(`managed schema: ${path || '(root)'} mixes types ${[...types].join('/')}; Chrome policy cannot express that`);
}
