import { z } from 'zod/mini';
import { CrmCardSchema, LeadSchema } from '../messages';

/**
 * The team gateway's HTTP API (gateway/http/app.ts), shared by both ends: the gateway validates what the
 * extension sends, the extension validates what the gateway answers. JSON over HTTPS; every /v1 call carries
 * `Authorization: Bearer <ID token>` from the company's identity provider. Who the agent is comes from that
 * token only: no request names its sender.
 */

const text = (max: number) => z.string().check(z.maxLength(max));

export const ChatRequestSchema = z.object({
  lead: LeadSchema,
  /** Assign to this provider user instead of yourself: managers only (403 otherwise). */
  assignTo: z.optional(text(128)),
});
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

export const LoginRequestSchema = z.object({
  /** Whose dashboard: yourself only (403 otherwise). */
  userId: z.optional(text(128)),
});

const Failure = z.object({
  ok: z.literal(false),
  message: text(1000),
  /** A failed Chat's CRM write-back (crmActions on chat-failed), when the gateway has one: GET /v1/crm-actions/{id}. */
  crmActionsEventId: z.optional(text(64)),
  errorCode: z.optional(z.number()),
  errorMessage: z.optional(text(200)),
  status: z.optional(z.number()),
  retryable: z.boolean(),
});
export type GatewayFailure = z.infer<typeof Failure>;

export const ChatResponseSchema = z.union([
  z.object({
    ok: z.literal(true),
    message: text(500),
    chatroomUrl: text(2048),
    contactId: text(256),
    chatroomId: z.optional(text(256)),
    created: z.boolean(),
    /** The gateway's CRM write-back of this Chat (crmActions), when it has any: GET /v1/crm-actions/{id}. */
    crmActionsEventId: z.optional(text(64)),
  }),
  Failure,
]);
export type ChatResponse = z.infer<typeof ChatResponseSchema>;

export const LoginResponseSchema = z.union([
  z.object({ ok: z.literal(true), url: text(4096), expiresAt: z.number(), crmActionsEventId: z.optional(text(64)) }),
  Failure,
]);
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

/**
 * GET /v1/chatrooms/{chatroomId}/card: the CRM card of a chatroom the team opened from the CRM (any member may
 * read it: the dashboard shows it for chats a teammate started), or `found: false` for a chatroom the product did
 * not open.
 */
export const CardResponseSchema = z.union([z.object({ found: z.literal(true), card: CrmCardSchema }), z.object({ found: z.literal(false) })]);
export type CardResponse = z.infer<typeof CardResponseSchema>;

export const TeamRulesSchema = z.object({
  orgId: text(256),
  providerDashboardUrl: text(2048),
  allowReassign: z.boolean(),
  reassignWhenOwnerUnknown: z.enum(['allow', 'refuse']),
  defaultCountry: text(2),
});
export type TeamRules = z.infer<typeof TeamRulesSchema>;

export const MeResponseSchema = z.object({
  email: text(320),
  name: z.optional(text(256)),
  providerUserId: text(128),
  role: z.enum(['agent', 'manager']),
  rules: TeamRulesSchema,
});
export type MeResponse = z.infer<typeof MeResponseSchema>;

export const HealthResponseSchema = z.object({
  ok: z.boolean(),
  database: z.enum(['pglite', 'postgres']),
  version: text(64),
  problems: z.array(text(500)),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** Every 401 and 403 body: `error` tells the extension whether signing in again can help. */
export const AuthErrorSchema = z.object({
  error: z.enum(['token-expired', 'unauthorized', 'forbidden', 'not-a-member']),
  message: text(1000),
});
export type AuthError = z.infer<typeof AuthErrorSchema>;

/** Sign-in hand-off (gateway/http/sign-in.ts): the browser tab signs in, the extension redeems the result. */
const base64url43 = z.string().check(z.regex(/^[A-Za-z0-9_-]{43,128}$/));
export const SignInStartSchema = z.object({ id: base64url43, challenge: base64url43 });
export const RedeemRequestSchema = z.object({ id: base64url43, verifier: base64url43 });
export const SessionTokensSchema = z.object({
  idToken: text(16_384),
  refreshToken: z.optional(text(4096)),
  /** ms since epoch: when idToken stops being accepted. */
  expiresAt: z.number(),
  email: text(320),
  name: z.optional(text(256)),
});
export type SessionTokens = z.infer<typeof SessionTokensSchema>;
export const RedeemResponseSchema = z.union([
  z.object({ status: z.literal('pending') }),
  z.object({ status: z.literal('signed-in'), session: SessionTokensSchema }),
  z.object({ status: z.literal('failed'), message: text(1000) }),
]);
export type RedeemResponse = z.infer<typeof RedeemResponseSchema>;
export const RefreshRequestSchema = z.object({ refreshToken: text(4096) });
export const SignOutRequestSchema = z.object({ refreshToken: z.optional(text(4096)) });
