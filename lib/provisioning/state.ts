import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * What a previous run already established: email → provider user id. It is what makes a re-run safe: a user
 * in here is never sent to the provider again. Written after every user, atomically (temp file + rename),
 * so an interrupted run leaves either the old or the new file, never half of one.
 */

const StateFileSchema = z.object({
  version: z.literal(1),
  orgId: z.string().min(1),
  apiUrl: z.string(),
  updatedAt: z.string(),
  users: z.record(
    z.string(),
    z.object({
      providerUserId: z.string().min(1),
      /** How the id was learnt: from our create, or from the lookup after a 409. */
      source: z.enum(['created', 'lookup']),
      at: z.string(),
    }),
  ),
});
export type StateFile = z.infer<typeof StateFileSchema>;
export type StateEntry = StateFile['users'][string];

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

export class StateStore {
  private constructor(
    readonly path: string,
    private readonly data: StateFile,
    private readonly now: () => Date,
    private readonly mask: (value: string) => string,
  ) {}

  /**
   * A missing file is an empty state. A corrupt one, or one written for another org, stops the run: guessing
   * would mean creating users again (or recording ids from the wrong org). `mask` sees each id the provider
   * hands over before it is kept (SecretMasker.maskKnown: a credential echoed as an id never lands on disk);
   * per id, not per write, since the whole file is rewritten after every user.
   */
  static open(
    path: string,
    target: { orgId: string; apiUrl: string },
    now: () => Date = () => new Date(),
    mask: (value: string) => string = (value) => value,
  ): StateStore {
    if (!existsSync(path)) {
      return new StateStore(path, { version: 1, ...target, updatedAt: now().toISOString(), users: {} }, now, mask);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new StateFileError(`state file ${path} is not valid JSON (${(error as Error).message}); fix or move it away`);
    }
    const parsed = StateFileSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StateFileError(`state file ${path} is not a provisioning state file (${issue?.path.join('.')}: ${issue?.message})`);
    }
    if (target.orgId !== '' && parsed.data.orgId !== target.orgId) {
      throw new StateFileError(
        `state file ${path} belongs to org ${parsed.data.orgId}, not ${target.orgId}; use --state to pick another file`,
      );
    }
    return new StateStore(path, parsed.data, now, mask);
  }

  get orgId(): string {
    return this.data.orgId;
  }

  get(email: string): StateEntry | undefined {
    return Object.hasOwn(this.data.users, email) ? this.data.users[email] : undefined;
  }

  get size(): number {
    return Object.keys(this.data.users).length;
  }

  /** Records and persists at once: the next thing that can happen is a crash. */
  record(email: string, providerUserId: string, source: StateEntry['source']): void {
    const at = this.now().toISOString();
    this.data.users[email] = { providerUserId: this.mask(providerUserId), source, at };
    this.data.updatedAt = at;
    this.save();
  }

  /**
   * One user per line: still easy to read and diff, and a third of the size of indented JSON, which matters
   * because the whole file is rewritten after every user.
   */
  save(): void {
    const { users, ...head } = this.data;
    const lines = Object.entries(users).map(([email, entry]) => `${JSON.stringify(email)}:${JSON.stringify(entry)}`);
    const headJson = JSON.stringify(head);
    writeFileAtomic(this.path, `${headJson.slice(0, -1)},"users":{${lines.length ? `\n${lines.join(',\n')}\n` : ''}}}\n`);
  }
}

/**
 * Same directory as the target so the rename stays on one file system (and so is atomic). Synchronous on
 * purpose: concurrent workers then cannot interleave two writes of the same file.
 */
export function writeFileAtomic(path: string, content: string, mode?: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, content, mode === undefined ? undefined : { mode });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
