// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchLeadPages } from '../../../../lib/crm/lead-watcher';
import { compileRules } from '../../../../lib/crm/rules/engine';
import { MOVED_ON, STILL_LOADING } from '../../../../lib/crm/watch/page-session';
import type { LeadReading } from '../../../../lib/crm/profile';

/**
 * The watcher in a DOM, driven the way a client-side router drives a page: the address changes first
 * (history.pushState), the record renders later. happy-dom has no Navigation API, so this also covers the
 * fallback that notices the address change through the DOM changes a router makes.
 */

const rule = (extra: object = {}) => ({
  name: 'Orbit',
  id: 'orbit',
  url: 'http://localhost/spa-crm/:tenant/leads/:id',
  scope: 'main#record',
  require: ['phone'],
  fields: { tenant: { url: 'tenant' }, firstName: { selector: '.first' }, lastName: { selector: '.last' }, phones: { selector: '.phone' } },
  anchor: { selector: '.actions', position: 'append' },
  floating: false,
  settleMs: 60,
  ...extra,
});

const recordHtml = (id: string, first: string, phone: string) =>
  `<main id="record" data-record-id="${id}"><h1><span class="first">${first}</span> <span class="last">Example</span></h1><div class="actions"></div><p class="phone">${phone}</p></main>`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Mounted {
  sources: { readForClick(): Promise<LeadReading> }[];
  destroyed: number;
}

function start(rules: object[], mounted: Mounted, clickWaitMs = 500) {
  const controller = new AbortController();
  const { profiles, problems } = compileRules(rules, 'rule');
  expect(problems).toEqual([]);
  const watcher = watchLeadPages({
    profiles,
    signal: controller.signal,
    clickWaitMs,
    createUi: (source) => {
      mounted.sources.push(source);
      const host = document.createElement('crm-chat-bridge');
      return {
        host,
        destroy: () => {
          mounted.destroyed += 1;
          host.remove();
        },
      };
    },
  });
  return { watcher, stop: () => controller.abort() };
}

const navigate = (path: string) => history.pushState({}, '', path);
const render = (html: string) => {
  document.body.innerHTML = html;
};
const leadOf = (reading: LeadReading) => ('lead' in reading ? reading.lead : reading);
/** The buttons' lead source of the nth record page (negative: from the end). */
function source(mounted: Mounted, index: number) {
  const found = mounted.sources.at(index);
  if (!found) throw new Error(`no record page ${index} was mounted`);
  return found;
}

describe('the lead watcher on a client-side-routed CRM', () => {
  let mounted: Mounted;
  let stop = () => {};
  beforeEach(() => {
    mounted = { sources: [], destroyed: 0 };
    navigate('/spa-crm/acme/leads');
    render('<main id="list"><a href="/spa-crm/acme/leads/1">Ada</a></main>');
  });
  afterEach(() => stop());

  it('entered from the list: the record renders after the address changed; one set of buttons; the click reads that record', async () => {
    ({ stop } = start([rule()], mounted));
    expect(document.querySelectorAll('crm-chat-bridge')).toHaveLength(0);
    navigate('/spa-crm/acme/leads/1');
    render('<main id="loading">Loading…</main>');
    await sleep(30);
    render(recordHtml('1', 'Ada', '+1 415 555 0101'));
    await sleep(20);
    expect(document.querySelectorAll('.actions > crm-chat-bridge')).toHaveLength(1);
    expect(mounted.sources).toHaveLength(1);
    expect(leadOf(await source(mounted, 0).readForClick())).toMatchObject({ crmId: 'orbit:acme:1', recordId: '1', firstName: 'Ada', phone: '+1 415 555 0101', pageUrl: 'http://localhost:3000/spa-crm/acme/leads/1' });
  });

  /**
   * Loaded on record 1 (the document's first page), then the router moves to record 2 and renders nothing yet:
   * record 1 is what the page shows. Returns the new record page's lead source.
   */
  async function routerMovesToTwoBeforeRendering(rules: object[], clickWaitMs?: number) {
    navigate('/spa-crm/acme/leads/1');
    render(recordHtml('1', 'Ada', '+1 415 555 0101'));
    ({ stop } = start(rules, mounted, clickWaitMs));
    await sleep(10);
    navigate('/spa-crm/acme/leads/2');
    document.querySelector('#record')?.append(document.createComment('router busy'));
    await sleep(0); // without the Navigation API the watcher notices the new address with the next DOM change
    expect(mounted.sources).toHaveLength(2);
    return source(mounted, -1);
  }

  it('the old record stays on screen after the address changed: a click waits, then sends the new record, never a mix', async () => {
    const clicked = (await routerMovesToTwoBeforeRendering([rule()])).readForClick();
    // The router renders record 2 150 ms later, in place.
    setTimeout(() => {
      const set = (selector: string, text: string) => {
        const element = document.querySelector(selector);
        if (element) element.textContent = text;
      };
      set('.first', 'Grace');
      set('.phone', '+1 415 555 0202');
      document.querySelector('#record')?.setAttribute('data-record-id', '2');
    }, 150);
    expect(leadOf(await clicked)).toMatchObject({ crmId: 'orbit:acme:2', firstName: 'Grace', phone: '+1 415 555 0202' });
  });

  it('a record that never finishes loading: the click says so instead of sending what is on screen', async () => {
    expect(await (await routerMovesToTwoBeforeRendering([rule()], 300)).readForClick()).toEqual({ reason: STILL_LOADING });
  });

  it('with shownRecordId, the page’s own id decides at once: a mismatch waits, a match goes', async () => {
    // A settle time longer than the click's wait: only the shown id can prove record 2 in time.
    const withShownId = rule({ settleMs: 5000, fields: { ...rule().fields, shownRecordId: { selector: ':scope', attribute: 'data-record-id' } } });
    const clicked = (await routerMovesToTwoBeforeRendering([withShownId], 2000)).readForClick();
    setTimeout(() => render(recordHtml('2', 'Grace', '+1 415 555 0202')), 100);
    expect(leadOf(await clicked)).toMatchObject({ crmId: 'orbit:acme:2', firstName: 'Grace' });
  });

  it('each record gets its own buttons; the old ones are destroyed and their click reads nothing', async () => {
    navigate('/spa-crm/acme/leads/1');
    render(recordHtml('1', 'Ada', '+1 415 555 0101'));
    ({ stop } = start([rule()], mounted));
    await sleep(10);
    const first = source(mounted, 0);
    navigate('/spa-crm/acme/leads/2');
    render(recordHtml('2', 'Grace', '+1 415 555 0202'));
    await sleep(100);
    expect(mounted.destroyed).toBe(1);
    expect(mounted.sources).toHaveLength(2);
    expect(document.querySelectorAll('crm-chat-bridge')).toHaveLength(1);
    expect(await first.readForClick()).toEqual({ reason: MOVED_ON });
  });

  it('another address of the same record (a hash, a query the rule does not name) keeps the session and its buttons', async () => {
    navigate('/spa-crm/acme/leads/1');
    render(recordHtml('1', 'Ada', '+1 415 555 0101'));
    ({ stop } = start([rule()], mounted));
    await sleep(10);
    navigate('/spa-crm/acme/leads/1?tab=activity#notes');
    document.body.append(document.createElement('aside'));
    await sleep(20);
    expect(mounted.sources).toHaveLength(1);
    expect(mounted.destroyed).toBe(0);
  });

  it('the diagnostics name the full address tested (query and hash) and what each rule applies to', () => {
    navigate('/spa-crm/acme/leads?page=2#top');
    const { watcher, stop: end } = start([rule()], mounted);
    stop = end;
    expect(watcher.status()).toEqual({
      detected: false,
      url: 'http://localhost:3000/spa-crm/acme/leads?page=2#top',
      reasons: [
        'No CRM profile or rule applies to http://localhost:3000/spa-crm/acme/leads?page=2#top',
        "rule 'Orbit' applies to http://localhost/spa-crm/:tenant/leads/:id, not to this address",
      ],
    });
  });

  it('a record address whose record does not exist: no buttons, and the reason', async () => {
    navigate('/spa-crm/acme/leads/99999');
    render('<main id="not-found"><h1>Lead 99999 not found</h1></main>');
    const { watcher, stop: end } = start([rule()], mounted);
    stop = end;
    await sleep(10);
    expect(document.querySelectorAll('crm-chat-bridge')).toHaveLength(0);
    expect(watcher.status()).toMatchObject({ detected: false, reasons: ["rule 'Orbit' matched the URL; record container `main#record` not found"] });
  });
});

