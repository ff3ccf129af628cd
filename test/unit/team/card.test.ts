import { describe, expect, it } from 'vitest';
import type { CrmCard } from '../../../lib/messages';
import { fetchTeamCard } from '../../../lib/team/card';
import { GatewayCallError, type GatewayClient } from '../../../lib/team/gateway-client';

/** A GatewayClient answering from a script, recording each call (path, and whether it had a body: GET or POST). */
function fakeClient(answer: (path: string) => unknown): GatewayClient & { calls: { path: string; body: unknown }[] } {
  const calls: { path: string; body: unknown }[] = [];
  return {
    calls,
    call: async (path, body) => {
      calls.push({ path, body });
      return answer(path);
    },
    session: async () => {
      throw new Error('fetchTeamCard needs no session of its own');
    },
  };
}

const card: CrmCard = {
  crmId: 'demo:acme:L-1',
  crmLabel: 'Demo CRM',
  pageUrl: 'https://crm.example.com/leads/1',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-0132',
  ownerName: 'Alice Agent',
  extra: [{ label: 'Company', value: 'Analytical Engines' }],
  openedBy: { email: 'alice@example.com', name: 'Alice Agent' },
  openedAt: 1_800_000_000_000,
};

describe('fetchTeamCard (team mode)', () => {
  it('GETs the chatroom card route and answers the card', async () => {
    const client = fakeClient(() => ({ found: true, card }));
    expect(await fetchTeamCard(client, 'r_42')).toEqual({ found: true, card });
    expect(client.calls).toEqual([{ path: '/v1/chatrooms/r_42/card', body: undefined }]);
  });

  it('answers found: false for a chatroom the team did not open', async () => {
    expect(await fetchTeamCard(fakeClient(() => ({ found: false })), 'r_other')).toEqual({ found: false });
  });

  it('escapes the chatroom id in the path', async () => {
    const client = fakeClient(() => ({ found: false }));
    await fetchTeamCard(client, 'room/../me?x=1');
    expect(client.calls[0]?.path).toBe('/v1/chatrooms/room%2F..%2Fme%3Fx%3D1/card');
  });

  it('throws a clear error on an answer that is not a card, quoting what the gateway said', async () => {
    await expect(fetchTeamCard(fakeClient(() => ({ found: true })), 'r_42')).rejects.toThrow('The team gateway did not answer with a CRM card: no readable answer.');
    await expect(fetchTeamCard(fakeClient(() => undefined), 'r_42')).rejects.toThrow('no readable answer');
    const limited = { ok: false, message: 'Too many requests from you at the team gateway; wait a minute.', retryable: true };
    await expect(fetchTeamCard(fakeClient(() => limited), 'r_42')).rejects.toThrow(
      'The team gateway did not answer with a CRM card: Too many requests from you at the team gateway; wait a minute.',
    );
  });

  it("passes the client's own errors on (not signed in, refused, unreachable)", async () => {
    const refused = new GatewayCallError('The team gateway answered 403: mallory@example.com is not a member of this team at the gateway.', 403, {});
    const client = fakeClient(() => {
      throw refused;
    });
    await expect(fetchTeamCard(client, 'r_42')).rejects.toBe(refused);
  });
});
