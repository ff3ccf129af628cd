import { describe, expect, it } from 'vitest';
import { FOLLOW_MS, followTeamWriteBack } from '../../../lib/team/follow-write-back';

/** A gateway answering GET /v1/crm-actions/{id} with the given answers in turn (the last one repeats). */
function gateway(answers: unknown[]) {
  const paths: string[] = [];
  return {
    paths,
    call: async (path: string) => {
      paths.push(path);
      const answer = answers.length > 1 ? answers.shift() : answers[0];
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

function fakeClock() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

const action = (state: string, attempts: number, message?: string) => ({ actions: [{ name: 'Salesforce', state, attempts, ...(message ? { message } : {}) }] });

describe('followTeamWriteBack: the second toast in team mode', () => {
  it('tells the first failure once and the final outcome, then stops polling', async () => {
    const api = gateway([
      action('pending', 0),
      action('pending', 1, 'Could not log to Salesforce yet (500); will try again in 2 s.'),
      action('running', 2, 'Could not log to Salesforce yet (500); will try again in 5 s.'),
      action('done', 3, 'Logged to Salesforce after 3 tries: chat with Ada Lovelace.'),
    ]);
    const told: { ok: boolean; message: string }[] = [];
    await followTeamWriteBack(api, 'ev 1', (notice) => told.push(notice), fakeClock());
    expect(told).toEqual([
      { ok: false, message: 'Could not log to Salesforce yet (500); will try again in 2 s.' },
      { ok: true, message: 'Logged to Salesforce after 3 tries: chat with Ada Lovelace.' },
    ]);
    expect(api.paths).toEqual(Array(4).fill('/v1/crm-actions/ev%201'));
  });

  it('asks again after an unreadable answer or a failed call, and gives up after FOLLOW_MS', async () => {
    const api = gateway([new Error('unreachable'), { nonsense: true }, action('pending', 1, 'Could not log to Salesforce yet (503); will try again in 15 min.')]);
    const told: { ok: boolean; message: string }[] = [];
    await followTeamWriteBack(api, 'ev', (notice) => told.push(notice), fakeClock());
    expect(told).toEqual([{ ok: false, message: 'Could not log to Salesforce yet (503); will try again in 15 min.' }]);
    expect(api.paths).toHaveLength(FOLLOW_MS / 1000);
  });
});
