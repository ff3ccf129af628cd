import type { AgentIdentity } from '../config/resolve';
import type { AgentEntry } from '../config/schema';
import type { Lead } from '../messaging';

/**
 * Who holds a lead, for allowReassign (lib/actions/chat.ts refuseTakeOver): this browser's record of the
 * assignee, else the owner the CRM page shows, matched with the `agents` directory by CRM user id, e-mail or name.
 */

/** Who holds a lead: this agent, another one (described for the refusal), or nobody we can tell (and why). */
export type Holder = { is: 'me' } | { is: 'other'; who: string } | { is: 'unknown'; why: string };

/**
 * The lead's holder, as far as we can know without a provider endpoint to read the assignee: this browser's
 * own record wins; otherwise the lead owner the CRM page shows, mapped through the `agents` directory
 * (agentsOwning). An owner shown but in nobody's entry is another person. A name two agents share is
 * another person when neither is this agent, else unknown; a page without an owner is unknown.
 */
export function leadHolder(me: AgentIdentity, recordedAssignee: string | undefined, lead: Lead, agents: readonly AgentEntry[]): Holder {
  const holderIs = (providerUserId: string): Holder =>
    providerUserId === me.providerUserId ? { is: 'me' } : { is: 'other', who: describeUser(providerUserId, agents) };
  if (recordedAssignee) return holderIs(recordedAssignee);
  const shown = shownOwner(lead);
  if (!shown) return { is: 'unknown', why: 'The CRM page does not show whose lead this is.' };
  const owners = agentsOwning(lead, agents);
  if (owners.length === 1) return holderIs(owners[0] as string);
  if (owners.includes(me.providerUserId)) {
    return { is: 'unknown', why: `The CRM shows this lead's owner as ${shown}, and more than one agent in the agents directory matches it.` };
  }
  return { is: 'other', who: `${shown}, its owner in the CRM` };
}

/** The owner as the CRM page shows it, for people: the name, else the e-mail, else the user id. */
function shownOwner(lead: Lead): string | undefined {
  const { ownerName, ownerEmail, ownerId } = ownerAsShown(lead);
  return ownerName ? `"${ownerName}"` : ownerEmail ? `"${ownerEmail}"` : ownerId ? `CRM user ${ownerId}` : undefined;
}

/** The lead's owner fields, trimmed; an empty one is not shown. */
function ownerAsShown(lead: Lead): { ownerName?: string; ownerEmail?: string; ownerId?: string } {
  const shown = (value: string | undefined) => value?.replace(/\s+/g, ' ').trim() || undefined;
  return { ownerName: shown(lead.ownerName), ownerEmail: shown(lead.ownerEmail)?.toLowerCase(), ownerId: shown(lead.ownerId) };
}

/**
 * The providerUserIds of the `agents` entries that are the lead's owner: by CRM user id, else by e-mail, else by
 * name; the first of these that finds anyone decides. An entry the page contradicts (another CRM user id, or
 * another e-mail, than the page shows) is never taken, whatever else matches.
 */
function agentsOwning(lead: Lead, agents: readonly AgentEntry[]): string[] {
  const { ownerId, ownerEmail, ownerName } = ownerAsShown(lead);
  const sameId = (agent: AgentEntry) => !!ownerId && !!agent.crmUserId && sameCrmUserId(agent.crmUserId, ownerId);
  const contradicted = (agent: AgentEntry) => (!!ownerId && !!agent.crmUserId && !sameId(agent)) || (!!ownerEmail && agent.email !== ownerEmail);
  const candidates = agents.filter((agent) => !contradicted(agent));
  const tests: ((agent: AgentEntry) => boolean)[] = [
    sameId,
    (agent) => !!ownerEmail && agent.email === ownerEmail,
    (agent) => !!ownerName && !!agent.name && personName(agent.name) === personName(ownerName),
  ];
  for (const test of tests) {
    const found = new Set(candidates.filter(test).map((agent) => agent.providerUserId));
    if (found.size > 0) return [...found];
  }
  return [];
}

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/**
 * Exact and case-sensitive; a Salesforce id written with 15 characters equals its 18-character form (the last
 * three only encode the case of the first fifteen).
 */
function sameCrmUserId(a: string, b: string): boolean {
  const x = a.trim();
  const y = b.trim();
  if (x === y) return true;
  return x.length !== y.length && SALESFORCE_ID.test(x) && SALESFORCE_ID.test(y) && x.slice(0, 15) === y.slice(0, 15);
}

/** A name as people compare it: case and runs of white space do not count. */
function personName(name: string): string {
  return name.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
}

export function describeUser(providerUserId: string, agents: readonly AgentEntry[]): string {
  const entry = agents.find((agent) => agent.providerUserId === providerUserId);
  if (!entry) return `Saleschat user ${providerUserId}`;
  return entry.name ? `${entry.name} (${entry.email})` : entry.email;
}
