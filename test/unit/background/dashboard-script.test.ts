import { describe, expect, it } from 'vitest';
import {
  DASHBOARD_CONTENT_SCRIPT_FILE,
  DASHBOARD_CONTENT_SCRIPT_ID,
  dashboardScriptMatches,
  syncDashboardScript,
} from '../../../lib/background/dashboard-script';
import type { RegistrationApi } from '../../../lib/background/rule-hosts';

describe('dashboardScriptMatches', () => {
  it.each([
    ['https://app.saleschat.pro', ['https://app.saleschat.pro/*']],
    ['https://app.saleschat.pro/', ['https://app.saleschat.pro/*']],
    ['https://chat.acme.example/app', ['https://chat.acme.example/app/*']],
    ['https://chat.acme.example/app/', ['https://chat.acme.example/app/*']],
    ['https://chat.acme.example:8443/sales/app', ['https://chat.acme.example/sales/app/*']],
    ['http://127.0.0.1:4010/app', ['http://127.0.0.1/app/*']],
  ])('%s → %o (port dropped, base path kept)', (url, matches) => {
    expect(dashboardScriptMatches(url)).toEqual(matches);
  });

  it.each([[undefined], [''], ['ftp://files.example/app'], ['file:///app'], ['javascript:alert(1)'], ['not a url']])('%s → none', (url) => {
    expect(dashboardScriptMatches(url)).toEqual([]);
  });
});

/** scripting with one optional registration, logging every change. */
function fakeScripting(registered?: { id: string; matches?: string[] }) {
  const log: string[] = [];
  let current = registered;
  const scripting: RegistrationApi['scripting'] & { log: string[]; current(): typeof registered } = {
    log,
    current: () => current,
    getRegisteredContentScripts: async ({ ids }) => {
      log.push(`get ${ids.join(',')}`);
      return current && ids.includes(current.id) ? [current] : [];
    },
    registerContentScripts: async (scripts) => {
      log.push(`register ${JSON.stringify(scripts)}`);
      current = scripts[0] as typeof registered;
    },
    updateContentScripts: async (scripts) => {
      log.push(`update ${JSON.stringify(scripts)}`);
      current = { ...(current as { id: string }), ...(scripts[0] as object) };
    },
    unregisterContentScripts: async ({ ids }) => {
      log.push(`unregister ${ids.join(',')}`);
      current = undefined;
    },
  };
  return scripting;
}

const ID = DASHBOARD_CONTENT_SCRIPT_ID;

describe('syncDashboardScript', () => {
  it('registers the dashboard script once, for the dashboard’s pages, persisted across sessions', async () => {
    const scripting = fakeScripting();
    expect(await syncDashboardScript('https://chat.acme.example/app', scripting)).toEqual(['https://chat.acme.example/app/*']);
    expect(scripting.log).toEqual([
      `get ${ID}`,
      `register ${JSON.stringify([{ id: ID, js: [DASHBOARD_CONTENT_SCRIPT_FILE], matches: ['https://chat.acme.example/app/*'], runAt: 'document_idle', persistAcrossSessions: true }])}`,
    ]);
    await syncDashboardScript('https://chat.acme.example/app', scripting);
    expect(scripting.log.filter((line) => !line.startsWith('get'))).toHaveLength(1);
  });

  it('updates the registration when the dashboard moved', async () => {
    const scripting = fakeScripting({ id: ID, matches: ['https://app.saleschat.pro/*'] });
    expect(await syncDashboardScript('https://chat.acme.example/app', scripting)).toEqual(['https://chat.acme.example/app/*']);
    expect(scripting.log).toEqual([`get ${ID}`, `update ${JSON.stringify([{ id: ID, matches: ['https://chat.acme.example/app/*'] }])}`]);
    expect(scripting.current()?.matches).toEqual(['https://chat.acme.example/app/*']);
  });

  it('unregisters it when there is no dashboard URL (team mode before sign-in) or no usable one', async () => {
    for (const url of [undefined, 'ftp://files.example/app']) {
      const scripting = fakeScripting({ id: ID, matches: ['https://app.saleschat.pro/*'] });
      expect(await syncDashboardScript(url, scripting)).toEqual([]);
      expect(scripting.log).toEqual([`get ${ID}`, `unregister ${ID}`]);
    }
  });

  it('changes nothing when the registration already matches, or there is none to remove', async () => {
    const same = fakeScripting({ id: ID, matches: ['https://app.saleschat.pro/*'] });
    expect(await syncDashboardScript('https://app.saleschat.pro/', same)).toEqual(['https://app.saleschat.pro/*']);
    expect(same.log).toEqual([`get ${ID}`]);
    const none = fakeScripting();
    expect(await syncDashboardScript(undefined, none)).toEqual([]);
    expect(none.log).toEqual([`get ${ID}`]);
  });
});
