/**
 * Shares one in-flight promise per key: a double click, or the same lead in two tabs, runs the action once
 * and every caller gets the same outcome.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, task: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = task().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  get size(): number {
    return this.inFlight.size;
  }
}

/**
 * Runs `task` one call at a time, in call order: a call made while one runs waits for it, so two runs never
 * interleave their reads and writes (re-syncing registrations, tidying stored options).
 */
export function serialized<T>(task: () => Promise<T>): () => Promise<T> {
  let previous: Promise<unknown> = Promise.resolve();
  return () => {
    const next = previous.then(task, task);
    previous = next.catch(() => undefined);
    return next;
  };
}
