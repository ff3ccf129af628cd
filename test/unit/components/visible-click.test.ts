// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hiddenReason, hostOf, MIN_OPACITY, refuseHiddenClick } from '../../../components/visible-click';

// happy-dom does no layout: what the browser would answer (checkVisibility, elementFromPoint, client rects) is
// stubbed per test; computed styles (opacity, filter, content-visibility) are happy-dom's own, from inline styles.

const click = (init: MouseEventInit = { detail: 1, clientX: 10, clientY: 20 }) => new MouseEvent('click', init);

let toolbar: HTMLElement;
let host: HTMLElement;
let button: HTMLButtonElement;

beforeEach(() => {
  document.body.innerHTML = '<main><div class="quick-actions"></div></main>';
  toolbar = document.querySelector<HTMLElement>('.quick-actions') as HTMLElement;
  host = document.createElement('crm-chat-bridge');
  button = document.createElement('button');
  host.attachShadow({ mode: 'closed' }).append(button);
  toolbar.append(host);
  vi.spyOn(host, 'checkVisibility').mockReturnValue(true);
  vi.spyOn(document, 'elementFromPoint').mockReturnValue(host);
});

afterEach(() => vi.restoreAllMocks());

describe('hiddenReason: may a trusted click on our host act?', () => {
  it('a visibly rendered host, the click on it: yes, asking checkVisibility for opacity, visibility and content-visibility', () => {
    expect(hiddenReason(host, click())).toBeUndefined();
    expect(host.checkVisibility).toHaveBeenCalledWith(expect.objectContaining({ opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true }));
    // The names Chrome 105–120 knows (the manifest allows 116).
    expect(host.checkVisibility).toHaveBeenCalledWith(expect.objectContaining({ checkOpacity: true, checkVisibilityCSS: true }));
    expect(document.elementFromPoint).toHaveBeenCalledWith(10, 20);
  });

  it('not rendered (display none, visibility hidden, opacity 0, content-visibility skipped): no', () => {
    vi.mocked(host.checkVisibility).mockReturnValue(false);
    expect(hiddenReason(host, click())).toBe('not rendered');
  });

  it('an ancestor made almost transparent (checkVisibility only sees opacity 0): no', () => {
    toolbar.style.opacity = '0.3';
    expect(hiddenReason(host, click())).toBe('opacity 0.30');
  });

  it('opacity multiplies along the ancestors: 0.8 × 0.7 passes, 0.7 × 0.7 does not', () => {
    toolbar.style.opacity = '0.8';
    (toolbar.parentElement as HTMLElement).style.opacity = '0.7';
    expect(hiddenReason(host, click())).toBeUndefined();
    toolbar.style.opacity = '0.7';
    expect(0.7 * 0.7).toBeLessThan(MIN_OPACITY);
    expect(hiddenReason(host, click())).toBe('opacity 0.49');
  });

  it('filter: opacity() on an ancestor counts too, in numbers or percent', () => {
    toolbar.style.filter = 'blur(1px) opacity(20%)';
    expect(hiddenReason(host, click())).toBe('opacity 0.20');
    toolbar.style.filter = 'opacity(0.4)';
    expect(hiddenReason(host, click())).toBe('opacity 0.40');
    toolbar.style.filter = 'drop-shadow(0 0 2px black)';
    expect(hiddenReason(host, click())).toBeUndefined();
  });

  it('a page element at the click’s point (covering our host): no, naming it', () => {
    const cover = document.createElement('div');
    document.body.append(cover);
    vi.mocked(document.elementFromPoint).mockReturnValue(cover);
    expect(hiddenReason(host, click())).toBe("the click's point shows <div>");
    vi.mocked(document.elementFromPoint).mockReturnValue(null);
    expect(hiddenReason(host, click())).toBe("the click's point shows nothing");
  });

  it('keyboard activation (detail 0, no point): no hit test, the visibility checks still apply', () => {
    vi.mocked(document.elementFromPoint).mockReturnValue(null);
    expect(hiddenReason(host, click({ detail: 0 }))).toBeUndefined();
    expect(document.elementFromPoint).not.toHaveBeenCalled();
    toolbar.style.opacity = '0';
    expect(hiddenReason(host, click({ detail: 0 }))).toBe('opacity 0.00');
  });

  it('inside a page’s own shadow root: hit-tests from that root (document.elementFromPoint would name the page’s host) and walks up through it', () => {
    const widget = document.createElement('page-widget');
    widget.style.opacity = '0.2';
    const pageRoot = widget.attachShadow({ mode: 'open' });
    document.body.append(widget);
    pageRoot.append(host);
    // Browsers have ShadowRoot.elementFromPoint (DocumentOrShadowRoot); happy-dom does not.
    const fromRoot = vi.fn(() => host);
    Object.defineProperty(pageRoot, 'elementFromPoint', { value: fromRoot });
    expect(hiddenReason(host, click())).toBe('opacity 0.20');
    widget.style.opacity = '1';
    expect(hiddenReason(host, click())).toBeUndefined();
    expect(fromRoot).toHaveBeenCalledWith(10, 20);
    expect(document.elementFromPoint).not.toHaveBeenCalled();
  });

  describe('without checkVisibility', () => {
    beforeEach(() => {
      vi.restoreAllMocks();
      vi.spyOn(document, 'elementFromPoint').mockReturnValue(host);
      Object.defineProperty(host, 'checkVisibility', { value: undefined, configurable: true });
    });

    it('no boxes (display none somewhere): no; boxes and visible: yes', () => {
      vi.spyOn(host, 'getClientRects').mockReturnValue([] as unknown as DOMRectList);
      expect(hiddenReason(host, click())).toBe('not rendered');
      vi.mocked(host.getClientRects).mockReturnValue([new DOMRect(0, 0, 10, 10)] as unknown as DOMRectList);
      expect(hiddenReason(host, click())).toBeUndefined();
    });

    it('an ancestor with content-visibility: hidden, or the host not visible: no', () => {
      vi.spyOn(host, 'getClientRects').mockReturnValue([new DOMRect(0, 0, 10, 10)] as unknown as DOMRectList);
      toolbar.style.setProperty('content-visibility', 'hidden');
      expect(hiddenReason(host, click())).toBe('content-visibility: hidden');
      toolbar.style.removeProperty('content-visibility');
      host.style.visibility = 'hidden';
      expect(hiddenReason(host, click())).toBe('not rendered');
    });
  });
});

describe('refuseHiddenClick', () => {
  it('finds the host from a button inside our closed shadow root', () => {
    expect(hostOf(button)).toBe(host);
    expect(hostOf(toolbar)).toBe(toolbar);
  });

  it('refuses with one console line saying why; a visible click passes silently', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(refuseHiddenClick(button, click())).toBe(false);
    expect(warn).not.toHaveBeenCalled();
    toolbar.style.opacity = '0';
    expect(refuseHiddenClick(button, click())).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith('CRM Chat Bridge: click ignored, the buttons were not visibly shown (opacity 0.00).');
  });
});
