// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, ConfigSchema } from '../../../lib/config/schema';
import { chatroomIdOf } from '../../../lib/dashboard/chatroom-watcher';
import { CRM_ID_FIELD, chatroomPagePattern, DASHBOARD_PROFILE_ID, saleschatDashboardRule } from '../../../lib/crm/profiles/saleschat-dashboard';
import { type CompiledProfile, compileRule } from '../../../lib/crm/rules/engine';
import { CrmRuleSchema } from '../../../lib/crm/rules/schema';
import { LeadSchema } from '../../../lib/messages';

const page = (html: string) => new DOMParser().parseFromString(html, 'text/html');

const DASH = 'https://app.saleschat.pro/app';
const CHAT_URL = new URL(`${DASH}/chatrooms/cr_1`);

function dashboardProfile(dashboardUrl = DASH, template = CONFIG_DEFAULTS.chatroomUrlTemplate): CompiledProfile {
  const pattern = chatroomPagePattern(dashboardUrl, template);
  if (!pattern) throw new Error('no chatroom pattern');
  const profile = compileRule(saleschatDashboardRule(pattern), 'built-in');
  if ('error' in profile) throw new Error(profile.error);
  return profile;
}

/** The sandbox dashboard's chatroom page (sandbox/dashboard.ts chatroomPage / contactPanel), reduced to its markup. */
const SANDBOX_CHATROOM = `<header class="sc-top"><a href="/app/">Saleschat (sandbox)</a><p id="logged-in-as" data-user-id="u_alice">Logged in as alice@example.com</p></header>
<main class="sc-chat"><nav class="sc-crumbs"><a id="back-to-chatrooms" href="/app/">← All chatrooms</a></nav>
<div class="sc-console">
<section class="sc-thread" aria-label="Conversation">
  <header class="sc-thread-head">
    <h1 id="chatroom-name" data-chatroom-id="cr_1">Ada Lovelace</h1>
    <p id="assigned-to" data-user-id="u_alice">Assigned to Alice Agent (alice@example.com)</p>
  </header>
  <ol id="chatroom-messages" class="sc-messages"><li class="muted">Messages would appear here.</li></ol>
  <div class="sc-composer"><input type="text" disabled aria-label="Message" placeholder="Type a message"><button type="button" disabled>Send</button></div>
</section>
<aside id="chatroom-contact-panel" class="sc-contact-panel" aria-label="Contact" data-contact-id="c_1">
  <h2>Contact</h2>
  <dl>
    <dt>CRM id</dt><dd><a id="chatroom-contact" href="/app/contacts/c_1">demo:crm.example.com:L-1</a></dd>
    <dt>Name</dt><dd id="chatroom-contact-name">Ada Lovelace</dd>
    <dt>Phone</dt><dd id="chatroom-contact-phone">+14155550132</dd>
    <dt>E-mail</dt><dd id="chatroom-contact-email">ada@example.com</dd>
    <dt>Stage</dt><dd id="chatroom-contact-stage">Qualified</dd>
    <dt>Created</dt><dd>2026-11-22T10:00:00.000Z</dd>
  </dl>
</aside>
</div></main>`;

/** Another chat console: the same facts under visible labels only, no ids. */
const LABELS_ONLY = `<main><section><h1>Grace Hopper</h1></section>
<aside aria-label="Contact"><h2>Contact</h2>
  <dl>
    <dt>Name</dt><dd>Grace Hopper</dd>
    <dt>Phone:</dt><dd>+44 20 7946 0018</dd>
    <dt>E-mail</dt><dd>grace@example.com</dd>
    <dt>CRM ID</dt><dd>acme:L-7</dd>
  </dl>
</aside></main>`;

describe('chatroomPagePattern', () => {
  it('the default chatroom URL template under the dashboard URL, {CHATROOM_ID} as the record id', () => {
    expect(chatroomPagePattern(DASH, CONFIG_DEFAULTS.chatroomUrlTemplate)).toBe('https://app.saleschat.pro/app/chatrooms/:id');
    expect(chatroomPagePattern(`${DASH}/`, CONFIG_DEFAULTS.chatroomUrlTemplate)).toBe('https://app.saleschat.pro/app/chatrooms/:id');
    expect(chatroomPagePattern('http://127.0.0.1:4010/app', CONFIG_DEFAULTS.chatroomUrlTemplate)).toBe('http://127.0.0.1:4010/app/chatrooms/:id');
  });

  it('names the other template variables as URL parts', () => {
    expect(chatroomPagePattern(DASH, '{DASHBOARD_URL}/c/{CONTACT_ID}/rooms/{CHATROOM_ID}?crm={CRM_ID}')).toBe(
      'https://app.saleschat.pro/app/c/:contactId/rooms/:id?crm=:crmId',
    );
  });

  it('none when the template names no chatroom id', () => {
    expect(chatroomPagePattern(DASH, '{DASHBOARD_URL}/contacts/{CONTACT_ID}')).toBeUndefined();
  });
});

