import fc from 'fast-check';
import { DOMParser } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { exportPolicy, POLICY_FORMATS, type PolicyFormat } from '../../../lib/config/policy-export';
import { CrmRuleSchema } from '../../../lib/crm/rules/schema';
import { CHROME_EXTENSION_ID, GECKO_ID } from '../../../lib/extension-ids';

// --- fixture --------------------------------------------------------------------------------------------

const crmRules = [
  {
    name: 'Acme "Leads" CRM \\ Zoë → EU',
    id: 'acme-leads',
    enabled: true,
    url: [{ regex: '^https://crm\\.acme\\.test/lead\\.php\\?id=(?<id>\\d+)' }, 'https://x.test/main.aspx?etn=lead&id=:id'],
    scope: ['.record[data-kind="lead"]', 'main > .record'],
    require: ['phone'],
    fields: {
      fullName: { label: ['Name', 'Nom & prénom'] },
      phones: [{ selector: 'a[href^="tel:"]', attribute: 'href', all: true, regex: 'tel:(?<value>[+\\d ]+)', kind: 'mobile' }, { label: 'Téléphone' }],
      email: { selector: '.email <b>', lowercase: true },
      recordId: { url: 'id' },
    },
    extraFields: { 'Company → Name': { label: 'Société' }, '<Owner> & "Team"': { selector: '.owner' } },
    crmIdTemplate: '{PROFILE}:{TENANT}:{ID}',
    settleMs: 400,
    anchor: { label: 'Lead', position: 'after' },
    floating: false,
  },
  { name: 'Tiny', url: 'https://crm.acme.test/leads/:id', fields: {}, settleMs: 0, pageEvents: true },
];
const values = { crmRules, allowReassign: false, requestTimeoutMs: 8000, defaultCountry: 'IN', orgId: 'org_8fd2', agentEmail: 'zoë@acme.example' };

// --- readers ------------------------------------------------------------------------------------------

type RegData = { type: 'sz'; text: string } | { type: 'dword'; value: number };

/** A tiny .reg reader: CRLF lines, `[key]`, `"name"="quoted"`, `"name"=dword:…`, `"name"=hex(1):…` (REG_SZ). */
function readReg(text: string): { header: string; keys: string[]; values: Map<string, RegData> } {
  expect(text.endsWith('\r\n')).toBe(true);
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const [header = '', ...lines] = text.slice(0, -2).split('\r\n');
  const keys: string[] = [];
  const values = new Map<string, RegData>();
  for (const line of lines) {
    if (line === '' || line.startsWith(';')) continue;
    const key = /^\[(.+)\]$/.exec(line);
    if (key?.[1]) {
      keys.push(key[1]);
      continue;
    }
    const value = /^"((?:[^"\\]|\\[\\"])*)"=(.*)$/.exec(line);
    if (!value) throw new Error(`not a .reg value line: ${line}`);
    values.set(unquote(value[1] ?? ''), regData(value[2] ?? ''));
  }
  return { header, keys, values };
}

