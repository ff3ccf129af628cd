import { LOOKUP_PLACEHOLDER, type LookupVariable, placeholderChoices } from '../config/lookup-variables';
import type { CrmLookupTemplate } from '../config/schema';
import { CRM_ID_FIELD } from '../crm/profiles/saleschat-dashboard';
import type { Lead } from '../messages';
import { phoneForms } from '../phone';
import { webPageUrl } from './crm-card';

export type LookupResult = { ok: true; url: string } | { ok: false; message: string };

/**
 * The values a dashboard page shows for a chatroom's contact (read by the dashboard rule), as lookup variables:
 * the phone in three forms, e-mail, names and the contact's crm_id when the page shows one. Empty values are
 * absent, so `{EMAIL|PHONE_E164}` falls through to the next.
 */
export function lookupValues(lead: Partial<Lead>, defaultCountry: string): Partial<Record<LookupVariable, string>> {
  const values: Partial<Record<LookupVariable, string>> = { ...phoneForms(lead, defaultCountry) };
  const set = (name: LookupVariable, value: string | undefined) => {
    const trimmed = value?.trim();
    if (trimmed) values[name] = trimmed;
  };
  set('EMAIL', lead.email);
  set('CRM_ID', lead.extra?.find((field) => field.label === CRM_ID_FIELD)?.value);
  set('FIRST_NAME', lead.firstName);
  set('LAST_NAME', lead.lastName);
  return values;
}

/**
 * The lookup URL for these values: every placeholder replaced by its first variable that has a value,
 * URL-encoded (a `+` of an E.164 number becomes %2B, so the CRM never reads it as a space). A placeholder with no
 * value at all means the page does not show what this search needs: the agent is told which, nothing opens.
 */
export function expandLookup(template: CrmLookupTemplate, values: Partial<Record<LookupVariable, string>>): LookupResult {
  const missing: string[] = [];
  const url = template.url.replace(LOOKUP_PLACEHOLDER, (placeholder, inner: string) => {
    const value = placeholderChoices(inner)
      .map((name) => values[name as LookupVariable])
      .find((candidate) => candidate !== undefined);
    if (value === undefined) {
      missing.push(placeholder);
      return '';
    }
    return encodeURIComponent(value);
  });
  if (missing.length > 0) {
    return { ok: false, message: `“${template.label}” needs ${missing.join(' and ')}, which this chat does not show.` };
  }
  const safe = webPageUrl(url);
  if (!safe) return { ok: false, message: `“${template.label}” does not make a web address (${url.slice(0, 200)}); ask your administrator to check crmLookupUrlTemplates.` };
  return { ok: true, url: safe };
}
