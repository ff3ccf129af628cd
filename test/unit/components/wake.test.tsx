// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeadActions, WAKE_INTERVAL_MS, workerWaker } from '../../../components/LeadActions';
import { onMessage, sendMessage } from '../../../lib/messaging';

// The page's waker as the content script builds it (entrypoints/crm.content/index.tsx), sending through the real
// message channel to fakeBrowser's runtime, where a wakeUp handler counts what arrives.

const refused = () => Promise.reject(new Error('not in this test'));

let container: HTMLElement;
let wakesReceived: number;
let removeHandler: () => void;
let visibility: DocumentVisibilityState;

/** Lets the message channel deliver (it hops through several promises), on a timer the fake clock leaves real. */
const delivered = () => new Promise((resolve) => setImmediate(resolve));

function mount(wake: () => void): HTMLElement {
  act(() => render(<LeadActions readLead={refused} openChat={refused} login={refused} wake={wake} />, container));
  return container.querySelector('.ccb') as HTMLElement;
}

const pageWaker = () => workerWaker(() => sendMessage('wakeUp', undefined));

beforeEach(() => {
  // Date only: the throttle reads the clock; Preact's effects and the channel's delivery keep their real timers.
  vi.useFakeTimers({ toFake: ['Date'] });
  container = document.createElement('div');
  document.body.append(container);
  wakesReceived = 0;
  removeHandler = onMessage('wakeUp', () => {
    wakesReceived += 1;
  });
  visibility = 'visible';
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
});

afterEach(() => {
  act(() => render(null, container));
  container.remove();
  removeHandler();
  vi.useRealTimers();
});

describe('waking the worker before a click: at most one message per 20 s per page', () => {
  it('a pointer sweeping over the buttons again and again sends one wakeUp; the next after 20 s', async () => {
    const root = mount(pageWaker());
    for (let sweep = 0; sweep < 5; sweep++) {
      root.dispatchEvent(new Event('pointerenter'));
      vi.advanceTimersByTime(3_000);
    }
    await delivered();
    expect(wakesReceived).toBe(1);

    vi.advanceTimersByTime(WAKE_INTERVAL_MS - 15_000 - 1); // 19.999 s after the first
    root.dispatchEvent(new Event('pointerenter'));
    await delivered();
    expect(wakesReceived).toBe(1);

    vi.advanceTimersByTime(1);
    root.dispatchEvent(new Event('pointerenter'));
    await delivered();
    expect(WAKE_INTERVAL_MS).toBe(20_000);
    expect(wakesReceived).toBe(2);
  });

  it('keyboard focus on a button wakes too, within the same throttle', async () => {
    const root = mount(pageWaker());
    (root.querySelector('[data-ccb="chat"]') as HTMLButtonElement).focus();
    await delivered();
    expect(wakesReceived).toBe(1);
    root.dispatchEvent(new Event('pointerenter'));
    await delivered();
    expect(wakesReceived).toBe(1);
  });

  it('the throttle is the page’s: the buttons of the next record shown do not wake again within 20 s', async () => {
    const wake = pageWaker();
    mount(wake).dispatchEvent(new Event('pointerenter'));
    act(() => render(null, container));
    mount(wake).dispatchEvent(new Event('pointerenter'));
    await delivered();
    expect(wakesReceived).toBe(1);
  });
});

describe('waking the worker when the tab comes back into view', () => {
  it('wakes when the tab becomes visible, not when it is hidden', async () => {
    mount(pageWaker());
    visibility = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
    await delivered();
    expect(wakesReceived).toBe(0);

    visibility = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
    await delivered();
    expect(wakesReceived).toBe(1);
  });

  it('not once the buttons are gone (the page no longer shows a lead)', async () => {
    mount(pageWaker());
    act(() => render(null, container));
    document.dispatchEvent(new Event('visibilitychange'));
    await delivered();
    expect(wakesReceived).toBe(0);
  });
});

describe('waking the worker when the pointer moves on a lead page (on its way to Chat)', () => {
  it('a pointer moving anywhere on the page wakes once per 20 s, however many moves', async () => {
    mount(pageWaker());
    for (let move = 0; move < 50; move++) {
      document.body.dispatchEvent(new Event('pointermove', { bubbles: true }));
      vi.advanceTimersByTime(100);
    }
    await delivered();
    expect(wakesReceived).toBe(1);
    vi.advanceTimersByTime(WAKE_INTERVAL_MS);
    document.body.dispatchEvent(new Event('pointermove', { bubbles: true }));
    await delivered();
    expect(wakesReceived).toBe(2);
  });

  it('not once the buttons are gone (a page without a lead sends nothing however the pointer moves)', async () => {
    mount(pageWaker());
    act(() => render(null, container));
    document.body.dispatchEvent(new Event('pointermove', { bubbles: true }));
    await delivered();
    expect(wakesReceived).toBe(0);
  });
});

describe('a wake is best effort', () => {
  it('a refused or failed wake is swallowed: no toast, no unhandled rejection, and the throttle still holds', async () => {
    const send = vi.fn(() => Promise.reject(Object.assign(new Error('refused'), { name: 'UntrustedSenderError' })));
    const root = mount(workerWaker(send));
    root.dispatchEvent(new Event('pointerenter'));
    root.dispatchEvent(new Event('pointerenter'));
    await delivered();
    expect(send).toHaveBeenCalledTimes(1);
    expect(container.querySelector('[data-ccb="toast"]')).toBeNull();
  });
});
