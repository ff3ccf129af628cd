import type { BodyTemplate, CrmAction, CrmActionEvent, CrmActionStep } from './schema';

/**
 * Ready-made `crmActions` (lib/crm-actions/schema.ts) for the CRMs whose public APIs we follow, one function per CRM:
 * the tenant's base URLs and credentials in, a complete action out. docs/crm-actions.md ("Presets") prints each with
 * the real hosts; test/integration/crm-action-presets.test.ts runs each against the sandbox's CRM API with the
 * sandbox's hosts and credentials (sandbox/README.md, "CRM API"), so a preset that works there is the one an admin
 * pastes into the policy.
 *
 * What every preset writes: a note or activity "Saleschat chat" whose text names the agent ({AGENT_NAME}) and the
 * chatroom's address ({CHATROOM_URL}), on `chat-opened`. Presets that write on the CRM's own record id ({CRM_ID}:
 * Salesforce, Zoho, Dataverse, Freshsales) are limited to leads read by that CRM's built-in profile (`profiles`),
 * so another CRM's id is never sent as theirs; presets that find the person by e-mail first (HubSpot, Pipedrive,
 * the generic CRM: Comm100's rule "find the record by e-mail first") run for every lead with an e-mail.
 *
 * Templates can only make strings, so ids captured from an answer (a number in HubSpot's or Pipedrive's JSON) are
 * sent back as JSON strings ("101"): the APIs followed here take numeric strings for ids.
 */

/** What every preset takes besides its CRM's URLs and credentials. */
export interface PresetOptions {
  /** The CRM as agents read it: "Logged to Salesforce". Default: the CRM's name. Unique among crmActions. */
  name?: string;
  /** Default ['chat-opened']. */
  on?: CrmActionEvent[];
  /**
   * Only for leads read by these profiles or rules. Default: the CRM's built-in profile for presets that write on
   * {CRM_ID}; every lead for those that find the person by e-mail.
   */
  profiles?: string[];
  /** Per request, 1000–10000 ms (default 8000). */
  timeoutMs?: number;
  /** The note's or activity's subject (a template). Default "Saleschat chat". */
  subject?: string;
  /** Its text (a template). Default "{AGENT_NAME} opened a Saleschat chat with this lead: {CHATROOM_URL}". */
  text?: string;
}

export const PRESET_SUBJECT = 'Saleschat chat';
export const PRESET_TEXT = '{AGENT_NAME} opened a Saleschat chat with this lead: {CHATROOM_URL}';

/** The public API documentation each preset follows (docs/crm-actions.md cites them, the tests too). */
export const PRESET_DOCS = {
  salesforce: [
    'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm',
    'https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm',
    'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm&type=5',
  ],
  hubspot: [
    'https://developers.hubspot.com/docs/api-reference/crm-notes-v3/guide',
    'https://developers.hubspot.com/docs/api-reference/legacy/crm/search-the-crm',
    'https://developers.hubspot.com/docs/api/crm/contacts',
  ],
  pipedrive: [
    'https://developers.pipedrive.com/docs/api/v1/Activities#addActivity',
    'https://developers.pipedrive.com/docs/api/v1/Persons#searchPersons',
    'https://developers.pipedrive.com/docs/api/v1/Persons#addPerson',
  ],
  zoho: [
    'https://www.zoho.com/crm/developer/docs/api/v2/create-notes.html',
    'https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html',
  ],
  dynamics: [
    'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api',
    'https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/annotation',
    'https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow',
  ],
  freshsales: ['https://developers.freshworks.com/crm/api/#create_note'],
  generic: ['https://cloud.google.com/contact-center/ccai-platform/docs/custom-crm'],
} as const;

/** A base URL without its trailing slashes, so `${base}/path` never makes `//path`. */
function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

