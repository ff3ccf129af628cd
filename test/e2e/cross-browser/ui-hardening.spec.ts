import { type DriverPage, expect, type SandboxControl, test, uniqueLeadId } from '../fixtures';

/**
 * Clickjacking: a CRM page must not be able to hide our buttons, or put its own UI over them, and steer a real
 * click of the agent onto them. Our host's styles win over the page's (components/mount-in-shadow.tsx); what
 * the page still controls (the host's ancestors, what lies over it) is checked on click
 * (components/visible-click.ts). Each refused click is shown to reach our UI (a page-side listener on the host
 * counts it), and each test ends with a real click that does work, so "nothing happened" cannot come from a
 * click that missed or a UI that was not there. Runs in Chromium and in Firefox ESR.
 */

declare global {
  interface Window {
    __hostClicks?: number;
    __coverClicks?: number;
  }
}

/** Page-side: CSS of the page's own, as a <style id> in its head. */
function addPageCss({ id, css }: { id: string; css: string }): void {
  const style = document.createElement('style');
  style.id = id;
  style.textContent = css;
  document.head.append(style);
}

/** Page-side: counts the clicks that reach our host (they bubble out of its shadow root, retargeted to it). */
function countHostClicks(): void {
  window.__hostClicks = 0;
  document.querySelector('crm-chat-bridge')?.addEventListener('click', () => {
    window.__hostClicks = (window.__hostClicks ?? 0) + 1;
  });
}

/** Page-side: our host as the browser renders it, read the way the page itself can. */
function hostAsRendered() {
  const host = document.querySelector('crm-chat-bridge');
  if (!host) return null;
  const style = getComputedStyle(host);
  const box = host.getBoundingClientRect();
  return {
    opacity: style.opacity,
    visibility: style.visibility,
    display: style.display,
    filter: style.filter,
    clipPath: style.clipPath,
    transform: style.transform,
    pointerEvents: style.pointerEvents,
    after: getComputedStyle(host, '::after').content,
    visible: host.checkVisibility({ opacityProperty: true, visibilityProperty: true }),
    hitAtCentre: document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) === host,
  };
}

async function openLead(driver: { newPage(url: string): Promise<DriverPage> }, sandbox: SandboxControl, phone: string): Promise<DriverPage> {
  const lead = await sandbox.addLead({ id: uniqueLeadId('UI'), firstName: 'Clicky', lastName: 'Jack', phone });
  const crm = await driver.newPage(sandbox.crmLeadUrl(lead.id));
  await expect.poll(() => crm.count('.quick-actions > crm-chat-bridge')).toBe(1);
  return crm;
}

/** Nothing reached the provider and no toast shows, after giving a (wrongly) triggered action time to. */
async function expectNothingHappened(crm: DriverPage, sandbox: SandboxControl): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(await sandbox.counts()).toMatchObject({ createContact: 0, assign: 0, magicLink: 0 });
  expect(await crm.toast()).toBeNull();
}

test('page CSS cannot hide our host: the reset wins over !important rules and style, and a real Chat click works', async ({ driver, sandbox }) => {
  const crm = await openLead(driver, sandbox, '+1 415 555 0140');
  const asShown = await crm.evaluate(hostAsRendered, undefined);
  expect(asShown).toMatchObject({ opacity: '1', visibility: 'visible', filter: 'none', after: 'none', visible: true, hitAtCentre: true });
  // (display: block, not inline-block: the toolbar is a flex container.)
  expect(asShown?.display).not.toBe('none');

  await crm.evaluate(addPageCss, {
    id: 'hide-host',
    css: `crm-chat-bridge { opacity: 0 !important; visibility: hidden !important; display: none !important; filter: opacity(0) !important;
      clip-path: inset(50%) !important; transform: scale(0) !important; pointer-events: none !important; }
    crm-chat-bridge::after { content: "" !important; position: absolute !important; inset: 0 !important; background: #fff !important;
      pointer-events: none !important; }`,
  });
  await crm.evaluate(() => document.querySelector('crm-chat-bridge')?.setAttribute('style', 'opacity: 0 !important; display: none !important'), undefined);
  // Rendered exactly as before.
  expect(await crm.evaluate(hostAsRendered, undefined)).toEqual(asShown);

  await crm.clickLeadAction('chat');
  await expect.poll(() => crm.toast()).toEqual({ ok: true, errorCode: null, text: 'Chat with Clicky Jack opened.' });
  expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
});

