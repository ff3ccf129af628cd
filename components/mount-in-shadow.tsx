import { type ComponentChild, render } from 'preact';

/**
 * Closed in release builds, so a CRM page's scripts cannot reach into our UI: `host.shadowRoot` is null for
 * them, so they can neither read what it shows nor find its buttons to script them (the buttons also ignore
 * untrusted clicks). Only the dev-hosts TEST flavour (CCB_DEV_HOSTS=1, see wxt.config.ts, which defines
 * CCB_SHADOW_MODE) opens it, so that end-to-end automation (Playwright locators, the Firefox driver's `>>>`,
 * page-world reads of the toast) can see inside; test/e2e/release-build.spec.ts checks a release build is
 * closed. Anything but an explicit 'open' (e.g. unit tests, where nothing defines it) means closed.
 */
export const SHADOW_MODE: ShadowRootMode = import.meta.env.CCB_SHADOW_MODE === 'open' ? 'open' : 'closed';

/**
 * The host's reset, ahead of the UI's own CSS. In the cascade an !important declaration from inside a shadow
 * tree beats the page's !important ones (rules and `style` attribute alike; checked in Chromium and Firefox), so
 * the page cannot make our host transparent, hidden, clipped, transformed, filtered, click-through or moved, nor
 * draw over it with `crm-chat-bridge::after`. `all` covers every property; the explicit ones say what matters.
 * Without !important the page's important rules win (the clickjacking this closes). A normal `:host`
 * declaration in the UI's CSS loses to this too: theirs must be !important as well. What the page still
 * controls (the host's ancestors, what lies over it) is checked on click: visible-click.ts.
 */
export const SHADOW_HOST_RESET = `:host { all: initial !important; opacity: 1 !important; visibility: visible !important;
  pointer-events: auto !important; position: static !important; filter: none !important; transform: none !important;
  clip-path: none !important; content-visibility: visible !important; }
:host::before, :host::after { content: none !important; display: none !important; }
`;

/**
 * Renders Preact UI inside a shadow root on a custom-named host element (the Hypothesis client's
 * preact-container pattern): the CRM's CSS cannot restyle it and our CSS cannot leak into the CRM.
 * `destroy` renders null first so Preact unmounts cleanly before the host goes.
 *
 * Not WXT's createShadowRootUi: it is async (the lead watcher creates and places the host synchronously,
 * lib/crm/watch/page-session.ts), brings its own placement (anchor/append/autoMount) where ours moves one host
 * between anchors, wraps the UI in a shadow <html><body> with the UA's body margin, and its reset is only
 * `:host{all:initial !important}`, which alone also wipes our own normal `:host` styles. It would add
 * @webext-core/isolated-element to the content script for none of that.
 */
export function mountInShadow(tagName: string, css: string, ui: ComponentChild): { host: HTMLElement; destroy(): void } {
  const host = document.createElement(tagName);
  const shadow = host.attachShadow({ mode: SHADOW_MODE });
  const style = document.createElement('style');
  style.textContent = SHADOW_HOST_RESET + css;
  const container = document.createElement('div');
  shadow.append(style, container);
  render(ui, container);
  return {
    host,
    destroy() {
      render(null, container);
      host.remove();
    },
  };
}
