/**
 * The builder's pick mode: the element under the pointer is outlined, and the admin's next click on the page
 * picks it instead of doing what the CRM would do (follow a link, open a dialog). Clicks on our own UI pass
 * through; Escape cancels. Only trusted events count: a page script cannot pick for the admin.
 */

const BLOCKED = ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'dblclick', 'auxclick', 'contextmenu'] as const;

export interface PickOptions {
  /** Our UI's host: events inside it are left alone. */
  host: Element;
  /** Drawn over the element under the pointer (fixed position, pointer-events none), inside our shadow root. */
  outline: HTMLElement;
  signal: AbortSignal;
}

/** Resolves with the picked element, or null when the admin pressed Escape or the signal aborted. */
export function pickElement({ host, outline, signal }: PickOptions): Promise<Element | null> {
  return new Promise((resolve) => {
    const done = new AbortController();
    const finish = (element: Element | null) => {
      done.abort();
      outline.hidden = true;
      resolve(element);
    };
    const listen = { capture: true, signal: AbortSignal.any([signal, done.signal]) };
    signal.addEventListener('abort', () => finish(null), { once: true, signal: done.signal });
    window.addEventListener('pointermove', (event) => show(outline, pageTarget(event, host)), listen);
    for (const type of BLOCKED) window.addEventListener(type, (event) => pageTarget(event, host) && stop(event), listen);
    window.addEventListener(
      'click',
      (event) => {
        const target = pageTarget(event, host);
        if (!target || !event.isTrusted) return;
        stop(event);
        finish(target);
      },
      listen,
    );
    window.addEventListener(
      'keydown',
      (event) => {
        if (event.key !== 'Escape' || !event.isTrusted) return;
        stop(event);
        finish(null);
      },
      listen,
    );
  });
}

/** The page element an event is about (inside open shadow roots too), or null for our own UI. */
function pageTarget(event: Event, host: Element): Element | null {
  const [first] = event.composedPath();
  if (!(first instanceof Element) || first === host || host.contains(first) || event.composedPath().includes(host)) return null;
  return first;
}

function stop(event: Event): void {
  event.preventDefault();
  event.stopImmediatePropagation();
}

function show(outline: HTMLElement, target: Element | null): void {
  if (!target) {
    outline.hidden = true;
    return;
  }
  const box = target.getBoundingClientRect();
  Object.assign(outline.style, { top: `${box.top}px`, left: `${box.left}px`, width: `${box.width}px`, height: `${box.height}px` });
  outline.hidden = false;
}
