import { readFileSync } from 'node:fs';
import { CsvFileError, type InvalidRow, readAgentsCsv } from './csv';
import type { ProvisionConfig } from './options';
import { UsageError } from './options';
import { type AgentEntry, agentsFragment, PasswordsFile, writeAgentsFragment, writeReport } from './output';
import { generatePassword } from './password';
import { createProgress, maskedStream, type ProgressStream } from './progress';
import { createProvisioningApi, type ProvisioningApi } from './provider';
import { planProvisioning, type RowResult, type RowStatus, runProvisioning } from './runner';
import { SecretMasker } from './secrets';
import { StateFileError, StateStore } from './state';

/**
 * One provisioning run from a checked configuration: read, create, write the three files, summarise.
 * The API token and every generated password are registered with a SecretMasker before they are used, and
 * every line printed (out, err, progress), every row result handed out and every file written except the
 * passwords file goes through it.
 */

export interface ProvisionIo {
  /** The summary and dry-run listing (stdout). */
  out(line: string): void;
  /** Warnings and per-row problems (stderr). */
  err(line: string): void;
  progress: ProgressStream;
}

export interface ProvisionDeps {
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  newPassword?: () => string;
  /** Replaces the HTTP API entirely (unit tests). */
  api?: ProvisioningApi;
  /** Each row that needed work, as it finishes (masked). */
  onResult?: (result: RowResult) => void;
  /** The CLI's, so that what it prints outside a run (usage errors, crashes) is masked the same way. */
  masker?: SecretMasker;
}

export interface ProvisionResult {
  exitCode: 0 | 1;
  dryRun: boolean;
  /** Every CSV row, invalid ones included, in file order; texts masked. */
  results: RowResult[];
  counts: Record<RowStatus, number>;
  idUnknown: number;
  agents: AgentEntry[];
  requests: number;
  retries: number;
  elapsedMs: number;
  interrupted: boolean;
}

const LISTED_PROBLEMS = 50;

