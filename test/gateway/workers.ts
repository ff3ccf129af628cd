import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TeamChatResult } from '../../gateway/core/types';

/**
 * Runs test/gateway/chat-worker.ts in a child process and reads its JSON lines. Started as
 * `node --import tsx …` (not the tsx CLI, which runs the script in a grandchild) so that killing the child
 * really kills the gateway core.
 */

const WORKER = fileURLToPath(new URL('./chat-worker.ts', import.meta.url));

export type WorkerLine = { event?: Record<string, unknown>; ready?: boolean; startedAt?: number; results?: TeamChatResult[]; error?: string };

export interface Worker {
  process: ChildProcess;
  lines: WorkerLine[];
  /** Resolves with the first line (already printed or to come) that matches; rejects when the worker exits first. */
  waitFor(matches: (line: WorkerLine) => boolean, timeoutMs?: number): Promise<WorkerLine>;
  /** The Chats' results, once the worker printed them and exited. */
  results(timeoutMs?: number): Promise<TeamChatResult[]>;
  go(): void;
  exited: Promise<number | null>;
}

export function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: WorkerLine[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as WorkerLine);
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then(() => {
    for (const listener of listeners) listener();
  });

  const waitFor = (matches: (line: WorkerLine) => boolean, timeoutMs = 30_000) =>
    new Promise<WorkerLine>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`worker: no matching line within ${timeoutMs} ms; lines ${JSON.stringify(lines)}; stderr ${stderr}`)), timeoutMs);
      const check = () => {
        const found = lines.find(matches);
        if (found) return done(undefined, found);
        if (child.exitCode !== null || child.signalCode !== null) done(new Error(`worker exited (${child.exitCode ?? child.signalCode}) first; lines ${JSON.stringify(lines)}; stderr ${stderr}`));
      };
      const done = (error?: Error, line?: WorkerLine) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (error) reject(error);
        else resolve(line as WorkerLine);
      };
      listeners.add(check);
      check();
    });

  return {
    process: child,
    lines,
    waitFor,
    results: async (timeoutMs) => {
      const line = await waitFor((candidate) => candidate.results !== undefined || candidate.error !== undefined, timeoutMs);
      if (line.error) throw new Error(`worker failed: ${line.error}`);
      await exited;
      return line.results ?? [];
    },
    go: () => child.stdin?.end('go\n'),
    exited,
  };
}
