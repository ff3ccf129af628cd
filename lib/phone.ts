import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

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
