import { expect, leadActions, test, uniqueLeadId } from './fixtures';

/**
 * A CRM page's own scripts must not be able to make the extension act. The content script listens to no
 * window messages and to no page events but trusted clicks; these tests throw at it everything a page can
 * send, shaped like the extension's own traffic, and check that nothing reached the provider. Each ends
 * with a real click that does work, so "nothing happened" cannot come from a UI that was not there.
 */

/** Page-side: every way a page script can talk to a content script, shaped like our messages. */
function attackFromPage({ extensionId, lead }: { extensionId: string; lead: Record<string, unknown> }): string[] {
  const report: string[] = [];
  let id = 1;
  // @webext-core/messaging's wire format for runtime messages ({ id, type, data, timestamp }).
  const wire = (type: string, data?: unknown) => ({ id: id++, type, data, timestamp: Date.now() });
  const requests = [wire('openChat', lead), wire('login'), wire('getSettings'), wire('testConnection'), wire('saveSettings', { apiToken: 'x' })];
  for (const request of requests) {
    window.postMessage(request, '*');
    window.postMessage(JSON.stringify(request), '*');
    window.postMessage({ ...request, sender: { id: extensionId, tab: { url: location.href } } }, '*');
    // Its window messenger's envelope (defineWindowMessaging), under namespaces a guess might use.
    for (const namespace of [undefined, '', 'crm-chat-bridge', extensionId]) {
      window.postMessage(
        { type: '@webext-core/messaging/window', message: request, senderOrigin: location.origin, namespace, instanceId: 'page' },
        '*',
      );
    }
    // The same through a MessageChannel, and from the top frame object.
    const channel = new MessageChannel();
    window.postMessage(request, '*', [channel.port2]);
    channel.port1.postMessage(request);
    window.top?.postMessage(request, '*');
  }
  // DOM events: custom ones named after the messages and WXT's namespaced events, carrying a lead.
  for (const name of ['openChat', 'login', 'ccb:openChat', 'crm-chat-bridge', `${extensionId}:crm:openChat`, `${extensionId}:crm:wxt:locationchange`]) {
    for (const target of [window, document, document.querySelector('crm-chat-bridge')]) {
      target?.dispatchEvent(new CustomEvent(name, { detail: wire('openChat', lead), bubbles: true, composed: true }));
    }
  }
  // Synthetic input on the buttons (this test flavour's shadow root is open, so the page can reach them).
  const root = document.querySelector('crm-chat-bridge')?.shadowRoot;
  for (const action of ['chat', 'login']) {
    const button = root?.querySelector<HTMLButtonElement>(`[data-ccb="${action}"]`);
    if (!button) {
      report.push(`no ${action} button`);
      continue;
    }
    button.focus();
    for (const key of ['Enter', ' ']) {
      button.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, composed: true }));
      button.dispatchEvent(new KeyboardEvent('keyup', { key, bubbles: true, composed: true }));
    }
    button.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, composed: true }));
    button.dispatchEvent(new PointerEvent('pointerup', { bubbles: true, composed: true }));
    button.dispatchEvent(new PointerEvent('click', { bubbles: true, composed: true }));
    button.click();
  }
  // The extension API itself: a page reaches it only when the extension declares externally_connectable.
  const runtime = (window as unknown as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome?.runtime;
  report.push(`chrome.runtime.sendMessage ${typeof runtime?.sendMessage}`);
  return report;
}

test('a page posting messages and events shaped like the extension’s own triggers nothing', async ({ extension, sandbox }) => {
  const lead = await sandbox.addLead({ id: uniqueLeadId('SEC'), firstName: 'Mallory', lastName: 'Page', phone: '+1 415 555 0103' });
  const page = await extension.context.newPage();
  await page.goto(sandbox.crmLeadUrl(lead.id));
  const ui = leadActions(page);
  await expect(ui.chat).toBeVisible();

  const report = await page.evaluate(attackFromPage, {
    extensionId: extension.id,
    lead: { profileId: 'demo', crmId: lead.id, firstName: 'Mallory', lastName: 'Page', phone: '+14155550103' },
  });
  // The page found both buttons to script, and has no extension API to call.
  expect(report).toEqual(['chrome.runtime.sendMessage undefined']);

  // Give a (wrongly) triggered action time to reach the sandbox before counting.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(await sandbox.counts()).toMatchObject({ createContact: 0, assign: 0, magicLink: 0, updateContact: 0 });
  await expect(ui.toast).toHaveCount(0);
  expect(extension.dashboardPages()).toHaveLength(0);

  // The UI was alive all along: a real click works.
  await ui.chat.click();
  await expect(ui.toast).toHaveAttribute('data-ok', 'true');
  expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
});

test('a page cannot reach the background directly, even with the extension id', async ({ extension, sandbox }) => {
  const lead = await sandbox.addLead({ id: uniqueLeadId('SEC'), firstName: 'Trudy', lastName: 'Page', phone: '+1 415 555 0104' });
  const page = await extension.context.newPage();
  await page.goto(sandbox.crmLeadUrl(lead.id));
  await expect(leadActions(page).chat).toBeVisible();

  // A page can load the extension's resources only when they are web_accessible_resources; ours are not.
  const fetched = await page.evaluate(async (id) => {
    const results: string[] = [];
    for (const file of ['background.js', 'manifest.json', 'options.html', 'content-scripts/crm.js']) {
      try {
        const response = await fetch(`chrome-extension://${id}/${file}`);
        results.push(`${file}: HTTP ${response.status}`);
      } catch {
        results.push(`${file}: blocked`);
      }
    }
    return results;
  }, extension.id);
  expect(fetched).toEqual(['background.js: blocked', 'manifest.json: blocked', 'options.html: blocked', 'content-scripts/crm.js: blocked']);
  expect(await sandbox.counts()).toMatchObject({ createContact: 0, assign: 0, magicLink: 0 });
});
