import { describe, expect, it } from 'vitest';
import { cardFromLead, webPageUrl } from '../../../lib/actions/crm-card';
import { CrmCardSchema, type Lead } from '../../../lib/messages';

const NOW = 1_800_000_000_000;

const lead: Lead = {
  profileId: 'demo',
  profileLabel: 'Demo CRM',
  crmId: 'demo:crm.example.com:L-1',
  recordId: 'L-1',
  pageUrl: 'https://crm.example.com/leads/L-1',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-0100',
  phones: [
    { number: '(415) 555-0100', label: 'Work' },
    { number: '(415) 555-0199', label: 'Mobile' },
  ],
  email: 'ada@example.com',
  ownerName: 'Alice Agent',
  ownerEmail: 'alice@example.com',
  status: 'Qualified',
  extra: [{ label: 'Company', value: 'Analytical Engines' }],
};

describe('cardFromLead', () => {
  it('the lead as the Chat saw it: names, the mobile number as the page shows it, owner, status, extra fields, opener and time', () => {
    const card = cardFromLead(lead, { email: 'alice@example.com', name: 'Alice Agent' }, NOW, 'US');
    expect(card).toEqual({
      crmId: 'demo:crm.example.com:L-1',
      crmLabel: 'Demo CRM',
      pageUrl: 'https://crm.example.com/leads/L-1',
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: '(415) 555-0199',
      email: 'ada@example.com',
      ownerName: 'Alice Agent',
      ownerEmail: 'alice@example.com',
      status: 'Qualified',
      extra: [{ label: 'Company', value: 'Analytical Engines' }],
      openedBy: { email: 'alice@example.com', name: 'Alice Agent' },
      openedAt: NOW,
    });
    expect(CrmCardSchema.safeParse(card).error?.issues).toBeUndefined();
  });

  it('a bare lead: the profile id stands for the CRM’s name, no blank keys, an empty extra list, no opener', () => {
    const card = cardFromLead({ profileId: 'rule:acme', crmId: 'rule:acme:crm.acme.test:42', firstName: '  ', email: '' }, undefined, NOW, 'US');
    expect(card).toEqual({ crmId: 'rule:acme:crm.acme.test:42', crmLabel: 'rule:acme', extra: [], openedAt: NOW });
    expect(CrmCardSchema.safeParse(card).success).toBe(true);
  });

  it('an opener with neither e-mail nor name is left out; one with a name only keeps the name', () => {
    expect(cardFromLead(lead, { email: '', name: '' }, NOW, 'US')).not.toHaveProperty('openedBy');
    expect(cardFromLead(lead, {}, NOW, 'US')).not.toHaveProperty('openedBy');
    expect(cardFromLead(lead, { name: 'Bob' }, NOW, 'US').openedBy).toEqual({ name: 'Bob' });
  });

  it('cuts a gateway member’s long name to 256 characters and e-mail to 320, and still passes the card schema', () => {
    const card = cardFromLead(lead, { email: `${'e'.repeat(400)}@example.com`, name: 'N'.repeat(300) }, NOW, 'US');
    expect(card.openedBy?.name).toBe('N'.repeat(256));
    expect(card.openedBy?.email).toHaveLength(320);
    expect(CrmCardSchema.safeParse(card).success).toBe(true);
  });

  it('the phone: the only number, else the one labelled mobile, as the page shows it', () => {
    expect(cardFromLead({ ...lead, phones: undefined, phone: '+44 20 7946 0018' }, undefined, NOW, 'US').phone).toBe('+44 20 7946 0018');
    expect(cardFromLead({ ...lead, phones: [{ number: '020 7946 0018', label: 'Office' }, { number: '07700 900123', label: 'Handy' }] }, undefined, NOW, 'GB').phone).toBe(
      '07700 900123',
    );
  });

  it('an unreadable number is still shown (the first one the page shows): the card is for people', () => {
    expect(cardFromLead({ ...lead, phones: [{ number: 'call reception' }, { number: 'n/a' }] }, undefined, NOW, 'US').phone).toBe('call reception');
    expect(cardFromLead({ ...lead, phones: undefined, phone: 'ext. 12' }, undefined, NOW, 'US').phone).toBe('ext. 12');
  });

  it.each([
    ['javascript:', 'javascript:alert(document.cookie)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['ftp:', 'ftp://crm.example.com/leads/1'],
    ['not a URL', 'leads/1'],
  ])('drops a %s page URL, so "Open in CRM" can never run it', (_kind, pageUrl) => {
    const card = cardFromLead({ ...lead, pageUrl }, undefined, NOW, 'US');
    expect(card).not.toHaveProperty('pageUrl');
    expect(CrmCardSchema.safeParse(card).success).toBe(true);
  });

  it('keeps a long CRM address whole (up to the 2048 characters the card keeps)', () => {
    const pageUrl = `https://crm.example.com/leads/L-1?view=${'v'.repeat(1500)}`;
    expect(pageUrl.length).toBe(1539);
    const card = cardFromLead({ ...lead, pageUrl }, undefined, NOW, 'US');
    expect(card.pageUrl?.length).toBe(1539);
    expect(card.pageUrl).toBe(pageUrl);
  });

  it('the result always passes CrmCardSchema, whatever long values the lead carries within LeadSchema’s limits', () => {
    const long: Lead = {
      ...lead,
      profileLabel: 'L'.repeat(200),
      crmId: 'c'.repeat(256),
      firstName: 'F'.repeat(256),
      lastName: 'L'.repeat(256),
      email: `${'e'.repeat(300)}@example.com`,
      ownerName: 'O'.repeat(256),
      status: 'S'.repeat(256),
      extra: Array.from({ length: 10 }, (_, index) => ({ label: `Field ${index}`, value: 'v'.repeat(1000) })),
    };
    expect(CrmCardSchema.safeParse(cardFromLead(long, { email: 'a@example.com', name: 'A' }, NOW, 'US')).error?.issues).toBeUndefined();
  });
});

describe('webPageUrl', () => {
  it('keeps http(s) addresses, as the browser writes them', () => {
    expect(webPageUrl('https://crm.example.com/leads/1')).toBe('https://crm.example.com/leads/1');
    expect(webPageUrl('HTTP://CRM.example.com/a b')).toBe('http://crm.example.com/a%20b');
  });

  it('nothing for a missing, script, data or unparsable address', () => {
    for (const url of [undefined, '', 'javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,x', 'blob:https://crm.example.com/1', '//crm.example.com/x']) {
      expect(webPageUrl(url)).toBeUndefined();
    }
  });

  it('nothing for an address whose href is over 2048 characters, also when only percent-encoding makes it so', () => {
    const base = 'https://crm.example.com/leads/1?q=';
    expect(webPageUrl(`${base}${'a'.repeat(2048 - base.length)}`)).toHaveLength(2048);
    expect(webPageUrl(`${base}${'a'.repeat(2049 - base.length)}`)).toBeUndefined();
    // 700 spaces are 700 characters as given, 2100 once parsed (%20).
    expect(webPageUrl(`${base}${' '.repeat(700)}x`)).toBeUndefined();
  });
});
