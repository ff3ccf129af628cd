import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext } from '@playwright/test';
import { demoOptions, expect, leadActions, test } from './fixtures';

/**
 * allowReassign false on the real built-in CRMs (Chromium): the Salesforce and HubSpot profiles read the lead
 * owner from the fixture pages of test/fixtures/crm/, served on the CRMs' own domains through the browser
 * context (the dev-hosts build injects on those domains too), and Chat refuses a lead another agent owns
 * without a single provider request. Configured through the agent's options (what the options page saves).
 */

const FIXTURES = path.resolve('test/fixtures/crm');
const SF_ORIGIN = 'https://acme.lightning.force.com';
const SF_LIST = `${SF_ORIGIN}/lightning/o/Lead/list?filterName=Recent`;
const SF_LEAD = `${SF_ORIGIN}/lightning/r/Lead/00Q5e00000AbCdEFGH/view`;
/** The lead's identity: the Salesforce profile, the org's host, the record id. */
const SF_CRM_ID = 'salesforce:acme.lightning.force.com:00Q5e00000AbCdEFGH';
const HS_CONTACT = 'https://app.hubspot.com/contacts/4151234/record/0-1/51234567';

/** The owner link of salesforce/lead.html: Alice's 18-character user id. */
const ALICE_HREF = '/lightning/r/User/0055e000003AlcEAAS/view';
const BOB_HREF = '/lightning/r/User/0055e000003BobXAAS/view';

/**
 * The directory holds the 15-character ids (as a Salesforce report shows them). Bob's directory name is not
 * the name Salesforce shows ("Bob Agent"), so only his user id can name him in a refusal; HubSpot, which
 * shows no id, shows him under his directory name.
 */
const AGENTS = [
  { email: 'alice@example.com', providerUserId: 'u_alice', crmUserId: '0055e000003AlcE', name: 'Alice Agent' },
  { email: 'bob@example.com', providerUserId: 'u_bob', crmUserId: '0055e000003BobX', name: 'Robert Agent' },
];
const REFUSED = "This lead's chat belongs to Robert Agent (bob@example.com). Your administrator does not allow taking over another agent's chat";

const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

/** The Salesforce lead page owned by Alice (the fixture as it is) or by Bob. */
function salesforceLead(owner: 'alice' | 'bob'): string {
  const page = fixture('salesforce/lead.html');
  // Only the shown record's owner item holds Alice (the hidden cached copy is Bob's already).
  return owner === 'alice' ? page : page.replace(ALICE_HREF, BOB_HREF).replaceAll('Alice Agent', 'Bob Agent');
}

/** Serves the Salesforce list view and lead page; the lead's owner is whoever `owner()` says at each load. */
async function serveSalesforce(context: BrowserContext, owner: () => 'alice' | 'bob') {
  await context.route(`${SF_ORIGIN}/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    const body = pathname.startsWith('/lightning/o/Lead/list') ? fixture('salesforce/list-view.html') : salesforceLead(owner());
    return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body });
  });
}

test.describe('allowReassign false on Salesforce and HubSpot pages', () => {
  test.beforeEach(async ({ extension, sandbox }) => {
    await sandbox.forgetContactFor(SF_CRM_ID);
    await extension.configure(demoOptions(sandbox, { allowReassign: false, agents: AGENTS }));
  });

  test('Salesforce: from the list view into a lead another agent owns, Chat is refused with no provider request; owned by me, it works', async ({
    extension,
    sandbox,
  }) => {
    let owner: 'alice' | 'bob' = 'bob';
    await serveSalesforce(extension.context, () => owner);
    const page = await extension.context.newPage();
    await page.goto(SF_LIST);
    await page.getByRole('link', { name: 'Jon Amos' }).click();
    await expect(page).toHaveURL(SF_LEAD);
    const ui = leadActions(page);
    await ui.chat.click();
    await expect(ui.toast).toContainText(REFUSED);
    await expect(ui.toast).toHaveAttribute('data-ok', 'false');
    expect(await sandbox.counts()).toMatchObject({ createContact: 0, assign: 0, magicLink: 0 });

    // The lead is reassigned to the current agent (Alice) in Salesforce: the same page, her owner link.
    owner = 'alice';
    await page.reload();
    await ui.chat.click();
    await expect(ui.toast).toHaveAttribute('data-ok', 'true');
    await expect(ui.toast).toContainText('Chat with Jon Amos opened.');
    expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
  });

  test('HubSpot: a contact another agent owns, Chat is refused with no provider request', async ({ extension, sandbox }) => {
    const body = fixture('hubspot/contact-record.html').replace('<span>Alice Agent</span>', '<span>Robert Agent</span>');
    await extension.context.route('https://app.hubspot.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body }));
    const page = await extension.context.newPage();
    await page.goto(HS_CONTACT);
    const ui = leadActions(page);
    await ui.chat.click();
    await expect(ui.toast).toContainText(REFUSED);
    expect(await sandbox.counts()).toMatchObject({ createContact: 0, assign: 0, magicLink: 0 });
  });
});
