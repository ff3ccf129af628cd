import { z } from 'zod';
import { API_ENDPOINTS, type ApiEndpoint } from './api';
import { CrmApiState, handleCrmApiControl, isCrmApiControlPath } from './crm-api';
import { addExternalChatroom, ExternalChatroomSchema } from './external';
import { FaultQueue, FaultSchema } from './faults';
import { errorReply, jsonReply, parseJson, type Reply } from './http';
import { defaultSettings, type Settings, SettingsPatchSchema } from './settings';
import { SpaCrmControls, SpaCrmSettingsPatchSchema, SpaLeadsUpsertSchema } from './spa-crm';
import type { Store } from './store';

/**
 * Test controls under /__sandbox: observe what the extension sent, script failures, and switch the
 * provider's unconfirmed behaviours. None of this is persisted: a restart starts with a clean slate.
 */

export interface RequestLogEntry {
  /** null: the path matched no provider endpoint (logged so a wrong URL in the client is visible). */
  endpoint: ApiEndpoint | null;
  method: string;
  path: string;
  /** 0 when an injected fault dropped the connection without a response. */
  status: number;
  body: unknown;
  at: string;
  /** Id of the injected fault that shaped this request, if any. */
  fault: string | null;
}

const MAX_LOGGED_REQUESTS = 500;

export class Controls {
  counts = zeroCounts();
  requests: RequestLogEntry[] = [];
  faults = new FaultQueue();
  latencyMs = 0;
  settings: Settings = defaultSettings();
  /** Orbit CRM (/spa-crm) settings and request log. */
  spaCrm = new SpaCrmControls();
  /** The CRM API (/crm-api): its records, tokens, settings, log and faults, all reset with the controls. */
  crmApi = new CrmApiState();

  count(endpoint: ApiEndpoint): void {
    this.counts[endpoint] += 1;
  }

  log(entry: RequestLogEntry): void {
    this.requests.push(entry);
    if (this.requests.length > MAX_LOGGED_REQUESTS) this.requests.splice(0, this.requests.length - MAX_LOGGED_REQUESTS);
  }

  reset(): void {
    this.counts = zeroCounts();
    this.requests = [];
    this.faults.clear();
    this.latencyMs = 0;
    this.settings = defaultSettings();
    this.spaCrm.reset();
    this.crmApi.reset();
  }
}

function zeroCounts(): Record<ApiEndpoint, number> {
  return Object.fromEntries(API_ENDPOINTS.map((endpoint) => [endpoint, 0])) as Record<ApiEndpoint, number>;
}

const LeadSchema = z.strictObject({
  id: z.string().min(1).max(128),
  firstName: z.string(),
  lastName: z.string(),
  phone: z.string().optional(),
  email: z.string().optional(),
  ownerEmail: z.string().optional(),
  ownerName: z.string().optional(),
  status: z.string().optional(),
  company: z.string().optional(),
});

const LatencySchema = z.strictObject({ ms: z.int().min(0).max(600_000) });
const ResetSchema = z.strictObject({ data: z.boolean().optional() });

export interface ControlDeps {
  store: Store;
  controls: Controls;
}

