import { isProviderError, type ProviderError } from '../provider/errors';
import { type RetryOptions, withRetry } from '../provider/retry';
import type { AgentRow } from './csv';
import { generatePassword } from './password';
import type { ProvisioningApi } from './provider';
import type { StateStore } from './state';

/**
 * Creates the users a CSV asks for, at most `concurrency` at a time, never twice: a user the state file
 * knows is not requested again, and a 409 (already in the org) is resolved by looking the id up, never by
 * creating anew.
 */

export type RowStatus = 'created' | 'existed' | 'failed' | 'invalid';

export interface RowResult {
  line: number;
  /** Empty for an invalid row whose email could not be read. */
  email: string;
  status: RowStatus;
  providerUserId?: string;
  /** The provider's error_code when it sent one, otherwise one of ours (NETWORK, HTTP_503, ID_UNKNOWN…). */
  errorCode?: string;
  errorMessage?: string;
  row?: AgentRow;
}

export interface RunOptions {
  api: ProvisioningApi;
  state: StateStore;
  concurrency: number;
  askPasswordChange: boolean;
  retry?: Omit<RetryOptions, 'signal' | 'onRetry'>;
  /** Stops starting new rows; rows already sent finish, so their outcome is recorded. */
  signal?: AbortSignal;
  newPassword?: () => string;
  /** Called once per created user, after the provider confirmed it. The only place a password goes. */
  onCreated?: (email: string, password: string) => void;
  /** Each row that needed work, as it finishes (not the rows the state file already covered). */
  onResult?: (result: RowResult) => void;
}

export interface RunOutcome {
  results: RowResult[];
  retries: number;
  lookups: number;
  /** Set when the provider refused the credentials and the run stopped early. */
  stoppedBecause?: string;
  interrupted: boolean;
}

export async function runProvisioning(rows: readonly AgentRow[], options: RunOptions): Promise<RunOutcome> {
  const { api, state } = options;
  const outcome: RunOutcome = { results: [], retries: 0, lookups: 0, interrupted: false };
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const retryOptions: RetryOptions = {
    ...options.retry,
    signal,
    onRetry: () => {
      outcome.retries += 1;
    },
  };
  const newPassword = options.newPassword ?? (() => generatePassword());
  const done = (result: RowResult) => {
    options.onResult?.(result);
    return result;
  };

  const results = new Map<AgentRow, RowResult>();
  const todo: AgentRow[] = [];
  for (const row of rows) {
    const known = state.get(row.email);
    if (known) {
      results.set(row, { ...base(row), status: 'existed', providerUserId: known.providerUserId });
    } else {
      todo.push(row);
    }
  }

  async function resolveExisting(row: AgentRow, conflict: ProviderError, attempts: number): Promise<RowResult> {
    const maybeOurs =
      attempts > 1
        ? ' An earlier try of this run may have created it before its answer was lost; its password is then unknown (reset it if needed).'
        : '';
    const conflictCode = conflict.details.errorCode === undefined ? 'HTTP_409' : String(conflict.details.errorCode);
    outcome.lookups += 1;
    let id: string | undefined;
    let why: string;
    try {
      id = await withRetry(() => api.findUserIdByEmail(row.email), retryOptions);
      why = 'the lookup by email answered 404 (route not available, or the user is not in this org)';
    } catch (error) {
      if (signal.aborted && !isProviderError(error)) return interrupted(row, true);
      why = `the lookup by email failed: ${messageOf(error)}`;
    }
    if (id === undefined) {
      return {
        ...base(row),
        status: 'existed',
        errorCode: 'ID_UNKNOWN',
        errorMessage:
          `already in the org (409), but ${why}. Its id is unknown: find the user in the Saleschat dashboard and add ` +
          `it to the agents list by hand, or pass --lookup-path with the provider's get-user-by-email route and run again.${maybeOurs}`,
      };
    }
    state.record(row.email, id, 'lookup');
    return {
      ...base(row),
      status: 'existed',
      providerUserId: id,
      errorCode: conflictCode,
      errorMessage: `already in the org (409); id found by email lookup.${maybeOurs}`,
    };
  }

  async function provisionRow(row: AgentRow): Promise<RowResult> {
    const password = newPassword();
    let attempts = 0;
    try {
      const id = await withRetry(async () => {
        attempts += 1;
        return api.createUser({
          email: row.email,
          password,
          first_name: row.firstName,
          last_name: row.lastName,
          ask_user_to_update_password_on_login: options.askPasswordChange,
        });
      }, retryOptions);
      state.record(row.email, id, 'created');
      options.onCreated?.(row.email, password);
      return { ...base(row), status: 'created', providerUserId: id };
    } catch (error) {
      if (!isProviderError(error)) {
        if (signal.aborted) return interrupted(row, attempts > 0);
        throw error;
      }
      if (error.status === 409) return resolveExisting(row, error, attempts);
      if (error.status === 401 || error.status === 403) {
        // Every other row would be refused the same way; stopping keeps the report readable.
        outcome.stoppedBecause ??= `Saleschat refused the credentials (${messageOf(error)}); check the token and --org`;
        stop.abort(new Error(outcome.stoppedBecause));
      }
      return { ...base(row), status: 'failed', ...errorFields(error) };
    }
  }

  /** `tried`: a request went out, so the user may exist; the next run settles that through the 409 path. */
  function interrupted(row: AgentRow, tried = false): RowResult {
    const why = outcome.stoppedBecause ?? 'the run was interrupted';
    const what = tried ? 'stopped while retrying' : 'not attempted';
    return {
      ...base(row),
      status: 'failed',
      errorCode: outcome.stoppedBecause ? 'STOPPED' : 'INTERRUPTED',
      errorMessage: `${what}: ${why}; run the same command again to continue`,
    };
  }

  let next = 0;
  const worker = async () => {
    while (next < todo.length && !signal.aborted) {
      const row = todo[next++] as AgentRow;
      results.set(row, done(await provisionRow(row)));
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, todo.length));
  await Promise.all(Array.from({ length: workers }, worker));

  for (const row of todo) {
    if (!results.has(row)) results.set(row, done(interrupted(row)));
  }
  outcome.interrupted = options.signal?.aborted === true;
  outcome.results = rows.map((row) => results.get(row) as RowResult);
  return outcome;
}

/** What a dry run prints: which rows the state file already covers and which would be created. */
export function planProvisioning(rows: readonly AgentRow[], state: StateStore) {
  const existing: Array<{ row: AgentRow; providerUserId: string }> = [];
  const toCreate: AgentRow[] = [];
  for (const row of rows) {
    const known = state.get(row.email);
    if (known) existing.push({ row, providerUserId: known.providerUserId });
    else toCreate.push(row);
  }
  return { existing, toCreate };
}

function base(row: AgentRow): Pick<RowResult, 'line' | 'email' | 'row'> {
  return { line: row.line, email: row.email, row };
}

export function errorFields(error: ProviderError): Pick<RowResult, 'errorCode' | 'errorMessage'> {
  const code =
    error.details.errorCode !== undefined
      ? String(error.details.errorCode)
      : error.kind === 'http'
        ? `HTTP_${error.status ?? 0}`
        : error.kind.toUpperCase().replace('-', '_');
  return { errorCode: code, errorMessage: error.message };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
