import cliProgress from 'cli-progress';
import type { RowResult } from './runner';

/**
 * A bar where someone watches a terminal; elsewhere (CI logs, pipes, files) a redrawn bar is noise, so one
 * line per 10 % instead.
 */

export interface Progress {
  tick(result: RowResult): void;
  stop(): void;
}

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/**
 * `stream` with `mask` applied to everything written to it (lib/provisioning/secrets.ts); the rest of the
 * stream (isTTY, columns) is what cli-progress asks of it.
 */
export function maskedStream(stream: ProgressStream & { columns?: number }, mask: (text: string) => string): ProgressStream & { columns?: number } {
  return {
    isTTY: stream.isTTY === true,
    get columns() {
      return stream.columns;
    },
    write: (chunk: string, ...rest: unknown[]) =>
      (stream.write as (chunk: string, ...rest: unknown[]) => unknown)(typeof chunk === 'string' ? mask(chunk) : chunk, ...rest),
  };
}

export function createProgress(total: number, stream: ProgressStream): Progress {
  const counts = { created: 0, existed: 0, failed: 0 };
  const count = (result: RowResult) => {
    if (result.status !== 'invalid') counts[result.status] += 1;
  };
  if (total === 0) return { tick: count, stop: () => {} };

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WritableStream,
        format: 'provision [{bar}] {percentage}% | {value}/{total} | created {created} · existed {existed} · failed {failed} | {duration_formatted}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, counts);
    return {
      tick(result) {
        count(result);
        bar.increment(1, counts);
      },
      stop: () => bar.stop(),
    };
  }

  let done = 0;
  let lastDecile = 0;
  return {
    tick(result) {
      count(result);
      done += 1;
      const decile = Math.floor((done * 10) / total);
      if (decile > lastDecile) {
        lastDecile = decile;
        stream.write(
          `provision: ${Math.floor((done * 100) / total)}% (${done}/${total}) created ${counts.created}, existed ${counts.existed}, failed ${counts.failed}\n`,
        );
      }
    },
    stop: () => {},
  };
}
