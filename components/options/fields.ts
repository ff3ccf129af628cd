/** How each config key is edited in the options page. Order is the page's order. */
export type FieldKind = 'url' | 'text' | 'secret' | 'boolean' | 'integer' | 'json' | 'list' | 'agent';

export interface FieldSpec {
  key: string;
  label: string;
  kind: FieldKind;
  help: string;
}

export const FIELDS: readonly FieldSpec[] = [
  {
    key: 'gatewayUrl',
    label: 'Team gateway URL',
    kind: 'url',
    help: "Team mode: your company's gateway. Set, you sign in with your company account and the settings below that name the token or you are not used.",
  },
  { key: 'providerApiUrl', label: 'Provider API URL', kind: 'url', help: 'Base URL of the Saleschat API.' },
  { key: 'providerDashboardUrl', label: 'Dashboard URL', kind: 'url', help: 'Base URL of the Saleschat web dashboard.' },
  { key: 'orgId', label: 'Organisation id', kind: 'text', help: 'Your Saleschat organisation.' },
  { key: 'apiToken', label: 'API token', kind: 'secret', help: 'Bearer token. Stays in the extension; never shown again in full.' },
  { key: 'agents', label: 'Agent directory', kind: 'json', help: 'JSON array of {"email", "providerUserId", "crmUserId"?, "name"?}.' },
  { key: 'agentEmail', label: 'Who am I', kind: 'agent', help: 'Pick yourself in the agent directory (once).' },
  { key: 'agentProviderUserId', label: 'My Saleschat user id', kind: 'text', help: 'Overrides the directory lookup.' },
  { key: 'allowReassign', label: 'Allow taking over chats', kind: 'boolean', help: "May Chat reassign a lead that another agent holds?" },
  { key: 'defaultCountry', label: 'Default country', kind: 'text', help: 'Two letters (US, DE…) for phone numbers written without a country code.' },
  { key: 'chatroomUrlTemplate', label: 'Chatroom URL', kind: 'text', help: 'Variables: {DASHBOARD_URL} {CHATROOM_ID} {CONTACT_ID} {CRM_ID}.' },
  { key: 'contactUrlTemplate', label: 'Contact URL', kind: 'text', help: 'Opened when Saleschat returns no chatroom id.' },
  {
    key: 'contactLookupUrlTemplate',
    label: 'Contact lookup URL',
    kind: 'text',
    help: 'Optional: finds a contact another browser created (409). Starts with {API_URL}/; variables {ORG_ID} {CRM_ID}.',
  },
  {
    key: 'contactUpdatePolicy',
    label: 'Renamed leads',
    kind: 'text',
    help: 'overwrite (default): Saleschat gets the CRM\'s new names at the next Chat; fillEmpty: only names it has empty; never.',
  },
  {
    key: 'phoneChangePolicy',
    label: 'Changed phone numbers',
    kind: 'text',
    help: 'warn (default): open the existing chat and show both numbers; newContact: a new contact <id>-2 for the new number; refuse.',
  },
  { key: 'stageMapping', label: 'Stage mapping', kind: 'json', help: 'JSON array of {"crmStatus", "stage", "disposition"?}; empty: no stage is sent.' },
  {
    key: 'contactStageUrlTemplate',
    label: 'Stage update URL',
    kind: 'text',
    help: 'Needed with a stage mapping. Starts with {API_URL}/; variables {ORG_ID} {CONTACT_ID} {CRM_ID}.',
  },
  { key: 'screenPop', label: 'Screen pop', kind: 'text', help: "off (default), focus (bring the lead's CRM tab forward when a chatroom opens), open (also open it)." },
  {
    key: 'crmLookupUrlTemplates',
    label: 'Find in CRM lookups',
    kind: 'json',
    help: 'JSON array of {"label", "url"}; url variables {PHONE_E164} {PHONE_NATIONAL} {PHONE_DIGITS} {EMAIL} {CRM_ID} {FIRST_NAME} {LAST_NAME}, {EMAIL|PHONE_E164} = first with a value.',
  },
  { key: 'dashboardRule', label: 'Dashboard rule', kind: 'json', help: 'A rule (crmRules format) that reads the dashboard chatroom page; empty: the built-in one.' },
  { key: 'requestTimeoutMs', label: 'Request timeout (ms)', kind: 'integer', help: '1000–10000.' },
  { key: 'magicLinkLifetimeSeconds', label: 'Login link lifetime (s)', kind: 'integer', help: 'Used when Saleschat does not say when a login link expires.' },
  { key: 'crmProfiles', label: 'Built-in CRM profiles', kind: 'list', help: 'Comma-separated profile ids; empty means all.' },
  { key: 'crmRules', label: 'CRM rules', kind: 'json', help: 'JSON array of admin rules for other CRMs (see docs).' },
];

/** Text shown in an input for a stored value. */
export function toInputText(kind: FieldKind, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (kind === 'json') return JSON.stringify(value, null, 2);
  if (kind === 'list') return Array.isArray(value) ? value.join(', ') : '';
  return String(value);
}

/** The value to send for an input's text; null clears the agent's value; a string error when unreadable. */
export function fromInputText(kind: FieldKind, text: string): { value: unknown } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  switch (kind) {
    case 'integer': {
      const number = Number(trimmed);
      return Number.isInteger(number) ? { value: number } : { error: 'must be a whole number' };
    }
    case 'json':
      try {
        return { value: JSON.parse(trimmed) };
      } catch (error) {
        return { error: `is not valid JSON (${(error as Error).message})` };
      }
    case 'list':
      return { value: trimmed.split(',').map((item) => item.trim()).filter(Boolean) };
    default:
      return { value: trimmed };
  }
}
