import { FirefoxDriver } from '../driver/firefox';
import { demoOptions, expect, test, TOKEN, uniqueLeadId } from '../fixtures';

/**
 * Firefox lets content scripts read storage.local and storage.managed, and has no way to close them
 * (storage.StorageArea.setAccessLevel exists for storage.session only). So an agent-typed token is kept in
 * the extension origin's IndexedDB, which no content script can open; a token from policy stays readable in
 * storage.managed, as docs/security.md says (team mode keeps it off the browser altogether).
 */

let firefox: FirefoxDriver | undefined;

test.afterEach(async () => {
  await firefox?.close();
  firefox = undefined;
});

test('an agent-typed token leaves storage.local (which content scripts can read) for the extension’s IndexedDB, and Chat still uses it', async ({ sandbox }) => {
  await sandbox.call('POST', 'reset', {});
  firefox = await FirefoxDriver.launch();
  // As an older version stored it: the token inside agentOptions in storage.local.
  await firefox.configure(demoOptions(sandbox));

  const lead = await sandbox.addLead({ id: uniqueLeadId('FXSEC'), firstName: 'Ada', lastName: 'Secret', phone: '+1 415 555 0170' });
  const crm = await firefox.newPage(sandbox.crmLeadUrl(lead.id));
  await crm.clickLeadAction('chat');
  await expect.poll(() => crm.toast()).toMatchObject({ ok: true });
  expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });

  const options = await firefox.openExtensionPage('options.html');
  const local = await options.evaluate(async () => {
    const api = (globalThis as unknown as { browser: { storage: { local: { get(keys: null): Promise<object> } } } }).browser;
    return JSON.stringify(await api.storage.local.get(null));
  }, undefined);
  expect(local).toContain('providerApiUrl');
  expect(local).not.toContain(TOKEN);
  const kept = await options.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('crm-chat-bridge');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const read = open.result.transaction('secrets').objectStore('secrets').get('apiToken');
          read.onsuccess = () => {
            open.result.close();
            resolve(String((read.result as { value?: string } | undefined)?.value));
          };
        };
      }),
    undefined,
  );
  expect(kept).toBe(TOKEN);
});
