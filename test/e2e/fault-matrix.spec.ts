import { writeFileSync } from 'node:fs';
import type { BrowserContext, Page } from '@playwright/test';
import { demoOptions, type Extension, expect, leadActions, ORG, type SandboxControl, test, TOKEN, uniqueLeadId, demoIdentity } from './fixtures';

/**
 * The fault matrix (issue 5): one row per fault the provider or the browser can throw at a Chat click, in
 * real Chromium against the sandbox over real HTTP. Each row checks the toast the agent sees, then finishes
 * the job the way an agent would (Retry, or Chat again) and checks the invariant that matters: the sandbox
 * holds exactly one contact for the lead and this browser's mapping points at it. Nothing duplicated,
 * nothing lost.
 *
 * The matrix (fault → what the agent saw → provider calls) is written to test-results/fault-matrix.md.
 */

interface Row {
  fault: string;
  toast: string;
  next: string;
  calls: string;
}
const matrix: Row[] = [];

test.afterAll(() => {
  const lines = ['| fault | first toast | then | create / assign / lookup calls |', '|---|---|---|---|'];
  for (const row of matrix) lines.push(`| ${row.fault} | ${row.toast.replace(/\|/g, '\\|')} | ${row.next} | ${row.calls} |`);
  writeFileSync('test-results/fault-matrix.md', `${lines.join('\n')}\n`);
  console.log(`\nFault matrix\n${lines.join('\n')}`);
});

/** A lead the demo CRM shows, with a phone so the contact can be created. */
async function newLead(sandbox: SandboxControl, prefix: string) {
  return sandbox.addLead({ id: uniqueLeadId(prefix), firstName: 'Fault', lastName: prefix, phone: '+1 415 555 0177' });
}

/** The contact another agent's browser created earlier: it exists at the provider, this browser has no mapping. */
async function contactCreatedElsewhere(sandbox: SandboxControl, leadId: string): Promise<string> {
  const crmId = demoIdentity(leadId);
  const response = await fetch(`${sandbox.apiUrl}/v2/org/${ORG}/contact`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ crm_id: crmId, first_name: 'Fault', last_name: 'Elsewhere', opt_in_date: new Date().toISOString() }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: string }).id;
}

/** This browser's mapping of the demo lead → provider contact id, read from the worker's IndexedDB. */
async function browserMapping(context: BrowserContext, leadId: string): Promise<string | null> {
  const crmId = demoIdentity(leadId);
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  return worker.evaluate(
    ([org, id]) =>
      new Promise<string | null>((resolve, reject) => {
        const open = indexedDB.open('crm-chat-bridge');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const request = db.transaction('contacts').objectStore('contacts').get([org, id]);
          request.onsuccess = () => {
            db.close();
            resolve((request.result as { providerContactId?: string } | undefined)?.providerContactId ?? null);
          };
          request.onerror = () => reject(request.error);
        };
      }),
    [ORG, crmId] as const,
  );
}

/** The invariant every row ends with. */
async function expectOneContactMapped(extension: Extension, sandbox: SandboxControl, leadId: string, mapped = true) {
  const contacts = (await sandbox.state()).contacts.filter((contact) => contact.crm_id === demoIdentity(leadId));
  expect(contacts, 'contacts at the provider for this lead').toHaveLength(1);
  expect(await browserMapping(extension.context, leadId)).toBe(mapped ? (contacts[0]?.id ?? 'missing') : null);
}

async function toastText(page: Page): Promise<string> {
  const text = (await leadActions(page).toast.locator('.ccb-toast-text').textContent()) ?? '';
  return text.trim();
}

type CallCounts = Record<string, number>;

/** Provider calls since `base` (setup such as "another agent created the contact" is itself a call). */
async function callsSince(sandbox: SandboxControl, base: CallCounts = {}): Promise<CallCounts> {
  const now = (await sandbox.counts()) as CallCounts;
  return Object.fromEntries(Object.entries(now).map(([endpoint, count]) => [endpoint, count - (base[endpoint] ?? 0)]));
}