function unquote(inner: string): string {
  return inner.replace(/\\([\\"])/g, '$1');
}

function regData(data: string): RegData {
  const quoted = /^"((?:[^"\\]|\\[\\"])*)"$/.exec(data);
  if (quoted) return { type: 'sz', text: unquote(quoted[1] ?? '') };
  const dword = /^dword:([0-9a-f]{8})$/.exec(data);
  if (dword) return { type: 'dword', value: Number.parseInt(dword[1] ?? '', 16) | 0 };
  const hex = /^hex\(1\):((?:[0-9a-f]{2},)*[0-9a-f]{2})$/.exec(data);
  if (!hex) throw new Error(`unknown .reg data: ${data}`);
  const bytes = (hex[1] ?? '').split(',').map((byte) => Number.parseInt(byte, 16));
  expect(bytes.slice(-2)).toEqual([0, 0]);
  return { type: 'sz', text: Buffer.from(bytes.slice(0, -2)).toString('utf16le') };
}

/** What Chrome makes of a registry value, given the type the setting's schema declares (that of `like`). */
function chromeReads(data: RegData | undefined, like: unknown): unknown {
  if (data?.type === 'dword') {
    expect(typeof like === 'boolean' || Number.isInteger(like)).toBe(true);
    return typeof like === 'boolean' ? data.value !== 0 : data.value;
  }
  if (data === undefined) return undefined;
  if (typeof like === 'string') return data.text;
  if (typeof like === 'number') return Number(data.text);
  return JSON.parse(data.text);
}

function regValues(text: string, like: Record<string, unknown>): Record<string, unknown> {
  const { values } = readReg(text);
  expect([...values.keys()].sort()).toEqual(Object.keys(like).sort());
  return Object.fromEntries([...values].map(([name, data]) => [name, chromeReads(data, like[name])]));
}

/** A plist reader: the document's one value as JS (integer and real both as numbers). */
function readPlist(xml: string): unknown {
  // linkedom is lenient, so what a strict XML parser would refuse or change is checked on the text.
  expect(xml).not.toMatch(/\r/);
  expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|#13;)/);
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"')).toBe(true);
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
  expect(root.tagName).toBe('plist');
  expect(root.getAttribute('version')).toBe('1.0');
  expect(root.children.length).toBe(1);
  return plistValue(root.children[0] as Element);
}

function plistValue(node: Element): unknown {
  const text = node.textContent ?? '';
  switch (node.tagName) {
    case 'string':
      return text;
    case 'integer':
      expect(text).toMatch(/^-?\d+$/);
      return Number(text);
    case 'real':
      return Number(text);
    case 'true':
    case 'false':
      expect(node.children.length).toBe(0);
      return node.tagName === 'true';
    case 'array':
      return [...node.children].map(plistValue);
    case 'dict':
      return plistDict(node);
  }
  throw new Error(`unexpected <${node.tagName}>`);
}

function plistDict(node: Element): Record<string, unknown> {
  const children = [...node.children];
  expect(children.length % 2).toBe(0);
  const entries: [string, unknown][] = [];
  for (let i = 0; i < children.length; i += 2) {
    expect(children[i]?.tagName).toBe('key');
    entries.push([children[i]?.textContent ?? '', plistValue(children[i + 1] as Element)]);
  }
  return Object.fromEntries(entries);
}

/** The settings inside a .mobileconfig, after checking the profile's structure. */
function mobileconfigSettings(xml: string, domain: string): unknown {
  const profile = readPlist(xml) as Record<string, unknown>;
  expect(profile).toMatchObject({ PayloadType: 'Configuration', PayloadVersion: 1, PayloadUUID: 'profile-uuid', PayloadScope: 'System' });
  expect(profile.PayloadIdentifier).toEqual(expect.any(String));
  expect(profile.PayloadDisplayName).toEqual(expect.any(String));
  const payloads = profile.PayloadContent as Record<string, unknown>[];
  expect(payloads).toHaveLength(1);
  const [payload] = payloads;
  expect(payload).toMatchObject({ PayloadType: 'com.apple.ManagedClient.preferences', PayloadVersion: 1, PayloadUUID: 'payload-uuid' });
  expect(String(payload?.PayloadIdentifier).startsWith(`${profile.PayloadIdentifier}.`)).toBe(true);
  const content = payload?.PayloadContent as Record<string, { Forced: { mcx_preference_settings: unknown }[] }>;
  expect(Object.keys(content)).toEqual([domain]);
  expect(content[domain]?.Forced).toHaveLength(1);
  expect(Object.keys(content[domain]?.Forced[0] ?? {})).toEqual(['mcx_preference_settings']);
  return content[domain]?.Forced[0]?.mcx_preference_settings;
}

function fixedUuids(): () => string {
  const uuids = ['profile-uuid', 'payload-uuid'];
  return () => uuids.shift() ?? 'too-many-uuids';
}

/** The settings as each format's reader gets them back, keyed by format; `like` gives the registry reader the types. */
function readBack(input: Record<string, unknown>, browser: 'chrome' | 'edge' = 'chrome', like = input): Record<PolicyFormat, unknown> {
  const domain = `${browser === 'edge' ? 'com.microsoft.Edge' : 'com.google.Chrome'}.extensions.${CHROME_EXTENSION_ID}`;
  return {
    'chrome-json': JSON.parse(exportPolicy(input, 'chrome-json'))['3rdparty'].extensions[CHROME_EXTENSION_ID],
    'admin-console': unwrapValues(JSON.parse(exportPolicy(input, 'admin-console'))),
    'windows-reg': regValues(exportPolicy(input, 'windows-reg', { browser }), like),
    'macos-plist': readPlist(exportPolicy(input, 'macos-plist', { browser })),
    'macos-mobileconfig': mobileconfigSettings(exportPolicy(input, 'macos-mobileconfig', { browser, payloadUuid: fixedUuids() }), domain),
    'firefox-json': JSON.parse(exportPolicy(input, 'firefox-json')).policies['3rdparty'].Extensions[GECKO_ID],
  };
}

const FORMATS = POLICY_FORMATS.map(({ format }) => format);

/** The Admin console's shape: every setting as { "Value": … }; anything else fails the read. */
function unwrapValues(console: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(console).map(([key, wrapped]) => {
      expect(Object.keys(wrapped as object)).toEqual(['Value']);
      return [key, (wrapped as { Value: unknown }).Value];
    }),
  );
}

// --- tests --------------------------------------------------------------------------------------------

describe('exportPolicy', () => {
  it('starts from realistic, valid rules', () => {
    for (const rule of crmRules) expect(CrmRuleSchema.safeParse(rule).success).toBe(true);
  });

  it('lists every format once, each with a file name and one line of where it goes', () => {
    expect([...FORMATS].sort()).toEqual(['admin-console', 'chrome-json', 'firefox-json', 'macos-mobileconfig', 'macos-plist', 'windows-reg']);
    for (const { title, fileName, where } of POLICY_FORMATS) {
      expect(title).not.toBe('');
      expect(fileName).toMatch(/^[\w.-]+\.(json|reg|plist|mobileconfig)$/);
      expect(where).not.toMatch(/\n/);
    }
  });

  it.each(FORMATS)('%s reads back to exactly the settings (Chrome)', (format) => {
    expect(readBack(values)[format]).toEqual(values);
  });

  it.each(FORMATS)('%s reads back to exactly the settings (Edge)', (format) => {
    expect(readBack(values, 'edge')[format]).toEqual(values);
  });

  it('chrome-json is the whole Linux policy file, 2-space indented', () => {
    const text = exportPolicy(values, 'chrome-json');
    expect(text).toBe(`${JSON.stringify({ '3rdparty': { extensions: { [CHROME_EXTENSION_ID]: values } } }, null, 2)}\n`);
    expect(exportPolicy(values, 'chrome-json', { browser: 'edge' })).toBe(text);
  });

  it('firefox-json is the whole policies.json under the gecko id', () => {
    expect(JSON.parse(exportPolicy(values, 'firefox-json'))).toEqual({ policies: { '3rdparty': { Extensions: { [GECKO_ID]: values } } } });
  });

  it('windows-reg: header, the Chrome or Edge policy key, the documented value types', () => {
    const chrome = readReg(exportPolicy(values, 'windows-reg'));
    expect(chrome.header).toBe('Windows Registry Editor Version 5.00');
    expect(chrome.keys).toEqual([`HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome\\3rdparty\\extensions\\${CHROME_EXTENSION_ID}\\policy`]);
    expect(readReg(exportPolicy(values, 'windows-reg', { browser: 'edge' })).keys).toEqual([
      `HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge\\3rdparty\\extensions\\${CHROME_EXTENSION_ID}\\policy`,
    ]);
    expect(chrome.values.get('allowReassign')).toEqual({ type: 'dword', value: 0 });
    expect(chrome.values.get('requestTimeoutMs')).toEqual({ type: 'dword', value: 8000 });
    expect(chrome.values.get('orgId')).toEqual({ type: 'sz', text: 'org_8fd2' });
  });

  it('windows-reg is ASCII only, escapes as regedit expects, and writes the documented lines', () => {
    const text = exportPolicy(values, 'windows-reg');
    expect(text).toMatch(/^[\x20-\x7e\r\n]*$/);
    expect(text).toContain('\r\n"allowReassign"=dword:00000000\r\n"requestTimeoutMs"=dword:00001f40\r\n"defaultCountry"="IN"\r\n');
    // The regex's backslashes are doubled by JSON and doubled again for .reg; JSON's quotes become \".
    expect(text).toContain('{\\"regex\\":\\"^https://crm\\\\\\\\.acme\\\\\\\\.test/lead');
    // Non-ASCII inside JSON: \u escapes; in a plain string: REG_SZ as hex(1), UTF-16 LE with its NUL.
    expect(text).toContain('Zo\\\\u00eb \\\\u2192 EU');
    expect(text).toContain('"agentEmail"=hex(1):7a,00,6f,00,eb,00,40,00,');
    expect(text).toMatch(/"agentEmail"=hex\(1\):[0-9a-f,]+,00,00\r\n/);
  });

  it('windows-reg writes negative and large integers as Chrome reads them', () => {
    const input = { min: -1, big: 2 ** 31, ratio: 0.25 };
    const text = exportPolicy(input, 'windows-reg');
    expect(text).toContain('"min"=dword:ffffffff');
    expect(regValues(text, input)).toEqual(input);
  });

  it('macos-plist writes the documented types, XML-escaped', () => {
    const xml = exportPolicy({ ...values, ratio: 1.5, huge: 1e21, nothing: [], empty: {} }, 'macos-plist');
    expect(xml).toContain('<key>requestTimeoutMs</key>\n\t<integer>8000</integer>');
    expect(xml).toContain('<key>allowReassign</key>\n\t<false/>');
    expect(xml).toContain('<true/>');
    expect(xml).toContain('<real>1.5</real>');
    expect(xml).toContain('<real>1e+21</real>');
    expect(xml).toContain('<key>nothing</key>\n\t<array/>');
    expect(xml).toContain('<key>empty</key>\n\t<dict/>');
    expect(xml).toContain('<key>&lt;Owner&gt; &amp; "Team"</key>');
    expect(xml).toContain('<string>.email &lt;b&gt;</string>');
    expect(xml).toContain('<string>^https://crm\\.acme\\.test/lead\\.php\\?id=(?&lt;id&gt;\\d+)</string>');
    expect(xml.endsWith('</dict>\n</plist>\n')).toBe(true);
  });

  it('macos-plist keeps a carriage return (a literal one would be read as a line feed)', () => {
    const xml = exportPolicy({ note: 'a\r\nb\tc' }, 'macos-plist');
    expect(xml).toContain('<string>a&#13;\nb\tc</string>');
    expect(readPlist(xml)).toEqual({ note: 'a\r\nb\tc' });
  });

  it('macos-mobileconfig: the profile structure, fixed UUIDs and the Chrome or Edge domain', () => {
    const chrome = exportPolicy(values, 'macos-mobileconfig', { payloadUuid: fixedUuids() });
    expect(mobileconfigSettings(chrome, `com.google.Chrome.extensions.${CHROME_EXTENSION_ID}`)).toEqual(values);
    const edge = exportPolicy(values, 'macos-mobileconfig', { browser: 'edge', payloadUuid: fixedUuids() });
    expect(mobileconfigSettings(edge, `com.microsoft.Edge.extensions.${CHROME_EXTENSION_ID}`)).toEqual(values);
    // The same identifiers every time, so a newer export replaces the installed profile.
    const again = exportPolicy({}, 'macos-mobileconfig', { payloadUuid: fixedUuids() });
    const identifiers = (xml: string) => [...xml.matchAll(/<key>PayloadIdentifier<\/key>\s*<string>([^<]*)</g)].map((match) => match[1]);
    expect(identifiers(again)).toEqual(identifiers(chrome));
    expect(identifiers(edge)).not.toEqual(identifiers(chrome));
  });

  it('macos-mobileconfig draws random UUIDs by default', () => {
    const uuids = (xml: string) => [...xml.matchAll(/<key>PayloadUUID<\/key>\s*<string>([^<]*)</g)].map((match) => match[1]);
    const first = uuids(exportPolicy(values, 'macos-mobileconfig'));
    expect(first).toHaveLength(2);
    for (const uuid of first) expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set([...first, ...uuids(exportPolicy(values, 'macos-mobileconfig'))]).size).toBe(4);
  });

  it('leaves out null (not set) properties in every format', () => {
    const input = { crmRules: [{ name: 'A', frame: null, fields: { email: undefined } }], agentEmail: null };
    const expected = { crmRules: [{ name: 'A', fields: {} }] };
    for (const [format, back] of Object.entries(readBack(input, 'chrome', expected))) expect({ format, back }).toEqual({ format, back: expected });
  });

  it.each(FORMATS)('%s refuses what no policy file can carry, naming where it is', (format) => {
    expect(() => exportPolicy({ crmRules: [{ url: ['a', null] }] }, format)).toThrow('crmRules[0].url[1] is null');
    // biome-ignore lint/suspicious/noSparseArray: a hole is refused like null
    expect(() => exportPolicy({ crmRules: [{ url: ['a', , 'b'] }] }, format)).toThrow('crmRules[0].url[1] is null');
    expect(() => exportPolicy({ crmRules: [{ name: 'a\u0001b' }] }, format)).toThrow('crmRules[0].name holds U+0001');
    expect(() => exportPolicy({ crmRules: [{ name: 'lone \ud800' }] }, format)).toThrow('crmRules[0].name holds U+D800');
    expect(() => exportPolicy({ timeout: Number.NaN }, format)).toThrow('timeout');
    expect(() => exportPolicy({ when: new Date(0) }, format)).toThrow('when');
    expect(() => exportPolicy({ size: 1n }, format)).toThrow('size');
    expect(() => exportPolicy([] as unknown as Record<string, unknown>, format)).toThrow('object of settings');
  });

  it('windows-reg refuses a setting name it cannot write', () => {
    expect(() => exportPolicy({ 'Zoë': 1 }, 'windows-reg')).toThrow('registry value name');
    expect(() => exportPolicy({ '': 1 }, 'windows-reg')).toThrow('registry value name');
  });
});

// --- property -------------------------------------------------------------------------------------------

/** Code points XML can carry (the exporter refuses the rest), with the characters that need escaping often. */
const stringUnit = fc.oneof(
  fc.constantFrom('\\', '"', "'", '&', '<', '>', ']]>', '\r', '\n', '\t', 'ë', '→', '😀', '&amp;', '\\u0041', 'x'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((char) => /^[\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]$/u.test(char)),
);

/** Settings as the exporter takes them: a null list item is refused and -0 is written as 0, so neither. */
function asSettings(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => item !== null).map(asSettings);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, asSettings(child)]));
  return Object.is(value, -0) ? 0 : value;
}

/** What every format reads back: null properties left out. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, child]) => child !== null)
        .map(([key, child]) => [key, withoutNulls(child)]),
    );
  }
  return value;
}

const settings = fc
  .dictionary(fc.stringMatching(/^[a-z][A-Za-z0-9]{0,15}$/), fc.jsonValue({ stringUnit, maxDepth: 4 }), { maxKeys: 6 })
  .map((value) => asSettings(value) as Record<string, unknown>);

describe('exportPolicy, any settings', () => {
  it('every format reads back to the settings', () => {
    fc.assert(
      fc.property(settings, fc.constantFrom('chrome' as const, 'edge' as const), (input, browser) => {
        const expected = withoutNulls(input) as Record<string, unknown>;
        const back = readBack(input, browser, expected);
        for (const format of FORMATS) expect({ format, back: back[format] }).toEqual({ format, back: expected });
      }),
      { numRuns: 200 },
    );
  });
});
