import { readFileSync, writeFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { demoOptions, type Extension, expect, leadActions, ORG, type SandboxControl, test, TOKEN, uniqueLeadId, demoIdentity } from './fixtures';
import { stopServiceWorker } from './service-worker';

/**
 * The Chat journal and the mappings export/import in real Chromium against the sandbox (issue 5, items
 * 2–4). The database is read from an extension page (same origin as the worker), which survives the
 * worker being stopped.
 */

const LOOKUP = { contactLookupUrlTemplate: '{API_URL}/v1/orgs/{ORG_ID}/contacts?crm_id={CRM_ID}' };

async function extensionPage(extension: Extension): Promise<Page> {
  const page = await extension.context.newPage();
  await page.goto(`chrome-extension://${extension.id}/options.html`);
  await expect(page.locator('#save')).toBeVisible();
  return page;
}

/** All rows of one table of the extension's IndexedDB. */
async function rows<T>(page: Page, table: string): Promise<T[]> {
  return page.evaluate(
    (name) =>
      new Promise<T[]>((resolve, reject) => {
        const open = indexedDB.open('crm-chat-bridge');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const request = db.transaction(name).objectStore(name).getAll();
          request.onsuccess = () => {
            db.close();
            resolve(request.result as T[]);
          };
          request.onerror = () => reject(request.error);
        };
      }),
    table,
  );
}

async function clearTable(page: Page, table: string): Promise<void> {
  await page.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('crm-chat-bridge');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const transaction = db.transaction(name, 'readwrite');
          transaction.objectStore(name).clear();
          transaction.oncomplete = () => {
            db.close();
            resolve();
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
    table,
  );
}

async function contactsFor(sandbox: SandboxControl, leadId: string) {
  return (await sandbox.state()).contacts.filter((contact) => contact.crm_id === demoIdentity(leadId));
}

interface JournalRow {
  crmId: string;
  step: string;
  attempts: number;
  providerContactId?: string;
}

test.describe('Chat journal', () => {
  test('worker stopped while its create-contact was out (the contact landed): the next click meets the 409, finds the contact through the lookup, one contact', async ({
    extension,
    sandbox,
  }) => {
    await extension.configure(demoOptions(sandbox, LOOKUP));
    const lead = await sandbox.addLead({ id: uniqueLeadId('JRNL'), firstName: 'Journal', lastName: 'Create', phone: '+1 415 555 0178' });
    // The sandbox creates the contact, then holds the answer: the worker is stopped before it arrives.
    await sandbox.fault({ endpoint: 'createContact', afterHandling: true, delayMs: 6000 });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const options = await extensionPage(extension);

    await leadActions(page).chat.click();
    await expect.poll(async () => (await contactsFor(sandbox, lead.id)).length).toBe(1);
    expect(await rows<JournalRow>(options, 'journal')).toEqual([expect.objectContaining({ crmId: demoIdentity(lead.id), step: 'creating', attempts: 1 })]);
    expect(await rows(options, 'contacts')).toEqual([]);

    await stopServiceWorker(extension.context, page, extension.id);
    await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'false', { timeout: 20_000 });

    await leadActions(page).chat.click();
    await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
    const [contact] = await contactsFor(sandbox, lead.id);
    expect(await contactsFor(sandbox, lead.id)).toHaveLength(1);
    expect(await sandbox.counts()).toMatchObject({ createContact: 2, getContactByCrmId: 1, assign: 1 });
    expect(await rows(options, 'contacts')).toEqual([expect.objectContaining({ orgId: ORG, crmId: demoIdentity(lead.id), providerContactId: contact?.id })]);
    expect(await rows(options, 'journal')).toEqual([]);
  });

  test('worker stopped between create-contact and assign: the journal holds the contact id, the next click only assigns', async ({
    extension,
    sandbox,
  }) => {
    const lead = await sandbox.addLead({ id: uniqueLeadId('JRNL'), firstName: 'Journal', lastName: 'Assign', phone: '+1 415 555 0179' });
    await sandbox.fault({ endpoint: 'assign', delayMs: 6000 });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const options = await extensionPage(extension);

    await leadActions(page).chat.click();
    await expect.poll(async () => (await sandbox.counts()).assign).toBe(1);
    const [contact] = await contactsFor(sandbox, lead.id);
    expect(await rows<JournalRow>(options, 'journal')).toEqual([
      expect.objectContaining({ crmId: demoIdentity(lead.id), step: 'created', providerContactId: contact?.id }),
    ]);

    await stopServiceWorker(extension.context, page, extension.id);
    await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'false', { timeout: 20_000 });
    await leadActions(page).chat.click();
    await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
    expect(await contactsFor(sandbox, lead.id)).toHaveLength(1);
    expect((await sandbox.counts()).createContact).toBe(1);
    expect(await rows(options, 'journal')).toEqual([]);
  });
});