function callSummary(calls: CallCounts): string {
  return `${calls.createContact ?? 0} / ${calls.assign ?? 0} / ${calls.getContactByCrmId ?? 0}`;
}

async function chat(page: Page) {
  await leadActions(page).chat.click();
  await expect(leadActions(page).toast).toBeVisible({ timeout: 20_000 });
}

/** Configures, injects the row's fault, opens a new lead and clicks Chat once: what the agent saw, and the calls before. */
async function chatUnderFault(
  extension: Extension,
  sandbox: SandboxControl,
  spec: { options?: Record<string, unknown>; inject: Record<string, unknown> },
  prefix: string,
) {
  if (spec.options) await extension.configure(demoOptions(sandbox, spec.options));
  const lead = await newLead(sandbox, prefix);
  await sandbox.fault(spec.inject);
  const page = await extension.context.newPage();
  await page.goto(sandbox.crmLeadUrl(lead.id));
  const base = await callsSince(sandbox);
  await chat(page);
  return { lead, page, base, seen: await toastText(page) };
}

/** The lookup an admin can configure for 409s without an id (the sandbox serves this route). */
const LOOKUP = { contactLookupUrlTemplate: '{API_URL}/v1/orgs/{ORG_ID}/contacts?crm_id={CRM_ID}' };

const SUCCESS = /^Chat with Fault \S+ opened\./;

