import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROFILES, findProfileForUrl } from '../../../lib/crm/profiles';
import { compileRule } from '../../../lib/crm/rules/engine';
import { compileUrlPattern } from '../../../lib/crm/rules/url-pattern';

const match = (pattern: Parameters<typeof compileUrlPattern>[0], url: string) => compileUrlPattern(pattern)(new URL(url));

describe('named host parts', () => {
  it('are captured with the path parts', () => {
    expect(match('https://:tenant.acme.test/leads/:id', 'https://globex.acme.test/leads/7')).toEqual({ tenant: 'globex', id: '7' });
    expect(match('https://:tenant.:region.acme.test/x', 'https://GLOBEX.eu.acme.test/x')).toEqual({ tenant: 'globex', region: 'eu' });
  });

  it('are one label, no more', () => {
    expect(match('https://:tenant.acme.test/leads/:id', 'https://a.b.acme.test/leads/7')).toBeNull();
    expect(match('https://:tenant.acme.test/leads/:id', 'https://acme.test/leads/7')).toBeNull();
  });
});

describe('the regex form matches the whole URL', () => {
  it('a regex that matches only inside the URL no longer matches', () => {
    expect(match({ regex: 'crm\\.acme\\.test/leads/(?<id>\\d+)' }, 'https://crm.acme.test/leads/42')).toBeNull();
    expect(match({ regex: '^https://crm\\.acme\\.test/leads/(?<id>\\d+)' }, 'https://crm.acme.test/leads/42/edit')).toBeNull();
    expect(match({ regex: '^https://crm\\.acme\\.test/leads/(?<id>\\d+)(?:/.*)?' }, 'https://crm.acme.test/leads/42/edit')).toEqual({ id: '42' });
  });

  it("a path-only regex no longer claims another CRM's page (it matches no URL at all)", () => {
    const rule = compileRule({ name: 'Loose', url: { regex: '/leads/(?<id>\\d+)' }, fields: {} }, 'rule');
    if ('error' in rule) throw new Error(rule.error);
    expect(rule.matchUrl(new URL('https://acme.pipedrive.com/leads/42'))).toBeNull();
    expect(match({ regex: '.*/leads/(?<id>\\d+)' }, 'https://acme.pipedrive.com/leads/42')).toEqual({ id: '42' });
  });

  it('an admin-written ^ and $ stay harmless, and alternatives are alternatives of the whole URL', () => {
    expect(match({ regex: '^https://x\\.test/(?<id>\\d+)$' }, 'https://x.test/5')).toEqual({ id: '5' });
    expect(match({ regex: 'https://x\\.test/a|https://x\\.test/b' }, 'https://x.test/b')).toEqual({});
    expect(match({ regex: 'https://x\\.test/a|https://x\\.test/b' }, 'https://x.test/ab')).toBeNull();
  });

  it('sees the raw URL (percent-encoding kept) and decodes named groups', () => {
    const regex = '^https://app\\.acme\\.test/main#page=https%3A%2F%2Fapp\\.acme\\.test%2Fleads%2F(?<id>[^%&]+(?:%20[^%&]+)*)(?:%3F.*)?';
    expect(match({ regex }, 'https://app.acme.test/main#page=https%3A%2F%2Fapp.acme.test%2Fleads%2F42%3Ftab%3Dinfo')).toEqual({ id: '42' });
    expect(match({ regex }, 'https://app.acme.test/main#page=https%3A%2F%2Fapp.acme.test%2Fleads%2Fa%20b')).toEqual({ id: 'a b' });
  });

  it('an unbalanced regex cannot close the anchoring group', () => {
    expect(() => compileUrlPattern({ regex: 'https://x\\.test/)|(.*' })).toThrow(SyntaxError);
  });

  it('the Zoho built-in still reads its record pages and only those', () => {
    const zoho = (url: string) => findProfileForUrl(url, BUILT_IN_PROFILES)?.id;
    expect(zoho('https://crm.zoho.com/crm/org746753262/tab/Leads/4876876000000123456')).toBe('zoho');
    expect(zoho('https://crm.zoho.eu/crm/tab/Contacts/52000000098765?sub=x#notes')).toBe('zoho');
    expect(zoho('https://crm.zoho.com/crm/tab/Leads/4876876000000123456/edit')).toBe('zoho');
    expect(zoho('https://crm.zoho.com/crm/tab/Leads/4876876000000123456x')).toBeUndefined();
    expect(zoho('https://crm.zoho.com/crm/org1/tab/Leads/custom-view/4876876000000087501/list')).toBeUndefined();
  });
});