function common(options: PresetOptions, defaults: { name: string; profiles?: string[] }): Pick<CrmAction, 'name' | 'on' | 'profiles' | 'timeoutMs'> {
  const profiles = options.profiles ?? defaults.profiles;
  return {
    name: options.name ?? defaults.name,
    on: options.on ?? ['chat-opened'],
    ...(profiles ? { profiles } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
}

const subjectOf = (options: PresetOptions) => options.subject ?? PRESET_SUBJECT;
const textOf = (options: PresetOptions) => options.text ?? PRESET_TEXT;

// ---------------------------------------------------------------------------------------------------------------
// Salesforce

export interface SalesforcePresetOptions extends PresetOptions {
  /** The org's My Domain URL, e.g. "https://acme.my.salesforce.com": token endpoint and REST API alike. */
  instanceUrl: string;
  /** The external client app's (connected app's) consumer key and secret, client credentials flow enabled. */
  clientId: string;
  clientSecret: string;
  /** REST API version, default "62.0". */
  apiVersion?: string;
}

/**
 * A completed Task on the lead (or contact): REST API "Create a Record" on sobjects/Task, `WhoId` the record id the
 * page shows; OAuth 2.0 client credentials flow at `<instance>/services/oauth2/token` (Salesforce names no token
 * lifetime: the token is kept until the API answers 401, then renewed once).
 */
export function salesforceTaskPreset(options: SalesforcePresetOptions): CrmAction {
  const instance = trimBase(options.instanceUrl);
  return {
    ...common(options, { name: 'Salesforce', profiles: ['salesforce'] }),
    auth: { type: 'oauth-client-credentials', tokenUrl: `${instance}/services/oauth2/token`, clientId: options.clientId, clientSecret: options.clientSecret },
    steps: [
      {
        name: 'create task',
        method: 'POST',
        url: `${instance}/services/data/v${options.apiVersion ?? '62.0'}/sobjects/Task`,
        body: { WhoId: '{CRM_ID}', Subject: subjectOf(options), Description: textOf(options), Status: 'Completed', ActivityDate: '{TODAY}' },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// HubSpot

export interface HubSpotPresetOptions extends PresetOptions {
  /** Default "https://api.hubapi.com". */
  apiUrl?: string;
  /** A private app's access token (scopes crm.objects.contacts.read/write). */
  token: string;
}

/** HubSpot's note → contact association type (HUBSPOT_DEFINED). */
export const HUBSPOT_NOTE_TO_CONTACT = 202;

/**
 * A note on the contact: the contact found by e-mail (CRM search, `EQ` on `email`), created when there is none, then
 * `POST /crm/v3/objects/notes` associated with it (type 202). The captured id is HUBSPOT_CONTACT_ID ({CONTACT_ID}
 * is Saleschat's contact).
 */
export function hubspotNotePreset(options: HubSpotPresetOptions): CrmAction {
  const api = trimBase(options.apiUrl ?? 'https://api.hubapi.com');
  return {
    ...common(options, { name: 'HubSpot' }),
    auth: { type: 'header', header: 'Authorization', value: 'Bearer {SECRET}', secret: options.token },
    steps: [
      {
        name: 'find contact',
        method: 'POST',
        url: `${api}/crm/v3/objects/contacts/search`,
        body: { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: '{EMAIL}' }] }], properties: ['email'], limit: 1 },
        capture: { HUBSPOT_CONTACT_ID: '/results/0/id' },
      },
      {
        name: 'create contact',
        method: 'POST',
        url: `${api}/crm/v3/objects/contacts`,
        when: { missing: 'HUBSPOT_CONTACT_ID' },
        body: {
          properties: {
            email: '{EMAIL}',
            firstname: '=DEFAULT_VALUE({FIRST_NAME},)',
            lastname: '=DEFAULT_VALUE({LAST_NAME},)',
            phone: '=DEFAULT_VALUE({PHONE_E164},)',
          },
        },
        capture: { HUBSPOT_CONTACT_ID: '/id' },
      },
      {
        name: 'create note',
        method: 'POST',
        url: `${api}/crm/v3/objects/notes`,
        body: {
          properties: { hs_timestamp: '{NOW_ISO}', hs_note_body: textOf(options) },
          associations: [
            { to: { id: '{HUBSPOT_CONTACT_ID}' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: HUBSPOT_NOTE_TO_CONTACT }] },
          ],
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Pipedrive

export interface PipedrivePresetOptions extends PresetOptions {
  /** The company's Pipedrive URL, e.g. "https://acme.pipedrive.com". */
  companyUrl: string;
  /** A user's personal API token (the `api_token` query parameter). */
  apiToken: string;
  /** The activity type's key_string, default "task" (call, meeting, task, deadline, email, lunch, or your own). */
  activityType?: string;
}

/**
 * A done activity on the person: the person found by e-mail (`persons/search`, exact, e-mail only), created when
 * there is none, then `POST /api/v1/activities` with `person_id`.
 */
export function pipedriveActivityPreset(options: PipedrivePresetOptions): CrmAction {
  const api = `${trimBase(options.companyUrl)}/api/v1`;
  return {
    ...common(options, { name: 'Pipedrive' }),
    auth: { type: 'query', parameter: 'api_token', secret: options.apiToken },
    steps: [
      {
        name: 'find person',
        method: 'GET',
        url: `${api}/persons/search`,
        query: { term: '{EMAIL}', fields: 'email', exact_match: 'true' },
        capture: { PERSON_ID: '/data/items/0/item/id' },
      },
      {
        name: 'create person',
        method: 'POST',
        url: `${api}/persons`,
        when: { missing: 'PERSON_ID' },
        body: { name: '=DEFAULT_VALUE({FULL_NAME}, {EMAIL})', email: [{ value: '{EMAIL}', primary: true, label: 'work' }] },
        capture: { PERSON_ID: '/data/id' },
      },
      {
        name: 'create activity',
        method: 'POST',
        url: `${api}/activities`,
        body: {
          subject: subjectOf(options),
          type: options.activityType ?? 'task',
          person_id: '{PERSON_ID}',
          due_date: '{TODAY}',
          note: textOf(options),
          done: 1,
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Zoho CRM

export interface ZohoPresetOptions extends PresetOptions {
  /** The data centre's API domain (the token answer's `api_domain`), default "https://www.zohoapis.com". */
  apiDomain?: string;
  /** The data centre's accounts server, default "https://accounts.zoho.com" (EU: accounts.zoho.eu, …). */
  accountsUrl?: string;
  clientId: string;
  clientSecret: string;
  /** A refresh token with scope ZohoCRM.modules.ALL (or leads + notes CREATE). */
  refreshToken: string;
  /** The module of the record the page shows: "Leads" (default) or "Contacts". */
  module?: 'Leads' | 'Contacts';
}

/**
 * A note on the lead: `POST /crm/v2/Leads/{id}/Notes` with `{ data: [{ Note_Title, Note_Content }] }`; access tokens
 * from the refresh-token grant at the accounts server, sent as `Zoho-oauthtoken <token>`.
 */
export function zohoNotePreset(options: ZohoPresetOptions): CrmAction {
  return {
    ...common(options, { name: 'Zoho CRM', profiles: ['zoho'] }),
    auth: {
      type: 'oauth-refresh-token',
      tokenUrl: `${trimBase(options.accountsUrl ?? 'https://accounts.zoho.com')}/oauth/v2/token`,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      refreshToken: options.refreshToken,
      scheme: 'Zoho-oauthtoken',
    },
    steps: [
      {
        name: 'create note',
        method: 'POST',
        url: `${trimBase(options.apiDomain ?? 'https://www.zohoapis.com')}/crm/v2/${options.module ?? 'Leads'}/{CRM_ID}/Notes`,
        body: { data: [{ Note_Title: subjectOf(options), Note_Content: textOf(options) }] },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Dynamics 365 / Dataverse

export interface DataversePresetOptions extends PresetOptions {
  /** The environment's URL, e.g. "https://acme.crm.dynamics.com": Web API base and token scope (`<url>/.default`). */
  orgUrl: string;
  /** The Microsoft Entra tenant: its id (a GUID) or a verified domain such as "acme.onmicrosoft.com". */
  tenant: string;
  /** The app registration's client id and secret (an application user in the environment). */
  clientId: string;
  clientSecret: string;
  /** Default "https://login.microsoftonline.com". */
  loginUrl?: string;
  /** The table of the record the page shows: "lead" (default) or "contact". */
  table?: 'lead' | 'contact';
}

/**
 * A note (annotation) on the lead: `POST /api/data/v9.2/annotations` bound with `objectid_lead@odata.bind:
 * '/leads({CRM_ID})'` (a task would bind `regardingobjectid_lead_task@odata.bind` instead); the token from Entra ID's
 * client credentials flow with scope `<org url>/.default`.
 */
export function dataverseAnnotationPreset(options: DataversePresetOptions): CrmAction {
  const org = trimBase(options.orgUrl);
  const table = options.table ?? 'lead';
  return {
    ...common(options, { name: 'Dynamics 365', profiles: ['dynamics'] }),
    auth: {
      type: 'oauth-client-credentials',
      tokenUrl: `${trimBase(options.loginUrl ?? 'https://login.microsoftonline.com')}/${encodeURIComponent(options.tenant)}/oauth2/v2.0/token`,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      scope: `${org}/.default`,
    },
    steps: [
      {
        name: 'create note',
        method: 'POST',
        url: `${org}/api/data/v9.2/annotations`,
        headers: { 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' },
        body: { [`objectid_${table}@odata.bind`]: `/${table}s({CRM_ID})`, subject: subjectOf(options), notetext: textOf(options) },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Freshsales

export interface FreshsalesPresetOptions extends PresetOptions {
  /** The bundle alias URL, e.g. "https://acme.myfreshworks.com/crm/sales". */
  bundleUrl: string;
  /** A user's API key (Profile Settings → API Settings). */
  apiKey: string;
  /** The record the page shows: "Lead" (default) or "Contact". */
  targetableType?: 'Lead' | 'Contact';
}

/** A note on the lead: `POST /crm/sales/api/notes` with `{ note: { description, targetable_type, targetable_id } }`. */
export function freshsalesNotePreset(options: FreshsalesPresetOptions): CrmAction {
  return {
    ...common(options, { name: 'Freshsales', profiles: ['freshsales'] }),
    auth: { type: 'header', header: 'Authorization', value: 'Token token={SECRET}', secret: options.apiKey },
    steps: [
      {
        name: 'create note',
        method: 'POST',
        url: `${trimBase(options.bundleUrl)}/api/notes`,
        body: { note: { description: textOf(options), targetable_type: options.targetableType ?? 'Lead', targetable_id: '{CRM_ID}' } },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A homegrown CRM

export interface GenericPresetOptions extends PresetOptions {
  /** The API's base, e.g. "https://crm.acme.example/api": GET/POST <base>/people, POST <base>/people/{id}/activities. */
  baseUrl: string;
  username: string;
  password: string;
}

/**
 * The company's own CRM (basic auth): the person found by e-mail (`GET /people?email=`), created when there is none
 * (`POST /people`), then an activity on them (`POST /people/{id}/activities`): Comm100's rule "find the record by
 * e-mail first", so one person per e-mail, whatever page the chat was opened from. A template for your own API.
 */
export function genericCrmPreset(options: GenericPresetOptions): CrmAction {
  const api = trimBase(options.baseUrl);
  return {
    ...common(options, { name: 'CRM' }),
    auth: { type: 'basic', username: options.username, password: options.password },
    steps: [
      { name: 'find person', method: 'GET', url: `${api}/people`, query: { email: '{EMAIL}' }, capture: { PERSON_ID: '/people/0/id' } },
      {
        name: 'create person',
        method: 'POST',
        url: `${api}/people`,
        when: { missing: 'PERSON_ID' },
        body: { email: '{EMAIL}', name: '=DEFAULT_VALUE({FULL_NAME},)', phone: '=DEFAULT_VALUE({PHONE_E164},)' },
        capture: { PERSON_ID: '/person/id' },
      },
      {
        name: 'log activity',
        method: 'POST',
        url: `${api}/people/{PERSON_ID}/activities`,
        body: {
          type: 'chat',
          subject: subjectOf(options),
          text: textOf(options),
          chatroomUrl: '{CHATROOM_URL}',
          agentEmail: '=DEFAULT_VALUE({AGENT_EMAIL},)',
          at: '{NOW_ISO}',
          eventId: '{EVENT_ID}',
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Chrome policy

/**
 * The action as Chrome policy can carry it: every step's `body` written as `bodyJson`, its JSON text (Chrome's
 * policy schema cannot declare "any JSON value", and drops what it cannot declare). Firefox's policies.json and the
 * options page take either form.
 */
export function chromePolicyAction(action: CrmAction): CrmAction {
  return { ...action, steps: action.steps.map(chromePolicyStep) };
}

/** The step with `body` replaced, in its place, by `bodyJson`. */
function chromePolicyStep(step: CrmActionStep): CrmActionStep {
  if (step.body === undefined) return step;
  const body: BodyTemplate = step.body;
  return Object.fromEntries(Object.entries(step).map(([key, value]) => (key === 'body' ? ['bodyJson', JSON.stringify(body)] : [key, value]))) as CrmActionStep;
}
