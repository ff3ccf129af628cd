// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { draftFrom, nameFromPage, newDraft, withAnchor, withChecked, withPick, withRecordView } from '../../../../lib/crm/builder/draft';
import { checkRule } from '../../../../lib/crm/builder/verify';
import { BUILT_IN_RULES } from '../../../../lib/crm/profiles';

const HREF = 'http://localhost:4010/spa-crm/acme/leads/4711';

describe('the builder’s draft', () => {
  it('names the rule after the page title’s CRM part, else the host', () => {
    expect(nameFromPage('Ada Lovelace | Orbit CRM', 'localhost')).toBe('Orbit CRM');
    expect(nameFromPage('Lena Ledger » Ledger CRM', 'localhost')).toBe('Ledger CRM');
    expect(nameFromPage('Lead', 'crm.acme.test')).toBe('CRM at crm.acme.test');
  });

  it('starts with the URL pattern proposed from the address, and why', () => {
    const draft = newDraft(HREF, 'Ada Lovelace | Orbit CRM');
    expect(draft.rule).toEqual({ name: 'Orbit CRM', url: 'http://localhost/spa-crm/acme/leads/:id', fields: {} });
    expect(draft.notes.url).toMatch(/4711 looks like a record id/);
  });

  it('an address without a recognisable id keeps the address and says to pick the id', () => {
    const draft = newDraft('http://localhost:4010/app/lead/view', 'CRM');
    expect(draft.notes.url).toMatch(/^No pattern proposed: .*pick the record id on the page/);
  });

  it('a pick sets the field and its reason; name and phone become required', () => {
    let draft = newDraft(HREF, 'Orbit CRM');
    draft = withPick(draft, 'phones', { source: { label: 'Mobile' }, value: '+1 415 555 0132', why: 'label' }, HREF);
    expect(draft.rule.require).toEqual(['phone']);
    draft = withPick(draft, 'fullName', { source: { selector: 'h1.record-title' }, value: 'Ada Lovelace', why: 'class' }, HREF);
    expect(draft.rule.require).toEqual(['name', 'phone']);
    expect(draft.rule.fields).toEqual({ phones: { label: 'Mobile' }, fullName: { selector: 'h1.record-title' } });
    expect(draft.notes).toMatchObject({ phones: 'label', fullName: 'class' });
  });

  it('the owner goes to ownerEmail or ownerName by what it reads', () => {
    const base = newDraft(HREF, 'Orbit CRM');
    expect(withPick(base, 'owner', { source: { selector: '.owner' }, value: 'alice@example.com', why: '' }, HREF).rule.fields).toEqual({ ownerEmail: { selector: '.owner' } });
    expect(withPick(base, 'owner', { source: { selector: '.owner' }, value: 'Alice Agent', why: '' }, HREF).rule.fields).toEqual({ ownerName: { selector: '.owner' } });
  });

  it('a record id picked on the page is looked for in the address, so the pattern captures it', () => {
    const href = 'https://crm.acme.test/app/view?entity=lead&ref=AB-77&tab=2';
    const draft = withPick(newDraft(href, 'CRM'), 'recordId', { source: { selector: '.record-number' }, value: 'AB-77', why: '' }, href);
    expect(draft.rule.url).toBe('https://crm.acme.test/app/view?entity=lead&ref=:id');
    expect(draft.rule.fields.recordId).toEqual({ selector: '.record-number' });
  });

  it('anchor, scope and shown record id come with their reasons; no scope drops an old one', () => {
    let draft = withAnchor(newDraft(HREF, 'Orbit CRM'), { selector: '.record-actions', position: 'append' }, 'toolbar');
    draft = withRecordView(draft, { scope: 'main#record', scopeWhy: 'record container', shownRecordId: { source: { selector: '[data-record-id]', attribute: 'data-record-id' }, why: 'shown id' } });
    expect(draft.rule).toMatchObject({ anchor: { selector: '.record-actions', position: 'append' }, scope: 'main#record', fields: { shownRecordId: { selector: '[data-record-id]', attribute: 'data-record-id' } } });
    expect(withRecordView(draft, { scopeWhy: 'one record' }).rule.scope).toBeUndefined();
  });

  it('starting from a built-in keeps its id (its leads keep their chats) and edits it', () => {
    const salesforce = BUILT_IN_RULES.find((rule) => rule.id === 'salesforce');
    if (!salesforce) throw new Error('no Salesforce built-in');
    const draft = draftFrom(salesforce, 'built-in');
    expect(draft.rule.id).toBe('salesforce');
    expect(draft.editing).toBe('salesforce');
    expect(draft.rule).not.toBe(salesforce);
    expect(draft.notes.name).toMatch(/its id kept/);
  });

  it('checked records: one entry per record, newest first, at most 10, naming the failed field', () => {
    let draft = newDraft(HREF, 'Orbit CRM');
    for (let id = 1; id <= 12; id++) {
      draft = withChecked(draft, { href: `${HREF}/${id}`, recordId: String(id), ok: id !== 12, summary: 's', fields: id === 12 ? [{ field: 'phones', problem: 'label not found' }] : [], anchorFound: true });
    }
    draft = withChecked(draft, { href: `${HREF}/11`, recordId: '11', ok: true, summary: 'again', fields: [], anchorFound: true });
    expect(draft.checked).toHaveLength(10);
    expect(draft.checked[0]).toMatchObject({ recordId: '11', summary: 'again' });
    expect(draft.checked[1]).toMatchObject({ recordId: '12', ok: false, failedField: 'phones' });
  });
});

describe('checking a rule on the page (the content script’s engine)', () => {
  beforeEach(() => {
    document.body.innerHTML = `<main id="record" data-record-id="4711"><h1><span class="first-name">Ada</span> <span class="last-name">Lovelace</span></h1>
      <div class="field"><span class="field-label">Mobile</span><span class="field-value">+1 415 555 0132</span></div>
      <div class="record-actions"><button>Call</button></div></main>`;
  });
  const rule = { name: 'Orbit', url: 'http://localhost/spa-crm/*/leads/:id', require: ['phone'], fields: { firstName: { selector: '.first-name' }, phones: { label: 'Mobile' } }, anchor: { selector: '.record-actions' } };

  it('a lead: the summary, every field’s value, the record id and the anchor', () => {
    expect(checkRule(rule, document, HREF)).toEqual({
      href: HREF,
      ok: true,
      summary: 'Lead: Ada · +1 415 555 0132',
      recordId: '4711',
      anchorFound: true,
      fields: [
        { field: 'firstName', value: 'Ada' },
        { field: 'phones', value: '+1 415 555 0132' },
        { field: 'recordId', value: '4711' },
      ],
    });
  });

  it('no lead: the engine’s reason, and the field that read nothing', () => {
    const check = checkRule({ ...rule, fields: { ...rule.fields, phones: { label: 'Cell' } } }, document, HREF);
    expect(check.ok).toBe(false);
    expect(check.summary).toMatch(/phone/);
    expect(check.fields.find((field) => field.field === 'phones')).toEqual({ field: 'phones', problem: "label 'Cell' not found" });
  });

  it('another address, or an unusable rule: said so', () => {
    expect(checkRule(rule, document, 'http://localhost:4010/spa-crm/acme/leads').summary).toMatch(/^the URL pattern does not match this address/);
    expect(checkRule({ name: 'x', url: { regex: '(' }, fields: {} }, document, HREF).summary).toMatch(/URL pattern .* is not usable/);
  });
});