describe('the built-in Saleschat dashboard rule', () => {
  it('is a valid admin rule (an admin can start a dashboardRule from it)', () => {
    const rule = saleschatDashboardRule('https://app.saleschat.pro/app/chatrooms/:id');
    expect(CrmRuleSchema.safeParse(rule).error?.issues).toBeUndefined();
    expect(ConfigSchema.shape.dashboardRule.safeParse(rule).success).toBe(true);
    expect(rule.id).toBe(DASHBOARD_PROFILE_ID);
    expect(rule.extraFields).toHaveProperty([CRM_ID_FIELD]);
  });

  it('matches chatroom pages only, the chatroom id as record id', () => {
    const profile = dashboardProfile();
    expect(chatroomIdOf(profile, `${DASH}/chatrooms/cr_1`)).toBe('cr_1');
    expect(chatroomIdOf(profile, `${DASH}/chatrooms/cr_1/`)).toBe('cr_1');
    expect(chatroomIdOf(profile, `${DASH}/chatrooms/cr_1?tab=notes#m3`)).toBe('cr_1');
    for (const url of [`${DASH}/`, `${DASH}/chatrooms`, `${DASH}/contacts/c_1`, `${DASH}/chatrooms/cr_1/edit`, 'https://evil.example/app/chatrooms/cr_1', 'not a url']) {
      expect(chatroomIdOf(profile, url), url).toBeUndefined();
    }
  });

  it('keeps the dashboard’s port: a chatroom page on another port is not the dashboard’s', () => {
    const profile = dashboardProfile('http://127.0.0.1:4010/app');
    expect(chatroomIdOf(profile, 'http://127.0.0.1:4010/app/chatrooms/cr_1')).toBe('cr_1');
    expect(chatroomIdOf(profile, 'http://127.0.0.1:4011/app/chatrooms/cr_1')).toBeUndefined();
  });

  it('follows a custom chatroom URL template', () => {
    const profile = dashboardProfile(DASH, '{DASHBOARD_URL}/inbox?room={CHATROOM_ID}');
    expect(chatroomIdOf(profile, `${DASH}/inbox?room=cr_9`)).toBe('cr_9');
    expect(chatroomIdOf(profile, `${DASH}/inbox`)).toBeUndefined();
  });

  it('reads the sandbox dashboard’s chatroom page by its ids: name, phone, e-mail, and the contact’s crm_id as "CRM id"', () => {
    const reading = dashboardProfile().readLead(page(SANDBOX_CHATROOM), CHAT_URL);
    expect(reading).toEqual({
      lead: {
        profileId: 'saleschat-dashboard',
        profileLabel: 'Saleschat dashboard',
        crmId: 'saleschat-dashboard:app.saleschat.pro:cr_1',
        recordId: 'cr_1',
        pageUrl: CHAT_URL.href,
        firstName: 'Ada',
        lastName: 'Lovelace',
        phone: '+14155550132',
        phones: [{ number: '+14155550132' }],
        email: 'ada@example.com',
        extra: [{ label: CRM_ID_FIELD, value: 'demo:crm.example.com:L-1' }],
      },
    });
    if ('lead' in reading) expect(LeadSchema.safeParse(reading.lead).success).toBe(true);
  });

  it('reads a console without those ids by its visible labels ("Phone", "E-mail", "CRM ID")', () => {
    const reading = dashboardProfile().readLead(page(LABELS_ONLY), CHAT_URL);
    expect(reading).toEqual({
      lead: {
        profileId: 'saleschat-dashboard',
        profileLabel: 'Saleschat dashboard',
        crmId: 'saleschat-dashboard:app.saleschat.pro:cr_1',
        recordId: 'cr_1',
        pageUrl: CHAT_URL.href,
        firstName: 'Grace',
        lastName: 'Hopper',
        phone: '+44 20 7946 0018',
        phones: [{ number: '+44 20 7946 0018', label: 'Phone' }],
        email: 'grace@example.com',
        extra: [{ label: CRM_ID_FIELD, value: 'acme:L-7' }],
      },
    });
  });

  it('an e-mail-only web chat: no phone, and still a reading (the rule requires nothing)', () => {
    const html = SANDBOX_CHATROOM.replace('<dt>Phone</dt><dd id="chatroom-contact-phone">+14155550132</dd>', '');
    const reading = dashboardProfile().readLead(page(html), CHAT_URL);
    expect(reading).toMatchObject({ lead: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' } });
    expect(reading).not.toHaveProperty('lead.phone');
    expect(reading).not.toHaveProperty('lead.phones');
  });

  it('a page that shows nothing of the contact: only the chatroom, no extra fields', () => {
    expect(dashboardProfile().readLead(page('<main><p>Loading…</p></main>'), CHAT_URL)).toEqual({
      lead: {
        profileId: 'saleschat-dashboard',
        profileLabel: 'Saleschat dashboard',
        crmId: 'saleschat-dashboard:app.saleschat.pro:cr_1',
        recordId: 'cr_1',
        pageUrl: CHAT_URL.href,
      },
    });
  });

  it('puts no buttons on the page: no anchor, no floating button', () => {
    const profile = dashboardProfile();
    expect(profile.floating).toBe(false);
    expect(profile.findAnchor(page(SANDBOX_CHATROOM))).toBeNull();
  });
});
