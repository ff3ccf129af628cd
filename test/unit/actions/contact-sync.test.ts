import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ContactSyncSettings,
  contactFields,
  contactStagePath,
  derivedCrmId,
  type FieldsSent,
  mappedStage,
  planContactSync,
  sentAfter,
} from '../../../lib/actions/contact-sync';
import { ConfigError } from '../../../lib/config/resolve';
import type { Lead } from '../../../lib/messaging';

/** The planner both modes share (issue 16): pure, so every case is one call. */

const lead = (overrides: Partial<Lead> = {}): Lead => ({
  profileId: 'demo',
  crmId: 'L-1001',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-0132',
  ...overrides,
});

const SENT: FieldsSent = { first_name: 'Ada', last_name: 'Lovelace', phone_number: '+14155550132' };

const settings = (overrides: Partial<ContactSyncSettings> = {}): ContactSyncSettings => ({
  contactUpdatePolicy: 'overwrite',
  phoneChangePolicy: 'warn',
  stageMapping: [],
  defaultCountry: 'US',
  ...overrides,
});

const STAGES = [
  { crmStatus: 'Qualified', stage: 'qualified' },
  { crmStatus: ' Closed Won ', stage: 'closed', disposition: 'won' },
];

describe('contactFields', () => {
  it('are what a create sends: names cleaned as Saleschat takes them, the phone in E.164', () => {
    expect(contactFields(lead({ firstName: '**VIP** Ada' }), 'US')).toEqual({ first_name: 'VIP Ada', last_name: 'Lovelace', phone_number: '+14155550132' });
    expect(contactFields(lead({ lastName: undefined, phone: undefined }), 'US')).toEqual({ first_name: 'Ada' });
  });
});

describe('names: contactUpdatePolicy', () => {
  it('unchanged lead: nothing to send', () => {
    expect(planContactSync(SENT, lead(), settings())).toEqual({});
  });

  it('the same name written differently on the page (spaces, stars) is unchanged', () => {
    expect(planContactSync(SENT, lead({ firstName: '  Ada* ', lastName: 'Lovelace ' }), settings())).toEqual({});
  });

  it('overwrite (default): only the names that differ', () => {
    expect(planContactSync(SENT, lead({ lastName: 'King' }), settings())).toEqual({ update: { last_name: 'King' } });
    expect(planContactSync(SENT, lead({ firstName: 'Augusta', lastName: 'King' }), settings())).toEqual({ update: { first_name: 'Augusta', last_name: 'King' } });
  });

  it('never: no update whatever changed', () => {
    expect(planContactSync(SENT, lead({ firstName: 'Augusta', lastName: 'King' }), settings({ contactUpdatePolicy: 'never' }))).toEqual({});
  });

  it('fillEmpty: only names Saleschat was never sent', () => {
    const sent: FieldsSent = { first_name: 'Ada', phone_number: '+14155550132' };
    expect(planContactSync(sent, lead({ firstName: 'Augusta', lastName: 'King' }), settings({ contactUpdatePolicy: 'fillEmpty' }))).toEqual({
      update: { last_name: 'King' },
    });
    expect(planContactSync(SENT, lead({ firstName: 'Augusta' }), settings({ contactUpdatePolicy: 'fillEmpty' }))).toEqual({});
  });

  it('a name the page no longer shows never clears the one Saleschat has', () => {
    expect(planContactSync(SENT, lead({ lastName: undefined }), settings())).toEqual({});
    expect(planContactSync(SENT, lead({ firstName: '***' }), settings())).toEqual({});
  });
});

