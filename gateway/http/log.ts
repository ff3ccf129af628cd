import { redact } from '../../lib/redact';

export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/**
 * Structured logs: one JSON object per line (for log collectors) or one readable line. Every line goes through
 * redaction (lib/redact.ts): the provider token is registered as a known secret at start-up, and bearer tokens,
 * credential-shaped URL parameters and JSON fields are masked by shape. Request logs carry the path, never the
 * query string (the sign-in callback's code travels there).
 */
export function createLogger(format: 'json' | 'pretty', write: (line: string) => void = (line) => process.stdout.write(`${line}\n`), quiet = false): Logger {
  const emit = (level: string, event: string, fields: Record<string, unknown> = {}) => {
    if (quiet && level === 'info') return;
    const record = { at: new Date().toISOString(), level, event, ...fields };
    const line = format === 'json' ? JSON.stringify(record) : `${record.at} ${level} ${event} ${Object.entries(fields).map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(' ')}`;
    write(redact(line));
  };
  return {
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}
