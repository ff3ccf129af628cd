import type { RunningGateway } from '../../gateway/main';
import { launchDriver } from './driver';
import { type DriverPage, type ExtensionDriver, expect, type SandboxControl, TOKEN, test, uniqueLeadId } from './fixtures';
import { signInFromPopup, startTeamGateway } from './team-gateway';

/**
 * Team mode with two agents (Chromium): alice and bob, each in a browser of their own, signed in through the
 * sandbox's OpenID Connect provider, working one lead through the team gateway. The gateway alone holds the
 * provider token and the lead ↔ contact ↔ chatroom map.
 */

interface Agent {
  driver: ExtensionDriver;
  crm: DriverPage;
}

/** An agent's browser with only the gateway configured, on the CRM's lead list, signed in from the popup. */
async function agentAt(gateway: RunningGateway, sandbox: SandboxControl, email: string): Promise<Agent> {
  const driver = await launchDriver('chromium');
  await driver.configure({ gatewayUrl: gateway.url });
  const crm = await driver.newPage(`${sandbox.crmBase}/crm/leads`);
  await signInFromPopup(driver, crm, sandbox, email);
  return { driver, crm };
}

/** From the list into the lead's record, then Chat; the toast once it settles. */
async function chatFromList(agent: Agent, sandbox: SandboxControl, name: string) {
  await agent.crm.goto(`${sandbox.crmBase}/crm/leads`);
  await agent.crm.clickLink(name);
  await agent.crm.clickLeadAction('chat');
  await expect.poll(() => agent.crm.toast(), { timeout: 20_000 }).not.toBeNull();
  return agent.crm.toast();
}

async function newLead(sandbox: SandboxControl) {
  const id = uniqueLeadId('TEAM');
  const lead = await sandbox.addLead({ id, firstName: 'Tessa', lastName: `Team${id.replace(/\W/g, '')}`, phone: '+1 415 555 0199' });
  return { ...lead, name: `${lead.firstName} ${lead.lastName}` };
}

