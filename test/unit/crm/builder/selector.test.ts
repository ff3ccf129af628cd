// @vitest-environment happy-dom
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Window } from 'happy-dom';
import { demoSeed } from '../../../../sandbox/seed';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type ProposedSource,
  proposeAnchor,
  proposeScope,
  proposeShownRecordId,
  proposeSource,
  type SourceOptions,
  type SourceProposal,
} from '../../../../lib/crm/builder/selector';
import type { Lead } from '../../../../lib/messaging';
import { collectPage, findAnchorIn, findLabelled, shownValue } from '../../../../lib/crm/rules/collect';
import { compileRule } from '../../../../lib/crm/rules/engine';
import type { FieldSource } from '../../../../lib/crm/rules/schema';
import { recordView } from '../../../../sandbox/crm-pages';
import type { SeedLead } from '../../../../sandbox/seed';

/**
 * The rule builder's selector proposals (lib/crm/builder/selector.ts) on the sandbox's two CRMs, the CRM
 * fixtures and hostile markup: what is proposed, that it never finds another element, and that the engine
 * reads back what the admin picked.
 */

const FIXTURES = path.resolve(__dirname, '../../../fixtures');

function load(file: string): void {
  document.documentElement.innerHTML = readFileSync(path.join(FIXTURES, file), 'utf8').replace(/<!doctype html>/i, '');
}

function el(selector: string, root: ParentNode = document): Element {
  const found = root.querySelector(selector);
  if (!found) throw new Error(`test markup has no ${selector}`);
  return found;
}

/** The element whose own text is `text` (the innermost one). */
function byText(text: string, root: ParentNode = document): Element {
  const found = [...root.querySelectorAll('*')].reverse().find((candidate) => candidate.textContent?.trim() === text);
  if (!found) throw new Error(`test markup has no element showing ${text}`);
  return found;
}

function proposed(result: SourceProposal): ProposedSource {
  if ('problem' in result) throw new Error(`expected a proposal, got: ${result.problem}`);
  return result;
}

const propose = (picked: Element, opts: SourceOptions, root: ParentNode = document) => proposed(proposeSource(picked, root, opts));

/** A rule of the proposals, compiled by the engine, read on the page. */
function readBack(url: string, fields: Record<string, FieldSource>, doc: Document = document, extra: Record<string, unknown> = {}): Lead {
  const compiled = compileRule({ name: 't', url: url.replace(/[^/]+$/, ':id'), fields, ...extra }, 'rule');
  if ('error' in compiled) throw new Error(compiled.error);
  const reading = compiled.readLead(doc, new URL(url));
  if ('reason' in reading) throw new Error(reading.reason);
  return reading.lead;
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.documentElement.innerHTML = '<head></head><body></body>';
});

// ---------------------------------------------------------------------------------------------------------
// Orbit CRM: the sandbox's single-page app (sandbox/spa-crm-app.js), run in its own happy-dom window

/** Orbit's seed leads for the acme tenant, as the sandbox serves them. */
const ORBIT_LEADS = demoSeed.spaLeads?.acme ?? [];
const ORBIT_SOURCE = readFileSync(path.resolve(__dirname, '../../../../sandbox/spa-crm-app.js'), 'utf8');

interface Orbit {
  window: Window;
  document: Document;
  go(route: string): Promise<void>;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  if (!check()) throw new Error('Orbit did not render');
}

/** Orbit at /spa-crm/acme<route>, its API answered from ORBIT_LEADS. */
async function orbit(route: string): Promise<Orbit> {
  const window = new Window({ url: `http://crm.test/spa-crm/acme${route}` });
  const fetch = async (url: string) => {
    const id = /\/leads\/([^/]+)$/.exec(url)?.[1];
    const lead = ORBIT_LEADS.find((candidate) => candidate.id === id);
    const related = ORBIT_LEADS.filter((other) => other !== lead).map(({ id, firstName, lastName }) => ({ id, firstName, lastName }));
    return { ok: id === undefined || lead !== undefined, json: async () => (id === undefined ? { leads: ORBIT_LEADS } : { lead, related }) };
  };
  Object.assign(window, { fetch });
  new Function('window', ORBIT_SOURCE)(window);
  const doc = window.document as unknown as Document;
  const shown = (want: string) => () => doc.querySelector(want) !== null;
  await until(shown(route.startsWith('/leads/') ? `main[data-record-id="${route.split('/').pop()}"]` : 'main#list'));
  const go = async (next: string) => {
    (window as unknown as { orbit: { go(route: string): void } }).orbit.go(next);
    await until(shown(`main[data-record-id="${next.split('/').pop()}"]`));
  };
  return { window, document: doc, go };
}

