import { describe, expect, it } from 'vitest';
import type { CachedToken, TokenStore } from '../../../lib/crm-actions/auth';
import { type ActionRunResult, runCrmAction } from '../../../lib/crm-actions/run';
import {
  BACKOFF_MS,
  type CrmActionJournal,
  type CrmActionRow,
  crmActionRunner,
  KEEP_FINISHED_MS,
  type RunnerDeps,
} from '../../../lib/crm-actions/runner';
import type { CrmAction } from '../../../lib/crm-actions/schema';
import { type ActionEventInput, type ActionVariables, actionVariables } from '../../../lib/crm-actions/variables';

const NOW = Date.parse('2026-11-22T10:00:00Z');

/** The journal in memory, as the Dexie one behaves: rows copied in and out, undefined in a change deletes the field. */
class MemoryJournal implements CrmActionJournal {
  rows = new Map<string, CrmActionRow>();
  pruned: number[] = [];

  async add(rows: CrmActionRow[]): Promise<CrmActionRow[]> {
    const added: CrmActionRow[] = [];
    for (const row of rows) {
      if (this.rows.has(row.id)) continue;
      this.rows.set(row.id, structuredClone(row));
      added.push(row);
    }
    return added;
  }
  async due(now: number): Promise<CrmActionRow[]> {
    return [...this.rows.values()]
      .filter((row) => open(row) && row.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
      .map((row) => structuredClone(row));
  }
  async nextDue(): Promise<number | undefined> {
    const times = [...this.rows.values()].filter(open).map((row) => row.nextAttemptAt);
    return times.length > 0 ? Math.min(...times) : undefined;
  }
  async update(id: string, change: Partial<CrmActionRow>): Promise<void> {
    const row = this.rows.get(id);
    if (!row) return;
    const next: Record<string, unknown> = { ...row };
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    this.rows.set(id, next as unknown as CrmActionRow);
  }
  async prune(before: number): Promise<void> {
    this.pruned.push(before);
    for (const [id, row] of this.rows) if (!open(row) && row.updatedAt < before) this.rows.delete(id);
  }
  get(id: string): CrmActionRow | undefined {
    return this.rows.get(id);
  }
}
const open = (row: CrmActionRow) => row.state === 'pending' || row.state === 'running';

const note = (name: string, fields: Partial<CrmAction> = {}): CrmAction => ({
  name,
  on: ['chat-opened'],
  steps: [{ method: 'POST', url: 'https://crm.test/api/leads/{CRM_ID}/notes', body: { text: 'Chat {CHATROOM_URL}' } }],
  ...fields,
});
const HUBSPOT = note('HubSpot');

const INPUT: ActionEventInput & { tabId?: number } = {
  event: 'chat-opened',
  eventId: 'ev-1',
  lead: { profileId: 'salesforce', crmId: 'salesforce:acme:00Q1', recordId: '00Q1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  agent: { email: 'alice@example.com', name: 'Alice Agent', providerUserId: 'u_alice' },
  chat: { chatroomUrl: 'https://app.test/app/chatrooms/cr_1', chatroomId: 'cr_1', contactId: 'c_1' },
  outcome: 'Chat opened.',
  now: NOW,
  defaultCountry: 'US',
  tabId: 7,
};

const ok: ActionRunResult = { ok: true, captured: {} };
const transient = (message = 'step 1 answered 503'): ActionRunResult => ({ ok: false, kind: 'transient', status: 503, message });

interface Harness {
  journal: MemoryJournal;
  clock: { now: number };
  runs: { action: string; variables: ActionVariables }[];
  notices: { id: string; ok: boolean; message: string }[];
  wakes: number[];
  /** The configured actions (change it to remove one). */
  actions: CrmAction[];
  deps: RunnerDeps;
}

/** Runner deps whose `run` answers from a script (the last answer repeats). */
function harness(actions: CrmAction[], answers: (ActionRunResult | Error | (() => Promise<ActionRunResult>))[] = [ok]): Harness {
  const h: Harness = {
    journal: new MemoryJournal(),
    clock: { now: NOW },
    runs: [],
    notices: [],
    wakes: [],
    actions,
    deps: undefined as unknown as RunnerDeps,
  };
  h.deps = {
    journal: h.journal,
    actions: async () => h.actions,
    run: async (action, variables) => {
      h.runs.push({ action: action.name, variables });
      const answer = answers[Math.min(h.runs.length - 1, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      if (typeof answer === 'function') return answer();
      if (!answer) throw new Error('nothing scripted');
      return answer;
    },
    notify: (row, outcome) => {
      h.notices.push({ id: row.id, ...outcome });
    },
    wakeAt: (at) => {
      h.wakes.push(at);
    },
    now: () => h.clock.now,
  };
  return h;
}

const row = (fields: Partial<CrmActionRow> & Pick<CrmActionRow, 'id'>): CrmActionRow => ({
  actionName: 'HubSpot',
  event: 'chat-opened',
  variables: { CRM_ID: '00Q1' },
  leadName: 'Ada Lovelace',
  attempts: 0,
  state: 'pending',
  nextAttemptAt: NOW,
  createdAt: NOW,
  updatedAt: NOW,
  ...fields,
});

describe('enqueue', () => {
  it('journals one row per action the event concerns (event and profiles filters), then runs them', async () => {
    const actions = [
      note('All leads'),
      note('Failures only', { on: ['chat-failed'] }),
      note('Other profile', { profiles: ['rule:acme'] }),
      note('Salesforce', { profiles: ['hubspot', 'salesforce'] }),
    ];
    const h = harness(actions);
    const added: CrmActionRow[][] = [];
    const add = h.journal.add.bind(h.journal);
    h.journal.add = async (rows) => {
      added.push(structuredClone(rows));
      return add(rows);
    };
    await crmActionRunner(h.deps).enqueue(INPUT);
    const variables = actionVariables(INPUT);
    expect(added).toEqual([
      ['All leads', 'Salesforce'].map((name) => ({
        id: `ev-1#${name}`,
        actionName: name,
        event: 'chat-opened',
        variables,
        leadName: 'Ada Lovelace',
        tabId: 7,
        attempts: 0,
        state: 'pending',
        nextAttemptAt: NOW,
        createdAt: NOW,
        updatedAt: NOW,
      })),
    ]);
    expect(h.runs).toEqual([
      { action: 'All leads', variables },
      { action: 'Salesforce', variables },
    ]);
  });

  it('an event no action is on: nothing journaled, nothing run', async () => {
    const h = harness([note('Failures only', { on: ['chat-failed'] })]);
    await crmActionRunner(h.deps).enqueue(INPUT);
    expect(h.journal.rows.size).toBe(0);
    expect(h.journal.pruned).toEqual([]);
    expect(h.runs).toEqual([]);
  });

  it('an event without a lead (Login) concerns only actions not restricted to profiles; the lead is "the lead"', async () => {
    const h = harness([note('Any', { on: ['login'] }), note('Salesforce', { on: ['login'], profiles: ['salesforce'] })]);
    const { lead: _lead, ...login } = INPUT;
    await crmActionRunner(h.deps).enqueue({ ...login, event: 'login', eventId: 'ev-login' });
    expect([...h.journal.rows.keys()]).toEqual(['ev-login#Any']);
    expect(h.notices).toEqual([{ id: 'ev-login#Any', ok: true, message: 'Logged to Any: chat with the lead.' }]);
  });

  it('a lead without a name is named by its record id', async () => {
    const h = harness([HUBSPOT]);
    await crmActionRunner(h.deps).enqueue({ ...INPUT, lead: { profileId: 'salesforce', crmId: 'salesforce:acme:00Q9', recordId: '00Q9' } });
    expect(h.notices.map((notice) => notice.message)).toEqual(['Logged to HubSpot: chat with 00Q9.']);
  });

  it('no tab: the row has no tabId', async () => {
    const h = harness([HUBSPOT]);
    const { tabId: _tab, ...withoutTab } = INPUT;
    await crmActionRunner(h.deps).enqueue(withoutTab);
    expect('tabId' in (h.journal.get('ev-1#HubSpot') ?? {})).toBe(false);
  });

  it('the same event enqueued twice runs once (the event id is the idempotency key)', async () => {
    const h = harness([HUBSPOT]);
    const runner = crmActionRunner(h.deps);
    await runner.enqueue(INPUT);
    await runner.enqueue(INPUT);
    expect(h.runs).toHaveLength(1);
    expect(h.notices).toHaveLength(1);
    expect([...h.journal.rows.keys()]).toEqual(['ev-1#HubSpot']);
  });

  it('another event of the same lead is another row', async () => {
    const h = harness([HUBSPOT]);
    const runner = crmActionRunner(h.deps);
    await runner.enqueue(INPUT);
    await runner.enqueue({ ...INPUT, eventId: 'ev-2' });
    expect(h.runs).toHaveLength(2);
    expect([...h.journal.rows.keys()]).toEqual(['ev-1#HubSpot', 'ev-2#HubSpot']);
  });
});

describe('outcomes', () => {
  it('success: done, the agent told, the lead’s data dropped', async () => {
    const h = harness([HUBSPOT], [ok]);
    await crmActionRunner(h.deps).enqueue(INPUT);
    expect(h.notices).toEqual([{ id: 'ev-1#HubSpot', ok: true, message: 'Logged to HubSpot: chat with Ada Lovelace.' }]);
    const stored = h.journal.get('ev-1#HubSpot');
    expect(stored).toEqual({
      id: 'ev-1#HubSpot',
      actionName: 'HubSpot',
      event: 'chat-opened',
      leadName: 'Ada Lovelace',
      tabId: 7,
      attempts: 1,
      state: 'done',
      nextAttemptAt: NOW,
      lastMessage: 'Logged to HubSpot: chat with Ada Lovelace.',
      createdAt: NOW,
      updatedAt: NOW,
    });
    expect(h.wakes).toEqual([]);
  });

  it('transient: pending again in 2 s, the agent told once, the wake-up asked for', async () => {
    const h = harness([HUBSPOT], [transient()]);
    await crmActionRunner(h.deps).enqueue(INPUT);
    const message = 'Could not log to HubSpot yet (step 1 answered 503); will try again in 2 s.';
    expect(h.journal.get('ev-1#HubSpot')).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: NOW + 2000, lastMessage: message, variables: actionVariables(INPUT) });
    expect(h.notices).toEqual([{ id: 'ev-1#HubSpot', ok: false, message }]);
    expect(h.wakes).toEqual([NOW + 2000]);
  });

  it('a row is not tried before it is due', async () => {
    const h = harness([HUBSPOT], [transient()]);
    const runner = crmActionRunner(h.deps);
    await runner.enqueue(INPUT);
    h.clock.now = NOW + 1999;
    await runner.drain();
    expect(h.runs).toHaveLength(1);
    h.clock.now = NOW + 2000;
    await runner.drain();
    expect(h.runs).toHaveLength(2);
  });

  it('500, 500, 201 (the real run, a fake CRM): "after 3 tries", the first failure told once', async () => {
    const statuses = [500, 500, 201];
    const sent: string[] = [];
    const fetch = (async (input: RequestInfo | URL) => {
      sent.push(String(input));
      const status = statuses[sent.length - 1] ?? 201;
      return new Response(status === 201 ? '{"id":"n1"}' : 'oops', { status });
    }) as typeof globalThis.fetch;
    const h = harness([HUBSPOT]);
    h.deps.run = (action, variables) => runCrmAction(action, variables, { fetch, now: () => h.clock.now, tokens: memoryTokens() });
    const runner = crmActionRunner(h.deps);
    await runner.enqueue(INPUT);
    h.clock.now = NOW + 2000;
    await runner.drain();
    expect(h.journal.get('ev-1#HubSpot')).toMatchObject({
      state: 'pending',
      attempts: 2,
      nextAttemptAt: NOW + 2000 + 5000,
      lastMessage: 'Could not log to HubSpot yet (step 1 answered 500: oops); will try again in 5 s.',
    });
    h.clock.now = NOW + 7000;
    await runner.drain();
    expect(sent).toEqual(Array(3).fill('https://crm.test/api/leads/00Q1/notes'));
    expect(h.notices).toEqual([
      { id: 'ev-1#HubSpot', ok: false, message: 'Could not log to HubSpot yet (step 1 answered 500: oops); will try again in 2 s.' },
      { id: 'ev-1#HubSpot', ok: true, message: 'Logged to HubSpot after 3 tries: chat with Ada Lovelace.' },
    ]);
    expect(h.journal.get('ev-1#HubSpot')).toMatchObject({ state: 'done', attempts: 3, updatedAt: NOW + 7000 });
    expect('variables' in (h.journal.get('ev-1#HubSpot') ?? {})).toBe(false);
  });

  it('permanent: failed at once, the message names crmActions, the lead’s data dropped', async () => {
    const h = harness([HUBSPOT], [{ ok: false, kind: 'permanent', status: 422, message: 'step 1 answered 422: Subject is required' }]);
    await crmActionRunner(h.deps).enqueue(INPUT);
    const message = 'Could not log to HubSpot: step 1 answered 422: Subject is required. Your administrator needs to check crmActions.';
    expect(h.notices).toEqual([{ id: 'ev-1#HubSpot', ok: false, message }]);
    expect(h.journal.get('ev-1#HubSpot')).toMatchObject({ state: 'failed', attempts: 1, lastMessage: message });
    expect('variables' in (h.journal.get('ev-1#HubSpot') ?? {})).toBe(false);
    expect(h.runs).toHaveLength(1);
  });

  it('permanent after transient tries: the tries are counted in the message', async () => {
    const h = harness([HUBSPOT], [transient(), { ok: false, kind: 'permanent', status: 404, message: 'step 1 answered 404' }]);
    const runner = crmActionRunner(h.deps);
    await runner.enqueue(INPUT);
    h.clock.now = NOW + 2000;
    await runner.drain();
    expect(h.notices.at(-1)).toEqual({
      id: 'ev-1#HubSpot',
      ok: false,
      message: 'Could not log to HubSpot after 2 tries: step 1 answered 404. Your administrator needs to check crmActions.',
    });
  });

  it('unconfirmed: failed, not sent again, the agent asked to check', async () => {
    const h = harness([HUBSPOT], [{ ok: false, kind: 'unconfirmed', message: 'step 1: no answer within 8 s; the CRM may have acted, so it is not sent again' }]);
    const runner = crmActionRunner(h.deps);
    await runner.enqueue(INPUT);
    const message =
      'HubSpot did not confirm it logged the chat with Ada Lovelace (step 1: no answer within 8 s; the CRM may have acted, so it is not sent again). Please check the lead in HubSpot.';
    expect(h.notices).toEqual([{ id: 'ev-1#HubSpot', ok: false, message }]);
    expect(h.journal.get('ev-1#HubSpot')).toMatchObject({ state: 'failed', attempts: 1, lastMessage: message });
    expect('variables' in (h.journal.get('ev-1#HubSpot') ?? {})).toBe(false);
    h.clock.now = NOW + 86_400_000;
    await runner.drain();
    expect(h.runs).toHaveLength(1);
  });

  it('a run that throws counts as transient', async () => {
    const h = harness([HUBSPOT], [new Error('storage went away')]);
    await crmActionRunner(h.deps).enqueue(INPUT);
    expect(h.journal.get('ev-1#HubSpot')).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastMessage: 'Could not log to HubSpot yet (storage went away); will try again in 2 s.',
    });
  });

  it('back-off: 2 s, 5 s, 15 s, 1 min, 5 min, 30 min, 2 h, 6 h, then given up after BACKOFF_MS.length + 1 attempts', async () => {
    const h = harness([HUBSPOT], [transient()]);
    const runner = crmActionRunner(h.deps);
    await runner.enqueue(INPUT);
    const waits: number[] = [];
    const said: string[] = [];
    for (;;) {
      const current = h.journal.get('ev-1#HubSpot');
      if (current?.state !== 'pending') break;
      waits.push(current.nextAttemptAt - h.clock.now);
      said.push(current.lastMessage ?? '');
      h.clock.now = current.nextAttemptAt;
      await runner.drain();
    }
    expect(waits).toEqual([...BACKOFF_MS]);
    expect(said.map((message) => / will try again in (.*)\.$/.exec(message)?.[1])).toEqual(['2 s', '5 s', '15 s', '1 min', '5 min', '30 min', '2 h', '6 h']);
    expect(h.runs).toHaveLength(BACKOFF_MS.length + 1);
    // Given up on a CRM that kept failing: nothing for the administrator to fix, the agent is asked to note it.
    const message = `Could not log to HubSpot after ${BACKOFF_MS.length + 1} tries (step 1 answered 503); it is not tried again. Please note the chat with Ada Lovelace in HubSpot yourself.`;
    expect(h.journal.get('ev-1#HubSpot')).toMatchObject({ state: 'failed', attempts: BACKOFF_MS.length + 1, lastMessage: message });
    expect('variables' in (h.journal.get('ev-1#HubSpot') ?? {})).toBe(false);
    // The first failure and the giving up: nothing in between.
    expect(h.notices.map((notice) => notice.message)).toEqual(['Could not log to HubSpot yet (step 1 answered 503); will try again in 2 s.', message]);
    h.clock.now += 86_400_000;
    await runner.drain();
    expect(h.runs).toHaveLength(BACKOFF_MS.length + 1);
  });

  it('a row whose action was removed from the config: failed, without telling the agent again', async () => {
    const h = harness([HUBSPOT], [transient()]);
    const runner = crmActionRunner(h.deps);
    await runner.enqueue(INPUT);
    h.actions = [note('Salesforce')];
    h.clock.now = NOW + 2000;
    await runner.drain();
    expect(h.runs).toHaveLength(1);
    expect(h.notices).toHaveLength(1);
    expect(h.journal.get('ev-1#HubSpot')).toMatchObject({ state: 'failed', attempts: 1, lastMessage: 'HubSpot is no longer configured', updatedAt: NOW + 2000 });
    expect('variables' in (h.journal.get('ev-1#HubSpot') ?? {})).toBe(false);
  });
});

