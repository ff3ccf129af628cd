import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONFIG_DOCS } from '../../../lib/config/docs';
import { buildManagedSchema, type ChromeSchema } from '../../../lib/config/managed-schema';
import { CONFIG_KEYS, ConfigSchema } from '../../../lib/config/schema';
import { chromeNormalize } from './chrome-policy-model';

const ALLOWED_KEYWORDS = new Set(['type', 'title', 'description', 'properties', 'items', 'additionalProperties', 'sensitiveValue']);

/** Every schema node Chrome will parse: exactly one type, only keywords Chrome knows. */
function walk(node: ChromeSchema, path: string, visit: (node: ChromeSchema, path: string) => void): void {
  visit(node, path);
  for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${key}`, visit);
  if (node.items) walk(node.items, `${path}[]`, visit);
  if (node.additionalProperties) walk(node.additionalProperties, `${path}.*`, visit);
}


const schema = buildManagedSchema();

describe('the generated managed schema', () => {
  it('declares exactly the keys of the zod config schema', () => {
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual([...CONFIG_KEYS].sort());
  });

  it('has, for every key, the JSON type zod expects', () => {
    const json = z.toJSONSchema(ConfigSchema, { io: 'input' }) as { properties: Record<string, { type: string }> };
    for (const key of CONFIG_KEYS) {
      expect({ key, type: schema.properties?.[key]?.type }).toEqual({ key, type: json.properties[key]?.type });
    }
  });

  it('is a top-level object without additionalProperties (Chrome refuses otherwise)', () => {
    expect(schema.type).toBe('object');
    expect(schema).not.toHaveProperty('additionalProperties');
  });

  it('gives every node exactly one type and only keywords Chrome accepts', () => {
    walk(schema, '(root)', (node, path) => {
      expect({ path, type: typeof node.type }).toEqual({ path, type: 'string' });
      for (const keyword of Object.keys(node)) expect({ path, keyword, allowed: ALLOWED_KEYWORDS.has(keyword) }).toEqual({ path, keyword, allowed: true });
    });
  });

  it('documents every key for the admin console', () => {
    for (const key of CONFIG_KEYS) {
      expect(schema.properties?.[key]).toMatchObject({ title: CONFIG_DOCS[key].title, description: CONFIG_DOCS[key].description });
    }
  });

  it('marks the token and the CRM actions (their credentials) sensitive, so chrome://policy masks them (observed: shown as ********)', () => {
    expect(schema.properties?.apiToken?.sensitiveValue).toBe(true);
    expect(Object.entries(schema.properties ?? {}).filter(([, property]) => property.sensitiveValue).map(([key]) => key)).toEqual(['apiToken', 'crmActions']);
  });

  it('lets every valid config through Chrome unchanged (nothing dropped, no nested field stripped)', () => {
    const config = ConfigSchema.partial().parse({
      providerApiUrl: 'https://apis.saleschat.pro',
      providerDashboardUrl: 'https://app.saleschat.pro',
      chatroomUrlTemplate: '{DASHBOARD_URL}/chatrooms/{CHATROOM_ID}',
      contactUrlTemplate: '{DASHBOARD_URL}/contacts/{CONTACT_ID}',
      orgId: 'org_1',
      apiToken: 't',
      agents: [{ email: 'a@example.com', providerUserId: 'u_a', crmUserId: '005A', name: 'A' }],
      agentEmail: 'a@example.com',
      agentProviderUserId: 'u_a',
      allowReassign: false,
      defaultCountry: 'DE',
      requestTimeoutMs: 5000,
      magicLinkLifetimeSeconds: 600,
      crmProfiles: ['demo'],
      crmRules: [],
    });
    expect(chromeNormalize(schema, config)).toEqual(config);
  });

  it('leaves value constraints to zod, so a bad URL or an out-of-range number reaches the extension to be named', () => {
    const policy = { providerApiUrl: 'apis.saleschat.pro', requestTimeoutMs: 50, defaultCountry: 'Germany', crmProfiles: ['nope'] };
    expect(chromeNormalize(schema, policy)).toEqual(policy);
  });
});

describe('admin rules through Chrome policy', () => {
  it('a rule in the canonical list forms passes zod and survives Chrome unchanged', async () => {
    const { nimbusRule } = await import('../../e2e/nimbus-rule');
    const rule = nimbusRule('https://crm.nimbus.test/leads/:id');
    const parsed = ConfigSchema.shape.crmRules.safeParse([rule]);
    expect(parsed.success).toBe(true);
    expect(chromeNormalize(schema, { crmRules: [rule] })).toEqual({ crmRules: [rule] });
  });
});
