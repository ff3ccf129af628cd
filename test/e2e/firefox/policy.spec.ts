import { FirefoxDriver, type FirefoxPage } from '../driver/firefox';
import { canWriteFirefoxPolicy, firefoxPolicyFile, removeFirefoxPolicy, writeFirefoxPolicy } from '../firefox-policy';
import { demoOptions, expect, type SandboxControl, test, TOKEN, uniqueLeadId } from '../fixtures';
import { nimbusRule } from '../nimbus-rule';

// Firefox ESR reading a real policies.json. Firefox reads it at start-up only (and fires no change event), so
// each test writes it, then launches. The file is machine-wide: written only for a test's duration, and
// these tests need root (as in CI).
test.skip(!canWriteFirefoxPolicy(), `writing ${firefoxPolicyFile()} needs root (CI runs as root)`);
test.describe.configure({ mode: 'serial' });

let firefox: FirefoxDriver | undefined;

test.beforeEach(async ({ sandbox }) => {
  await sandbox.call('POST', 'reset', {});
});

test.afterEach(async () => {
  await firefox?.close();
  firefox = undefined;
  removeFirefoxPolicy();
});

function policyFor(sandbox: SandboxControl, overrides: Record<string, unknown> = {}) {
  return { ...demoOptions(sandbox), ...overrides };
}

/** The Nimbus fixture (labels only) at a path no manifest pattern covers: only the policy's rule reaches it. */
function nimbusUrl(sandbox: SandboxControl, lead: string): string {
  return `${new URL(sandbox.crmLeadUrl('x')).origin}/other-crm/labels/${lead}`;
}

const fieldSource = (options: FirefoxPage, key: string) => options.attributeOf(`[data-key="${key}"]`, 'data-source');

test('provider URL, org, token, agents and a CRM rule from policies.json alone: Chat works, the keys are locked', async ({ sandbox }) => {
  writeFirefoxPolicy(policyFor(sandbox, { crmRules: [nimbusRule('http://localhost/other-crm/labels/:id')] }));
  firefox = await FirefoxDriver.launch();

  const lead = uniqueLeadId('FXPOL');
  const crm = await firefox.newPage(nimbusUrl(sandbox, lead));
  await crm.clickLeadAction('chat');
  await expect.poll(() => crm.toast()).toEqual({ ok: true, errorCode: null, text: 'Chat with Hedy Lamarr opened.' });
  expect((await sandbox.state()).contacts.find((contact) => contact.crm_id === `rule:nimbus:localhost:${lead}`)).toMatchObject({
    first_name: 'Hedy',
    last_name: 'Lamarr',
    phone_number: '+13105550199',
  });
  expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });

  // The demo CRM is matched both by the manifest and by the rule's host registration: one set of buttons.
  await crm.goto(sandbox.crmLeadUrl('L-1001'));
  await expect.poll(() => crm.count('.quick-actions > crm-chat-bridge')).toBe(1);
  expect(await crm.count('crm-chat-bridge')).toBe(1);

  const options = await firefox.openExtensionPage('options.html');
  for (const key of ['providerApiUrl', 'providerDashboardUrl', 'orgId', 'apiToken', 'agents', 'agentEmail', 'crmRules']) {
    await expect.poll(() => fieldSource(options, key), key).toBe('policy');
    expect(await options.attributeOf(`#field-${key}`, 'disabled'), `${key} is locked`).not.toBeNull();
  }
  expect(await fieldSource(options, 'defaultCountry')).toBe('default');
  // The token is used, never shown: not in the page, not in the field.
  expect(await options.evaluate(() => document.documentElement.outerHTML, undefined)).not.toContain(TOKEN);
  expect(await options.evaluate(() => document.querySelector<HTMLInputElement>('#field-apiToken')?.value, undefined)).toBe('');
});

test('invalid policies.json: Firefox does not check types, so the popup names the wrong-typed key; no token means no request', async ({ sandbox }) => {
  const { apiToken: _token, ...withoutToken } = policyFor(sandbox);
  writeFirefoxPolicy({ ...withoutToken, requestTimeoutMs: 'fast', defaultCountry: 42 });
  firefox = await FirefoxDriver.launch();

  const crm = await firefox.newPage(sandbox.crmLeadUrl('L-1001'));
  await crm.clickLeadAction('chat');
  await expect.poll(() => crm.toast()).toMatchObject({ ok: false, text: expect.stringContaining('API token (apiToken) is not set') });
  expect(Object.entries(await sandbox.counts()).filter(([, count]) => count !== 0)).toEqual([]);

  const popup = await firefox.openExtensionPage('popup.html');
  await expect.poll(() => popup.attributeOf('#connection', 'data-state')).toBe('not-configured');
  await expect.poll(() => popup.textOf('#config-problems [data-key="requestTimeoutMs"]')).toContain('set by your administrator');
  expect(await popup.textOf('#config-problems [data-key="requestTimeoutMs"]')).toContain('expected number');
  expect(await popup.textOf('#config-problems [data-key="defaultCountry"]')).toContain('set by your administrator');
  expect(await popup.attributeOf('#login', 'disabled')).not.toBeNull();
});
