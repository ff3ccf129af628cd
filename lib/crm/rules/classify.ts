import type { Lead } from '../../messaging';
import type { LeadReading } from '../profile';
import type { ExtraFieldSpec, PageData, SourceReading } from './collect';
import type { FieldSource, RuleField } from './schema';

/**
 * Classify: turn collected page data into a lead or the exact reason there is none. Pure (strings in, data
 * out), so rules, transforms and every fixture's expectations are testable without a DOM.
 */

export interface ClassifySpec {
  id: string;
  name: string;
  origin: 'built-in' | 'rule';
  require: readonly ('name' | 'phone' | 'email')[];
  fields: Partial<Record<RuleField, FieldSource[]>>;
  extraFields?: readonly ExtraFieldSpec[];
  /** {PROFILE}, {TENANT}, {ID}: see DEFAULT_CRM_ID_TEMPLATE in engine.ts. */
  crmIdTemplate: string;
}

/** LeadSchema's limits (lib/messages.ts): a longer value would get the whole lead refused by the background. */
const LIMITS = { crmId: 256, name: 256, phone: 64, email: 320, phones: 10, url: 2048, ownerId: 128, label: 200, extra: 1000 } as const;

/**
 * The lead's identity from the rule's template. Built from the values as read, so the same record always
 * gets the same identity; a template without {ID} never reaches here (the engine falls back to the default).
 */
export function leadIdentity(template: string, parts: { profile: string; tenant: string; id: string }): string {
  return template.replace(/\{(PROFILE|TENANT|ID)\}/g, (_, name: string) =>
    name === 'PROFILE' ? parts.profile : name === 'TENANT' ? parts.tenant : parts.id,
  );
}

const sameId = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

const SALUTATION = /^(?:mr|mrs|ms|miss|mx|dr|prof|sir|madam|herr|frau|sr|sra|srta|m|mme|mlle)\.?\s+/i;

/** "Mr. Ada King Lovelace" → Ada King / Lovelace; "Lovelace, Ada" → Ada / Lovelace; one word is a last name. */
export function splitFullName(full: string): { firstName?: string; lastName?: string } {
  const cleaned = full.replace(/\s+/g, ' ').trim().replace(SALUTATION, '');
  if (!cleaned) return {};
  const comma = /^([^,]+),\s*(.+)$/.exec(cleaned);
  if (comma?.[1] && comma[2]) return { firstName: comma[2].trim(), lastName: comma[1].trim() };
  const parts = cleaned.split(' ');
  if (parts.length === 1) return { lastName: cleaned };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts[parts.length - 1] };
}

export type TransformResult = { value: string } | { problem: string };

const regexCache = new Map<string, RegExp | Error>();
function cachedRegex(source: string): RegExp | Error {
  let regex = regexCache.get(source);
  if (!regex) {
    try {
      regex = new RegExp(source, 'i');
    } catch (error) {
      regex = error instanceof Error ? error : new Error(String(error));
    }
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(source, regex);
  }
  return regex;
}

/** trim (always) → regex capture → name split → lower case. */
export function applyTransforms(raw: string, source: Pick<FieldSource, 'regex' | 'split' | 'lowercase'>): TransformResult {
  let value = raw.replace(/\s+/g, ' ').trim();
  if (source.regex) {
    const regex = cachedRegex(source.regex);
    if (regex instanceof Error) return { problem: `regex /${source.regex}/ is not valid` };
    const match = regex.exec(value);
    if (!match) return { problem: `regex /${source.regex}/ did not match "${shorten(value)}"` };
    value = (match.groups?.value ?? match[1] ?? match[0]).trim();
  }
  if (source.split) {
    const parts = splitFullName(value);
    value = (source.split === 'first' ? parts.firstName : parts.lastName) ?? '';
  }
  if (source.lowercase) value = value.toLowerCase();
  return value ? { value } : { problem: 'empty after transforms' };
}

const shorten = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