describe('phone', () => {
  it('another number in the CRM: a phone change with both numbers, E.164', () => {
    expect(planContactSync(SENT, lead({ phone: '415-555-0199' }), settings())).toEqual({ phoneChange: { sent: '+14155550132', crm: '+14155550199' } });
  });

  it('the same number written otherwise, none on the page, or none ever sent: no change', () => {
    expect(planContactSync(SENT, lead({ phone: '+1 415 555 0132' }), settings())).toEqual({});
    expect(planContactSync(SENT, lead({ phone: undefined }), settings())).toEqual({});
    expect(planContactSync({ first_name: 'Ada', last_name: 'Lovelace' }, lead(), settings())).toEqual({});
  });

  it('the policy does not change the plan (the caller applies it)', () => {
    for (const phoneChangePolicy of ['warn', 'newContact', 'refuse'] as const) {
      expect(planContactSync(SENT, lead({ phone: '415-555-0199' }), settings({ phoneChangePolicy })).phoneChange).toEqual({ sent: '+14155550132', crm: '+14155550199' });
    }
  });
});

describe('stage: stageMapping', () => {
  it('off when no mapping is configured', () => {
    expect(planContactSync(SENT, lead({ status: 'Qualified' }), settings())).toEqual({});
  });

  it('matches the CRM status trimmed and case-insensitively, with its disposition', () => {
    expect(mappedStage('  qUALIFIED ', STAGES)).toEqual({ stage: 'qualified' });
    expect(mappedStage('closed won', STAGES)).toEqual({ stage: 'closed', disposition: 'won' });
    expect(mappedStage('Lost', STAGES)).toBeUndefined();
    expect(mappedStage('  ', STAGES)).toBeUndefined();
    expect(mappedStage(undefined, STAGES)).toBeUndefined();
  });

  it('sent when it differs from the last one sent, stage or disposition', () => {
    const stageMapping = STAGES;
    expect(planContactSync(SENT, lead({ status: 'qualified' }), settings({ stageMapping }))).toEqual({ stage: { stage: 'qualified' } });
    expect(planContactSync({ ...SENT, stage: 'qualified' }, lead({ status: 'Qualified' }), settings({ stageMapping }))).toEqual({});
    expect(planContactSync({ ...SENT, stage: 'closed' }, lead({ status: 'Closed Won' }), settings({ stageMapping }))).toEqual({ stage: { stage: 'closed', disposition: 'won' } });
    expect(planContactSync({ ...SENT, stage: 'closed', disposition: 'won' }, lead({ status: 'CLOSED WON' }), settings({ stageMapping }))).toEqual({});
  });

  it('an unmapped status sends nothing (the last stage stays)', () => {
    expect(planContactSync({ ...SENT, stage: 'qualified' }, lead({ status: 'Nurturing' }), settings({ stageMapping: STAGES }))).toEqual({});
  });
});

describe('a mapping saved before the fields were kept (sent undefined)', () => {
  it('plans no update and no phone change, whatever the CRM shows; a mapped stage is still sent', () => {
    expect(planContactSync(undefined, lead({ firstName: 'Augusta', phone: '415-555-0199' }), settings())).toEqual({});
    expect(planContactSync(undefined, lead({ status: 'Qualified' }), settings({ stageMapping: STAGES }))).toEqual({ stage: { stage: 'qualified' } });
  });

  it('sentAfter records the CRM’s fields as the baseline', () => {
    const now = lead({ firstName: 'Augusta', phone: '415-555-0199' });
    expect(sentAfter(undefined, now, {}, { update: false, stage: false }, 'US')).toEqual({ first_name: 'Augusta', last_name: 'Lovelace', phone_number: '+14155550199' });
  });
});

describe('sentAfter', () => {
  const plan = { update: { last_name: 'King' }, stage: { stage: 'closed', disposition: 'won' } };

  it('advances only what Saleschat accepted', () => {
    expect(sentAfter(SENT, lead(), plan, { update: true, stage: true }, 'US')).toEqual({ ...SENT, last_name: 'King', stage: 'closed', disposition: 'won' });
    expect(sentAfter(SENT, lead(), plan, { update: false, stage: true }, 'US')).toEqual({ ...SENT, stage: 'closed', disposition: 'won' });
    expect(sentAfter(SENT, lead(), plan, { update: true, stage: false }, 'US')).toEqual({ ...SENT, last_name: 'King' });
  });

  it('keeps the number the contact was created with (it cannot change)', () => {
    expect(sentAfter(SENT, lead({ phone: '415-555-0199' }), { phoneChange: { sent: '+14155550132', crm: '+14155550199' } }, { update: false, stage: false }, 'US').phone_number).toBe('+14155550132');
  });
});

