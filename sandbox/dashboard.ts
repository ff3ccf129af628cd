import { htmlReply, parseCookies, type Reply } from './http';
import { html, page, type SafeHtml } from './html';
import { type ChatroomRecord, type ContactRecord, newSecret, type Store, type UserRecord } from './store';

/**
 * The provider's web dashboard, reduced to what end-to-end tests look at: who is logged in (via a magic
 * link) and which chatroom is open. Stable ids (#logged-in-as, #chatroom-name, #assigned-to, and the
 * contact's #chatroom-contact-name / -phone / -email / -stage / -disposition) are the contract with those tests
 * and with the extension's dashboard rule, which reads the contact from them; the console look around them is not.
 */

export const SESSION_COOKIE = 'sc_session';

export interface DashboardRequest {
  method: string;
  path: string;
  cookie: string | undefined;
}

export interface DashboardDeps {
  store: Store;
  now: number;
}

const CSS = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1d2733; }
header.sc-top { display: flex; justify-content: space-between; align-items: center; padding: 10px 24px;
  background: #075e54; color: #fff; }
header.sc-top a { color: #fff; text-decoration: none; font-weight: 600; }
header.sc-top p { margin: 0; }
main { max-width: 760px; margin: 24px auto; background: #fff; padding: 24px; border-radius: 8px;
  box-shadow: 0 1px 3px rgba(0,0,0,.12); }
ul.chatrooms { padding-left: 18px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dt { color: #5b6b7b; }
dd { margin: 0; }
.muted { color: #5b6b7b; }
nav.sc-crumbs { margin-bottom: 12px; font-size: 14px; }
nav.sc-crumbs a { color: #075e54; }
main.sc-chat { max-width: 1040px; padding: 0; overflow: hidden; }
main.sc-chat nav.sc-crumbs { margin: 0; padding: 10px 20px; border-bottom: 1px solid #e3e8ee; }
.sc-console { display: grid; grid-template-columns: 1fr 300px; min-height: 440px; }
.sc-thread { display: flex; flex-direction: column; border-right: 1px solid #e3e8ee; }
.sc-thread-head { padding: 14px 20px; border-bottom: 1px solid #e3e8ee; }
.sc-thread-head h1 { margin: 0; font-size: 20px; }
.sc-thread-head p { margin: 2px 0 0; color: #5b6b7b; font-size: 13px; }
.sc-messages { flex: 1; list-style: none; margin: 0; padding: 20px; background: #ece5dd; }
.sc-composer { display: flex; gap: 8px; padding: 12px 20px; border-top: 1px solid #e3e8ee; }
.sc-composer input { flex: 1; padding: 8px 12px; border: 1px solid #c9d2dc; border-radius: 18px; font: inherit; }
.sc-composer button { padding: 8px 16px; border: 0; border-radius: 18px; background: #075e54; color: #fff; font: inherit; }
.sc-contact-panel { padding: 14px 20px; background: #fafbfc; }
.sc-contact-panel h2 { margin: 0 0 4px; font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: #5b6b7b; }
.sc-contact-panel dl { grid-template-columns: 1fr; gap: 0; }
.sc-contact-panel dt { margin-top: 10px; font-size: 12px; }
.sc-contact-panel dd { overflow-wrap: anywhere; }
.sc-contact-panel a { color: #075e54; }
@media (max-width: 760px) { .sc-console { grid-template-columns: 1fr; } .sc-thread { border-right: 0; } }
`;

export function handleDashboard(request: DashboardRequest, deps: DashboardDeps): Reply {
  const { store } = deps;
  const user = currentUser(request.cookie, store);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return notFound(user, `${request.method} is not supported here`);
  }
  const path = request.path;

  if (path === '/app' || path === '/app/') return home(user, store);
  if (path === '/app/logout') {
    const sessionId = parseCookies(request.cookie)[SESSION_COOKIE];
    store.data.sessions = store.data.sessions.filter((session) => session.id !== sessionId);
    store.save();
    return redirect('/app/', `${SESSION_COOKIE}=; Path=/app; HttpOnly; SameSite=Lax; Max-Age=0`);
  }

  const [, section, rawId] = /^\/app\/(magic|chatrooms|contacts)\/([^/]+)$/.exec(path) ?? [];
  const id = rawId === undefined ? undefined : safeDecode(rawId);
  if (section === undefined || id === undefined) return notFound(user, 'No such page');

  if (section === 'magic') return magicLogin(id, deps);
  if (section === 'chatrooms') return chatroomPage(id, user, store);
  return contactPage(id, user, store);
}

function magicLogin(token: string, { store, now }: DashboardDeps): Reply {
  const link = store.data.magicLinks.find((candidate) => candidate.token === token);
  const user = link && link.expires_at > now ? store.user(link.org_id, link.user_id) : undefined;
  if (!user) {
    return htmlReply(
      layout(
        'Login link invalid',
        undefined,
        html`<h1>Login failed</h1><p id="login-error">This login link has expired or is invalid</p>`,
      ),
      401,
    );
  }
  const session = { id: newSecret(), user_id: user.id, created_at: new Date(now).toISOString() };
  store.data.sessions.push(session);
  store.save();
  return redirect('/app/', `${SESSION_COOKIE}=${session.id}; Path=/app; HttpOnly; SameSite=Lax`);
}

function home(user: UserRecord | undefined, store: Store): Reply {
  if (!user) {
    const hint = html`<h1>Saleschat</h1><p class="muted">Open a login link to sign in.</p>`;
    return htmlReply(layout('Saleschat', undefined, hint));
  }
  const rooms = store.data.chatrooms.filter((room) => room.assigned_user_id === user.id);
  const list = rooms.length
    ? html`<ul class="chatrooms" id="chatroom-list">${rooms.map(
        (room) => html`<li><a href="/app/chatrooms/${encodeURIComponent(room.id)}" data-chatroom-id="${room.id}">${room.name}</a></li>`,
      )}</ul>`
    : html`<p class="muted" id="no-chatrooms">No chatrooms assigned yet.</p>`;
  return htmlReply(layout('Saleschat', user, html`<h1>Chatrooms</h1>${list}`));
}

function chatroomPage(id: string, user: UserRecord | undefined, store: Store): Reply {
  const room = store.chatroomById(id);
  if (!room) return notFound(user, `Chatroom ${id} not found`);
  const assignee = store.userById(room.assigned_user_id);
  const body = html`${backLink()}
<div class="sc-console">
<section class="sc-thread" aria-label="Conversation">
  <header class="sc-thread-head">
    <h1 id="chatroom-name" data-chatroom-id="${room.id}">${room.name}</h1>
    <p id="assigned-to" data-user-id="${room.assigned_user_id}">Assigned to ${assignee ? `${assignee.first_name} ${assignee.last_name} (${assignee.email})` : room.assigned_user_id}</p>
  </header>
  <ol id="chatroom-messages" class="sc-messages"><li class="muted">Messages would appear here.</li></ol>
  <div class="sc-composer"><input type="text" disabled aria-label="Message" placeholder="Type a message"><button type="button" disabled>Send</button></div>
</section>
${contactPanel(room, store.contactById(room.contact_id))}
</div>`;
  return htmlReply(layout(`${room.name} – Saleschat`, user, body, 'sc-chat'));
}

/** The side panel a chat console shows next to the conversation: who the customer is, under visible labels. */
function contactPanel(room: ChatroomRecord, contact: ContactRecord | undefined): SafeHtml {
  return html`<aside id="chatroom-contact-panel" class="sc-contact-panel" aria-label="Contact" data-contact-id="${room.contact_id}">
  <h2>Contact</h2>
  <dl>
    <dt>CRM id</dt><dd><a id="chatroom-contact" href="/app/contacts/${encodeURIComponent(room.contact_id)}">${contact?.crm_id ?? room.contact_id}</a></dd>
    ${contact ? contactFacts(contact, 'chatroom-contact') : ''}
    <dt>Created</dt><dd>${room.created_at}</dd>
  </dl>
</aside>`;
}

function contactPage(id: string, user: UserRecord | undefined, store: Store): Reply {
  const contact = store.contactById(id);
  if (!contact) return notFound(user, `Contact ${id} not found`);
  const room = store.chatroomForContact(contact.id);
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(' ');
  const body = html`${backLink()}
<h1 id="contact-name" data-contact-id="${contact.id}">${name || contact.crm_id}</h1>
<dl>
  <dt>CRM id</dt><dd id="contact-crm-id">${contact.crm_id}</dd>
  ${contactFacts(contact, 'contact', false)}
  <dt>Opt-in</dt><dd>${contact.opt_in_date}</dd>
</dl>
${
  room
    ? html`<p>Chatroom: <a id="contact-chatroom" href="/app/chatrooms/${encodeURIComponent(room.id)}">${room.name}</a></p>`
    : html`<p id="contact-no-chatroom" class="muted">No chatroom yet</p>`
}`;
  return htmlReply(layout(`${name || contact.crm_id} – Saleschat`, user, body));
}

/**
 * Name, phone, e-mail, stage and disposition with ids `${prefix}-name`, `-phone`, `-email`, `-stage`,
 * `-disposition`. Name and stage are always there (empty when unset) so that a test can wait for their text;
 * phone, e-mail and disposition only when set (an e-mail-only web chat has no phone). The contact page leaves
 * the name out: its heading (#contact-name) is the name.
 */
function contactFacts(contact: ContactRecord, prefix: string, withName = true): SafeHtml {
  const name = [contact.first_name, contact.last_name].map((part) => (part ?? '').trim()).filter(Boolean).join(' ');
  return html`${withName ? html`<dt>Name</dt><dd id="${prefix}-name">${name}</dd>` : ''}
  ${contact.phone_number ? html`<dt>Phone</dt><dd id="${prefix}-phone">${contact.phone_number}</dd>` : ''}
  ${contact.email ? html`<dt>E-mail</dt><dd id="${prefix}-email">${contact.email}</dd>` : ''}
  <dt>Stage</dt><dd id="${prefix}-stage">${contact.stage ?? ''}</dd>
  ${contact.disposition ? html`<dt>Disposition</dt><dd id="${prefix}-disposition">${contact.disposition}</dd>` : ''}`;
}

function currentUser(cookieHeader: string | undefined, store: Store): UserRecord | undefined {
  const sessionId = parseCookies(cookieHeader)[SESSION_COOKIE];
  const session = sessionId ? store.session(sessionId) : undefined;
  return session ? store.userById(session.user_id) : undefined;
}

/** `mainClass`: the chatroom page's console is wider and draws its own padding. */
function layout(title: string, user: UserRecord | undefined, body: SafeHtml, mainClass?: string): string {
  const who = user
    ? html`<p id="logged-in-as" data-user-id="${user.id}">Logged in as ${user.email}</p>`
    : html`<p id="logged-in-as" data-user-id="">Not logged in</p>`;
  const main = mainClass ? html`<main class="${mainClass}">` : html`<main>`;
  return page(title, html`<header class="sc-top"><a href="/app/">Saleschat (sandbox)</a>${who}</header>
${main}${body}</main>`, CSS);
}

/** A plain link, not the header's logo, so that a test can navigate between dashboard pages by it. */
function backLink(): SafeHtml {
  return html`<nav class="sc-crumbs"><a id="back-to-chatrooms" href="/app/">← All chatrooms</a></nav>`;
}

function notFound(user: UserRecord | undefined, message: string): Reply {
  return htmlReply(layout('Not found – Saleschat', user, html`<h1>Not found</h1><p>${message}</p>`), 404);
}

function redirect(location: string, cookie: string): Reply {
  return { status: 302, text: '', headers: { location, 'set-cookie': cookie } };
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
