import { describe, expect, it } from 'vitest';
import { expandLookup, lookupValues } from '../../../lib/actions/crm-lookup';
import { LOOKUP_VARIABLES, lookupTemplateProblem } from '../../../lib/config/lookup-variables';
import { CONFIG_DEFAULTS, ConfigSchema, CrmLookupTemplateSchema } from '../../../lib/config/schema';
import { CRM_ID_FIELD } from '../../../lib/crm/profiles/saleschat-dashboard';
import type { Lead } from '../../../lib/messages';

const KNOWN = '(known: {PHONE_E164} {PHONE_NATIONAL} {PHONE_DIGITS} {EMAIL} {CRM_ID} {FIRST_NAME} {LAST_NAME}; {A|B} takes the first with a value)';

describe('lookupValues: what a dashboard chatroom page shows, as lookup variables', () => {
  it('a US number in its three forms, with the e-mail, names and the crm_id of the "CRM id" extra field', () => {
    const shown: Partial<Lead> = {
      phone: '(415) 555-0132',
      email: ' ada@example.com ',
      firstName: 'Ada',
      lastName: 'Lovelace',
      extra: [
        { label: 'Company', value: 'Analytical Engines' },
        { label: CRM_ID_FIELD, value: ' demo:crm.example.com:L-1 ' },
      ],
    };
    expect(lookupValues(shown, 'US')).toEqual({
      PHONE_E164: '+14155550132',
      PHONE_DIGITS: '14155550132',
      PHONE_NATIONAL: '(415) 555-0132',
      EMAIL: 'ada@example.com',
      CRM_ID: 'demo:crm.example.com:L-1',
      FIRST_NAME: 'Ada',
      LAST_NAME: 'Lovelace',
    });
  });

  it('a UK number written nationally, read with defaultCountry GB', () => {
    expect(lookupValues({ phone: '020 7946 0018' }, 'GB')).toEqual({
      PHONE_E164: '+442079460018',
      PHONE_DIGITS: '442079460018',
      PHONE_NATIONAL: '020 7946 0018',
    });
  });

  it('a UK number written internationally is formatted in its own national form, whatever defaultCountry says', () => {
    expect(lookupValues({ phone: '+44 20 7946 0018' }, 'US')).toEqual({
      PHONE_E164: '+442079460018',
      PHONE_DIGITS: '442079460018',
      PHONE_NATIONAL: '020 7946 0018',
    });
  });

  it('the phone a Chat would pick: a number labelled mobile before the first one', () => {
    const values = lookupValues({ phones: [{ number: '(415) 555-0100', label: 'Work' }, { number: '(415) 555-0199', label: 'Mobile' }] }, 'US');
    expect(values.PHONE_E164).toBe('+14155550199');
  });

  it('leaves out what the page does not show: blank values, an unreadable phone, an extra field with another label', () => {
    const shown: Partial<Lead> = { phone: 'n/a', email: '   ', firstName: '', extra: [{ label: 'CRM ID (old)', value: 'x-1' }] };
    expect(lookupValues(shown, 'US')).toEqual({});
    expect(lookupValues({}, 'US')).toEqual({});
  });
});

describe('expandLookup', () => {
  const template = (url: string, label = 'Acme CRM') => ({ label, url });

  it('URL-encodes every value: the + of an E.164 number becomes %2B, never a space', () => {
    const values = lookupValues({ phone: '(415) 555-0132' }, 'US');
    expect(expandLookup(template('https://crm.acme.test/search?q={PHONE_E164}'), values)).toEqual({
      ok: true,
      url: 'https://crm.acme.test/search?q=%2B14155550132',
    });
    expect(expandLookup(template('https://crm.acme.test/search?q={EMAIL}&n={LAST_NAME}'), { EMAIL: 'a+b@example.com', LAST_NAME: 'de la Cruz/&' })).toEqual({
      ok: true,
      url: 'https://crm.acme.test/search?q=a%2Bb%40example.com&n=de%20la%20Cruz%2F%26',
    });
  });

  it('{EMAIL|PHONE_E164} takes the e-mail when the page shows one, else the phone', () => {
    const url = 'https://crm.acme.test/search?q={EMAIL|PHONE_E164}';
    expect(expandLookup(template(url), { EMAIL: 'ada@example.com', PHONE_E164: '+14155550132' })).toEqual({
      ok: true,
      url: 'https://crm.acme.test/search?q=ada%40example.com',
    });
    expect(expandLookup(template(url), { PHONE_E164: '+14155550132' })).toEqual({ ok: true, url: 'https://crm.acme.test/search?q=%2B14155550132' });
  });

  it('says which placeholders have no value, in the template’s words, and opens nothing', () => {
    expect(expandLookup(template('https://crm.acme.test/search?q={EMAIL|PHONE_E164}&id={CRM_ID}'), { FIRST_NAME: 'Ada' })).toEqual({
      ok: false,
      message: '“Acme CRM” needs {EMAIL|PHONE_E164} and {CRM_ID}, which this chat does not show.',
    });
    expect(expandLookup(template('https://crm.acme.test/c/{CRM_ID}', 'By id'), { EMAIL: 'ada@example.com' })).toEqual({
      ok: false,
      message: '“By id” needs {CRM_ID}, which this chat does not show.',
    });
  });

  it('a value that puts the address on another host still opens an http(s) page of the template’s host', () => {
    const result = expandLookup(template('https://crm.acme.test/c/{CRM_ID}'), { CRM_ID: '@evil.test/x' });
    expect(result).toEqual({ ok: true, url: 'https://crm.acme.test/c/%40evil.test%2Fx' });
  });

  it('refuses a template that does not make a web address (only possible for a template that skipped the schema)', () => {
    expect(expandLookup(template('javascript:alert({EMAIL})'), { EMAIL: 'a@b.c' })).toEqual({
      ok: false,
      message: '“Acme CRM” does not make a web address (javascript:alert(a%40b.c)); ask your administrator to check crmLookupUrlTemplates.',
    });
  });
});