describe('Orbit CRM record view (sandbox SPA)', () => {
  it('proposes the label for phones, e-mail and status, and the class for the name parts', async () => {
    const { window, document: doc } = await orbit('/leads/4711');
    const avoidValues = ['4711'];
    const mobile = propose(el('[data-field="mobile"]', doc), { field: 'phones', avoidValues }, doc);
    expect(mobile).toMatchObject({ source: { label: 'Mobile' }, value: '+1 415 555 0132', kind: 'label' });
    expect(mobile.why).toMatch(/label "Mobile"/);
    expect(propose(el('[data-field="phone"]', doc), { field: 'phones', avoidValues }, doc).source).toEqual({ label: 'Work phone' });
    // The toolbar's "Email" button comes first in the page; a button is no label.
    expect(propose(el('[data-field="email"]', doc), { field: 'email', avoidValues }, doc).source).toEqual({ label: 'Email' });
    expect(propose(el('[data-field="status"]', doc), { field: 'status', avoidValues }, doc).source).toEqual({ label: 'Status' });
    const first = propose(el('.first-name', doc), { field: 'firstName', avoidValues }, doc);
    expect(first).toEqual({ source: { selector: '.first-name' }, value: 'Ada', kind: 'class', why: 'class .first-name is a word, not a generated name' });
    expect(propose(el('.last-name', doc), { field: 'lastName', avoidValues }, doc).source).toEqual({ selector: '.last-name' });
    await window.happyDOM.close();
  });

  it('puts the buttons at the end of the Call button’s toolbar, from the button or the toolbar', async () => {
    const { window, document: doc } = await orbit('/leads/4711');
    const expected = { target: { selector: '[role="toolbar"]', position: 'append' }, why: expect.stringMatching(/^the buttons go at the end of the toolbar/) };
    expect(proposeAnchor(byText('Call', doc), doc)).toEqual(expected);
    expect(proposeAnchor(el('.record-actions', doc), doc)).toEqual(expected);
    await window.happyDOM.close();
  });

  it('finds the shown record id on main[data-record-id] and scopes the rule to the record', async () => {
    const { window, document: doc } = await orbit('/leads/4711');
    const picks = [el('.first-name', doc), el('[data-field="mobile"]', doc)];
    expect(proposeShownRecordId(picks, '4711')).toEqual({ source: { selector: '[data-record-id]', attribute: 'data-record-id' }, why: expect.any(String) });
    // Inside the scope the record container itself is `:scope` (querySelector only searches below the root).
    expect(proposeShownRecordId(picks, '4711', el('#record', doc))?.source).toEqual({ selector: ':scope', attribute: 'data-record-id' });
    expect(proposeShownRecordId(picks, '9999')).toBeUndefined();
    expect(proposeScope([...picks, el('[data-field="email"]', doc)], doc)).toEqual({ scope: '#record', why: '#record is the record container: fields are read only inside it' });
    await window.happyDOM.close();
  });

  it('round trip: the engine reads the picked values, and the next record’s after an in-app navigation', async () => {
    const app = await orbit('/leads/4711');
    const doc = app.document;
    const avoidValues = ['4711'];
    const picks = { firstName: el('.first-name', doc), lastName: el('.last-name', doc), phones: el('[data-field="mobile"]', doc), email: el('[data-field="email"]', doc) };
    const scope = proposeScope(Object.values(picks), doc).scope;
    const root = scope ? el(scope, doc) : doc;
    const fields: Record<string, FieldSource> = {};
    for (const [field, picked] of Object.entries(picks)) fields[field] = propose(picked, { field: field as SourceOptions['field'], avoidValues }, root).source;
    const shown = proposeShownRecordId(Object.values(picks), '4711', root);
    if (shown) fields.shownRecordId = shown.source;
    const rule = { scope, anchor: proposeAnchor(byText('Call', doc), root) };
    expect(rule.anchor).toMatchObject({ target: { selector: '[role="toolbar"]' } });
    const anchor = 'target' in rule.anchor ? rule.anchor.target : undefined;

    const ada = readBack(app.window.location.href, fields, doc, { scope, anchor });
    expect(ada).toMatchObject({ recordId: '4711', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phones: [{ number: '+1 415 555 0132', label: 'Mobile' }] });
    await app.go('/leads/4712');
    const grace = readBack(app.window.location.href, fields, doc, { scope, anchor });
    expect(grace).toMatchObject({ recordId: '4712', firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com', phones: [{ number: '+44 7700 900123' }] });
    const compiled = compileRule({ name: 't', url: 'http://crm.test/spa-crm/acme/leads/:id', fields, scope, anchor }, 'rule');
    if ('error' in compiled) throw new Error(compiled.error);
    expect(compiled.readLead(doc, new URL(app.window.location.href))).toMatchObject({ shownIdMatches: true });
    expect(compiled.findAnchor(doc)?.element.className).toBe('record-actions');
    await app.window.happyDOM.close();
  });

  it('list view: no selector that finds several rows, no scope for one row of many', async () => {
    const { window, document: doc } = await orbit('/leads');
    const row = el('tr[data-record-id="4712"]', doc);
    const phone = propose(byText('+44 7700 900123', row), { field: 'phones', avoidValues: ['4712'] }, doc);
    expect([...doc.querySelectorAll((phone.source as { selector: string }).selector)]).toEqual([byText('+44 7700 900123', row)]);
    expectSafeProposals(doc, doc);
    const scope = proposeScope([el('a', row), byText('+44 7700 900123', row)], doc);
    expect(scope.scope).toBeUndefined();
    expect(scope.why).toMatch(/look-alike record containers \(tr\) and none has a stable selector/);
    await window.happyDOM.close();
  });
});

// ---------------------------------------------------------------------------------------------------------
// The demo CRM: server-rendered (sandbox/crm-pages.ts recordView)

const ADA: SeedLead = {
  id: 'L-1001',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-0132',
  email: 'ada@example.com',
  ownerEmail: 'alice@example.com',
  ownerName: 'Alice Agent',
  status: 'Qualified',
  company: 'Analytical Engines Ltd',
};

function demoPage(lead: SeedLead): void {
  document.body.innerHTML = `<nav class="crm-nav"><span class="brand">Demo CRM</span><a href="/crm/leads">Leads</a></nav>\n${recordView(lead).value}`;
}

describe('demo CRM record view (sandbox/crm-pages.ts)', () => {
  it('proposes the dt labels for the fields, classes for the name parts, the quick actions for the buttons', () => {
    demoPage(ADA);
    const avoidValues = ['L-1001'];
    expect(propose(el('.field-phone'), { field: 'phones', avoidValues })).toMatchObject({ source: { label: 'Phone' }, value: '(415) 555-0132', kind: 'label' });
    expect(propose(el('.field-email'), { field: 'email', avoidValues }).source).toEqual({ label: 'Email' });
    expect(propose(el('.field-owner'), { field: 'ownerName', avoidValues }).source).toEqual({ label: 'Owner' });
    expect(propose(el('.field-company'), { field: 'extra', avoidValues }).source).toEqual({ label: 'Company' });
    expect(propose(el('.first-name'), { field: 'firstName', avoidValues }).source).toEqual({ selector: '.first-name' });
    expect(propose(el('.record-name'), { field: 'fullName', avoidValues }).source).toEqual({ selector: '.record-name' });
    expect(proposeAnchor(el('.qa-dialer'), document)).toMatchObject({ target: { selector: '[role="toolbar"]', position: 'append' } });
    expect(proposeShownRecordId([el('.first-name')], 'L-1001')?.source).toEqual({ selector: '[data-record-id]', attribute: 'data-record-id' });
    expect(proposeScope([el('.first-name'), el('.field-phone')], document).scope).toBe('[data-record-type="lead"]');
  });

  it('round trip through the engine, then on another lead’s page', () => {
    demoPage(ADA);
    const fields = {
      firstName: propose(el('.first-name'), { field: 'firstName', avoidValues: ['L-1001'] }).source,
      lastName: propose(el('.last-name'), { field: 'lastName', avoidValues: ['L-1001'] }).source,
      phones: propose(el('.field-phone'), { field: 'phones', avoidValues: ['L-1001'] }).source,
      email: propose(el('.field-email'), { field: 'email', avoidValues: ['L-1001'] }).source,
    };
    expect(readBack('http://127.0.0.1:4010/crm/leads/L-1001', fields)).toMatchObject({
      recordId: 'L-1001',
      firstName: 'Ada',
      lastName: 'Lovelace',
      phones: [{ number: '(415) 555-0132', label: 'Phone' }],
      email: 'ada@example.com',
    });
    demoPage({ id: 'L-1003', firstName: 'Alan', lastName: 'Turing', phone: '415 555 0199', ownerName: 'Alice Agent' });
    expect(readBack('http://127.0.0.1:4010/crm/leads/L-1003', fields)).toMatchObject({ firstName: 'Alan', lastName: 'Turing', phones: [{ number: '415 555 0199' }] });
  });
});

// ---------------------------------------------------------------------------------------------------------
// CRM fixtures

describe('CRM fixtures', () => {
  it('Salesforce: scopes to the visible workspace (a hidden cached copy is on the page); labels inside it', () => {
    load('crm/salesforce/lead.html');
    const active = el('.oneContent.active');
    const name = el('lightning-formatted-name', active);
    const phone = el('a[href^="tel:"]', active).parentElement?.parentElement as Element; // the field's <p>
    const email = el('a[href^="mailto:"]', active);
    const scope = proposeScope([name, phone, email], document);
    expect(scope).toEqual({ scope: '.oneContent.active', why: expect.stringMatching(/^the page holds 2 look-alike record containers \(div\.oneContent\)/) });
    // Without the scope the first "Phone" label is the cached copy's: no label, a selector that skips the copy.
    const unscoped = propose(phone, { field: 'phones' });
    expect(unscoped).toMatchObject({ value: '(415) 555-0100', kind: 'structure' });
    expect(unscoped.source).toEqual({ selector: '.fieldComponent.slds-text-body--regular a[href^="tel:"]' });
    // Scoped: the label reads this record's phone; the link's text is read, never its href.
    expect(propose(phone, { field: 'phones' }, active)).toMatchObject({ source: { label: 'Phone' }, value: '(415) 555-0100' });
    expect(propose(email, { field: 'email' }, active).source).toEqual({ label: 'Email' });
    const fields = { fullName: propose(name, { field: 'fullName' }, active).source, phones: propose(phone, { field: 'phones' }, active).source };
    expect(fields.fullName).toEqual({ selector: 'lightning-formatted-name' });
    expect(readBack('https://acme.lightning.force.com/lightning/r/Lead/00Q5e00000AbCdEFGH/view', fields, document, { scope: scope.scope })).toMatchObject({
      lastName: 'Amos',
      phones: [{ number: '(415) 555-0100' }],
    });
    expect(proposeAnchor(byText('Convert', active), active)).toMatchObject({ target: { selector: '.slds-button-group-list', position: 'append' } });
  });

  it('HubSpot: a data attribute for the title, labels for the properties, the Call button’s own hook', () => {
    load('crm/hubspot/contact-record.html');
    expect(propose(el('h1'), { field: 'fullName' })).toMatchObject({ source: { selector: '[data-selenium-test="highlightTitle"]' }, kind: 'data' });
    expect(propose(byText('+1 (617) 555-0199'), { field: 'phones' }).source).toEqual({ label: 'Phone number' });
    expect(propose(el('input[value="Maria"]'), { field: 'firstName' })).toMatchObject({ source: { label: 'First name' }, value: 'Maria' });
    // The quick actions' container has only generated classes: the buttons go after the Call button.
    expect(proposeAnchor(byText('Call'), document)).toMatchObject({ target: { selector: '[data-selenium-test="quick-action-call"]', position: 'after' } });
  });

  it('Pipedrive: typed phone links by data-type, the e-mail link by its kind (never the address)', () => {
    load('crm/pipedrive/person.html');
    expect(propose(el('a[data-type="work"]'), { field: 'phones' })).toMatchObject({ source: { selector: '[data-type="work"]' }, kind: 'data', value: '+372 5123 4567' });
    // Picking the whole value line narrows to its one tel: link: "(Mobile)" is not part of the number.
    const mobileLine = el('a[data-type="mobile"]').parentElement as Element;
    expect(propose(mobileLine, { field: 'phones' })).toMatchObject({ source: { selector: '[data-type="mobile"]' }, value: '+372 5555 1234' });
    const email = propose(el('a[href^="mailto:"]').parentElement as Element, { field: 'email' });
    expect(email).toMatchObject({ source: { selector: 'a[href^="mailto:"]' }, value: 'tiina@example.ee', kind: 'structure' });
    expect(proposeAnchor(byText('Follow'), document)).toMatchObject({ target: { selector: '[data-testid="header-actions"]', position: 'append' } });
    expect(proposeScope([el('h1'), el('a[data-type="work"]')], document)).toMatchObject({ scope: 'main' });
  });

  it('Dynamics: form inputs by their labels (aria-labelledby and a preceding <label>), the command bar', () => {
    load('crm/dynamics/lead-form.html');
    expect(propose(el('[data-id^="firstname"]'), { field: 'firstName' })).toMatchObject({ source: { label: 'First Name' }, value: 'Nancy' });
    expect(propose(el('[data-id^="mobilephone"]'), { field: 'phones' })).toMatchObject({ source: { label: 'Mobile Phone' }, value: '+1 425 555 0199' });
    expect(proposeAnchor(byText('Save'), document)).toMatchObject({ target: { selector: '[data-id="CommandBar"]', position: 'append' } });
  });

  it('Nimbus (crm-e2e/labels.html): labels only; the buttons by caption when nothing else is stable', () => {
    load('crm-e2e/labels.html');
    byText('Lead number').nextElementSibling?.append('N-77');
    const fields: Record<string, FieldSource> = {};
    for (const [field, text] of [
      ['firstName', 'Hedy'],
      ['lastName', 'Lamarr'],
      ['phones', '+1 310 555 0199'],
      ['email', 'hedy@nimbus.example'],
    ] as const) {
      fields[field] = propose(byText(text), { field, avoidValues: ['N-77'] }).source;
    }
    expect(fields).toEqual({ firstName: { label: 'Given name' }, lastName: { label: 'Family name' }, phones: { label: 'Mobile' }, email: { label: 'E-mail' } });
    expect(readBack('http://127.0.0.1:4010/other-crm/labels/N-77', fields)).toMatchObject({
      firstName: 'Hedy',
      lastName: 'Lamarr',
      phones: [{ number: '+1 310 555 0199', label: 'Mobile' }],
      email: 'hedy@nimbus.example',
    });
    const anchor = proposeAnchor(byText('Dial'), document);
    expect(anchor).toEqual({ target: { label: 'Dial', position: 'after' }, why: 'no stable selector here: the buttons go after the button captioned "Dial"' });
    expect(proposeScope([byText('Hedy'), byText('+1 310 555 0199')], document)).toEqual({ why: 'the page shows one record: no scope needed' });
  });

  it('Zoho and the benchmark page: labels first, the hand-written id when a label would not read the value', () => {
    load('crm/zoho/lead.html');
    expect(propose(el('#subvalue_MOBILE'), { field: 'phones' }).source).toEqual({ label: 'Mobile' });
    expect(propose(el('.dv_title'), { field: 'fullName' }).source).toEqual({ selector: '[data-zcqa="detailViewTitle"]' });
    el('#subvalue_MOBILE').previousElementSibling?.remove(); // no label left: the id names the field
    expect(propose(el('#subvalue_MOBILE'), { field: 'phones' })).toMatchObject({ source: { selector: '#subvalue_MOBILE' }, kind: 'id' });
    load('crm-e2e/bench.html');
    expect(propose(el('dd.phone'), { field: 'phones' }).source).toEqual({ label: 'Mobile' });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Generated names, record data, many look-alikes

const HOSTILE = `
<div id="ember412" class="ember-view css-1q2w3e4 sc-AxjAm">
  <main data-record-id="ld-77" class="jsx-123">
    <section id=":r5:" class="Card__Body-x1 lead-card">
      <span id="b3f1c2d4-9e8f-4a1b-8c7d-112233445566" class="css-9x8y7z" data-id="ld-77" data-reactid=".0.1">Ada</span>
      <span id="lead-ld-77-phone" class="phone-ld-77 sc-bdVaJa tel" data-value="+14155550132" title="+1 415 555 0132" aria-label="Call +1 415 555 0132">+1 415 555 0132</span>
      <span class="e1x2y3z4" data-email="ada@example.com" data-qa="lead-email">ada@example.com</span>
      <span class="status status--qualified" data-state="qualified">Qualified</span>
      <a href="tel:+14155550132" class="x9k2m1">call</a>
    </section>
  </main>
  <ul class="related"><li data-record-id="ld-78"><span class="name">Grace</span></li></ul>
</div>`;

describe('generated names and record data are never used', () => {
  it('skips React, Ember and CSS-in-JS names and any name holding the value or the record id', () => {
    document.body.innerHTML = HOSTILE;
    const avoidValues = ['ld-77', 'Ada'];
    const spans = [...document.querySelectorAll('section > span')];
    const [name, phone, email, status] = spans.map((span) => propose(span, { field: 'extra', avoidValues }));
    expect(name).toMatchObject({ kind: 'structure', value: 'Ada' });
    expect(phone?.source).toEqual({ selector: '.tel' });
    expect(email?.source).toEqual({ selector: '[data-qa="lead-email"]' });
    expect(status?.source).toEqual({ selector: '.status' });
    for (const proposal of [name, phone, email, status]) {
      expect(JSON.stringify(proposal?.source)).not.toMatch(/ember412|:r5:|css-|sc-|jsx-|Card__Body|ld-77|4155550132|Ada|qualified|b3f1c2d4/i);
    }
    // Without the name in avoidValues too: "Ada" before the phone is a value, not the phone's label.
    expect(propose(el('.tel'), { field: 'phones', avoidValues: ['ld-77'] }).source).toEqual({ selector: '.tel' });
    expectSafeProposals(document, document);
    // The tel: link's href holds the number: for phones its text is read, and the selector names only the scheme.
    // The status before the link is another value, not its label (nothing in its markup says label).
    const link = propose(el('a[href^="tel:"]'), { field: 'phones', avoidValues });
    expect(link).toMatchObject({ source: { selector: 'a[href^="tel:"]' }, value: 'call' });
    expect(JSON.stringify(link.source)).not.toMatch(/href"|4155550132/);
  });

  it('names the record id attribute, never its value, narrowed by tag when the page has several', () => {
    document.body.innerHTML = HOSTILE;
    expect(proposeShownRecordId([el('.tel')], 'ld-77')).toEqual({ source: { selector: 'main[data-record-id]', attribute: 'data-record-id' }, why: expect.any(String) });
    expect(proposeShownRecordId([el('.name')], 'ld-77')).toBeUndefined();
    // The record id is also on the first span (data-id): the nearest holder wins.
    expect(proposeShownRecordId([el('section > span')], 'ld-77')?.source).toEqual({ selector: '[data-id]', attribute: 'data-id' });
  });

  it('escapes ids and classes without CSS.escape; a leading digit as an attribute selector', () => {
    vi.stubGlobal('CSS', undefined);
    const cases = [
      ['<div id="2col"><span>One</span></div><div><span>Two</span></div>', '[id="2col"] span'],
      ['<span class="md:w-1/2">One</span><b>Two</b>', '.md\\:w-1\\/2'],
      ['<span class="3d-card">One</span><b>Two</b>', '[class~="3d-card"]'],
    ];
    for (const [markup, selector] of cases) {
      document.body.innerHTML = markup as string;
      expect(propose(byText('One'), { field: 'extra' }).source).toEqual({ selector });
    }
  });

  it('a value before the picked one in a row of values is no label', () => {
    document.body.innerHTML = `<table><tr><th>Name</th><th>Phone</th><th>Status</th></tr>
      <tr><td>Grace Hopper</td><td>+44 7700 900123</td><td>New</td></tr><tr><td>Alan Turing</td><td>415 555 0199</td><td>New</td></tr></table>`;
    const phone = propose(byText('415 555 0199'), { field: 'phones' });
    expect(phone).toMatchObject({ source: { selector: 'tr:nth-of-type(3) > td:nth-of-type(2)' }, kind: 'structure' });
    // A label and its value in a pair of look-alike cells is a label.
    document.body.innerHTML = '<table><tr><td>Mobile</td><td>415 555 0199</td></tr><tr><td>Owner</td><td>Alice Agent</td></tr></table>';
    expect(propose(byText('415 555 0199'), { field: 'phones' }).source).toEqual({ label: 'Mobile' });
  });

  it('reports a problem for an empty pick, a pick outside the root, and nothing unique', () => {
    document.body.innerHTML = '<div class="a"><span class="v"></span></div><div class="b">x</div>';
    expect(proposeSource(el('.v'), document, { field: 'extra' })).toEqual({ problem: expect.stringMatching(/shows no value/) });
    expect(proposeSource(el('.b'), el('.a'), { field: 'extra' })).toEqual({ problem: expect.stringMatching(/outside the record container/) });
    // Two identical nestings deeper than a short path can tell apart.
    document.body.innerHTML = '';
    const deep = document.createElement('div');
    let inner = deep;
    for (let i = 0; i < 10; i++) inner = inner.appendChild(document.createElement('div'));
    inner.textContent = 'deep';
    document.body.append(deep, deep.cloneNode(true));
    expect(proposeSource(byText('deep'), document, { field: 'extra' })).toEqual({ problem: expect.stringMatching(/no selector finds only this element/) });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Fuzz: every element with text in every fixture

/**
 * For every element showing a value: a proposal's selector finds that element and no other, and the engine's
 * own reading (collectPage) gives the proposed value; a label's first hit is that value.
 */
function expectSafeProposals(root: ParentNode, doc: Document, scope: string[] = []): number {
  let checked = 0;
  for (const picked of root.querySelectorAll('*')) {
    if (/^(SCRIPT|STYLE|HEAD|TITLE|HTML|BODY)$/.test(picked.tagName) || !shownValue(picked) || shownValue(picked).length > 200) continue;
    for (const field of ['extra', 'phones', 'email'] as const) {
      const result = proposeSource(picked, root, { field });
      if ('problem' in result) continue;
      checked++;
      const source = result.source;
      if ('selector' in source) {
        const matches = [...root.querySelectorAll(source.selector)];
        expect(matches, source.selector).toHaveLength(1);
        if (field === 'extra') expect(matches[0]).toBe(picked);
        expect(shownValue(matches[0] as Element)).toBe(result.value);
      } else if ('label' in source) {
        expect(findLabelled(root, [source.label as string], false)[0]?.value).toBe(result.value);
      }
      const page = collectPage({ scope, fields: {}, extraFields: [{ label: 'x', sources: [source] }] }, doc, {}, new URL('https://x.test/'));
      expect(page.extra?.[0]?.[0]?.values[0]?.text, JSON.stringify(source)).toBe(result.value);
    }
  }
  return checked;
}

const FIXTURE_FILES = [
  ...readdirSync(path.join(FIXTURES, 'crm')).flatMap((crm) => readdirSync(path.join(FIXTURES, 'crm', crm)).map((file) => `crm/${crm}/${file}`)),
  ...readdirSync(path.join(FIXTURES, 'crm-e2e')).map((file) => `crm-e2e/${file}`),
];

describe('fuzz: every text-bearing element of every fixture', () => {
  it.each(FIXTURE_FILES)('%s: a proposal finds exactly the picked element, and the engine reads its value', (file) => {
    load(file);
    expect(expectSafeProposals(document, document)).toBeGreaterThan(0);
    // Anchors too: findAnchorIn finds the picked place.
    for (const button of document.querySelectorAll('button')) {
      const anchor = proposeAnchor(button, document);
      if ('problem' in anchor) continue;
      const found = findAnchorIn(document, [anchor.target])?.element;
      expect(found === button || found?.contains(button), JSON.stringify(anchor.target)).toBe(true);
    }
  });

  it('Salesforce, inside the proposed scope', () => {
    load('crm/salesforce/lead.html');
    expect(expectSafeProposals(el('.oneContent.active'), document, ['.oneContent.active'])).toBeGreaterThan(20);
  });
});
