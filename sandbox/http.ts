import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';

/** A response as data, so a handler's result can be inspected, replaced by a fault, or logged. */
export interface Reply {
  status: number;
  /** Serialised as JSON. Ignored when `text` is set. */
  json?: unknown;
  /** Sent verbatim (HTML pages, or a fault's deliberately malformed body). */
  text?: string;
  headers?: Record<string, string>;
}

export interface ErrorRespDto {
  error_code: number;
  error_message: string;
  error_description: string;
  payload: Record<string, unknown>;
}

const ERROR_MESSAGES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'UQ_CONSTRAINT_FAILED',
  422: 'VALIDATION_FAILED',
  500: 'INTERNAL_ERROR',
};

/**
 * The provider's codes look like HTTP status × 10000 + n. Statuses it never documented (429, 503 from
 * faults) follow the same pattern with the HTTP reason as message, so clients see a consistent shape.
 */
export function errorDto(status: number, description: string, payload: Record<string, unknown> = {}): ErrorRespDto {
  const message =
    ERROR_MESSAGES[status] ?? (STATUS_CODES[status] ?? 'ERROR').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  return { error_code: status * 10000 + 1, error_message: message, error_description: description, payload };
}

export function errorReply(status: number, description: string, payload: Record<string, unknown> = {}): Reply {
  return { status, json: errorDto(status, description, payload) };
}

export function jsonReply(json: unknown, status = 200): Reply {
  return { status, json };
}

export function htmlReply(html: string, status = 200, headers: Record<string, string> = {}): Reply {
  return { status, text: html, headers: { 'content-type': 'text/html; charset=utf-8', ...headers } };
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  let body: string | undefined;
  if (reply.text !== undefined) {
    body = reply.text;
  } else if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, reply.headers);
  // 204 and 304 must not carry a body, even if a fault configured one.
  if (reply.status === 204 || reply.status === 304) body = undefined;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(reply.status, headers);
  res.end(body);
}

const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type ParsedBody = { ok: true; value: unknown } | { ok: false; error: string };

/** An empty body parses as `undefined`, so handlers can tell "no body" from "bad JSON". */
export function parseJson(raw: string): ParsedBody {
  if (raw.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Resolves after `ms`, or at once when the sandbox closes, so shutdown never waits on injected delays. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (name && !(name in cookies)) {
      try {
        cookies[name] = decodeURIComponent(value);
      } catch {
        cookies[name] = value;
      }
    }
  }
  return cookies;
}
