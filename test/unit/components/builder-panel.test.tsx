// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BuilderApi, BuilderPanel } from '../../../components/builder/BuilderPanel';
import { pickElement } from '../../../components/builder/picker';
import type { BuilderState } from '../../../lib/messaging';

const RECORD = 'http://localhost:4010/spa-crm/acme/leads/4711';
const ORBIT_RULE = {
  name: 'Orbit CRM',
  url: 'http://localhost/spa-crm/*/leads/:id',
  scope: '#record',
  require: ['phone'],
  fields: { firstName: { selector: '.first-name' }, phones: { label: 'Mobile' } },
  anchor: { selector: '.record-actions', position: 'append' },
};
const HASH_RULE = { name: 'Hash CRM', url: { regex: '^http://localhost:\\d+/spa-crm/\\w+/leads/(?<id>\\d+)$' }, fields: { phones: { label: 'Mobile' } } };

let container: HTMLElement;
let api: { [K in keyof BuilderApi]: ReturnType<typeof vi.fn> };

const panel = () => container.querySelector('.ccb-panel') as HTMLElement;
const $ = <T extends Element = HTMLElement>(selector: string) => container.querySelector(selector) as T;
const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 200)));

function mount(state: Partial<BuilderState> = {}) {
  const full: BuilderState = { bases: [], rulesLocked: false, policyRules: [], ...state };
  act(() => render(<BuilderPanel api={api as unknown as BuilderApi} state={full} host={() => container} />, container));
}

function choose(selector: string, value: string) {
  const select = $<HTMLSelectElement>(selector);
  select.value = value;
  act(() => void select.dispatchEvent(new Event('change', { bubbles: true })));
}

beforeEach(() => {
  // happy-dom's own API (vitest's happy-dom environment): the address the panel reads, as a browser's location.
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(RECORD);
  document.title = 'Ada Lovelace | Orbit CRM';
  document.body.innerHTML = `<main id="record" data-record-id="4711"><h1><span class="first-name">Ada</span> <span class="last-name">Lovelace</span></h1>
    <div class="record-actions" role="toolbar"><button>Call</button></div>
    <div class="field"><span class="field-label">Mobile</span><span class="field-value" data-field="mobile">+1 415 555 0132</span></div></main>`;
  container = document.createElement('div');
  document.body.append(container);
  api = { saveDraft: vi.fn(async () => undefined), saveRule: vi.fn(async () => ({ ok: true, message: 'Saved' })), end: vi.fn(async () => undefined), reload: vi.fn() };
});

afterEach(() => act(() => render(null, container)));

describe('the builder panel', () => {
  it('opens on a new rule named after the CRM, with the URL pattern proposed from the address and why', () => {
    mount();
    expect($<HTMLInputElement>('[data-builder="name"]').value).toBe('Orbit CRM');
    expect($<HTMLTextAreaElement>('[data-builder="url"]').value).toBe('http://localhost/spa-crm/acme/leads/:id');
    expect($('[data-builder="url"]').parentElement?.textContent).toContain('4711 looks like a record id (digits): replaced by :id');
    expect($('[data-field="recordId"] [data-builder="source"]').textContent).toBe('from the URL (:id)');
  });

  it('starts from an existing rule: its sources, the values read here, and the live check through the engine', async () => {
    mount({ bases: [{ origin: 'agent', rule: ORBIT_RULE }] });
    choose('[data-builder="base"]', '0');
    await settle();
    expect($('[data-field="phones"] [data-builder="source"]').textContent).toBe('label “Mobile”');
    expect($('[data-field="phones"] [data-builder="value"]').textContent).toBe('+1 415 555 0132');
    expect($('[data-field="firstName"] [data-builder="value"]').textContent).toBe('Ada');
    expect($('[data-builder="check"]').dataset.ok).toBe('true');
    expect($('[data-builder="check"]').textContent).toBe('This page: Lead: Ada · +1 415 555 0132');
    expect($('[data-field="anchor"] small').textContent).toBe('found on this page');
    // The draft is kept by the background, marked as editing the rule it replaces when saved.
    expect(api.saveDraft).toHaveBeenLastCalledWith(expect.objectContaining({ editing: 'Orbit CRM', rule: ORBIT_RULE }));
  });

  it('a page change the rule no longer reads is shown at once, naming the field', async () => {
    mount({ bases: [{ origin: 'agent', rule: ORBIT_RULE }] });
    choose('[data-builder="base"]', '0');
    act(() => document.querySelector('.field-label')?.replaceChildren('Cell'));
    await settle();
    expect($('[data-builder="check"]').dataset.ok).toBe('false');
    expect($('[data-field="phones"] [data-builder="value"]').textContent).toBe("label 'Mobile' not found");
  });

  it('Save, Close and picking ignore clicks a page script makes (untrusted events)', async () => {
    mount();
    act(() => $('[data-builder="save"]').click());
    act(() => $('[data-builder="close"]').click());
    await settle();
    expect(api.saveRule).not.toHaveBeenCalled();
    expect(api.end).not.toHaveBeenCalled();
    const outline = document.createElement('div');
    const stop = new AbortController();
    const picked = pickElement({ host: container, outline, signal: stop.signal });
    document.querySelector('.first-name')?.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    stop.abort();
    expect(await picked).toBeNull();
  });

  it('policy sets crmRules: Save is off and says why; the export still works', () => {
    mount({ rulesLocked: true, policyRules: [ORBIT_RULE] });
    expect($<HTMLButtonElement>('[data-builder="save"]').disabled).toBe(true);
    expect(panel().textContent).toContain('Your administrator’s policy sets the CRM rules: export this one and add it to the policy.');
  });

  it('exports each format; Chrome formats name a regex URL they cannot carry, Firefox takes it', () => {
    mount({ bases: [{ origin: 'agent', rule: HASH_RULE }] });
    choose('[data-builder="base"]', '0');
    choose('[data-builder="export-format"]', 'windows-reg');
    expect($<HTMLTextAreaElement>('[data-builder="export"]').value).toMatch(/^Windows Registry Editor Version 5\.00\r\n/);
    expect($('[data-builder="export-problem"]').textContent).toMatch(/regex form, which Chrome \/ Edge policy cannot carry/);
    expect($('[data-builder="download"]').getAttribute('download')).toBe('crm-chat-bridge.reg');
    choose('[data-builder="export-format"]', 'firefox-json');
    expect(JSON.parse($<HTMLTextAreaElement>('[data-builder="export"]').value).policies['3rdparty'].Extensions['crm-chat-bridge@crm-chat-bridge.dev'].crmRules).toEqual([HASH_RULE]);
    expect(container.querySelector('[data-builder="export-problem"]')).toBeNull();
  });
});
