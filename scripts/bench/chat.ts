import type { Page } from '@playwright/test';
import { CHATROOM_PAGE, type Harness } from './harness';
import { comparedRow, describePhases, type Measured, phaseDifferences, type Row, ratioTarget } from './report';
import type { Spread } from './stats';

export interface Pair {
  newLead: Measured;
  knownLead: Measured;
}

interface Series {
  ours: Measured[];
  direct: Measured[];
}

/**
 * Chat on a new lead (create contact + assign) and on the same lead again (assign), click → chatroom tab
 * loaded, against the same provider calls made from Node and the same chatroom opened in a new tab. Every
 * run uses a new lead; ours and the baseline alternate which goes first, so neither always meets a warmer
 * browser. Run 0 is a warm-up: its requests are checked, its times dropped.
 */
export async function chatRows(harness: Harness, runs: number): Promise<Row[]> {
  const newLead: Series = { ours: [], direct: [] };
  const knownLead: Series = { ours: [], direct: [] };
  const crm = await harness.newCrmPage();
  for (let run = 0; run <= runs; run++) {
    const id = `BENCH-${Date.now().toString(36)}-${run}`;
    await harness.addLead(id);
    await harness.openLead(crm, id);
    let mine: Pair;
    let theirs: Pair;
    if (run % 2 === 0) {
      mine = await viaExtension(harness, crm);
      theirs = await viaProvider(harness, `${id}-DIRECT`);
    } else {
      theirs = await viaProvider(harness, `${id}-DIRECT`);
      mine = await viaExtension(harness, crm);
    }
    newLead.ours.push(mine.newLead);
    knownLead.ours.push(mine.knownLead);
    newLead.direct.push(theirs.newLead);
    knownLead.direct.push(theirs.knownLead);
  }
  await crm.close();
  const newRow = comparedRow('Chat, new lead: click → chatroom tab loaded', newLead.ours, { label: 'provider calls from Node + tab', runs: newLead.direct }, { createContact: 1, assign: 1 });
  newRow.target = ratioTarget(newRow.data.ratio as Spread, 1.1, 1.2, `${addedPerPhase(newLead)} ${NEW_LEAD_TRIED}`);
  const knownRow = comparedRow('Chat, known lead: click → chatroom tab loaded', knownLead.ours, { label: 'provider call from Node + tab', runs: knownLead.direct }, { assign: 1 });
  knownRow.target = ratioTarget(knownRow.data.ratio as Spread, 1, undefined, `${addedPerPhase(knownLead)} ${KNOWN_LEAD_TRIED}`);
  return [newRow, knownRow];
}

/** What the extension adds in each phase of the click, against the baseline of the same runs (p50s). */
export function addedPerPhase(series: { ours: readonly Measured[]; direct: readonly Measured[] }): string {
  return `Ours minus the baseline per phase (p50): ${describePhases(phaseDifferences(series.ours, series.direct))}.`;
}

export const NEW_LEAD_TRIED =
  'Tried: the config and the compiled CRM profiles kept in memory, a read-only lead lookup, no journal write before the assign, the assign sent while the new contact’s mapping is written, the tab’s lookups read together. ' +
  'What remains before the first request is the click reaching the worker, the lead lookup and the journal entry that must be on disk before the create leaves (it is what makes the next click after a stopped worker safe); ' +
  'after the assign, finding the dashboard tab. The chatroom id only comes with the assign, so its page cannot start loading earlier.';

export const KNOWN_LEAD_TRIED =
  'The chatroom is shown while the assign is on its way (known chatroom, already this agent’s), so the wait is the slower of the two, not both.';

async function viaExtension(harness: Harness, crm: Page): Promise<Pair> {
  const newLead = await harness.click(crm, 'chat', CHATROOM_PAGE);
  await assertAssignedToAlice(newLead.tab);
  const knownLead = await harness.click(crm, 'chat', CHATROOM_PAGE);
  return { newLead, knownLead };
}

/** What the extension does for a lead, made from Node: create the contact, assign it, open the chatroom. */
export async function viaProvider(harness: Harness, crmId: string): Promise<Pair> {
  let contactId = '';
  const assign = async () => {
    const assigned = await harness.api('POST', `/v3/orgs/${harness.org}/contacts/${contactId}/assign`, { user_id: 'u_alice' });
    return `${harness.sandbox.dashboardUrl}/chatrooms/${String(assigned.chatroom_id)}`;
  };
  const newLead = await harness.direct(async () => {
    const contact = await harness.api('POST', `/v2/org/${harness.org}/contact`, {
      crm_id: crmId,
      first_name: 'Bench',
      last_name: crmId,
      phone_number: '+14155550100',
      opt_in_date: new Date().toISOString(),
    });
    contactId = String(contact.id);
    return assign();
  }, CHATROOM_PAGE);
  const knownLead = await harness.direct(assign, CHATROOM_PAGE);
  return { newLead, knownLead };
}

/** The page the extension opened is the chatroom, assigned to the agent (else the times mean nothing). */
export async function assertAssignedToAlice(tab: Page): Promise<void> {
  const assignee = await tab.locator('#assigned-to').getAttribute('data-user-id');
  if (assignee !== 'u_alice') throw new Error(`the chatroom opened is assigned to ${assignee}, not u_alice`);
}
