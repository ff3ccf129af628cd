// The max metadata: telling mobile from fixed-line numbers (bestPhoneE164) needs it. Background only.
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export class LeadDataError extends Error {
  override readonly name = 'LeadDataError';
}

/**
 * The provider wants E.164 (+14155550132). CRMs show numbers in any local format, so numbers written
 * without a country code are read as `defaultCountry`. Returns undefined for an empty phone; throws a
 * LeadDataError naming the number when it cannot be read, rather than sending the provider garbage.
 */
export function toE164(raw: string | undefined, defaultCountry: string): string | undefined {
  const trimmed = raw?.trim();
  if (!trimmed) return undefined;
  // "00" is the international prefix in most of the world; libphonenumber wants "+".
  const normalised = trimmed.replace(/^00(?=[1-9])/, '+');
  const parsed = parsePhoneNumberFromString(normalised, defaultCountry as CountryCode);
  if (!parsed?.isPossible()) {
    throw new LeadDataError(
      `The lead's phone number "${trimmed}" could not be read as a ${normalised.startsWith('+') ? 'international' : `${defaultCountry}`} number. Correct it in the CRM (or ask your administrator to set defaultCountry).`,
    );
  }
  return parsed.number;
}

export interface LabelledPhone {
  number: string;
  label?: string;
}

const MOBILE_LABEL = /mobil|cell|handy|móvil|portable|celular|whatsapp/i;

/** The number a Chat sends, and why that one. */
export interface PhonePick {
  e164: string;
  /** As the page shows it, and its label or kind when it has one. */
  shown: string;
  label?: string;
  why: 'the only number' | 'labelled mobile' | 'a mobile number' | 'the first readable number';
}

/**
 * The number to give the provider when the page shows several: a chat provider reaches people on their
 * mobile, so a number labelled mobile wins, then one libphonenumber knows to be mobile, then the first. Numbers
 * that cannot be read are skipped; only when none can be read does the first one's error surface. The popup
 * shows this same pick, so the agent sees what a Chat will send.
 */
export function pickPhone(lead: { phone?: string; phones?: readonly LabelledPhone[] }, defaultCountry: string): PhonePick | undefined {
  const candidates: LabelledPhone[] = lead.phones?.length ? [...lead.phones] : lead.phone ? [{ number: lead.phone }] : [];
  if (candidates.length === 0) return undefined;
  let firstError: unknown;
  const read: { e164: string; rank: number; index: number }[] = [];
  candidates.forEach((candidate, index) => {
    try {
      const e164 = toE164(candidate.number, defaultCountry);
      if (!e164) return;
      const type = parsePhoneNumberFromString(e164)?.getType();
      const rank = candidate.label && MOBILE_LABEL.test(candidate.label) ? 0 : type === 'MOBILE' ? 1 : type === 'FIXED_LINE_OR_MOBILE' ? 2 : 3;
      read.push({ e164, rank, index });
    } catch (error) {
      firstError ??= error;
    }
  });
  if (read.length === 0) {
    if (firstError) throw firstError;
    return undefined;
  }
  read.sort((a, b) => a.rank - b.rank || a.index - b.index);
  const best = read[0] as (typeof read)[number];
  const shown = candidates[best.index] as LabelledPhone;
  const why = candidates.length === 1 ? 'the only number' : best.rank === 0 ? 'labelled mobile' : best.rank < 3 ? 'a mobile number' : 'the first readable number';
  return { e164: best.e164, shown: shown.number, ...(shown.label ? { label: shown.label } : {}), why };
}

/** The E.164 number a Chat sends (pickPhone), or undefined when the lead has none. */
export function bestPhoneE164(lead: { phone?: string; phones?: readonly LabelledPhone[] }, defaultCountry: string): string | undefined {
  return pickPhone(lead, defaultCountry)?.e164;
}

/** A lead's phone as URL templates use it: E.164, its digits and the national form; {} when it has none readable. */
export interface PhoneForms {
  PHONE_E164?: string;
  PHONE_DIGITS?: string;
  PHONE_NATIONAL?: string;
}

/**
 * The number a Chat would send (pickPhone) in the three forms templates offer (lookup URLs, crmActions). A number
 * that cannot be read gives none: a search or a CRM API has no use for it either.
 */
export function phoneForms(lead: { phone?: string; phones?: readonly LabelledPhone[] }, defaultCountry: string): PhoneForms {
  let e164: string | undefined;
  try {
    e164 = pickPhone(lead, defaultCountry)?.e164;
  } catch {
    return {};
  }
  if (!e164) return {};
  const national = parsePhoneNumberFromString(e164, defaultCountry as CountryCode)?.formatNational();
  return { PHONE_E164: e164, PHONE_DIGITS: e164.replace(/\D/g, ''), ...(national ? { PHONE_NATIONAL: national } : {}) };
}
