import { describe, expect, it } from 'vitest';
import { type CrmActionRow, crmActionRunner } from '../../../lib/crm-actions/runner';
import { dexieCrmActionJournal } from '../../../lib/store/crm-action-journal';
import { BridgeDatabase } from '../../../lib/store/db';

const NOW = Date.parse('2026-11-22T10:00:00Z');

const fresh = () => {
  const db = new BridgeDatabase(`crm-actions-${Math.random()}`);
  return { db, journal: dexieCrmActionJournal(db) };
};

const row = (id: string, fields: Partial<CrmActionRow> = {}): CrmActionRow => ({
  id,
  actionName: 'HubSpot',
  event: 'chat-opened',
  variables: { CRM_ID: '00Q1', EMAIL: 'ada@example.com' },
  leadName: 'Ada Lovelace',
  tabId: 7,
  attempts: 0,
  state: 'pending',
  nextAttemptAt: NOW,
  createdAt: NOW,
  updatedAt: NOW,
  ...fields,
});

describe('the CRM write-back journal in IndexedDB (Dexie)', () => {
  it('add stores new rows and returns them', async () => {
    const { db, journal } = fresh();
    const rows = [row('ev-1#HubSpot'), row('ev-1#Salesforce', { actionName: 'Salesforce' })];
    expect(await journal.add(rows)).toEqual(rows);
    expect(await db.crmActions.get('ev-1#HubSpot')).toEqual(rows[0]);
    expect(await db.crmActions.count()).toBe(2);
  });

  it('add is idempotent: a row whose id is there is neither added again nor overwritten', async () => {
    const { db, journal } = fresh();
    await journal.add([row('ev-1#HubSpot')]);
    await journal.update('ev-1#HubSpot', { state: 'done', attempts: 1, variables: undefined });
    const again = row('ev-1#HubSpot', { leadName: 'Someone Else' });
    const other = row('ev-2#HubSpot');
    expect(await journal.add([again, other])).toEqual([other]);
    expect(await db.crmActions.get('ev-1#HubSpot')).toMatchObject({ state: 'done', attempts: 1, leadName: 'Ada Lovelace' });
    expect(await db.crmActions.count()).toBe(2);
  });

  it('add of one id twice in one batch keeps the first', async () => {
    const { db, journal } = fresh();
    const first = row('ev-1#HubSpot');
    expect(await journal.add([first, row('ev-1#HubSpot', { leadName: 'Second' })])).toEqual([first]);
    expect((await db.crmActions.get('ev-1#HubSpot'))?.leadName).toBe('Ada Lovelace');
  });

  it('due: the pending and running rows whose time has come, soonest first', async () => {
    const { journal } = fresh();
    await journal.add([
      row('later', { nextAttemptAt: NOW + 1 }),
      row('running', { state: 'running', nextAttemptAt: NOW - 10 }),
      row('now', { nextAttemptAt: NOW }),
      row('earlier', { nextAttemptAt: NOW - 5 }),
      row('done', { state: 'done', nextAttemptAt: NOW - 100 }),
      row('failed', { state: 'failed', nextAttemptAt: NOW - 100 }),
    ]);
    expect((await journal.due(NOW)).map((due) => due.id)).toEqual(['running', 'earlier', 'now']);
    expect(await journal.due(NOW - 1000)).toEqual([]);
  });

  it('nextDue: the soonest pending or running row’s time; none when every row is finished', async () => {
    const { journal } = fresh();
    expect(await journal.nextDue()).toBeUndefined();
    await journal.add([row('done', { state: 'done', nextAttemptAt: NOW - 100 }), row('failed', { state: 'failed', nextAttemptAt: NOW - 50 })]);
    expect(await journal.nextDue()).toBeUndefined();
    await journal.add([row('b', { nextAttemptAt: NOW + 5000 }), row('a', { state: 'running', nextAttemptAt: NOW + 2000 })]);
    expect(await journal.nextDue()).toBe(NOW + 2000);
  });

  it('update changes the named fields; undefined removes one (the lead’s variables)', async () => {
    const { db, journal } = fresh();
    await journal.add([row('ev-1#HubSpot')]);
    await journal.update('ev-1#HubSpot', { state: 'failed', attempts: 3, lastMessage: 'gave up', variables: undefined, updatedAt: NOW + 10 });
    const stored = await db.crmActions.get('ev-1#HubSpot');
    expect(stored).toEqual({
      id: 'ev-1#HubSpot',
      actionName: 'HubSpot',
      event: 'chat-opened',
      leadName: 'Ada Lovelace',
      tabId: 7,
      attempts: 3,
      state: 'failed',
      nextAttemptAt: NOW,
      lastMessage: 'gave up',
      createdAt: NOW,
      updatedAt: NOW + 10,
    });
    expect(stored && 'variables' in stored).toBe(false);
  });

  it('update of an unknown id changes nothing', async () => {
    const { db, journal } = fresh();
    await journal.update('nope', { state: 'done' });
    expect(await db.crmActions.count()).toBe(0);
  });

  it('prune forgets finished rows last changed before the time, keeps open and recent ones', async () => {
    const { db, journal } = fresh();
    const before = NOW - 1000;
    await journal.add([
      row('old-done', { state: 'done', updatedAt: before - 1 }),
      row('old-failed', { state: 'failed', updatedAt: before - 1 }),
      row('edge-done', { state: 'done', updatedAt: before }),
      row('old-pending', { state: 'pending', updatedAt: before - 1 }),
      row('old-running', { state: 'running', updatedAt: before - 1 }),
    ]);
    await journal.prune(before);
    expect((await db.crmActions.toArray()).map((kept) => kept.id).sort()).toEqual(['edge-done', 'old-pending', 'old-running']);
  });

  it('the runner over it: a done row keeps no lead data, and a second enqueue of the event does nothing', async () => {
    const { db, journal } = fresh();
    let runs = 0;
    const runner = crmActionRunner({
      journal,
      actions: async () => [{ name: 'HubSpot', on: ['chat-opened'], steps: [{ method: 'GET', url: 'https://crm.test/{CRM_ID}' }] }],
      run: async () => {
        runs += 1;
        return { ok: true, captured: {} };
      },
      notify: () => undefined,
      wakeAt: () => undefined,
      now: () => NOW,
    });
    const input = {
      event: 'chat-opened' as const,
      eventId: 'ev-1',
      lead: { profileId: 'salesforce', crmId: 'sf:acme:00Q1', recordId: '00Q1', firstName: 'Ada' },
      now: NOW,
      defaultCountry: 'US',
    };
    await runner.enqueue(input);
    await runner.enqueue(input);
    expect(runs).toBe(1);
    const stored = await db.crmActions.get('ev-1#HubSpot');
    expect(stored).toMatchObject({ state: 'done', attempts: 1, lastMessage: 'Logged to HubSpot: chat with Ada.' });
    expect(stored && 'variables' in stored).toBe(false);
  });
});
