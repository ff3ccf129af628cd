import { CHROME_EXTENSION_ID, GECKO_ID } from '../extension-ids';

/**
 * Extension settings (e.g. the rule builder's `crmRules`) as ready-to-paste managed-policy fragments, in the
 * formats of docs/admin-guide.md (Chrome/Edge on Linux, Windows, macOS; Firefox). Plain string building, no
 * dependencies and no browser APIs beyond `crypto`, so an extension page or a content script can use it.
 *
 * Every format carries the same policy: the values are checked and normalised once (see `policyValues`), so
 * what one format cannot carry none gets.
 */

export type PolicyFormat = 'chrome-json' | 'admin-console' | 'windows-reg' | 'macos-plist' | 'macos-mobileconfig' | 'firefox-json';
export type PolicyBrowser = 'chrome' | 'edge';
export interface PolicyExportOptions {
  /** Chrome (default) or Edge: the registry key and macOS preference domain differ; the JSON files do not. */
  browser?: PolicyBrowser;
  /** The .mobileconfig's UUIDs: first call the profile's, second its payload's. Default crypto.randomUUID(). */
  payloadUuid?: () => string;
}

const MAC_DOMAIN = { chrome: 'com.google.Chrome', edge: 'com.microsoft.Edge' } as const;
const REG_VENDOR = { chrome: 'Google\\Chrome', edge: 'Microsoft\\Edge' } as const;
const BROWSER_NAME = { chrome: 'Google Chrome', edge: 'Microsoft Edge' } as const;

export const POLICY_FORMATS: readonly { format: PolicyFormat; title: string; fileName: string; where: string }[] = [
  {
    format: 'chrome-json',
    title: 'Chrome / Edge on Linux (JSON policy file)',
    // Not crm-chat-bridge.json: the admin guide's example file of that name also force-installs the extension.
    fileName: 'crm-chat-bridge-settings.json',
    where:
      'Linux: save as /etc/opt/chrome/policies/managed/crm-chat-bridge-settings.json (Chromium: /etc/chromium/policies/managed/, Edge: /etc/opt/edge/policies/managed/), owned by root, chmod 644.',
  },
  {
    format: 'admin-console',
    title: 'Google Admin console (Policy for extensions)',
    fileName: 'crm-chat-bridge-admin-console.json',
    where:
      'Google Admin console: Devices → Chrome → Apps & extensions → Users & browsers → the extension → "Policy for extensions": paste this (each setting wrapped in {"Value": …}, as the console expects).',
  },
  {
    format: 'windows-reg',
    title: 'Windows registry (.reg)',
    fileName: 'crm-chat-bridge.reg',
    where:
      'Windows: import with `reg import crm-chat-bridge.reg` as administrator or deploy with Group Policy Preferences → Registry; machine-wide (HKEY_LOCAL_MACHINE), change it to HKEY_CURRENT_USER for one user; ASCII only, so any encoding imports.',
  },
  {
    format: 'macos-plist',
    title: 'macOS preference plist',
    fileName: `${MAC_DOMAIN.chrome}.extensions.${CHROME_EXTENSION_ID}.plist`,
    where: `macOS: upload to your MDM's custom settings (e.g. Jamf: Application & Custom Settings → Upload) for the preference domain ${MAC_DOMAIN.chrome}.extensions.${CHROME_EXTENSION_ID} (Edge: ${MAC_DOMAIN.edge}.extensions.${CHROME_EXTENSION_ID}), or save as /Library/Managed Preferences/<that domain>.plist.`,
  },
  {
    format: 'macos-mobileconfig',
    title: 'macOS configuration profile (.mobileconfig)',
    fileName: 'crm-chat-bridge.mobileconfig',
    where:
      'macOS: upload to your MDM as a custom configuration profile, or on one Mac open it and install it in System Settings → Device Management (Profiles); the browser applies the settings as mandatory policy.',
  },
  {
    format: 'firefox-json',
    title: 'Firefox (policies.json)',
    fileName: 'policies.json',
    where:
      'Firefox: distribution/policies.json in the install directory (Windows: C:\\Program Files\\Mozilla Firefox\\distribution\\, macOS: Firefox.app/Contents/Resources/distribution/) or Linux /etc/firefox/policies/policies.json; Firefox reads one such file, so merge into an existing one, and restart Firefox.',
  },
];