describe('the lead watcher on a busy page, once its buttons are placed and the record proven', () => {
  let mounted: Mounted;
  let stop = () => {};
  let callbacks = 0;
  const Original = globalThis.MutationObserver;
  beforeEach(() => {
    mounted = { sources: [], destroyed: 0 };
    callbacks = 0;
    // Every observer's callbacks counted; with a Navigation API the address watcher needs none, so every
    // callback is the record page's.
    globalThis.MutationObserver = class extends Original {
      constructor(callback: MutationCallback) {
        super((records, observer) => {
          callbacks += 1;
          callback(records, observer);
        });
      }
    };
    (window as unknown as { navigation?: EventTarget }).navigation = new EventTarget();
    navigate('/spa-crm/acme/leads/1');
    render(`<section id="page">${recordHtml('1', 'Ada', '+1 415 555 0101')}</section><ul id="feed"></ul>`);
  });
  afterEach(() => {
    stop();
    globalThis.MutationObserver = Original;
    delete (window as unknown as { navigation?: EventTarget }).navigation;
  });

  it('changes outside the way down to the buttons (a live feed, the record’s own text) cost no callback', async () => {
    ({ stop } = start([rule()], mounted));
    await sleep(10);
    expect(document.querySelectorAll('.actions > crm-chat-bridge')).toHaveLength(1);
    const before = callbacks;
    const feed = document.querySelector('#feed') as HTMLElement;
    for (let batch = 0; batch < 20; batch++) {
      feed.append(document.createElement('li'));
      feed.firstElementChild?.remove();
      (document.querySelector('.phone') as HTMLElement).textContent = `+1 415 555 01${10 + batch}`;
      await sleep(0);
    }
    expect(callbacks - before).toBe(0);
  });

  it('the anchor re-rendered, or the record replaced from an ancestor it was moved into: the buttons follow, once', async () => {
    ({ stop } = start([rule()], mounted));
    await sleep(10);
    // The toolbar re-rendered: a new anchor element in the same place.
    document.querySelector('.actions')?.replaceWith(Object.assign(document.createElement('div'), { className: 'actions' }));
    await sleep(20);
    expect(document.querySelectorAll('.actions > crm-chat-bridge')).toHaveLength(1);
    // The record moved into a new container (the buttons stay in place), then that container's content replaced:
    // only the way down from the new container sees it.
    const container = document.createElement('div');
    document.body.prepend(container);
    container.append(document.querySelector('#record') as HTMLElement);
    await sleep(20);
    container.innerHTML = recordHtml('1', 'Ada', '+1 415 555 0101');
    await sleep(20);
    expect(document.querySelectorAll('crm-chat-bridge')).toHaveLength(1);
    expect(container.querySelectorAll('.actions > crm-chat-bridge')).toHaveLength(1);
    expect(mounted.sources).toHaveLength(1);
  });
});
