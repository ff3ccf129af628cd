/**
 * The variables of crmLookupUrlTemplates ("Find in CRM"): the values the dashboard page shows for a chatroom's
 * contact. `{EMAIL|PHONE_E164}` takes the first that has a value. Kept apart from the expansion
 * (lib/actions/crm-lookup.ts, which formats phones) so the config schema can check templates cheaply.
 */
export const LOOKUP_VARIABLES = ['PHONE_E164', 'PHONE_NATIONAL', 'PHONE_DIGITS', 'EMAIL', 'CRM_ID', 'FIRST_NAME', 'LAST_NAME'] as const;
export type LookupVariable = (typeof LOOKUP_VARIABLES)[number];

/** `{NAME}` or `{NAME|OTHER|…}` in a template. */
export const LOOKUP_PLACEHOLDER = /\{([A-Z0-9_|]+)\}/g;

/** The variables a placeholder names, in order (`EMAIL|PHONE_E164` → both). */
export function placeholderChoices(inner: string): string[] {
  return inner.split('|').filter(Boolean);
}

/** Why a template cannot be used (an empty, unknown or lower-case variable), or undefined. */
export function lookupTemplateProblem(template: string): string | undefined {
  // Every {…} is a placeholder to the admin: one that names no variable would stay in the URL as text.
  for (const [placeholder, inner] of template.matchAll(/\{([^{}]*)\}/g)) {
    const choices = placeholderChoices(inner ?? '');
    const unknown = choices.find((name) => !(LOOKUP_VARIABLES as readonly string[]).includes(name));
    if (choices.length === 0 || unknown !== undefined) {
      const what = unknown ? `{${unknown}}` : placeholder;
      return `${what} is not a lookup variable (known: ${LOOKUP_VARIABLES.map((name) => `{${name}}`).join(' ')}; {A|B} takes the first with a value)`;
    }
  }
  return undefined;
}