test('an ancestor made transparent: a real click on Chat does nothing; visible again, it works', async ({ driver, sandbox }) => {
  const crm = await openLead(driver, sandbox, '+1 415 555 0141');
  const chat = await crm.leadActionPoint('chat');
  await crm.evaluate(countHostClicks, undefined);

  const hiding = [
    '.quick-actions { opacity: 0 }',
    '.quick-actions { opacity: 0.3 }',
    '.quick-actions { filter: opacity(0) }',
    '.quick-actions, .record-header { opacity: 0.6 }', // 0.36 in all
  ];
  for (const [index, css] of hiding.entries()) {
    await crm.evaluate(addPageCss, { id: 'hide-toolbar', css });
    await crm.clickAt(chat);
    // The click reached our button (the browser sends clicks to transparent elements), and did nothing.
    await expect.poll(() => crm.evaluate(() => window.__hostClicks, undefined), { message: css }).toBe(index + 1);
    await expectNothingHappened(crm, sandbox);
    await crm.evaluate(() => document.getElementById('hide-toolbar')?.remove(), undefined);
  }

  await crm.clickAt(chat);
  await expect.poll(() => crm.toast()).toMatchObject({ ok: true, text: 'Chat with Clicky Jack opened.' });
  expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
});

test('a page element over our buttons: the click is the page’s, and one that lets the press through is refused', async ({ driver, sandbox }) => {
  const crm = await openLead(driver, sandbox, '+1 415 555 0142');
  const chat = await crm.leadActionPoint('chat');
  await crm.evaluate(countHostClicks, undefined);
  // An opaque box of the page's exactly over our host, on top of it, counting the clicks it gets.
  await crm.evaluate(() => {
    const box = document.querySelector('crm-chat-bridge')?.getBoundingClientRect();
    if (!box) throw new Error('no host');
    const cover = document.createElement('div');
    cover.id = 'cover';
    cover.textContent = 'OK';
    Object.assign(cover.style, {
      position: 'absolute',
      left: `${box.left + scrollX}px`,
      top: `${box.top + scrollY}px`,
      width: `${box.width}px`,
      height: `${box.height}px`,
      zIndex: '10',
      background: '#fff',
    });
    window.__coverClicks = 0;
    cover.addEventListener('click', () => {
      window.__coverClicks = (window.__coverClicks ?? 0) + 1;
    });
    document.body.append(cover);
  }, undefined);

  await crm.clickAt(chat);
  await expect.poll(() => crm.evaluate(() => window.__coverClicks, undefined)).toBe(1);
  expect(await crm.evaluate(() => window.__hostClicks, undefined)).toBe(0);

  // The same cover lets the press through to our button, and is on top, taking input, when the click comes.
  await crm.evaluate(() => {
    const cover = document.getElementById('cover') as HTMLElement;
    cover.style.pointerEvents = 'none';
    addEventListener('mouseup', () => cover.style.removeProperty('pointer-events'), { capture: true, once: true });
  }, undefined);
  await crm.clickAt(chat);
  await expect.poll(() => crm.evaluate(() => window.__hostClicks, undefined)).toBe(1);
  await expectNothingHappened(crm, sandbox);

  await crm.evaluate(() => document.getElementById('cover')?.remove(), undefined);
  await crm.clickAt(chat);
  await expect.poll(() => crm.toast()).toMatchObject({ ok: true, text: 'Chat with Clicky Jack opened.' });
  expect(await sandbox.counts()).toMatchObject({ createContact: 1, assign: 1 });
});
