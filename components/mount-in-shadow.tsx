import { type ComponentChild, render } from 'preact';

/**
 * Renders Preact UI inside a shadow root on a custom-named host element (the Hypothesis client's
 * preact-container pattern): the CRM's CSS cannot restyle it and our CSS cannot leak into the CRM.
 * `destroy` renders null first so Preact unmounts cleanly before the host goes.
 */
export function mountInShadow(tagName: string, css: string, ui: ComponentChild): { host: HTMLElement; destroy(): void } {
  const host = document.createElement(tagName);
  const shadow = host.attachShadow({ mode: 'open' });
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
