import { fakeBrowser } from 'wxt/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { loginLinkStore } from '../../../lib/actions/login-links';

describe('login link store', () => {
  beforeEach(() => fakeBrowser.reset());

  it('keeps links in storage.session under their own keys, and deletes them', async () => {
    const links = loginLinkStore(fakeBrowser.storage.session);
    await links.set('org_1/u_alice', { url: 'https://app.test/m/1', expiresAt: 5 });
    expect(await fakeBrowser.storage.session.get(null)).toEqual({ 'loginLink:org_1/u_alice': { url: 'https://app.test/m/1', expiresAt: 5 } });
    expect(await links.get('org_1/u_alice')).toEqual({ url: 'https://app.test/m/1', expiresAt: 5 });
    await links.delete('org_1/u_alice');
    expect(await fakeBrowser.storage.session.get(null)).toEqual({});
  });

  it('reads a malformed entry as no link', async () => {
    await fakeBrowser.storage.session.set({ 'loginLink:org_1/u_alice': { url: 42 } });
    expect(await loginLinkStore(fakeBrowser.storage.session).get('org_1/u_alice')).toBeUndefined();
  });

  it('falls back to memory where the browser has no storage.session (nothing reaches disk)', async () => {
    const links = loginLinkStore(undefined);
    await links.set('k', { url: 'https://app.test/m/2', expiresAt: 9 });
    expect(await links.get('k')).toEqual({ url: 'https://app.test/m/2', expiresAt: 9 });
    expect(await fakeBrowser.storage.local.get(null)).toEqual({});
  });
});
