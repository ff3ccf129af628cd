import { type CardResponse, CardResponseSchema } from './api';
import type { GatewayClient } from './gateway-client';

/**
 * The CRM card of a chatroom in team mode, from the team gateway (GET /v1/chatrooms/{id}/card), so the dashboard
 * shows it for chats any teammate opened from the CRM. `found: false`: a chatroom the team did not open.
 * Throws the GatewayClient's errors (not signed in, unreachable, refused), and an Error when the answer is not a card.
 */
export async function fetchTeamCard(client: GatewayClient, chatroomId: string): Promise<CardResponse> {
  const answer: unknown = await client.call(`/v1/chatrooms/${encodeURIComponent(chatroomId)}/card`);
  const parsed = CardResponseSchema.safeParse(answer);
  if (parsed.success) return parsed.data;
  throw new Error(`The team gateway did not answer with a CRM card: ${said(answer)}.`);
}

/**
 * What the gateway said instead: its sentence when it has one (a rate limit, its own failure answer with
 * `ok: false`, which the client passes on), else that it was unreadable.
 */
function said(answer: unknown): string {
  if (answer && typeof answer === 'object' && 'message' in answer && typeof answer.message === 'string') return answer.message.slice(0, 300);
  return 'no readable answer';
}