export function describeSource(source: FieldSource): string {
  if ('url' in source) return `URL part :${source.url}`;
  if ('selector' in source) return `selector \`${source.selector}\``;
  const labels = Array.isArray(source.label) ? source.label : [source.label];
  return `label ${labels.map((l) => `'${l}'`).join(' / ')}`;
}

const looksLikeEmail = (text: string) => /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(text);
const looksLikePhone = (text: string) => (text.match(/\d/g)?.length ?? 0) >= 5 && (text.match(/\d/g)?.length ?? 0) <= 20;

interface FieldResult {
  value?: string;
  problems: string[];
}

/**
 * Every value a field's sources read, transformed and checked, in the rule's order (the order is the
 * preference). What could not be used is added to `problems`, so a diagnostic can say why a field is empty.
 */
function* usableValues(
  spec: ClassifySpec,
  data: PageData,
  field: RuleField,
  problems: string[],
  invalid: (text: string) => string | undefined = () => undefined,
): Generator<{ value: string; label?: string; kind?: string }> {
  yield* valuesRead(spec.fields[field] ?? [], data.fields[field] ?? [], problems, invalid);
}

/** usableValues for any list of sources and their readings (the card's extra fields have no RuleField). */
function* valuesRead(
  sources: readonly FieldSource[],
  readings: readonly SourceReading[],
  problems: string[],
  invalid: (text: string) => string | undefined = () => undefined,
): Generator<{ value: string; label?: string; kind?: string }> {
  for (const [index, source] of sources.entries()) {
    const reading = readings[index];
    if (!reading || reading.values.length === 0) {
      problems.push(reading?.problem ?? `${describeSource(source)} not read`);
      continue;
    }
    for (const raw of reading.values) {
      const result = applyTransforms(raw.text, source);
      const problem = 'problem' in result ? result.problem : invalid(result.value);
      if ('problem' in result || problem) {
        problems.push(`${describeSource(source)}: ${problem}`);
        continue;
      }
      yield { value: result.value, label: raw.label, kind: source.kind };
    }
  }
}

/** The card's extra fields the page shows (first usable value of each); a field not shown is left out. */
function extraValues(spec: ClassifySpec, data: PageData): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  for (const [index, { label, sources }] of (spec.extraFields ?? []).entries()) {
    for (const { value } of valuesRead(sources, data.extra?.[index] ?? [], [])) {
      out.push({ label, value: value.slice(0, LIMITS.extra) });
      break;
    }
  }
  return out;
}

function firstValue(spec: ClassifySpec, data: PageData, field: RuleField, invalid?: (text: string) => string | undefined): FieldResult {
  const problems: string[] = [];
  for (const { value } of usableValues(spec, data, field, problems, invalid)) return { value, problems };
  return { problems };
}

export interface PhoneReading {
  number: string;
  label?: string;
}

