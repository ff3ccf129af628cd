import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A real gateway process, started as an admin starts it (`npm run gateway`: gateway/cli.ts with its
 * configuration in the environment), its JSON log lines read from stdout. Started as `node --import tsx`, not
 * through npm or the tsx CLI, so that a SIGKILL reaches the gateway itself and not a wrapper.
 */

const CLI = fileURLToPath(new URL('../../gateway/cli.ts', import.meta.url));

export interface GatewayProcess {
  url: string;
  process: ChildProcess;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function spawnGateway(env: Record<string, string>, timeoutMs = 60_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI], {
    env: { ...process.env, ...env, GATEWAY_PORT: '0', GATEWAY_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopWith = (signal: NodeJS.Signals) => async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`no "listening" line within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`gateway process: ${why}\n${output}`));
    };
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const record = JSON.parse(line) as Record<string, unknown>;
        logs.push(record);
        if (record.event === 'listening') {
          clearTimeout(timer);
          resolve({ url: String(record.url), process: child, logs, kill: stopWith('SIGKILL'), stop: stopWith('SIGTERM') });
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before listening`));
  });
}
