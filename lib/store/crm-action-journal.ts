import type { CrmActionJournal, CrmActionRow } from '../crm-actions/runner';
import type { BridgeDatabase } from './db';

/** The CRM write-back journal in the extension's IndexedDB (direct mode). */
export function dexieCrmActionJournal(db: BridgeDatabase): CrmActionJournal {
  const open = (row: CrmActionRow) => row.state === 'pending' || row.state === 'running';
  return {
    add: (rows) =>
      db.transaction('rw', db.crmActions, async () => {
        const added: CrmActionRow[] = [];
        for (const row of rows) {
          if (await db.crmActions.get(row.id)) continue;
          await db.crmActions.add(row);
          added.push(row);
        }
        return added;
      }),
    due: async (now) => (await db.crmActions.where('nextAttemptAt').belowOrEqual(now).toArray()).filter(open),
    nextDue: async () => (await db.crmActions.orderBy('nextAttemptAt').filter(open).first())?.nextAttemptAt,
    update: async (id, change) => {
      await db.crmActions.update(id, change);
    },
    prune: async (before) => {
      await db.crmActions.filter((row) => !open(row) && row.updatedAt < before).delete();
    },
  };
}