function allPhones(spec: ClassifySpec, data: PageData): { phones: PhoneReading[]; problems: string[] } {
  const phones: PhoneReading[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  const notAPhone = (text: string) => (looksLikePhone(text) ? undefined : `"${shorten(text)}" is not a phone number`);
  for (const reading of usableValues(spec, data, 'phones', problems, notAPhone)) {
    const digits = reading.value.replace(/\D/g, '').replace(/^0+/, '');
    // Same number under two labels (dialer + field): keep the first, the order of the rule is the preference.
    if ([...seen].some((d) => d.endsWith(digits) || digits.endsWith(d))) continue;
    seen.add(digits);
    const label = reading.kind ?? reading.label;
    phones.push({ number: reading.value.slice(0, LIMITS.phone), ...(label ? { label: label.slice(0, 64) } : {}) });
  }
  return { phones: phones.slice(0, LIMITS.phones), problems };
}

const MOBILE_LABEL = /mobil|cell|handy|móvil|portable|celular|whatsapp/i;

/** The phone to show and to send as `phone` (older backgrounds read only that): a mobile-labelled one first. */
export function preferredPhone(phones: readonly PhoneReading[]): PhoneReading | undefined {
  return phones.find((phone) => phone.label && MOBILE_LABEL.test(phone.label)) ?? phones[0];
}

export function classify(spec: ClassifySpec, data: PageData): LeadReading {
  const prefix = `${spec.origin === 'rule' ? 'rule' : 'profile'} '${spec.name}' matched the URL`;
  if (data.problem) return { reason: `${prefix}; ${data.problem}` };

  const recordId = firstValue(spec, data, 'recordId');
  if (!recordId.value) return { reason: `${prefix}; field recordId: ${recordId.problems.join('; ') || 'no source'}` };

  let firstName = firstValue(spec, data, 'firstName').value;
  let lastName = firstValue(spec, data, 'lastName').value;
  const fullName = !firstName && !lastName ? firstValue(spec, data, 'fullName') : undefined;
  if (fullName?.value) ({ firstName, lastName } = splitFullName(fullName.value));
  const email = firstValue(spec, data, 'email', (text) => (looksLikeEmail(text) ? undefined : `"${shorten(text)}" is not an e-mail address`));
  const ownerEmail = firstValue(spec, data, 'ownerEmail', (text) => (looksLikeEmail(text) ? undefined : `"${shorten(text)}" is not an e-mail address`));
  const ownerName = firstValue(spec, data, 'ownerName').value;
  // An id is never cut short (a shortened id could name someone else): a longer one counts as not shown.
  const ownerId = firstValue(spec, data, 'ownerId', (text) => (text.length > LIMITS.ownerId ? `longer than ${LIMITS.ownerId} characters` : undefined)).value;
  const status = firstValue(spec, data, 'status').value;
  const { phones, problems: phoneProblems } = allPhones(spec, data);

  const missing: string[] = [];
  if (spec.require.includes('name') && !firstName && !lastName) {
    const problems = [
      ...firstValue(spec, data, 'firstName').problems,
      ...firstValue(spec, data, 'lastName').problems,
      ...(fullName?.problems ?? []),
    ];
    missing.push(`field name: ${problems.join('; ') || 'no source'}`);
  }
  if (spec.require.includes('phone') && phones.length === 0) missing.push(`field phones: ${phoneProblems.join('; ') || 'no source'}`);
  if (spec.require.includes('email') && !email.value) missing.push(`field email: ${email.problems.join('; ') || 'no source'}`);
  if (missing.length > 0) return { reason: `${prefix}; ${missing.join('; ')}` };

  const tenant = firstValue(spec, data, 'tenant').value ?? data.host;
  const crmId = leadIdentity(spec.crmIdTemplate, { profile: spec.id, tenant, id: recordId.value });
  if (crmId.length > LIMITS.crmId) return { reason: `${prefix}; the lead's identity (crmIdTemplate) is longer than ${LIMITS.crmId} characters` };
  const lead: Lead = { profileId: spec.id, crmId, recordId: recordId.value.slice(0, LIMITS.crmId), pageUrl: data.href.slice(0, LIMITS.url) };
  if (firstName) lead.firstName = firstName.slice(0, LIMITS.name);
  if (lastName) lead.lastName = lastName.slice(0, LIMITS.name);
  const phone = preferredPhone(phones);
  if (phone) lead.phone = phone.number;
  if (phones.length > 0) lead.phones = phones;
  if (email.value) lead.email = email.value.slice(0, LIMITS.email);
  if (ownerName) lead.ownerName = ownerName.slice(0, LIMITS.name);
  if (ownerEmail.value) lead.ownerEmail = ownerEmail.value.slice(0, LIMITS.email);
  if (ownerId) lead.ownerId = ownerId;
  if (status) lead.status = status.slice(0, LIMITS.name);
  lead.profileLabel = spec.name.slice(0, LIMITS.label);
  const extra = extraValues(spec, data);
  if (extra.length > 0) lead.extra = extra;
  if (!spec.fields.shownRecordId) return { lead };
  const shownId = firstValue(spec, data, 'shownRecordId').value;
  return { lead, shownIdMatches: shownId !== undefined && sameId(shownId, recordId.value) };
}
