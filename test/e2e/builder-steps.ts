import { type DriverPage, type ExtensionDriver, expect, type SandboxControl } from './fixtures';

/** The admin's steps in the rule builder ("Teach this page"), for the builder specs in both browsers. */

export const BUILDER = 'crm-chat-bridge-builder';

/**
 * Reads inside the builder's (open, in this build) shadow root from the page: text, or an attribute. Null while
 * it is missing or while the page reloads (Save reloads it), as the driver's own light-DOM reads do.
 */
export function panel(page: DriverPage, selector: string, attribute?: string): Promise<string | null> {
  return page
    .evaluate(
      ({ selector, attribute, host }) => {
        const element = document.querySelector(host)?.shadowRoot?.querySelector(selector);
        if (!element) return null;
        return attribute ? element.getAttribute(attribute) : (element.textContent ?? '').replace(/\s+/g, ' ').trim();
      },
      { selector, attribute, host: BUILDER },
    )
    .catch(() => null);
}

export async function openBuilder(driver: ExtensionDriver, crm: DriverPage): Promise<void> {
  const popup = await driver.popupFor(crm);
  await popup.click('#teach-page');
  await expect.poll(() => popup.textOf('#outcome')).toBe('The rule builder is open on the page.');
  await popup.close();
  await crm.bringToFront();
  await expect.poll(() => panel(crm, '[data-builder="check"]')).not.toBeNull();
}

/** Pick mode for `field`, then a real click on the page's element: the row shows the value read. */
export async function pick(crm: DriverPage, field: string, pageSelector: string, expected: string, row = field): Promise<void> {
  await crm.clickInUi(BUILDER, `[data-pick="${field}"]`);
  await expect.poll(() => panel(crm, '[data-builder="picking"]')).toContain('Esc cancels');
  await crm.click(pageSelector);
  await expect.poll(() => panel(crm, `[data-field="${row}"] [data-builder="value"]`)).toBe(expected);
}

/** Pick mode for the buttons' place, then a real click on the page's element: the panel finds it there. */
export async function pickAnchor(crm: DriverPage, pageSelector: string): Promise<void> {
  await crm.clickInUi(BUILDER, '[data-pick="anchor"]');
  await crm.click(pageSelector);
  await expect.poll(() => panel(crm, '[data-field="anchor"] small')).toBe('found on this page');
}

/** The URL pattern the builder proposes (the textarea's value). */
export function urlPattern(crm: DriverPage): Promise<string | null> {
  return crm.evaluate((host) => (document.querySelector(host)?.shadowRoot?.querySelector('[data-builder="url"]') as HTMLTextAreaElement | null)?.value ?? null, BUILDER);
}

/** Saving reloads the page so the CRM's script reads the new rule; the builder comes back with its draft. */
export async function saveRule(crm: DriverPage): Promise<void> {
  await crm.clickInUi(BUILDER, '[data-builder="save"]');
  // Back after the reload, folded into its tab while the admin tries the buttons.
  await expect.poll(() => panel(crm, '[data-builder="restore"]'), { timeout: 15_000 }).toBe('Teach this page');
}

/** The export for `format` (the builder's "Export for the policy"), as the admin copies it. */
export async function exportedPolicy(crm: DriverPage, format = 'chrome-json'): Promise<string> {
  await crm.clickInUi(BUILDER, '.ccb-export summary');
  return crm.evaluate(
    ({ host, format }) => {
      const root = document.querySelector(host)?.shadowRoot;
      const select = root?.querySelector('[data-builder="export-format"]') as HTMLSelectElement;
      select.value = format;
      select.dispatchEvent(new Event('change', { bubbles: true }));
      const text = () => (root?.querySelector('[data-builder="export"]') as HTMLTextAreaElement | null)?.value ?? '';
      return new Promise<string>((resolve) => setTimeout(() => resolve(text()), 50));
    },
    { host: BUILDER, format },
  );
}

/** Orbit leads for the builder specs: four with a mobile, the last with only a work phone (which a first rule reading "Mobile" misses). */
const ORBIT_PEOPLE = [
  { firstName: 'Ada', lastName: 'Lovelace', mobile: '+1 415 555 0132', phone: '(415) 555-0100' },
  { firstName: 'Grace', lastName: 'Hopper', mobile: '+44 7700 900123', phone: '+44 20 7946 0958' },
  { firstName: 'Katherine', lastName: 'Johnson', mobile: '+1 757 555 0147' },
  { firstName: 'Mary', lastName: 'Jackson', mobile: '+1 757 555 0199' },
  { firstName: 'Alan', lastName: 'Turing', phone: '+44 20 7946 0199' },
];

/** An Orbit tenant of its own, its record ids numeric and unused by any earlier run (contacts are per record). */
export async function orbitTenant(sandbox: SandboxControl, prefix: string) {
  const tenant = `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  const base = Date.now() % 1_000_000_000;
  const leads = ORBIT_PEOPLE.map((person, index) => ({ ...person, id: String(base + index), email: `${person.firstName.toLowerCase()}@example.com` }));
  await sandbox.call('POST', 'spa-crm/leads', { tenant, leads });
  return { tenant, leads };
}

export const e164 = (number: string) => `+${number.replace(/\D/g, '')}`;

/** "Start from": the option whose text begins with `name` (e.g. "Demo CRM (built-in)"). */
export async function startFrom(crm: DriverPage, name: string): Promise<void> {
  const chosen = await crm.evaluate(
    ({ host, name }) => {
      const select = document.querySelector(host)?.shadowRoot?.querySelector('[data-builder="base"]') as HTMLSelectElement | null;
      const option = [...(select?.options ?? [])].find((candidate) => candidate.text.startsWith(name));
      if (!select || !option) return false;
      select.value = option.value;
      select.dispatchEvent(new Event('change', { bubbles: true }));
      return true;
    },
    { host: BUILDER, name },
  );
  expect(chosen).toBe(true);
}
