import { type AgentIdentity, fillUrlTemplate, findAgentByEmail, requireAgent, requireProviderConfig } from '../config/resolve';
import type { AgentEntry } from '../config/schema';
import type { ActionOutcome, Lead } from '../messaging';
import { bestPhoneE164 } from '../phone';
import { ProviderError } from '../provider/errors';
import { SingleFlight } from '../single-flight';
import type { ActionContext } from './context';
import { ActionRefused, failureOutcome } from './outcome';

/** The provider's documented limit for crm_id, first_name and last_name. */
const PROVIDER_FIELD_MAX = 128;

const chatsInFlight = new SingleFlight<ActionOutcome>();

/**
 * Chat button (seed tutorial, "2. Chat"): create the provider contact if this browser has none for the lead,
 * assign it to the current agent (the provider creates the chatroom on first assign), remember the chatroom
 * and assignee, and open the chatroom in the dashboard tab. Concurrent clicks on one lead share one run.
 */
export function openChat(lead: Lead, ctx: ActionContext): Promise<ActionOutcome> {
  const key = `${ctx.config.values.orgId ?? ''}\u0000${lead.crmId.trim()}`;
  return chatsInFlight.run(key, () => runChat(lead, ctx).catch(failureOutcome));
}

async function runChat(lead: Lead, ctx: ActionContext): Promise<ActionOutcome> {
  const values = ctx.config.values;
  const provider = requireProviderConfig(ctx.config);
  const me = requireAgent(values);
  const orgId = provider.orgId;
  const crmId = lead.crmId.trim();
  if (crmId.length > PROVIDER_FIELD_MAX) {
    throw new ActionRefused(`This lead's CRM id is ${crmId.length} characters long; Saleschat accepts at most ${PROVIDER_FIELD_MAX}.`);
  }

  const known = await ctx.store.findContact(orgId, crmId);
  const recordedAssignee = known ? await ctx.store.findAssignee(orgId, known.providerContactId) : undefined;
  if (values.allowReassign === false) {
    const holder = otherHolder(me, recordedAssignee, lead, values.agents ?? []);
    if (holder) {
      throw new ActionRefused(
        `This lead's chat belongs to ${holder}. Your administrator does not allow taking over another agent's chat; ask them or your manager to reassign it.`,
      );
    }
  }

  const client = ctx.createClient(provider);
  let contactId = known?.providerContactId;
  if (!contactId) {
    contactId = await createContact(lead, crmId, values.defaultCountry ?? 'US', client, ctx);
    await ctx.store.saveContact(orgId, crmId, contactId, ctx.now());
  }

  const assigned = await client.assign(contactId, me.providerUserId);
  const chatroomId = assigned.chatroomId ?? (await ctx.store.findChatroomId(orgId, contactId));
  await ctx.store.saveAssignment(orgId, contactId, assigned.assignedUserId ?? me.providerUserId, assigned.chatroomId, ctx.now());

  const variables = {
    DASHBOARD_URL: provider.providerDashboardUrl,
    CHATROOM_ID: chatroomId,
    CONTACT_ID: contactId,
    CRM_ID: crmId,
  };
  const url = chatroomId
    ? fillUrlTemplate(values.chatroomUrlTemplate ?? '{DASHBOARD_URL}/chatrooms/{CHATROOM_ID}', variables)
    : fillUrlTemplate(values.contactUrlTemplate ?? '{DASHBOARD_URL}/contacts/{CONTACT_ID}', variables);
  await ctx.showInDashboard(url, provider.providerDashboardUrl);

  const name = leadName(lead);
  const previous = assigned.previousAssignedUserId;
  const takenOver =
    previous && previous !== me.providerUserId ? ` It was assigned to ${describeUser(previous, values.agents ?? [])}; it is yours now.` : '';
  const noRoom = chatroomId ? '' : ' Saleschat did not say which chatroom, so the contact is shown.';
  return { ok: true, message: `Chat with ${name} opened.${takenOver}${noRoom}` };
}

/**
 * Another agent who holds this lead, as far as we can know without a provider endpoint to read the
 * assignee: this browser's own record wins; otherwise the lead owner shown by the CRM, mapped through the
 * `agents` directory. Undefined when it is the current agent or nobody we can tell.
 */
function otherHolder(me: AgentIdentity, recordedAssignee: string | undefined, lead: Lead, agents: readonly AgentEntry[]): string | undefined {
  if (recordedAssignee) return recordedAssignee === me.providerUserId ? undefined : describeUser(recordedAssignee, agents);
  const owner = lead.ownerEmail ? findAgentByEmail(agents, lead.ownerEmail) : undefined;
  if (owner && owner.providerUserId !== me.providerUserId) return describeUser(owner.providerUserId, agents);
  return undefined;
}

function describeUser(providerUserId: string, agents: readonly AgentEntry[]): string {
  const entry = agents.find((agent) => agent.providerUserId === providerUserId);
  if (!entry) return `Saleschat user ${providerUserId}`;
  return entry.name ? `${entry.name} (${entry.email})` : entry.email;
}

async function createContact(
  lead: Lead,
  crmId: string,
  defaultCountry: string,
  client: ReturnType<ActionContext['createClient']>,
  ctx: ActionContext,
): Promise<string> {
  const phone = bestPhoneE164(lead, defaultCountry);
  try {
    const contact = await client.createContact({
      crm_id: crmId,
      ...nameField('first_name', lead.firstName),
      ...nameField('last_name', lead.lastName),
      ...(phone ? { phone_number: phone } : {}),
      opt_in_date: new Date(ctx.now()).toISOString(),
    });
    return contact.id;
  } catch (error) {
    const existing = error instanceof ProviderError && error.status === 409 ? idFromConflict(error) : undefined;
    if (existing) return existing;
    if (error instanceof ProviderError && error.status === 409) {
      throw new ActionRefused(
        `Saleschat already has a contact for CRM id ${crmId} (${error.details.errorCode ?? 409} ${error.details.errorMessage ?? 'conflict'}), created from another browser, and did not say which. Ask your administrator to import the team's contact mappings.`,
      );
    }
    throw error;
  }
}

/** The 409 payload's contact id, if the provider sends one (undocumented; see provider-api.md 3.1). */
function idFromConflict(error: ProviderError): string | undefined {
  const payload = error.details.payload ?? {};
  for (const field of ['contact_id', 'contactId', 'id']) {
    const value = payload[field];
    if ((typeof value === 'string' && value.trim()) || typeof value === 'number') return String(value).trim();
  }
  return undefined;
}

/** Names go to the provider without `*` (its pattern forbids it) and within its length limit. */
function nameField(field: 'first_name' | 'last_name', value: string | undefined): Record<string, string> {
  const cleaned = value?.replace(/\*/g, '').replace(/\s+/g, ' ').trim().slice(0, PROVIDER_FIELD_MAX);
  return cleaned ? { [field]: cleaned } : {};
}

function leadName(lead: Lead): string {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ').trim();
  return name || `lead ${lead.crmId}`;
}
