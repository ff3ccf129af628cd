import { z } from 'zod';

/**
 * Parsers for provider responses. The provider documents some response bodies only partly
 * (docs/saleschat-api.md marks them unconfirmed), so these accept every plausible shape and
 * reject anything else with a clear reason instead of guessing.
 */

const idLike = z.union([z.string().trim().min(1), z.number().int().nonnegative()]).transform(String);

export const ErrorRespDtoSchema = z.looseObject({
  error_code: z.coerce.number().int(),
  error_message: z.string().optional(),
  error_description: z.string().optional(),
  payload: z.record(z.string(), z.unknown()).nullish(),
});
export type ErrorRespDto = z.infer<typeof ErrorRespDtoSchema>;

export const ContactSchema = z.looseObject({ id: idLike, crm_id: z.string().optional() });
export type ProviderContact = z.infer<typeof ContactSchema>;

export const CreateUserSchema = z.looseObject({ user_id: idLike });

const httpUrl = z
  .string()
  .trim()
  .url()
  .refine((value) => /^https?:\/\//i.test(value), 'not an http(s) URL');

export interface MagicLink {
  url: string;
  /** Epoch milliseconds after which the link must not be used. */
  expiresAt: number;
  /** Whether the provider stated the expiry, or we assumed the configured lifetime. */
  expiryKnown: boolean;
}

const LINK_FIELDS = ['magic_link', 'magicLink', 'link', 'url'] as const;
const EXPIRY_FIELDS = ['expiry', 'expires_at', 'expiry_ts', 'expiresAt'] as const;

/** Accepts epoch seconds, epoch milliseconds or an ISO-8601 string; undefined when none is usable. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    // Below 1e12 it cannot be milliseconds of any date after 2001: it is seconds.
    return value < 1e12 ? value * 1000 : value;
  }
  if (typeof value === 'string' && value.trim() !== '') {
    if (/^\d+(\.\d+)?$/.test(value.trim())) return parseTimestamp(Number(value));
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

export function parseMagicLink(body: unknown, now: number, fallbackLifetimeMs: number): MagicLink {
  let candidate: unknown = body;
  let expiry: number | undefined;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    candidate = LINK_FIELDS.map((field) => record[field]).find((value) => typeof value === 'string');
    for (const field of EXPIRY_FIELDS) {
      expiry ??= parseTimestamp(record[field]);
    }
  }
  const url = httpUrl.safeParse(candidate);
  if (!url.success) {
    throw new TypeError(
      `the magic-link response has no link (looked for a URL string or ${LINK_FIELDS.join('/')})`,
    );
  }
  return {
    url: url.data,
    expiresAt: expiry ?? now + fallbackLifetimeMs,
    expiryKnown: expiry !== undefined,
  };
}

export interface AssignResult {
  chatroomId?: string;
  assignedUserId?: string;
  previousAssignedUserId?: string;
}

const optionalId = idLike.optional().catch(undefined);

/**
 * Every field is optional: an assign that returns no chatroom id still succeeded. A chatroom id is taken
 * only from a field that names a chatroom: a bare `id` could as well be the contact's or the assignment's,
 * and a wrong chatroom id would be stored and opened for every later Chat on the lead.
 */
export function parseAssign(body: unknown): AssignResult {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const record = body as Record<string, unknown>;
  const chatroom = record.chatroom && typeof record.chatroom === 'object' ? (record.chatroom as Record<string, unknown>) : {};
  const pick = (...values: unknown[]) => values.map((value) => optionalId.parse(value)).find(Boolean);
  return dropUndefined({
    chatroomId: pick(record.chatroom_id, record.chatroomId, chatroom.id),
    assignedUserId: pick(record.assigned_user_id, record.assignedUserId, record.user_id, chatroom.assigned_user_id),
    previousAssignedUserId: pick(record.previous_assigned_user_id, record.previousAssignedUserId),
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