test.describe('fault matrix: one Chat click per fault', () => {
  test.describe.configure({ timeout: 60_000 });

  for (const spec of [
    {
      fault: 'timeout (createContact answers after the 1 s request timeout)',
      options: { requestTimeoutMs: 1000 },
      inject: { endpoint: 'createContact', delayMs: 2500 },
      first: SUCCESS,
      counts: { createContact: 2, assign: 1 },
    },
    {
      fault: 'connection dropped before the provider handled createContact',
      inject: { endpoint: 'createContact', drop: true },
      first: SUCCESS,
      counts: { createContact: 2, assign: 1 },
    },
    {
      fault: 'connection dropped after the provider created the contact (retry meets 409)',
      options: LOOKUP,
      inject: { endpoint: 'createContact', drop: true, afterHandling: true },
      first: SUCCESS,
      counts: { createContact: 2, assign: 1, getContactByCrmId: 1 },
    },
    {
      fault: '429 with Retry-After: 1 on assign',
      inject: { endpoint: 'assign', status: 429, headers: { 'Retry-After': '1' } },
      first: SUCCESS,
      counts: { createContact: 1, assign: 2 },
    },
    {
      fault: '502 on createContact',
      inject: { endpoint: 'createContact', status: 502 },
      first: SUCCESS,
      counts: { createContact: 2, assign: 1 },
    },
    {
      fault: '503 on assign',
      inject: { endpoint: 'assign', status: 503 },
      first: SUCCESS,
      counts: { createContact: 1, assign: 2 },
    },
  ]) {
    test(`${spec.fault}: retried automatically, one contact`, async ({ extension, sandbox }) => {
      const { lead, page, base, seen } = await chatUnderFault(extension, sandbox, spec, 'AUTO');
      expect(seen).toMatch(spec.first);
      await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'true');
      expect(await callsSince(sandbox, base)).toMatchObject(spec.counts);
      await expectOneContactMapped(extension, sandbox, lead.id);
      matrix.push({ fault: spec.fault, toast: seen, next: '—', calls: callSummary(await callsSince(sandbox, base)) });
    });
  }

  for (const spec of [
    {
      fault: '500 on assign',
      inject: { endpoint: 'assign', status: 500 },
      first: /^Assigning the chat failed: Saleschat error 5000001/,
      retryButton: true,
      counts: { createContact: 1, assign: 2 },
    },
    {
      fault: '401 on createContact',
      inject: { endpoint: 'createContact', status: 401 },
      first: /Saleschat rejected the API token/,
      retryButton: false,
      counts: { createContact: 2, assign: 1 },
    },
    {
      fault: '403 on assign',
      inject: {
        endpoint: 'assign',
        status: 403,
        body: { error_code: 4030001, error_message: 'FORBIDDEN', error_description: 'User or partner is not allowed', payload: {} },
      },
      first: /4030001 FORBIDDEN — User or partner is not allowed/,
      retryButton: false,
      counts: { createContact: 1, assign: 2 },
    },
    {
      fault: 'malformed JSON from assign (HTTP 200)',
      inject: { endpoint: 'assign', status: 200, bodyText: '{"chatroom_id": ' },
      first: /not valid JSON/,
      retryButton: true,
      counts: { createContact: 1, assign: 2 },
    },
    {
      fault: 'provider keeps timing out: the client gives up, the agent retries',
      // The timed-out creates still land at the provider, so the retry meets a 409 that the lookup resolves.
      options: { requestTimeoutMs: 1000, ...LOOKUP },
      inject: { endpoint: 'createContact', delayMs: 2500, times: 20 },
      first: /did not (answer|respond)/,
      retryButton: true,
      counts: undefined,
    },
  ]) {
    test(`${spec.fault}: a clear toast, then Retry or Chat again finishes with one contact`, async ({ extension, sandbox }) => {
      const { lead, page, base, seen } = await chatUnderFault(extension, sandbox, spec, 'FAIL');
      expect(seen).toMatch(spec.first);
      await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'false');
      await expect(leadActions(page).toast.locator('[data-ccb="retry"]')).toHaveCount(spec.retryButton ? 1 : 0);

      await sandbox.call('DELETE', 'faults');
      await (spec.retryButton ? leadActions(page).toast.locator('[data-ccb="retry"]') : leadActions(page).chat).click();
      await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
      if (spec.counts) expect(await callsSince(sandbox, base)).toMatchObject(spec.counts);
      await expectOneContactMapped(extension, sandbox, lead.id);
      matrix.push({ fault: spec.fault, toast: seen, next: spec.retryButton ? 'Retry → opened' : 'Chat again → opened', calls: callSummary(await callsSince(sandbox, base)) });
    });
  }

  test('409 without an id and no lookup configured: an actionable message, no duplicate', async ({ extension, sandbox }) => {
    const lead = await newLead(sandbox, 'C409');
    await contactCreatedElsewhere(sandbox, lead.id);
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const base = await callsSince(sandbox);
    await chat(page);
    const seen = await toastText(page);
    expect(seen).toMatch(/already has a contact for CRM id .*administrator/);
    expect(await callsSince(sandbox, base)).toMatchObject({ createContact: 1, assign: 0 });
    // The mapping stays absent rather than pointing anywhere wrong.
    await expectOneContactMapped(extension, sandbox, lead.id, false);
    matrix.push({ fault: '409 without an id, no lookup configured', toast: seen, next: '(admin action needed)', calls: callSummary(await callsSince(sandbox, base)) });
  });

  test('409 without an id, lookup configured: the existing contact is found and used', async ({ extension, sandbox }) => {
    await extension.configure(demoOptions(sandbox, LOOKUP));
    const lead = await newLead(sandbox, 'L409');
    const existing = await contactCreatedElsewhere(sandbox, lead.id);
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const base = await callsSince(sandbox);
    await chat(page);
    const seen = await toastText(page);
    expect(seen).toMatch(SUCCESS);
    expect(await callsSince(sandbox, base)).toMatchObject({ createContact: 1, assign: 1, getContactByCrmId: 1 });
    expect(await browserMapping(extension.context, lead.id)).toBe(existing);
    await expectOneContactMapped(extension, sandbox, lead.id);
    matrix.push({ fault: '409 without an id, lookup configured', toast: seen, next: '—', calls: callSummary(await callsSince(sandbox, base)) });
  });

  test('409 with the id in the payload: that contact is used', async ({ extension, sandbox }) => {
    await sandbox.call('POST', 'settings', { conflictPayloadIncludesId: true });
    const lead = await newLead(sandbox, 'I409');
    const existing = await contactCreatedElsewhere(sandbox, lead.id);
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const base = await callsSince(sandbox);
    await chat(page);
    const seen = await toastText(page);
    expect(seen).toMatch(SUCCESS);
    expect(await callsSince(sandbox, base)).toMatchObject({ createContact: 1, assign: 1 });
    expect(await browserMapping(extension.context, lead.id)).toBe(existing);
    await expectOneContactMapped(extension, sandbox, lead.id);
    matrix.push({ fault: '409 with the id in the payload', toast: seen, next: '—', calls: callSummary(await callsSince(sandbox, base)) });
  });

  test('service worker stopped between create-contact and assign: Retry finishes without a second contact', async ({ extension, sandbox }) => {
    const lead = await newLead(sandbox, 'STOP');
    // The assign is held by the sandbox long enough to stop the worker while it waits for the answer.
    await sandbox.fault({ endpoint: 'assign', delayMs: 4000 });
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const base = await callsSince(sandbox);
    await leadActions(page).chat.click();
    await expect.poll(async () => (await callsSince(sandbox, base)).assign).toBe(1);
    expect((await callsSince(sandbox, base)).createContact).toBe(1);

    // What Chrome does to an idle or crashed MV3 worker: the target goes away mid-request.
    const cdp = await extension.context.newCDPSession(page);
    const { targetInfos } = await cdp.send('Target.getTargets');
    const worker = targetInfos.find((target) => target.type === 'service_worker' && target.url.startsWith(`chrome-extension://${extension.id}/`));
    expect(worker, 'the extension service worker target').toBeDefined();
    await cdp.send('Target.closeTarget', { targetId: worker?.targetId ?? '' });

    await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'false', { timeout: 20_000 });
    const seen = await toastText(page);
    expect(seen).toBe('The browser stopped the extension before it answered. Click Retry: nothing already started is done twice.');
    await leadActions(page).toast.locator('[data-ccb="retry"]').click();
    await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
    expect((await callsSince(sandbox, base)).createContact).toBe(1);
    await expectOneContactMapped(extension, sandbox, lead.id);
    matrix.push({ fault: 'worker stopped between create and assign', toast: seen, next: 'Retry → opened', calls: callSummary(await callsSince(sandbox, base)) });
  });

  test('double click: one create-contact, one assign', async ({ extension, sandbox }) => {
    await sandbox.call('POST', 'latency', { ms: 300 });
    const lead = await newLead(sandbox, 'DBL');
    const page = await extension.context.newPage();
    await page.goto(sandbox.crmLeadUrl(lead.id));
    const base = await callsSince(sandbox);
    await leadActions(page).chat.dblclick();
    await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
    const seen = await toastText(page);
    expect(await callsSince(sandbox, base)).toMatchObject({ createContact: 1, assign: 1 });
    await expectOneContactMapped(extension, sandbox, lead.id);
    matrix.push({ fault: 'double click', toast: seen, next: '—', calls: callSummary(await callsSince(sandbox, base)) });
  });

  test('the same lead in two tabs, clicked at once: one create-contact, one assign, both tabs told', async ({ extension, sandbox }) => {
    // Each provider call takes 1 s, so the second click lands while the first Chat is still running.
    await sandbox.call('POST', 'latency', { ms: 1000 });
    const lead = await newLead(sandbox, 'TWO');
    const first = await extension.context.newPage();
    await first.goto(sandbox.crmLeadUrl(lead.id));
    const second = await extension.context.newPage();
    await second.goto(sandbox.crmLeadUrl(lead.id));
    const base = await callsSince(sandbox);
    await leadActions(first).chat.click();
    await leadActions(second).chat.click();
    for (const page of [first, second]) await expect(leadActions(page).toast).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
    const seen = await toastText(second);
    expect(await callsSince(sandbox, base)).toMatchObject({ createContact: 1, assign: 1 });
    await expectOneContactMapped(extension, sandbox, lead.id);
    matrix.push({ fault: 'two tabs at once', toast: seen, next: '—', calls: callSummary(await callsSince(sandbox, base)) });
  });
});