describe('drain', () => {
  it('prunes finished rows last changed more than KEEP_FINISHED_MS ago, keeps the rest', async () => {
    const h = harness([HUBSPOT]);
    await h.journal.add([
      row({ id: 'old-done', state: 'done', variables: undefined, updatedAt: NOW - KEEP_FINISHED_MS - 1 }),
      row({ id: 'old-failed', state: 'failed', variables: undefined, updatedAt: NOW - KEEP_FINISHED_MS - 1 }),
      row({ id: 'recent-done', state: 'done', variables: undefined, updatedAt: NOW - KEEP_FINISHED_MS }),
      row({ id: 'old-pending', nextAttemptAt: NOW + 60_000, updatedAt: NOW - KEEP_FINISHED_MS - 1 }),
    ]);
    await crmActionRunner(h.deps).drain();
    expect(h.journal.pruned).toEqual([NOW - KEEP_FINISHED_MS]);
    expect([...h.journal.rows.keys()]).toEqual(['recent-done', 'old-pending']);
    expect(h.wakes).toEqual([NOW + 60_000]);
  });

  it('a row left running (the worker stopped mid-attempt) is run again', async () => {
    const h = harness([HUBSPOT], [ok]);
    await h.journal.add([row({ id: 'ev-0#HubSpot', state: 'running', attempts: 1, tabId: 3 })]);
    await crmActionRunner(h.deps).drain();
    expect(h.runs).toEqual([{ action: 'HubSpot', variables: { CRM_ID: '00Q1' } }]);
    expect(h.notices).toEqual([{ id: 'ev-0#HubSpot', ok: true, message: 'Logged to HubSpot after 2 tries: chat with Ada Lovelace.' }]);
    expect(h.journal.get('ev-0#HubSpot')).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('while an attempt runs, the row is marked running with its attempt counted', async () => {
    let seen: CrmActionRow | undefined;
    const h = harness([HUBSPOT]);
    h.deps.run = async () => {
      seen = structuredClone(h.journal.get('ev-1#HubSpot'));
      return ok;
    };
    await crmActionRunner(h.deps).enqueue(INPUT);
    expect(seen).toMatchObject({ state: 'running', attempts: 1 });
  });

  it('concurrent drains never run a row twice', async () => {
    const releases: (() => void)[] = [];
    const h = harness([HUBSPOT, note('Salesforce')], [
      () =>
        new Promise<ActionRunResult>((resolve) => {
          releases.push(() => resolve(ok));
        }),
    ]);
    await h.journal.add([row({ id: 'ev-1#HubSpot' }), row({ id: 'ev-1#Salesforce', actionName: 'Salesforce' })]);
    const runner = crmActionRunner(h.deps);
    let settled = false;
    const drains = Promise.all([runner.drain(), runner.drain(), runner.drain()]).then(() => {
      settled = true;
    });
    // One attempt at a time: each tick lets the pending one finish.
    while (!settled) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(releases.length).toBeLessThanOrEqual(1);
      releases.shift()?.();
    }
    await drains;
    await runner.drain();
    expect(h.runs.map((run) => run.action)).toEqual(['HubSpot', 'Salesforce']);
    expect(h.notices.map((notice) => notice.id)).toEqual(['ev-1#HubSpot', 'ev-1#Salesforce']);
  });

  it('a row enqueued while a drain runs is run before its enqueue returns, once', async () => {
    let release: () => void = () => undefined;
    const h = harness([HUBSPOT]);
    let first = true;
    h.deps.run = async (action, variables) => {
      h.runs.push({ action: action.name, variables });
      if (first) {
        first = false;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      return ok;
    };
    const runner = crmActionRunner(h.deps);
    const firstEnqueue = runner.enqueue(INPUT);
    while (h.runs.length < 1) await new Promise((resolve) => setTimeout(resolve, 0));
    const second = runner.enqueue({ ...INPUT, eventId: 'ev-2' });
    const drained = runner.drain();
    await new Promise((resolve) => setTimeout(resolve, 0));
    release();
    await Promise.all([firstEnqueue, second, drained]);
    expect(h.runs.map((run) => run.variables.EVENT_ID)).toEqual(['ev-1', 'ev-2']);
    expect(h.journal.get('ev-2#HubSpot')?.state).toBe('done');
  });
});

function memoryTokens(): TokenStore {
  const map = new Map<string, CachedToken>();
  return {
    get: async (key) => map.get(key),
    set: async (key, token) => {
      map.set(key, token);
    },
    delete: async (key) => {
      map.delete(key);
    },
  };
}