test.describe('Mappings export / import (options page)', () => {
  test('a browser without the mapping imports the exported file (contacts, never assignments); its Chat confirms it and creates nothing', async ({ extension, sandbox }, testInfo) => {
    await extension.configure(demoOptions(sandbox, { allowMappingImport: true }));
    const lead = await sandbox.addLead({ id: uniqueLeadId('MAP'), firstName: 'Map', lastName: 'Seed', phone: '+1 415 555 0180' });
    const crm = await extension.context.newPage();
    await crm.goto(sandbox.crmLeadUrl(lead.id));
    await leadActions(crm).chat.click();
    await expect(leadActions(crm).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
    const [contact] = await contactsFor(sandbox, lead.id);
    // A login link must never reach the file.
    const login = await extension.context.newPage();
    await login.goto(sandbox.crmLeadUrl(lead.id));
    await leadActions(login).login.click();
    await expect(leadActions(login).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });

    const options = await extensionPage(extension);
    const download = options.waitForEvent('download');
    await options.locator('#export-mappings').click();
    const file = testInfo.outputPath('mappings.json');
    await (await download).saveAs(file);
    await expect(options.locator('#mappings-status')).toHaveText(/^Exported 1 contact, 1 chatroom and 1 assignment of organisation org_demo\.$/);
    const text = readFileSync(file, 'utf8');
    expect(JSON.parse(text)).toMatchObject({
      format: 'crm-chat-bridge/mappings',
      version: 2,
      orgId: ORG,
      contacts: [{ crmId: demoIdentity(lead.id), providerContactId: contact?.id }],
    });
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('/app/magic/');

    // Another browser of the team: it knows nothing yet.
    for (const table of ['contacts', 'contactChatrooms', 'assignments']) await clearTable(options, table);
    await options.locator('#import-mappings').setInputFiles(file);
    await expect(options.locator('#mappings-status')).toHaveText(
      'Imported. Contacts: 1 added, 0 unchanged, 0 conflicting; chatrooms: 1 added, 0 unchanged, 0 conflicting. 1 assignment in the file not imported: who holds a chat is learned from Saleschat, never from a file. Each imported contact is checked with Saleschat at its first Chat.',
    );
    expect(await rows(options, 'assignments')).toEqual([]);
    expect(await rows(options, 'contacts')).toEqual([expect.objectContaining({ providerContactId: contact?.id, imported: true })]);

    await crm.reload();
    await leadActions(crm).chat.click();
    await expect(leadActions(crm).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
    expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 2, updateContact: 0 });
    // The file carries no record of what Saleschat was sent: the first Chat takes the CRM's fields as that
    // baseline (sending nothing), so later changes in the CRM are compared against it.
    expect(await rows(options, 'contacts')).toEqual([
      {
        orgId: ORG,
        crmId: demoIdentity(lead.id),
        providerContactId: contact?.id,
        createdAt: expect.any(Number),
        sent: { first_name: 'Map', last_name: 'Seed', phone_number: '+14155550180' },
        // The dashboard's CRM card, from this Chat.
        card: expect.objectContaining({ crmId: demoIdentity(lead.id), firstName: 'Map', lastName: 'Seed', pageUrl: sandbox.crmLeadUrl(lead.id) }),
      },
    ]);
  });

  test('import is off unless allowMappingImport: the file picker is disabled, and the background refuses a file anyway', async ({ extension }, testInfo) => {
    const options = await extensionPage(extension);
    await expect(options.locator('#import-not-allowed')).toContainText('allowMappingImport');
    await expect(options.locator('#import-mappings')).toBeDisabled();
    const file = testInfo.outputPath('mappings.json');
    writeFileSync(
      file,
      JSON.stringify({ format: 'crm-chat-bridge/mappings', version: 2, orgId: ORG, exportedAt: '', contacts: [{ crmId: 'L-X', providerContactId: 'c_x', createdAt: 1 }], chatrooms: [], assignments: [] }),
    );
    // As a tampered options page would: the picker enabled by hand. The background still says no.
    await options.locator('#import-mappings').evaluate((input: HTMLInputElement) => {
      input.disabled = false;
    });
    await options.locator('#import-mappings').setInputFiles(file);
    await expect(options.locator('#mappings-status')).toHaveText(/^Not imported: importing mappings is turned off \(allowMappingImport\)\./);
    expect(await rows(options, 'contacts')).toEqual([]);
  });

  test('an import that disagrees with this browser keeps its value and lists the conflict', async ({ extension, sandbox }, testInfo) => {
    await extension.configure(demoOptions(sandbox, { allowMappingImport: true }));
    const options = await extensionPage(extension);
    const file = testInfo.outputPath('other.json');
    const document = {
      format: 'crm-chat-bridge/mappings',
      version: 1,
      orgId: ORG,
      exportedAt: new Date().toISOString(),
      contacts: [{ crmId: 'L-CONFLICT', providerContactId: 'c_from_file', createdAt: 1 }],
      chatrooms: [],
      assignments: [],
    };
    await options.evaluate(
      (row) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('crm-chat-bridge');
          open.onsuccess = () => {
            const transaction = open.result.transaction('contacts', 'readwrite');
            transaction.objectStore('contacts').put(row);
            transaction.oncomplete = () => {
              open.result.close();
              resolve();
            };
            transaction.onerror = () => reject(transaction.error);
          };
        }),
      { orgId: ORG, crmId: 'L-CONFLICT', providerContactId: 'c_mine', createdAt: 1 },
    );
    writeFileSync(file, JSON.stringify(document));
    await options.locator('#import-mappings').setInputFiles(file);
    await expect(options.locator('#mappings-status')).toContainText('Contacts: 0 added, 0 unchanged, 1 conflicting');
    await expect(options.locator('#mappings-conflicts')).toHaveText('contacts L-CONFLICT: here c_mine, in the file c_from_file');
    expect(await rows(options, 'contacts')).toEqual([expect.objectContaining({ crmId: 'L-CONFLICT', providerContactId: 'c_mine' })]);
  });
});
