import type { RunningGateway } from '../../../gateway/main';
import { expect, TOKEN, test, uniqueLeadId } from '../fixtures';
import { signInFromPopup, startTeamGateway } from '../team-gateway';

// Team mode in each browser (Chromium MV3, Firefox ESR MV2): sign in through the sandbox's OpenID Connect provider
// from the popup, then one Chat through the team gateway. The browser is given only the gateway's URL.

let gateway: RunningGateway | undefined;
test.afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

test('team mode: Chat before signing in says how to sign in (no request); after signing in from the popup, Chat opens the chatroom', async ({
  driver,
  sandbox,
}) => {
  gateway = await startTeamGateway(sandbox);
  await driver.configure({ gatewayUrl: gateway.url });
  const id = uniqueLeadId('TEAMX');
  const lead = await sandbox.addLead({ id, firstName: 'Tomas', lastName: `Signin${id.replace(/\W/g, '')}`, phone: '+1 415 555 0142' });
  const name = `${lead.firstName} ${lead.lastName}`;

  const crm = await driver.newPage(`${sandbox.crmBase}/crm/leads`);
  await crm.clickLink(name);
  await crm.clickLeadAction('chat');
  await expect.poll(() => crm.toast()).toMatchObject({ ok: false, text: expect.stringContaining('You are not signed in to your team') });
  expect(await sandbox.counts()).toMatchObject({ createContact: 0, assign: 0 });

  await signInFromPopup(driver, crm, sandbox, 'alice@example.com');
  await crm.bringToFront();
  await crm.clickLeadAction('chat');
  await expect.poll(() => crm.toast(), { timeout: 20_000 }).toMatchObject({ ok: true, text: `Chat with ${name} opened.` });
  expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
  const chatroom = (await sandbox.state()).chatrooms.find((room) => room.name.startsWith(`demo:localhost:${id}`));
  expect(chatroom).toMatchObject({ assigned_user_id: 'u_alice' });
  await expect
    .poll(async () => (await driver.pages()).map((page) => page.url()).filter((url) => url.startsWith(sandbox.dashboardUrl)))
    .toEqual([`${sandbox.dashboardUrl}/chatrooms/${chatroom?.id}`]);
  expect(await driver.storageDump()).not.toContain(TOKEN);
});
