import { describe, expect, it } from 'vitest';
import { closeStorageToContentScripts } from '../../../lib/background/storage-access';

describe('closing storage areas to content scripts', () => {
  it('Chrome 140+: every area closed; each call asks for trusted contexts only', async () => {
    const calls: string[] = [];
    const area = (name: string) => ({
      setAccessLevel: async (options: { accessLevel: string }) => {
        calls.push(`${name} ${options.accessLevel}`);
      },
    });
    const access = await closeStorageToContentScripts({ local: area('local'), sync: area('sync'), session: area('session'), managed: area('managed') });
    expect(access).toEqual({ local: { state: 'closed' }, sync: { state: 'closed' }, session: { state: 'closed' }, managed: { state: 'closed' } });
    expect(calls.sort()).toEqual(['local TRUSTED_CONTEXTS', 'managed TRUSTED_CONTEXTS', 'session TRUSTED_CONTEXTS', 'sync TRUSTED_CONTEXTS']);
  });

  it('an older Chrome refusing, and Firefox without the call: said as open, with why (session is closed by default)', async () => {
    const refuses = { setAccessLevel: async () => Promise.reject(new Error('only supported for storage.session')) };
    const access = await closeStorageToContentScripts({ local: refuses, sync: {}, session: {}, managed: undefined });
    expect(access).toEqual({
      local: { state: 'open', why: 'the browser refused (only supported for storage.session)' },
      sync: { state: 'open', why: 'this browser cannot close it to content scripts' },
      session: { state: 'closed' },
      managed: { state: 'open', why: 'this browser has no such storage area' },
    });
  });
});