export async function provision(config: ProvisionConfig, rawIo: ProvisionIo, deps: ProvisionDeps = {}): Promise<ProvisionResult> {
  const started = performance.now();
  const masker = deps.masker ?? new SecretMasker();
  masker.add(config.connection?.apiToken);
  const mask = (text: string) => masker.mask(text);
  const maskKnown = (text: string) => masker.maskKnown(text);
  const io: ProvisionIo = {
    out: (line) => rawIo.out(mask(line)),
    err: (line) => rawIo.err(mask(line)),
    progress: maskedStream(rawIo.progress, mask),
  };
  const maskResult = (result: RowResult): RowResult => ({
    ...result,
    ...(result.errorCode === undefined ? {} : { errorCode: mask(result.errorCode) }),
    ...(result.errorMessage === undefined ? {} : { errorMessage: mask(result.errorMessage) }),
  });
  let text: string;
  try {
    text = readFileSync(config.csvPath, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the CSV file ${config.csvPath}: ${(error as Error).message}`);
  }
  let csv: ReturnType<typeof readAgentsCsv>;
  let state: StateStore;
  try {
    csv = readAgentsCsv(text);
    state = StateStore.open(config.statePath, { orgId: config.orgId, apiUrl: config.apiUrl }, undefined, maskKnown);
  } catch (error) {
    if (error instanceof CsvFileError) throw new UsageError(`${config.csvPath}: ${error.message}`);
    if (error instanceof StateFileError) throw new UsageError(error.message);
    throw error;
  }
  if (csv.ignoredColumns.length > 0) io.err(`note: ignoring column(s) ${csv.ignoredColumns.join(', ')}`);
  const invalidResults = csv.invalid.map(invalidResult).map(maskResult);
  listProblems(io, 'invalid row', invalidResults);

  if (config.dryRun) {
    const plan = planProvisioning(csv.rows, state);
    io.out(`Dry run: ${csv.rows.length + csv.invalid.length} rows in ${config.csvPath}; nothing is sent.`);
    io.out(`  already done (state file ${config.statePath}): ${plan.existing.length}`);
    io.out(`  would be created: ${plan.toCreate.length}`);
    for (const row of plan.toCreate) io.out(`    line ${row.line}: ${row.email} (${row.firstName} ${row.lastName})`);
    io.out(`  invalid: ${csv.invalid.length}`);
    const results = [
      ...plan.existing.map(({ row, providerUserId }): RowResult => ({ line: row.line, email: row.email, status: 'existed', providerUserId, row })),
      ...invalidResults,
    ].sort((a, b) => a.line - b.line);
    return summarise(results, { dryRun: true, requests: 0, retries: 0, started, interrupted: false });
  }

  const connection = config.connection;
  if (!connection && !deps.api) throw new UsageError('missing connection settings');
  const counter = { requests: 0 };
  const api = deps.api ?? createProvisioningApi(connection as NonNullable<typeof connection>, counter, deps.fetchImpl);
  // The passwords file is the one output that holds passwords, on purpose: only when --passwords-out asks.
  const passwords = config.passwordsPath ? PasswordsFile.open(config.passwordsPath) : undefined;
  const generate = deps.newPassword ?? (() => generatePassword());
  const pending = csv.rows.filter((row) => !state.get(row.email)).length;
  const progress = createProgress(pending, io.progress);
  let run: Awaited<ReturnType<typeof runProvisioning>>;
  try {
    run = await runProvisioning(csv.rows, {
      api,
      state,
      concurrency: config.concurrency,
      askPasswordChange: config.askPasswordChange,
      retry: config.retry,
      ...(deps.signal ? { signal: deps.signal } : {}),
      // Known to the masker before it is sent: a provider error quoting it is masked from the first answer on.
      newPassword: () => {
        const password = generate();
        masker.add(password);
        return password;
      },
      onCreated: (email, password) => passwords?.add(email, password),
      onResult: (result) => {
        progress.tick(result);
        deps.onResult?.(maskResult(result));
      },
    });
  } finally {
    progress.stop();
    passwords?.close();
  }
  state.save();

  const results = [...run.results.map(maskResult), ...invalidResults].sort((a, b) => a.line - b.line);
  const summary = summarise(results, {
    dryRun: false,
    requests: counter.requests,
    retries: run.retries,
    started,
    interrupted: run.interrupted,
  });
  writeReport(config.reportPath, results, mask);
  writeAgentsFragment(config.agentsPath, summary.agents, maskKnown);

  listProblems(
    io,
    'failed',
    results.filter((result) => result.status === 'failed'),
  );
  listProblems(
    io,
    'existed, id unknown',
    results.filter((result) => result.errorCode === 'ID_UNKNOWN'),
  );
  if (run.stoppedBecause) io.err(`stopped early: ${run.stoppedBecause}`);
  if (run.interrupted) io.err('interrupted: rows not attempted are reported as failed (INTERRUPTED); run again to continue');

  const { counts } = summary;
  io.out(`Provisioned ${results.length} rows for org ${connection?.orgId ?? config.orgId} in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
  io.out(`  created  ${counts.created}`);
  io.out(`  existed  ${counts.existed}${summary.idUnknown ? ` (${summary.idUnknown} with unknown id, see the report)` : ''}`);
  io.out(`  failed   ${counts.failed}`);
  io.out(`  invalid  ${counts.invalid}`);
  io.out(`  requests ${summary.requests} (${summary.retries} retries, ${run.lookups} lookups after 409)`);
  io.out(`Report:  ${config.reportPath}`);
  io.out(`Agents:  ${config.agentsPath} (${summary.agents.length} entries, paste as the \`agents\` policy value)`);
  io.out(`State:   ${config.statePath}`);
  if (config.passwordsPath) io.out(`Passwords of created users: ${config.passwordsPath} (owner-only; delete it once handed over)`);
  return summary;
}

function summarise(
  results: RowResult[],
  meta: { dryRun: boolean; requests: number; retries: number; started: number; interrupted: boolean },
): ProvisionResult {
  const counts: Record<RowStatus, number> = { created: 0, existed: 0, failed: 0, invalid: 0 };
  for (const result of results) counts[result.status] += 1;
  return {
    exitCode: counts.failed > 0 ? 1 : 0,
    dryRun: meta.dryRun,
    results,
    counts,
    idUnknown: results.filter((result) => result.errorCode === 'ID_UNKNOWN').length,
    agents: agentsFragment(results),
    requests: meta.requests,
    retries: meta.retries,
    elapsedMs: performance.now() - meta.started,
    interrupted: meta.interrupted,
  };
}

function invalidResult(invalid: InvalidRow): RowResult {
  return {
    line: invalid.line,
    email: invalid.email ?? '',
    status: 'invalid',
    errorCode: 'INVALID_ROW',
    errorMessage: invalid.reason,
  };
}

function listProblems(io: ProvisionIo, label: string, results: readonly RowResult[]): void {
  for (const result of results.slice(0, LISTED_PROBLEMS)) {
    io.err(`line ${result.line}${result.email ? ` (${result.email})` : ''}: ${label}: ${result.errorMessage ?? ''}`);
  }
  if (results.length > LISTED_PROBLEMS) io.err(`… and ${results.length - LISTED_PROBLEMS} more ${label} rows in the report`);
}
