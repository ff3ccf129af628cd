import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { SeedLead } from '../../sandbox/seed';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../sandbox/server';
import type { ChatroomRecord, ContactRecord, UserRecord } from '../../sandbox/store';

export const DEMO_TOKEN = 'sandbox-token-demo';
export const OTHER_TOKEN = 'sandbox-token-other';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by assertions, not by types.
export type Json = any;

export interface SandboxState {
  users: UserRecord[];
  contacts: ContactRecord[];
  chatrooms: ChatroomRecord[];
  leads: SeedLead[];
}

export interface Call {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: Json;
}

/** One sandbox per test file, with data and controls reset before every test. */
export function useSandbox(options: SandboxOptions = {}) {
  const handle: { sandbox: Sandbox; url: string } = { sandbox: undefined as never, url: '' };
  beforeAll(async () => {
    handle.sandbox = await startSandbox({ quiet: true, ...options });
    handle.url = handle.sandbox.url;
  });
  afterAll(async () => {
    await handle.sandbox?.close();
  });
  beforeEach(async () => {
    await control(handle.url, 'POST', '/__sandbox/reset', { data: true });
  });
  return handle;
}

export async function call(
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<Call> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? DEMO_TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(url + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    redirect: 'manual',
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

export async function control(url: string, method: string, path: string, body?: unknown): Promise<Json> {
  const result = await call(url, method, path, { body, token: null });
  if (result.status !== 200) throw new Error(`${method} ${path} -> ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

export async function getState(url: string): Promise<SandboxState> {
  return control(url, 'GET', '/__sandbox/state');
}

export function contactBody(overrides: Record<string, unknown> = {}) {
  return {
    crm_id: 'L-1001',
    opt_in_date: '2024-01-31T12:00:00Z',
    phone_number: '+14155550132',
    first_name: 'Ada',
    last_name: 'Lovelace',
    ...overrides,
  };
}

export async function createContact(url: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const result = await call(url, 'POST', '/v2/org/org_demo/contact', { body: contactBody(overrides) });
  if (result.status !== 200) throw new Error(`create contact -> ${result.status} ${JSON.stringify(result.body)}`);
  return result.body.id as string;
}

/** Asserts the provider's ErrorRespDto shape and returns the body for further checks. */
export function expectError(result: Call, status: number, code: number, message: string): Json {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(result.body).toEqual({
    error_code: code,
    error_message: message,
    error_description: expect.any(String),
    payload: expect.any(Object),
  });
  return result.body;
}
