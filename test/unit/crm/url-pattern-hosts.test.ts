import { describe, expect, it } from 'vitest';
import { hostPermissionFor } from '../../../lib/crm/rules/url-pattern-hosts';

describe('hostPermissionFor: the host a rule URL needs', () => {
  it.each([
    ['https://crm.acme.test/leads/:id', 'https://crm.acme.test/*'],
    ['https://crm-*.acme.test/leads/:id', 'https://*.acme.test/*'],
    ['https://app*.hubspot.com/contacts/:portal/record/0-1/:id', 'https://*.hubspot.com/*'],
    ['https://:tenant.acme.test/leads/:id', 'https://*.acme.test/*'],
    ['https://*.acme.test/leads/:id', 'https://*.acme.test/*'],
    ['https://eu.*.acme.test/leads/:id', 'https://*.acme.test/*'],
    ['https://*.crm*.dynamics.com/main.aspx?etn=lead&id=:id', 'https://*.dynamics.com/*'],
    ['*://crm.acme.test/leads/:id', '*://crm.acme.test/*'],
    ['https://crm.acme.test:8443/x', 'https://crm.acme.test/*'],
    ['https://crm.acme.test:*/x', 'https://crm.acme.test/*'],
    ['http://localhost:4010/crm/leads/:id', 'http://localhost/*'],
    ['HTTPS://CRM.Acme.TEST/leads/:id', 'https://crm.acme.test/*'],
    ['https://192.168.0.10/app#/lead/:id', 'https://192.168.0.10/*'],
  ])('%s → %s', (pattern, matchPattern) => {
    expect(hostPermissionFor(pattern)).toEqual({ matchPattern });
  });

  it.each([
    ['^https://crm\\.acme\\.test/lead\\.php\\?id=(?<id>\\d+)', 'https://crm.acme.test/*'],
    ['https://crm\\.acme\\.test/lead\\.php\\?id=(?<id>\\d+)', 'https://crm.acme.test/*'],
    ['https?://crm\\.acme\\.test/leads/(?<id>\\d+)', '*://crm.acme.test/*'],
    ['^http://localhost:4010/crm/.*', 'http://localhost/*'],
    ['^https://crm\\.acme\\.test:\\d+/.*', 'https://crm.acme.test/*'],
    ['^https://crm\\.acme\\.test(?::\\d+)?/.*', 'https://crm.acme.test/*'],
    ['^https://crm\\.acme\\.test/(?:a|b)/(?<id>\\d+)', 'https://crm.acme.test/*'],
    ['^https://crm\\.zoho\\.com/crm/tab/Leads/(?<id>\\d+)(?:[/?#].*)?', 'https://crm.zoho.com/*'],
  ])('regex %s → %s', (regex, matchPattern) => {
    expect(hostPermissionFor({ regex })).toEqual({ matchPattern });
  });

  it.each([
    ['https://*.com/x', `"https://*.com/x" would need access to every site under .com; name the CRM's own domain`],
    ['https://acme.*/x', `"https://acme.*/x" would need access to every site; name the CRM's own domain`],
    ['https://*/x', `"https://*/x" would need access to every site; name the CRM's own domain`],
    ['https:///x', `"https:///x" would need access to every site; name the CRM's own domain`],
    ['https://:tenant/x', `"https://:tenant/x" would need access to every site; name the CRM's own domain`],
    ['https://*.co.uk/x', `"https://*.co.uk/x" would need access to every site under .co.uk; name the CRM's own domain`],
    ['https://acme.crm-*.test/x', `"https://acme.crm-*.test/x" would need access to every site under .test; name the CRM's own domain`],
    ['file:///C:/crm/lead.html', '"file:///C:/crm/lead.html" is a file:// pattern; the extension asks for access to http and https sites only'],
    ['crm.acme.test/leads/:id', '"crm.acme.test/leads/:id" is not a URL pattern such as https://crm.example.com/leads/:id'],
  ])('%s is refused: %s', (pattern, reason) => {
    expect(hostPermissionFor(pattern)).toEqual({ reason });
  });

  it.each([
    'https://[::1]/x',
    'https://bücher.test/x',
    'https://crm.acme.test./x',
  ])('%s names no host a browser accepts', (pattern) => {
    expect(hostPermissionFor(pattern)).toEqual({ reason: expect.stringContaining('names no host the extension can ask access for') });
  });

  it.each([
    '/leads/(?<id>\\d+)',
    '.*/leads/(?<id>\\d+)',
    '^https://(?:crm|app)\\.acme\\.test/',
    '^https://[a-z]+\\.acme\\.test/',
    '^https://crm.acme.test/',
    '^https://crm\\.acme\\.test.*',
    '^https://crm\\.acme\\.test/?.*',
    '^https://crm\\.acme\\.test:.*',
    '^https://crm\\.acme\\.test/x|.*',
    '(?:^https://crm\\.acme\\.test/)',
    '^https://crm\\.zoho\\.(?:com|eu)/crm/(?<id>\\d+)',
  ])('regex %s names no literal host', (regex) => {
    expect(hostPermissionFor({ regex })).toEqual({
      reason: `the regex ${regex} does not start with a literal scheme and host (e.g. ^https://crm\\.acme\\.test/, dots escaped, no alternatives), so the extension cannot tell which site to ask access for`,
    });
  });

  it('an invalid regex is reported, not thrown', () => {
    expect(hostPermissionFor({ regex: '^https://crm\\.acme\\.test/(' })).toEqual({ reason: expect.stringMatching(/^the regex .* is not a valid regex \(/) });
  });
});