type Json = string | number | boolean | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The settings as the fragment for `format`: a whole file, ready to save. */
export function exportPolicy(values: Record<string, unknown>, format: PolicyFormat, opts: PolicyExportOptions = {}): string {
  const settings = policyValues(values);
  const browser = opts.browser ?? 'chrome';
  switch (format) {
    case 'chrome-json':
      return jsonFile({ '3rdparty': { extensions: { [CHROME_EXTENSION_ID]: settings } } });
    case 'admin-console':
      return jsonFile(Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, { Value: value }])));
    case 'windows-reg':
      return windowsReg(settings, browser);
    case 'macos-plist':
      return plistDocument(settings);
    case 'macos-mobileconfig':
      return mobileconfig(settings, browser, opts.payloadUuid ?? randomUuid);
    case 'firefox-json':
      return jsonFile({ policies: { '3rdparty': { Extensions: { [GECKO_ID]: settings } } } });
  }
}

// --- values ---------------------------------------------------------------------------------------------

/**
 * Checks and normalises the values once for every format. A null (or undefined) object property means "not
 * set" and is left out, because a plist and the registry have no null (and a setting's schema never accepts
 * one); a null list item has no such meaning and is refused. Strings must be XML characters: XML 1.0 cannot
 * carry other control characters or lone surrogates (not even as character references), so the plist formats
 * could not hold them, and no setting needs them.
 */
function policyValues(values: Record<string, unknown>): JsonObject {
  if (!isPlainObject(values)) throw new TypeError('policy values must be an object of settings');
  return pruneObject(values, '');
}

function prune(value: unknown, path: string): Json {
  if (typeof value === 'string') return xmlSafe(value, path);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  // Array.from, not map: a hole is an undefined item, refused like null.
  if (Array.isArray(value)) return Array.from(value, (item, index) => prune(item ?? fail(`${path}[${index}]`, 'is null'), `${path}[${index}]`));
  if (isPlainObject(value)) return pruneObject(value, path);
  return fail(path, `(${typeof value}) is not a JSON value`);
}

function pruneObject(value: Record<string, unknown>, path: string): JsonObject {
  // Object.fromEntries, not assignment: a "__proto__" key stays a plain property.
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, child]) => child != null)
      .map(([key, child]) => {
        const childPath = path ? `${path}.${key}` : key;
        return [xmlSafe(key, `${childPath} (key)`), prune(child, childPath)];
      }),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function xmlSafe(text: string, path: string): string {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const control = code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
    if (control || (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff) {
      fail(path, `holds U+${code.toString(16).toUpperCase().padStart(4, '0')}, which policy files cannot carry`);
    }
  }
  return text;
}

function fail(path: string, problem: string): never {
  throw new TypeError(`${path || 'value'} ${problem}`);
}

// --- JSON -----------------------------------------------------------------------------------------------

function jsonFile(content: JsonObject): string {
  return `${JSON.stringify(content, null, 2)}\n`;
}

// --- Windows registry -----------------------------------------------------------------------------------

/**
 * Regedit reads a "Version 5.00" file as UTF-16 LE with a BOM, else in the machine's ANSI code page, so a
 * UTF-8 "Zoë" would arrive garbled. Rather than depend on how the admin saves the file, it is ASCII only:
 * JSON values escape non-ASCII as \uXXXX (which Chrome's JSON reader decodes), and a plain string that is not
 * printable ASCII is written as hex(1): (type 1 = REG_SZ, its UTF-16 LE bytes and NUL), the hex(type) form
 * regedit imports for any value type. Lines are not wrapped: regedit reads long lines.
 */