export function handleControl(method: string, path: string, rawBody: string, deps: ControlDeps): Reply {
  const { store, controls } = deps;
  const parsed = parseJson(rawBody);
  if (!parsed.ok) return errorReply(400, `Malformed JSON body: ${parsed.error}`);
  const body = parsed.value;
  const route = `${method} ${path.replace(/\/+$/, '')}`;
  if (isCrmApiControlPath(path)) return handleCrmApiControl(method, path, body, controls.crmApi);

  // A contact deleted in the provider's dashboard: its chatrooms go with it, so assign answers 404.
  const deleted = /^DELETE \/__sandbox\/contacts\/([^/]+)$/.exec(route);
  if (deleted) {
    const contactId = decodeURIComponent(deleted[1] ?? '');
    if (!store.deleteContact(contactId)) return errorReply(404, `No contact ${contactId}`);
    return jsonReply({ deleted: contactId });
  }

  switch (route) {
    case 'GET /__sandbox/counts':
      return jsonReply(controls.counts);
    case 'GET /__sandbox/requests':
      return jsonReply(controls.requests);
    case 'GET /__sandbox/faults':
      return jsonReply(controls.faults.list());
    case 'POST /__sandbox/faults': {
      if (Array.isArray(body)) {
        const result = z.array(FaultSchema).safeParse(body);
        if (!result.success) return invalid(result.error);
        return jsonReply(result.data.map((fault) => controls.faults.add(fault)));
      }
      const result = FaultSchema.safeParse(body);
      if (!result.success) return invalid(result.error);
      return jsonReply(controls.faults.add(result.data));
    }
    case 'DELETE /__sandbox/faults':
      controls.faults.clear();
      return jsonReply({ ok: true });
    case 'GET /__sandbox/latency':
      return jsonReply({ ms: controls.latencyMs });
    case 'POST /__sandbox/latency': {
      const result = LatencySchema.safeParse(body);
      if (!result.success) return invalid(result.error);
      controls.latencyMs = result.data.ms;
      return jsonReply({ ms: controls.latencyMs });
    }
    case 'GET /__sandbox/settings':
      return jsonReply(controls.settings);
    case 'POST /__sandbox/settings': {
      const result = SettingsPatchSchema.safeParse(body ?? {});
      if (!result.success) return invalid(result.error);
      controls.settings = { ...controls.settings, ...stripUndefined(result.data) };
      return jsonReply(controls.settings);
    }
    case 'GET /__sandbox/state':
      return jsonReply({
        users: store.data.users,
        contacts: store.data.contacts,
        chatrooms: store.data.chatrooms,
        leads: store.data.leads,
      });
    case 'GET /__sandbox/leads':
      return jsonReply(store.data.leads);
    case 'POST /__sandbox/leads': {
      const result = z.union([LeadSchema, z.array(LeadSchema)]).safeParse(body);
      if (!result.success) return invalid(result.error);
      const leads = Array.isArray(result.data) ? result.data : [result.data];
      store.upsertLeads(leads.map(stripUndefined));
      return jsonReply({ upserted: leads.map((lead) => lead.id) });
    }
    case 'POST /__sandbox/external-chatrooms': {
      // Straight into the store, not through handleApi: counts and the request log must not see it.
      const result = ExternalChatroomSchema.safeParse(body ?? {});
      if (!result.success) return invalid(result.error);
      return addExternalChatroom(result.data, store, Date.now());
    }
    case 'GET /__sandbox/spa-crm/settings':
      return jsonReply(controls.spaCrm.settings);
    case 'POST /__sandbox/spa-crm/settings': {
      const result = SpaCrmSettingsPatchSchema.safeParse(body ?? {});
      if (!result.success) return invalid(result.error);
      controls.spaCrm.settings = { ...controls.spaCrm.settings, ...stripUndefined(result.data) };
      return jsonReply(controls.spaCrm.settings);
    }
    case 'GET /__sandbox/spa-crm/requests':
      return jsonReply(controls.spaCrm.requests);
    case 'GET /__sandbox/spa-crm/leads':
      return jsonReply(store.data.spaLeads);
    case 'POST /__sandbox/spa-crm/leads': {
      const result = SpaLeadsUpsertSchema.safeParse(body);
      if (!result.success) return invalid(result.error);
      store.upsertSpaLeads(result.data.tenant, result.data.leads.map(stripUndefined));
      return jsonReply({ tenant: result.data.tenant, upserted: result.data.leads.map((lead) => lead.id) });
    }
    case 'POST /__sandbox/reset': {
      const result = ResetSchema.safeParse(body ?? {});
      if (!result.success) return invalid(result.error);
      controls.reset();
      if (result.data.data) store.resetToSeed();
      return jsonReply({ ok: true, data: result.data.data === true });
    }
    default:
      return errorReply(404, `No control route ${method} ${path}`);
  }
}

export function invalid(error: z.ZodError): Reply {
  const issue = error.issues[0];
  const field = issue?.path.join('.') ?? '';
  const detail = error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  return errorReply(400, detail, { field });
}

/** Keeps optional keys truly absent, so they neither overwrite settings nor show up as null in the data file. */
function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
