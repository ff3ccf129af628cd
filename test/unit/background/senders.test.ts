import { describe, expect, it } from 'vitest';
import { assertCrmContentScript, assertExtensionPage, UntrustedSenderError } from '../../../lib/background/senders';

const ID = 'ooieimhjgcmfjkegddipaodhfncicipk';
const ORIGIN = `chrome-extension://${ID}/`;

describe('sender checks', () => {
  it('accepts our content script on a recognised CRM lead page', () => {
    expect(() => assertCrmContentScript({ id: ID, url: 'http://localhost:4010/crm/leads/L-1', tab: { url: 'http://localhost:4010/crm/leads/L-1' } }, ID)).not.toThrow();
  });

  it.each([
    ['another extension', { id: 'other', url: 'http://localhost:4010/crm/leads/L-1', tab: { url: 'http://localhost:4010/crm/leads/L-1' } }],
    ['no tab (not a content script)', { id: ID, url: 'http://localhost:4010/crm/leads/L-1' }],
    ['a page no profile claims', { id: ID, url: 'https://evil.example/crm/leads/L-1', tab: { url: 'https://evil.example/crm/leads/L-1' } }],
    ['a CRM list page', { id: ID, url: 'http://localhost:4010/crm/leads', tab: { url: 'http://localhost:4010/crm/leads' } }],
  ])('refuses %s', (_name, sender) => {
    expect(() => assertCrmContentScript(sender, ID)).toThrow(UntrustedSenderError);
  });

  it('accepts our own pages only', () => {
    expect(() => assertExtensionPage({ id: ID, url: `${ORIGIN}options.html` }, ID, ORIGIN)).not.toThrow();
    expect(() => assertExtensionPage({ id: ID, url: 'http://localhost:4010/crm/leads/1' }, ID, ORIGIN)).toThrow(UntrustedSenderError);
    expect(() => assertExtensionPage({ id: 'other', url: `${ORIGIN}options.html` }, ID, ORIGIN)).toThrow(UntrustedSenderError);
  });
});