function windowsReg(settings: JsonObject, browser: PolicyBrowser): string {
  const key = `HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\${REG_VENDOR[browser]}\\3rdparty\\extensions\\${CHROME_EXTENSION_ID}\\policy`;
  const lines = [
    'Windows Registry Editor Version 5.00',
    '',
    `; CRM Chat Bridge settings for ${BROWSER_NAME[browser]}. ASCII only: saved in any encoding it imports the same.`,
    `[${key}]`,
    ...Object.entries(settings).map(([name, value]) => `${regValueName(name)}=${regData(value)}`),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function regValueName(name: string): string {
  // A value name has no hex form, and "" (like a bare @) would name the key's default value.
  if (name === '' || !PRINTABLE_ASCII.test(name)) fail(name, 'cannot be a registry value name (printable ASCII only)');
  return regQuoted(name);
}

/**
 * As the admin guide documents: booleans and integers REG_DWORD, strings REG_SZ, lists/objects a REG_SZ of
 * their JSON. Chrome reads a DWORD as a signed 32-bit int, so negative ints are written in two's complement;
 * other numbers (none of our settings) go as REG_SZ text, which Chrome converts where the schema says number.
 */
function regData(value: Json): string {
  if (typeof value === 'boolean') return regDword(value ? 1 : 0);
  if (typeof value === 'number') return value === (value | 0) ? regDword(value >>> 0) : regString(String(value));
  if (typeof value === 'string') return regString(value);
  // JSON.stringify already escapes control characters; this leaves only printable ASCII.
  return regString(JSON.stringify(value).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

function regDword(value: number): string {
  return `dword:${value.toString(16).padStart(8, '0')}`;
}

function regString(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return regQuoted(text);
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) bytes.push(text.charCodeAt(i) & 0xff, text.charCodeAt(i) >> 8);
  // REG_SZ data ends with a NUL character.
  return `hex(1):${[...bytes, 0, 0].map((byte) => byte.toString(16).padStart(2, '0')).join(',')}`;
}

function regQuoted(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

// --- macOS ----------------------------------------------------------------------------------------------

function plistDocument(root: Json): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    plistXml(root, ''),
    '</plist>',
    '',
  ].join('\n');
}

function plistXml(value: Json, indent: string): string {
  const inner = `${indent}\t`;
  if (typeof value === 'string') return `<string>${xmlText(value)}</string>`;
  if (typeof value === 'boolean') return value ? '<true/>' : '<false/>';
  // A plist <integer> is a 64-bit int; beyond the safe range a double is what the value is, so <real>, whose
  // shortest JS form (e.g. 1e+21) reads back to the same double.
  if (typeof value === 'number') return Number.isSafeInteger(value) ? `<integer>${value}</integer>` : `<real>${value}</real>`;
  if (Array.isArray(value)) return plistContainer('array', value.map((item) => `${inner}${plistXml(item, inner)}`), indent);
  const entries = Object.entries(value).map(([key, child]) => `${inner}<key>${xmlText(key)}</key>\n${inner}${plistXml(child, inner)}`);
  return plistContainer('dict', entries, indent);
}

function plistContainer(tag: 'array' | 'dict', children: string[], indent: string): string {
  return children.length === 0 ? `<${tag}/>` : `<${tag}>\n${children.join('\n')}\n${indent}</${tag}>`;
}

function xmlText(text: string): string {
  // A literal CR would be read back as LF (XML end-of-line handling); &#13; survives.
  return text.replace(/[&<>\r]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' })[char] ?? char);
}

/**
 * A profile with one managed-preferences payload; "Forced" makes the settings mandatory policy, as the
 * browsers read managed preferences. The identifiers are fixed so that installing a newer export replaces
 * the profile instead of adding a second one.
 */
function mobileconfig(settings: JsonObject, browser: PolicyBrowser, uuid: () => string): string {
  const identifier = `dev.crm-chat-bridge.policy.${browser}`;
  const profileUuid = uuid();
  const payloadUuid = uuid();
  return plistDocument({
    PayloadContent: [
      {
        PayloadContent: { [`${MAC_DOMAIN[browser]}.extensions.${CHROME_EXTENSION_ID}`]: { Forced: [{ mcx_preference_settings: settings }] } },
        PayloadDisplayName: `CRM Chat Bridge settings (${BROWSER_NAME[browser]})`,
        PayloadEnabled: true,
        PayloadIdentifier: `${identifier}.settings`,
        PayloadType: 'com.apple.ManagedClient.preferences',
        PayloadUUID: payloadUuid,
        PayloadVersion: 1,
      },
    ],
    PayloadDescription: `Managed settings of the CRM Chat Bridge extension (${CHROME_EXTENSION_ID}) in ${BROWSER_NAME[browser]}.`,
    PayloadDisplayName: `CRM Chat Bridge policy (${BROWSER_NAME[browser]})`,
    PayloadIdentifier: identifier,
    PayloadScope: 'System',
    PayloadType: 'Configuration',
    PayloadUUID: profileUuid,
    PayloadVersion: 1,
  });
}

/** crypto.randomUUID exists only in secure contexts: a content script on an http CRM page lacks it. */
function randomUuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40; // version 4
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