test.describe('team mode: two agents on one lead', () => {
  let gateway: RunningGateway | undefined;
  const browsers: ExtensionDriver[] = [];

  /** Alice's and Bob's browsers, started and signed in side by side (their order does not matter until Chat). */
  async function bothSignedIn(running: RunningGateway, sandbox: SandboxControl): Promise<[Agent, Agent]> {
    const agents = await Promise.allSettled([agentAt(running, sandbox, 'alice@example.com'), agentAt(running, sandbox, 'bob@example.com')]);
    for (const agent of agents) if (agent.status === 'fulfilled') browsers.push(agent.value.driver);
    const [alice, bob] = agents;
    if (alice?.status !== 'fulfilled') throw alice?.reason;
    if (bob?.status !== 'fulfilled') throw bob?.reason;
    return [alice.value, bob.value];
  }

  test.beforeEach(async ({ sandbox }) => {
    await sandbox.call('POST', 'reset', {});
  });
  test.afterEach(async () => {
    await Promise.all(browsers.splice(0).map((driver) => driver.close()));
    await gateway?.close();
    gateway = undefined;
  });

  test('alice creates, bob takes over (allowReassign true); neither browser stores the provider token', async ({ sandbox }) => {
    gateway = await startTeamGateway(sandbox);
    const lead = await newLead(sandbox);

    const [alice, bob] = await bothSignedIn(gateway, sandbox);
    expect(await chatFromList(alice, sandbox, lead.name)).toMatchObject({ ok: true, text: `Chat with ${lead.name} opened.` });
    expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });

    const taken = await chatFromList(bob, sandbox, lead.name);
    expect(taken).toMatchObject({ ok: true });
    expect(taken?.text).toContain('It was assigned to Alice Agent');
    expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 2 });
    const state = await sandbox.state();
    const contacts = state.contacts.filter((contact) => contact.crm_id === `demo:localhost:${lead.id}`);
    expect(contacts).toHaveLength(1);
    expect(state.chatrooms.find((room) => room.contact_id === contacts[0]?.id)).toMatchObject({ assigned_user_id: 'u_bob' });

    for (const agent of [alice, bob]) {
      const dump = await agent.driver.storageDump();
      expect(dump).toContain('crm-chat-bridge-team'); // the dump reached the IndexedDB databases
      expect(dump).not.toContain(TOKEN);
    }
  });

  test("a lead renamed in the CRM: bob's Chat updates the contact once for the team, alice's next Chat sends no update", async ({ sandbox }) => {
    gateway = await startTeamGateway(sandbox);
    const lead = await newLead(sandbox);
    const [alice, bob] = await bothSignedIn(gateway, sandbox);
    expect(await chatFromList(alice, sandbox, lead.name)).toMatchObject({ ok: true });

    // Someone edits the lead in the CRM; bob's browser never saw the old name, the gateway remembers what it sent.
    const renamed = await sandbox.addLead({ id: lead.id, firstName: 'Teresa', lastName: lead.lastName, phone: lead.phone });
    const newName = `${renamed.firstName} ${renamed.lastName}`;
    expect(await chatFromList(bob, sandbox, newName)).toMatchObject({ ok: true });
    expect(await sandbox.counts()).toMatchObject({ createContact: 1, updateContact: 1, assign: 2 });
    const state = await sandbox.state();
    const contact = state.contacts.find((candidate) => candidate.crm_id === `demo:localhost:${lead.id}`);
    expect(contact).toMatchObject({ first_name: 'Teresa', last_name: lead.lastName });
    expect(state.chatrooms.find((room) => room.contact_id === contact?.id)?.name).toContain('Teresa');

    expect(await chatFromList(alice, sandbox, newName)).toMatchObject({ ok: true });
    expect(await sandbox.counts()).toMatchObject({ createContact: 1, updateContact: 1, assign: 3 });
  });

  test("the CRM card comes from the gateway: bob's dashboard shows it for the chat alice started, and Open in CRM opens the lead page alice chatted from", async ({ sandbox }) => {
    gateway = await startTeamGateway(sandbox);
    const lead = await newLead(sandbox);
    const [alice, bob] = await bothSignedIn(gateway, sandbox);
    expect(await chatFromList(alice, sandbox, lead.name)).toMatchObject({ ok: true });
    const state = await sandbox.state();
    const contact = state.contacts.find((candidate) => candidate.crm_id === `demo:localhost:${lead.id}`);
    const room = state.chatrooms.find((candidate) => candidate.contact_id === contact?.id);

    // Bob never chatted on this lead: his browser knows nothing of it, the gateway does.
    const dashboard = await bob.driver.newPage(`${sandbox.dashboardUrl}/chatrooms/${room?.id}`);
    const card = (selector: string) =>
      dashboard
        .evaluate((css) => document.querySelector('crm-chat-bridge-card')?.shadowRoot?.querySelector(css)?.textContent ?? null, selector)
        .catch(() => null);
    await expect.poll(() => card('[data-field="name"]'), { timeout: 15_000 }).toBe(lead.name);
    expect(await card('[data-field="phone"]')).toBe('+1 415 555 0199');
    expect(await card('[data-field="opened"]')).toContain('Opened from the CRM by Alice Agent');
    await dashboard.clickInUi('crm-chat-bridge-card', '.open-in-crm');
    await expect.poll(async () => (await bob.driver.browserTabs()).filter((tab) => tab.url === sandbox.crmLeadUrl(lead.id)).length).toBe(1);
  });

  test('allowReassign false: bob is refused, naming alice, with no assign', async ({ sandbox }) => {
    gateway = await startTeamGateway(sandbox, { ALLOW_REASSIGN: 'false' });
    const lead = await newLead(sandbox);
    const [alice, bob] = await bothSignedIn(gateway, sandbox);
    expect(await chatFromList(alice, sandbox, lead.name)).toMatchObject({ ok: true });

    const refused = await chatFromList(bob, sandbox, lead.name);
    expect(refused).toMatchObject({ ok: false });
    expect(refused?.text).toContain("This lead's chat belongs to Alice Agent");
    expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
  });
});