describe('lookupTemplateProblem', () => {
  it('accepts every known variable, alone or as alternatives', () => {
    for (const name of LOOKUP_VARIABLES) expect(lookupTemplateProblem(`https://crm.acme.test/?q={${name}}`)).toBeUndefined();
    expect(lookupTemplateProblem('https://crm.acme.test/?q={EMAIL|PHONE_E164|CRM_ID}')).toBeUndefined();
  });

  it('names the first unknown variable and lists the known ones', () => {
    expect(lookupTemplateProblem('https://crm.acme.test/?q={PHONE}')).toBe(`{PHONE} is not a lookup variable ${KNOWN}`);
    expect(lookupTemplateProblem('https://crm.acme.test/?q={EMAIL|MOBILE}&x={FAX}')).toBe(`{MOBILE} is not a lookup variable ${KNOWN}`);
      // Lower case is not a variable: it would stay in the URL as text.
    expect(lookupTemplateProblem('https://crm.acme.test/?q={email}')).toBe(`{email} is not a lookup variable ${KNOWN}`);
  });
});

describe('CrmLookupTemplateSchema and the dashboard keys of the config schema', () => {
  it('accepts an https or http template with known variables, trimmed', () => {
    expect(CrmLookupTemplateSchema.parse({ label: ' Salesforce ', url: ' https://acme.my.salesforce.com/search?q={EMAIL|PHONE_E164} ' })).toEqual({
      label: 'Salesforce',
      url: 'https://acme.my.salesforce.com/search?q={EMAIL|PHONE_E164}',
    });
    expect(CrmLookupTemplateSchema.safeParse({ label: 'Local', url: 'http://crm.local/c/{CRM_ID}' }).success).toBe(true);
  });

  it('rejects an unknown variable with its message', () => {
    const result = CrmLookupTemplateSchema.safeParse({ label: 'Acme', url: 'https://crm.acme.test/?q={PHONE}' });
    expect(result.error?.issues.map((issue) => [issue.path, issue.message])).toEqual([[['url'], `{PHONE} is not a lookup variable ${KNOWN}`]]);
  });

  it('rejects a URL that is not http(s)', () => {
    for (const url of ['javascript:alert({EMAIL})', 'data:text/html,{EMAIL}', 'ftp://crm.acme.test/{EMAIL}']) {
      const result = CrmLookupTemplateSchema.safeParse({ label: 'Acme', url });
      expect(result.error?.issues.map((issue) => issue.message)).toEqual(['must start with https:// (or http://)']);
    }
  });

  it('rejects a template without any variable, and an empty or over-long label', () => {
    expect(CrmLookupTemplateSchema.safeParse({ label: 'Acme', url: 'https://crm.acme.test/search' }).error?.issues.map((issue) => issue.message)).toEqual([
      'must contain a variable such as {PHONE_E164} or {EMAIL|PHONE_E164}',
    ]);
    expect(CrmLookupTemplateSchema.safeParse({ label: '  ', url: 'https://crm.acme.test/?q={EMAIL}' }).error?.issues.map((issue) => issue.message)).toEqual([
      'must not be empty',
    ]);
    expect(CrmLookupTemplateSchema.safeParse({ label: 'x'.repeat(61), url: 'https://crm.acme.test/?q={EMAIL}' }).success).toBe(false);
  });

  it('a placeholder that names no variable ({|}) is rejected like any template without one', () => {
    // It could never expand: expandLookup would always answer “… needs {|}, which this chat does not show.”
    expect(CrmLookupTemplateSchema.safeParse({ label: 'Acme', url: 'https://crm.acme.test/?q={|}' }).success).toBe(false);
  });

  it('crmLookupUrlTemplates holds at most 10 buttons and defaults to none', () => {
    const one = { label: 'Acme', url: 'https://crm.acme.test/?q={EMAIL}' };
    expect(ConfigSchema.shape.crmLookupUrlTemplates.safeParse(Array.from({ length: 10 }, () => one)).success).toBe(true);
    expect(ConfigSchema.shape.crmLookupUrlTemplates.safeParse(Array.from({ length: 11 }, () => one)).success).toBe(false);
    expect(CONFIG_DEFAULTS.crmLookupUrlTemplates).toEqual([]);
  });

  it('screenPop is off, focus or open (default off)', () => {
    for (const mode of ['off', 'focus', 'open']) expect(ConfigSchema.shape.screenPop.parse(mode)).toBe(mode);
    expect(ConfigSchema.shape.screenPop.safeParse('always').success).toBe(false);
    expect(CONFIG_DEFAULTS.screenPop).toBe('off');
  });

  it('dashboardRule is an admin rule: a valid one passes, a typo is refused', () => {
    const rule = { name: 'Our dashboard', url: 'https://chat.acme.test/app/chatrooms/:id', fields: { email: { label: 'E-mail' } } };
    expect(ConfigSchema.shape.dashboardRule.parse(rule)).toEqual(rule);
    expect(ConfigSchema.shape.dashboardRule.safeParse({ ...rule, fields: { mail: { label: 'E-mail' } } }).success).toBe(false);
  });
});
