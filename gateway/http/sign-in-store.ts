import { eq, lt } from 'drizzle-orm';
import type { GatewayDb } from '../db/open';
import { signIns } from '../db/schema';
import type { PendingSignIn, SignInResult, SignInStore } from './sign-in';

/**
 * Sign-ins in progress live in the database, not in memory: the identity provider's redirect may reach another
 * gateway process than the one that started the sign-in, and the extension's polling yet another.
 */
export function databaseSignInStore(db: GatewayDb, now: () => number = Date.now): SignInStore {
  return {
    async create(entry) {
      // Finished or abandoned sign-ins go whenever a new one starts: the table stays as small as the traffic.
      await db.delete(signIns).where(lt(signIns.expiresAt, new Date(now())));
      const inserted = await db.insert(signIns).values(entry).onConflictDoNothing().returning({ id: signIns.id });
      return inserted.length === 1;
    },
    async byState(state) {
      const [row] = await db.select().from(signIns).where(eq(signIns.oidcState, state));
      return row ? pending(row) : undefined;
    },
    async byId(id) {
      const [row] = await db.select().from(signIns).where(eq(signIns.id, id));
      return row ? pending(row) : undefined;
    },
    async finish(id, result) {
      await db.update(signIns).set({ result }).where(eq(signIns.id, id));
    },
    async remove(id) {
      await db.delete(signIns).where(eq(signIns.id, id));
    },
  };
}

function pending(row: typeof signIns.$inferSelect): PendingSignIn {
  return {
    id: row.id,
    extChallenge: row.extChallenge,
    oidcCodeVerifier: row.oidcCodeVerifier,
    oidcNonce: row.oidcNonce,
    oidcState: row.oidcState,
    expiresAt: row.expiresAt,
    result: (row.result as SignInResult | null) ?? null,
  };
}
