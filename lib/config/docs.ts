import type { ConfigKey } from './schema';

/**
 * Admin-facing title and description of every key: shown by the Google Admin console (from the generated
 * managed schema), the options page and the admin guide. A test fails when a key has none.
 */
export const CONFIG_DOCS: Record<ConfigKey, { title: string; description: string }> = {
  providerApiUrl: { title: 'Provider API URL', description: 'Base URL of the Saleschat API. Default https://apis.saleschat.pro.' },
  providerDashboardUrl: { title: 'Provider dashboard URL', description: 'Base URL of the Saleschat web dashboard, e.g. https://app.saleschat.pro.' },
  chatroomUrlTemplate: {
    title: 'Chatroom URL template',
    description: 'Where a chatroom opens. Variables: {DASHBOARD_URL} {CHATROOM_ID} {CONTACT_ID} {CRM_ID}. Default {DASHBOARD_URL}/chatrooms/{CHATROOM_ID}.',
  },
  contactUrlTemplate: {
    title: 'Contact URL template',
    description: 'Opened when the provider assigns the chat but returns no chatroom id. Default {DASHBOARD_URL}/contacts/{CONTACT_ID}.',
  },
  contactLookupUrlTemplate: {
    title: 'Contact lookup URL template',
    description:
      'Optional. How to find an existing contact when Saleschat answers 409 (already exists) without its id: a GET route of the provider API, e.g. {API_URL}/v1/orgs/{ORG_ID}/contacts?crm_id={CRM_ID}. Variables: {API_URL} (required first) {ORG_ID} {CRM_ID}. Unset: such a 409 asks for a mappings import.',
  },
  orgId: { title: 'Organisation id', description: 'Your Saleschat organisation id. Required.' },
  apiToken: { title: 'API token', description: 'Bearer token for the Saleschat API. Required. Never leaves the extension background; never shown to agents.' },
  agents: {
    title: 'Agent directory',
    description: 'Who is who at the provider: a list of {email, providerUserId, crmUserId?, name?}. npm run provision writes it.',
  },
  agentEmail: { title: 'Agent e-mail', description: "Which agents entry is this browser's agent (set per user, or chosen by the agent once)." },
  agentProviderUserId: {
    title: 'Agent provider user id',
    description: "The agent's Saleschat user id, instead of agentEmail. Must be one of the agents directory's providerUserId values.",
  },
  allowReassign: { title: 'Allow taking over chats', description: 'May Chat reassign a lead that another agent holds? Default true.' },
  defaultCountry: { title: 'Default country', description: 'ISO 3166-1 alpha-2 code (US, DE, IN…) for phone numbers written without a country code. Default US.' },
  requestTimeoutMs: { title: 'Request timeout (ms)', description: 'Per-request timeout to the provider, 1000–10000. Default 8000.' },
  magicLinkLifetimeSeconds: {
    title: 'Login link lifetime (s)',
    description: 'How long a login link is reused when the provider does not state its expiry, 10–86400. Default 300.',
  },
  crmProfiles: { title: 'Built-in CRM profiles', description: 'Which built-in CRM profiles are active (profile ids). Absent means all.' },
  crmRules: { title: 'CRM rules', description: 'Admin-defined lead detection for other CRMs (see docs/crm-rules.md).' },
  crmTenants: {
    title: "The company's CRM tenants",
    description:
      'The built-in CRM profiles run only on these accounts, not on any other tenant (such as a free trial). Host names (acme.lightning.force.com or acme.my.salesforce.com, acme.pipedrive.com, acme.crm4.dynamics.com, acme.myfreshworks.com), HubSpot portal ids (4151234), Zoho orgs (org746753262). Absent means every tenant.',
  },
  agentSelfSelect: {
    title: 'Agents pick themselves',
    description:
      'May an agent choose who they are from the agents directory in their own options? Default: true when the agent also enters the token, false when apiToken comes from policy (an agent who picks can pick anyone).',
  },
  agentFromBrowserProfile: {
    title: 'Agent from the browser profile (Chrome)',
    description: "The agent is the agents entry whose e-mail is the signed-in Chrome profile's (managed profiles). Default false.",
  },
  magicLinkReuse: {
    title: 'Reuse login links',
    description: 'Reuse a Saleschat login link until it expires instead of asking for a new one at each Login. Default false (whether links may be used twice is not documented).',
  },
  allowMappingImport: { title: 'Allow mapping import', description: 'May agents import a contact mappings file in the options page? Default false.' },
  reassignWhenOwnerUnknown: {
    title: 'Take over when the owner is unknown',
    description: "With allowReassign false: what Chat does when the CRM page does not show the lead's owner: 'allow' (default) or 'refuse'.",
  },
  contactUpdatePolicy: {
    title: 'Contact update policy',
    description:
      "At a Chat on a known lead whose names in the CRM differ from those last sent to Saleschat: 'overwrite' (default: Saleschat gets the CRM's names, and the chatroom's name follows), 'fillEmpty' (only names Saleschat has empty), 'never'. One extra request, only when something changed. Team mode: the gateway's CONTACT_UPDATE_POLICY decides.",
  },
  phoneChangePolicy: {
    title: 'Phone change policy',
    description:
      "The CRM shows another phone number than the lead's Saleschat contact was created with (Saleschat cannot change it): 'warn' (default: open the existing chat and show both numbers), 'newContact' (create a new contact with crm_id <id>-2, <id>-3…, open its chat, remember both), 'refuse' (no request; the agent is told why). Team mode: the gateway's PHONE_CHANGE_POLICY decides.",
  },
  stageMapping: {
    title: 'Stage mapping',
    description:
      'Optional. CRM lead status → Saleschat stage: a list of { "crmStatus": "Qualified", "stage": "QUALIFIED", "disposition": "…" (optional) }. At a Chat whose lead status maps to another stage than last sent, one stage request (contactStageUrlTemplate) is sent. Needs a rule or profile that reads the status field. Empty: off.',
  },
  contactStageUrlTemplate: {
    title: 'Stage update URL template',
    description:
      "Required with stageMapping. The route of Saleschat's \"update disposition & stage\" call (its path is not documented), sent as PUT { stage, disposition }, e.g. {API_URL}/v1/orgs/{ORG_ID}/contact/{CONTACT_ID}/stage. Variables: {API_URL} (required first) {ORG_ID} {CONTACT_ID} {CRM_ID}.",
  },
  crmLookupUrlTemplates: {
    title: 'Find in CRM lookups',
    description:
      'Optional. "Find in CRM" buttons on a dashboard chatroom the extension did not open: a list of { "label": "Salesforce", "url": "https://acme.lightning.force.com/one/one.app#/search?q={PHONE_E164}" }. Variables, URL-encoded: {PHONE_E164} {PHONE_NATIONAL} {PHONE_DIGITS} {EMAIL} {CRM_ID} {FIRST_NAME} {LAST_NAME}; {EMAIL|PHONE_E164} takes the first that has a value. Read from the dashboard page (dashboardRule).',
  },
  screenPop: {
    title: 'Screen pop',
    description:
      "When the agent opens a chatroom in the Saleschat dashboard: 'focus' brings the lead's CRM tab forward when it is open, 'open' also opens it when it is not (never a second tab per lead), 'off' (default). A chatroom the agent just opened with Chat never pops back.",
  },
  dashboardRule: {
    title: 'Dashboard rule',
    description:
      'Optional. A rule in the crmRules format that reads the contact\'s phone, e-mail and name on a Saleschat dashboard chatroom page (url: the chatroom pages), instead of the built-in "Saleschat dashboard" profile. For when the dashboard\'s markup changes.',
  },
  crmActions: {
    title: 'CRM actions (write-back)',
    description:
      'Optional, policy only. HTTP calls to your CRM\'s API when a chat opens (chat-opened), fails (chat-failed) or on Login: e.g. a Salesforce Task on the lead. Each: { "name", "on": ["chat-opened"], "auth": {…}, "steps": [{ "method", "url", "body", "capture", "when" }] }; variables such as {CRM_ID} {EMAIL} {AGENT_EMAIL} {CHATROOM_URL} {NOW_ISO}. Run after the chat opened, journaled, retried; presets for six CRMs in docs/crm-actions.md. Team mode: the gateway\'s CRM_ACTIONS.',
  },
  gatewayUrl: {
    title: 'Team gateway URL',
    description:
      "Team mode: the company's team gateway, e.g. https://chat-gateway.example.com. Agents sign in with the company's identity provider; the gateway holds the Saleschat token and the team's lead map, so apiToken and the agent identity keys are ignored. Empty: direct mode.",
  },
};
