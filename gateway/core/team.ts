import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AgentEntrySchema, type AgentEntry } from '../../lib/config/schema';
import { ROLES, users } from '../db/schema';
import type { CoreDeps, GatewayDb, SignedInAgent, TeamMember, TeamRules, TeamSettings } from './types';

/**
 * The team: who may use the gateway, with their Saleschat user. Only administrators change it (the users CLI);
 * agents are matched by the e-mail of their verified sign-in.
 */

/** The member signed in as `agent`, or undefined when the e-mail is not in the team. */
export async function whoIs(deps: Pick<CoreDeps, 'db'>, agent: SignedInAgent): Promise<TeamMember | undefined> {
  return findMemberByEmail(deps.db, agent.email);
}

export async function findMemberByEmail(db: GatewayDb, email: string): Promise<TeamMember | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  return row ? toMember(row) : undefined;
}

export async function findMemberByProviderUserId(db: GatewayDb, providerUserId: string): Promise<TeamMember | undefined> {
  const [row] = await db.select().from(users).where(eq(users.providerUserId, providerUserId));
  return row ? toMember(row) : undefined;
}

/** The team as lib/actions/lead-owner.ts reads an agents directory (to tell and describe a lead's holder). */
export async function teamDirectory(db: GatewayDb): Promise<AgentEntry[]> {
  return (await listUsers(db)).map((member) => ({
    email: member.email,
    providerUserId: member.providerUserId,
    ...(member.crmUserId ? { crmUserId: member.crmUserId } : {}),
    ...(member.name ? { name: member.name } : {}),
  }));
}

/** The rules an agent's extension shows; nothing secret. */
export function teamRules(settings: TeamSettings): TeamRules {
  const { allowReassign, reassignWhenOwnerUnknown, providerDashboardUrl, orgId, defaultCountry } = settings;
  return { allowReassign, reassignWhenOwnerUnknown, providerDashboardUrl, orgId, defaultCountry };
}

export async function listUsers(db: GatewayDb): Promise<TeamMember[]> {
  return (await db.select().from(users).orderBy(asc(users.email))).map(toMember);
}

/** A user as an administrator gives it: the extension's agents-directory entry plus a role. */
export const UserInputSchema = AgentEntrySchema.extend({ role: z.enum(ROLES).optional() });
export type UserInput = z.input<typeof UserInputSchema>;

export interface UpsertReport {
  added: number;
  updated: number;
}

/**
 * Adds the users, or updates those whose e-mail is there. Fields a row leaves out keep their stored value
 * (role: 'agent' for a new user), so re-importing a file without a role column demotes nobody. All rows or none:
 * an invalid row, or a Saleschat user id that another e-mail already has, rejects the whole call.
 */
export async function upsertUsers(db: GatewayDb, rows: readonly UserInput[]): Promise<UpsertReport> {
  const valid = rows.map((row, index) => parseUserInput(row, index));
  const upsert = db.transaction(async (tx) => {
    const report: UpsertReport = { added: 0, updated: 0 };
    for (const row of valid) {
      const [result] = await tx
        .insert(users)
        .values({ ...row, role: row.role ?? 'agent' })
        .onConflictDoUpdate({ target: users.email, set: changedFields(row) })
        .returning({ inserted: sql<boolean>`(xmax = 0)` });
      report[result?.inserted ? 'added' : 'updated'] += 1;
    }
    return report;
  });
  return upsert.catch((error: unknown) => {
    if (isUniqueViolation(error, 'users_provider_user_id_key')) {
      throw new UserInputError('A Saleschat user id given here already belongs to another e-mail in the team; remove or correct that user first. Nothing was changed.');
    }
    throw error;
  });
}

/** Postgres error 23505 on this constraint, however the driver and drizzle wrapped it. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const { code, constraint: name } = cause as Error & { code?: string; constraint?: string };
    if (code === '23505') return name === constraint || cause.message.includes(constraint);
  }
  return false;
}

/** True when a user with this e-mail was removed. Their past assignments stay (history, not membership). */
export async function removeUser(db: GatewayDb, email: string): Promise<boolean> {
  const removed = await db.delete(users).where(eq(users.email, email.trim().toLowerCase())).returning({ id: users.id });
  return removed.length > 0;
}

type ValidUser = z.output<typeof UserInputSchema>;

function parseUserInput(row: UserInput, index: number): ValidUser {
  const parsed = UserInputSchema.safeParse(row);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'row'} ${issue.message}`).join('; ');
  throw new UserInputError(`User ${index + 1}${typeof row?.email === 'string' ? ` (${row.email})` : ''}: ${issues}`);
}

/** The columns an update sets: the given fields; a new Saleschat user id also drops the old account's kept link. */
function changedFields(row: ValidUser) {
  const keptLinkBelongsToOldUser = sql`${users.providerUserId} <> excluded.provider_user_id`;
  return {
    providerUserId: row.providerUserId,
    ...(row.crmUserId !== undefined ? { crmUserId: row.crmUserId } : {}),
    ...(row.name !== undefined ? { name: row.name } : {}),
    ...(row.role !== undefined ? { role: row.role } : {}),
    magicLink: sql`CASE WHEN ${keptLinkBelongsToOldUser} THEN NULL ELSE ${users.magicLink} END`,
    magicLinkExpiresAt: sql`CASE WHEN ${keptLinkBelongsToOldUser} THEN NULL ELSE ${users.magicLinkExpiresAt} END`,
    updatedAt: sql`now()`,
  };
}

export class UserInputError extends Error {
  override readonly name = 'UserInputError';
}

function toMember(row: typeof users.$inferSelect): TeamMember {
  return {
    email: row.email,
    providerUserId: row.providerUserId,
    role: row.role,
    ...(row.name ? { name: row.name } : {}),
    ...(row.crmUserId ? { crmUserId: row.crmUserId } : {}),
  };
}