describe('properties', () => {
  const name = fc.option(fc.stringMatching(/^[A-Za-z* ]{0,12}$/), { nil: undefined });
  const sentArb = fc.record({ first_name: name, last_name: name, stage: fc.option(fc.constantFrom('qualified', 'closed'), { nil: undefined }) }, { requiredKeys: [] });
  const leadArb = fc.record({ firstName: name, lastName: name, status: fc.option(fc.constantFrom('Qualified', 'closed won', 'Lost'), { nil: undefined }) }, { requiredKeys: [] });
  const policy = fc.constantFrom('never', 'overwrite', 'fillEmpty' as const);

  it('an update only carries non-empty names that differ from those sent, and none with "never"', () => {
    fc.assert(
      fc.property(sentArb, leadArb, policy, (sent, fields, contactUpdatePolicy) => {
        const clean = Object.fromEntries(Object.entries(sent).filter(([, value]) => value !== undefined)) as FieldsSent;
        const update = planContactSync(clean, lead({ ...fields, phone: undefined }), settings({ contactUpdatePolicy, stageMapping: STAGES })).update ?? {};
        if (contactUpdatePolicy === 'never') expect(update).toEqual({});
        for (const [field, value] of Object.entries(update)) {
          expect(value).toBeTruthy();
          expect(value).not.toBe(clean[field as keyof FieldsSent]);
          if (contactUpdatePolicy === 'fillEmpty') expect(clean[field as keyof FieldsSent]).toBeFalsy();
        }
      }),
    );
  });

  it('once what was planned is accepted, the next Chat on the same lead plans nothing', () => {
    fc.assert(
      fc.property(fc.option(sentArb, { nil: undefined }), leadArb, policy, (sent, fields, contactUpdatePolicy) => {
        const clean = sent && (Object.fromEntries(Object.entries(sent).filter(([, value]) => value !== undefined)) as FieldsSent);
        const now = lead({ ...fields, phone: undefined });
        const options = settings({ contactUpdatePolicy, stageMapping: STAGES });
        const plan = planContactSync(clean, now, options);
        const after = sentAfter(clean, now, plan, { update: true, stage: true }, 'US');
        expect(planContactSync(after, now, options)).toEqual({});
      }),
    );
  });
});

describe('derivedCrmId', () => {
  it('one more than the contacts the lead has had', () => {
    expect(derivedCrmId('L-1001', 1)).toBe('L-1001-2');
    expect(derivedCrmId('pipedrive:acme:7', 2)).toBe('pipedrive:acme:7-3');
  });
});

describe('contactStagePath', () => {
  const ids = { orgId: 'org 1', contactId: 'c/1?x', crmId: 'L 1/2' };

  it('is relative to the API URL, every variable URL-encoded', () => {
    expect(contactStagePath('{API_URL}/v1/orgs/{ORG_ID}/contact/{CONTACT_ID}/stage?crm={CRM_ID}', ids)).toBe(
      '/v1/orgs/org%201/contact/c%2F1%3Fx/stage?crm=L%201%2F2',
    );
  });

  it.each([
    ['another host', 'https://evil.example/{CONTACT_ID}'],
    ['credentials smuggled after the API URL', '{API_URL}@evil.example/{CONTACT_ID}'],
    ['a path not after the API URL', '/v1/contact/{CONTACT_ID}'],
    ['the API URL not at the start', 'x{API_URL}/{CONTACT_ID}'],
  ])('refuses %s (the token would go with it)', (_label, template) => {
    expect(() => contactStagePath(template, ids)).toThrow(ConfigError);
    expect(() => contactStagePath(template, ids)).toThrow('contactStageUrlTemplate must start with {API_URL}/');
  });
});
