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
 * Renders Preact UI inside a shadow root on a custom-named host element (the Hypothesis client's
 * preact-container pattern): the CRM's CSS cannot restyle it and our CSS cannot leak into the CRM.
 * `destroy` renders null first so Preact unmounts cleanly before the host goes.
 */
export function mountInShadow(tagName: string, css: string, ui: ComponentChild): { host: HTMLElement; destroy(): void } {
  const host = document.createElement(tagName);
  const shadow = host.attachShadow({ mode: SHADOW_MODE });
  const style = document.createElement('style');
  style.textContent = css;
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
