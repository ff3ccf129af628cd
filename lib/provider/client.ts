import type { z } from 'zod';
import { ProviderError } from './errors';
import { type GiveUpEvent, type RetryOptions, withRetry } from './retry';
import {
  type AssignResult,
  ContactSchema,
  CreateUserSchema,
  ErrorRespDtoSchema,
  type MagicLink,
  parseAssign,
  parseMagicLink,
  type ProviderContact,
} from './responses';

/** The provider endpoints we call, named as the sandbox counts them. */
export type Endpoint = 'createUser' | 'magicLink' | 'createContact' | 'updateContact' | 'updateStage' | 'assign' | LookupEndpoint;

/** Lookups the docs do not confirm (provider-api.md 2.4, 3.4): their paths are configured, not built in. */
export type LookupEndpoint = 'getUserByEmail' | 'getContactByCrmId';

export interface ProviderSettings {
  apiUrl: string;
  orgId: string;
  apiToken: string;
  requestTimeoutMs: number;
  /** Used when a magic-link response states no expiry. */
  magicLinkLifetimeMs: number;
  /**
   * Automatic retries of failures worth repeating (ProviderError.retryable), with back-off and jitter.
   * Absent: every call is tried once (provisioning, for one, retries per row itself).
   */
  retry?: ClientRetryOptions;
}

export interface ClientRetryOptions extends Omit<RetryOptions, 'budgetMs' | 'now' | 'signal'> {
  /**
   * The time one user action may take, waits included. The background makes one client per action, so
   * every call this client makes (create contact, then assign) draws on the same budget, counted from its
   * first request; the try that would run past it is cut short. A slow provider thus ends in a clear error
   * ("did not respond in time", kind `timeout`, so the toast offers Retry), not in a spinner that never
   * stops. The background uses 20 000 ms (lib/background/main.ts): room for a Chat's two calls with a retry
   * each at the default 8 s request timeout, well under what an agent watching a button will wait, while
   * 3 tries × 8 s for a single call alone would not fit.
   */
  actionBudgetMs: number;
}

/**
 * Retries for an agent's click: up to 3 tries per call with full-jitter back-off from 250 ms (Retry-After
 * wins when longer), and 20 s for the whole action, after which the toast says what failed and offers Retry.
 * An agent waits on these, so the numbers are small; provisioning, which nobody watches, retries longer.
 */
export const ACTION_RETRY = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4000, actionBudgetMs: 20_000 } as const satisfies ClientRetryOptions;

export interface CreateContactInput {
  crm_id: string;
  first_name?: string;
  last_name?: string;
  /** E.164, e.g. +14155550132. */
  phone_number?: string;
  opt_in_date: string;
}

export interface CreateUserInput {
  email: string;
  password: string;
  first_name: string;
  last_name: string;
  ask_user_to_update_password_on_login?: boolean;
}

/**
 * Saleschat API client (docs/saleschat-api.md). Lives only in the background worker: it holds
 * the token. Every response is validated; every failure is a `ProviderError`.
 */
export class SaleschatClient {
  /** When the action budget ends: set by this client's first request (one client serves one user action). */
  private deadline: number | undefined;

  constructor(
    private readonly settings: ProviderSettings,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
    private readonly now: () => number = Date.now,
  ) {}

  async createContact(input: CreateContactInput): Promise<ProviderContact> {
    const body = await this.request('createContact', 'POST', `/v2/org/${this.org}/contact`, input);
    return this.validate('createContact', ContactSchema, body);
  }

  async updateContact(contactId: string, input: Pick<CreateContactInput, 'crm_id' | 'first_name' | 'last_name'>) {
    const body = await this.request('updateContact', 'PUT', `/v1/orgs/${this.org}/contact/${enc(contactId)}`, input);
    return this.validate('updateContact', ContactSchema, body);
  }

  /**
   * "Update disposition & stage" (provider-api.md 3.3): its path is not documented, so the caller passes the
   * configured one (contactStagePath). Its answer's shape is not documented either: any 2xx is success.
   */
  async updateStage(path: string, input: { stage: string; disposition?: string }): Promise<void> {
    await this.request('updateStage', 'PUT', path, input);
  }

  async assign(contactId: string, userId: string): Promise<AssignResult> {
    const body = await this.request('assign', 'POST', `/v3/orgs/${this.org}/contacts/${enc(contactId)}/assign`, {
      user_id: userId,
    });
    return parseAssign(body);
  }

  async magicLink(userId: string): Promise<MagicLink> {
    const body = await this.request('magicLink', 'GET', `/v1/org/${this.org}/user/${enc(userId)}/magiclink`);
    try {
      return parseMagicLink(body, this.now(), this.settings.magicLinkLifetimeMs);
    } catch (error) {
      throw new ProviderError('invalid-response', `Saleschat sent an unexpected magic-link response: ${(error as Error).message}`, {
        endpoint: 'magicLink',
        status: 200,
      });
    }
  }

  async createUser(input: CreateUserInput): Promise<string> {
    const body = await this.request('createUser', 'POST', `/v1/org/${this.org}/user`, input);
    return this.validate('createUser', CreateUserSchema, body).user_id;
  }

  /**
   * GETs a configured lookup path (e.g. a user by e-mail). A 404 is an answer — "no such record" — so it
   * returns undefined; every other failure is a ProviderError as for any endpoint.
   */
  async lookup(endpoint: LookupEndpoint, path: string): Promise<unknown> {
    try {
      return await this.request(endpoint, 'GET', path);
    } catch (error) {
      if (error instanceof ProviderError && error.status === 404) return undefined;
      throw error;
    }
  }

  private get org(): string {
    return enc(this.settings.orgId);
  }

  private validate<T>(endpoint: Endpoint, schema: z.ZodType<T>, body: unknown): T {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (field ${issue.path.join('.')}: ${issue.message})` : '';
    throw new ProviderError('invalid-response', `Saleschat sent an unexpected ${endpoint} response${where}`, {
      endpoint,
      status: 200,
    });
  }

  /**
   * A call with its retries, within what is left of the action's budget. createContact is retried too: if a
   * lost answer hid a created contact, the retry meets the provider's crm_id uniqueness and fails with a
   * 409 like any other (status 409, the provider's payload), which the chat action must read as "already
   * exists" (lib/actions/chat.ts). Assign (v3) is idempotent and magicLink a GET, so both are safe to repeat.
   */
  private async request(endpoint: Endpoint, method: string, path: string, body?: unknown): Promise<unknown> {
    const retry = this.settings.retry;
    const timeoutMs = this.settings.requestTimeoutMs;
    if (!retry) return this.exchange(endpoint, method, path, body, timeoutMs);
    const { actionBudgetMs, ...options } = retry;
    this.deadline ??= this.now() + actionBudgetMs;
    const deadline = this.deadline;
    let tries = 0;
    let previous: ProviderError | undefined;
    let gaveUp: GiveUpEvent | undefined;
    try {
      return await withRetry(
        async () => {
          const left = deadline - this.now();
          if (left <= 0) throw new OutOfTime(false);
          tries += 1;
          // The last try of an action gets only the time that is left, so the budget is a bound, not a hint.
          if (left >= timeoutMs) return await this.exchange(endpoint, method, path, body, timeoutMs);
          try {
            return await this.exchange(endpoint, method, path, body, left);
          } catch (error) {
            if (error instanceof ProviderError && error.kind === 'timeout') throw new OutOfTime(true);
            throw error;
          }
        },
        {
          ...options,
          budgetMs: deadline - this.now(),
          now: this.now,
          onRetry: (event) => {
            previous = event.error;
            options.onRetry?.(event);
          },
          onGiveUp: (event) => {
            gaveUp = event;
            options.onGiveUp?.(event);
          },
        },
      );
    } catch (error) {
      if (error instanceof OutOfTime) {
        // Cut off mid-try: that try got no answer, so what an earlier try got is not "the last answer".
        throw outOfTimeError(endpoint, actionBudgetMs, tries, error.cutOff ? undefined : previous);
      }
      if (gaveUp?.reason === 'budget') throw outOfTimeError(endpoint, actionBudgetMs, tries, gaveUp.error);
      if (gaveUp?.reason === 'attempts') {
        const last = gaveUp.error;
        throw new ProviderError(last.kind, `${last.message} (gave up after ${tries} tries)`, { ...last.details, attempts: tries });
      }
      // A final answer (401, 403, 404, 409, 500, an unreadable body, ...) is passed on exactly as it came,
      // whether or not earlier tries failed: a 409 after a retried create must look like any other 409.
      throw error;
    }
  }

  /** One HTTP exchange: timeout, error mapping, JSON parsing. Returns the parsed body (undefined if empty). */
  private async exchange(endpoint: Endpoint, method: string, path: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const url = `${this.settings.apiUrl}${path}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.settings.apiToken}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        credentials: 'omit',
        cache: 'no-store',
      });
      text = await response.text();
    } catch (error) {
      if (controller.signal.aborted) {
        throw new ProviderError('timeout', `Saleschat did not answer within ${this.settings.requestTimeoutMs / 1000} s`, {
          endpoint,
        });
      }
      throw new ProviderError('network', `Cannot reach Saleschat at ${this.settings.apiUrl} (${describeNetworkError(error)})`, {
        endpoint,
      });
    } finally {
      clearTimeout(timer);
    }

    const parsed = parseJson(text);
    if (!response.ok) throw httpError(endpoint, response, parsed, this.now());
    if (parsed.kind === 'invalid') {
      throw new ProviderError('invalid-response', `Saleschat sent a response that is not valid JSON (${endpoint}, HTTP ${response.status})`, {
        endpoint,
        status: response.status,
      });
    }
    return parsed.value;
  }
}

const enc = encodeURIComponent;

/**
 * Thrown inside the retry loop when the action's budget is spent. Deliberately not a ProviderError, so
 * withRetry rethrows it at once instead of weighing another try; request() turns it into the agent's error.
 */
class OutOfTime extends Error {
  constructor(readonly cutOff: boolean) {
    super('action budget spent');
  }
}

/**
 * "Saleschat did not respond in time": kind `timeout` (so the toast offers Retry, and the chat journal treats
 * the step's outcome as unknown), naming the budget, the tries and what the last try got; the last answer's
 * status and provider error code stay in the details so the toast can still show them.
 */
function outOfTimeError(endpoint: Endpoint, actionBudgetMs: number, tries: number, last: ProviderError | undefined): ProviderError {
  const spent = tries === 0 ? 'none left for this step' : `${tries} ${tries === 1 ? 'try' : 'tries'}`;
  const got = last ? `; last: ${last.message}` : tries > 0 ? '; the last try got no answer' : '';
  const wait = last?.details.retryAfterMs;
  const asked = wait === undefined ? '' : `; Saleschat asked to wait ${Math.ceil(wait / 1000)} s`;
  return new ProviderError('timeout', `Saleschat did not respond in time (${actionBudgetMs / 1000} s allowed per action, ${spent}${got}${asked})`, {
    ...last?.details,
    endpoint,
    attempts: tries,
    actionBudgetMs,
  });
}

type ParsedBody = { kind: 'empty'; value: undefined } | { kind: 'json'; value: unknown } | { kind: 'invalid'; text: string };

function parseJson(text: string): ParsedBody {
  if (text.trim() === '') return { kind: 'empty', value: undefined };
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch {
    return { kind: 'invalid', text };
  }
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function httpError(endpoint: Endpoint, response: Response, parsed: ParsedBody, now: number): ProviderError {
  const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'), now);
  const extra = retryAfterMs === undefined ? {} : { retryAfterMs };
  const dto = parsed.kind === 'json' ? ErrorRespDtoSchema.safeParse(parsed.value) : undefined;
  if (dto?.success) {
    const { error_code, error_message, error_description, payload } = dto.data;
    const said = [error_message, error_description].filter(Boolean).join(': ');
    return new ProviderError('http', `Saleschat error ${error_code}${said ? ` ${said}` : ''}`, {
      endpoint,
      status: response.status,
      errorCode: error_code,
      errorMessage: error_message,
      errorDescription: error_description,
      payload: payload ?? undefined,
      ...extra,
    });
  }
  const reason = response.statusText || STATUS_TEXT[response.status] || 'error';
  return new ProviderError('http', `Saleschat answered HTTP ${response.status} ${reason}`, {
    endpoint,
    status: response.status,
    ...extra,
  });
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * Total: a fetch can reject with anything (a polyfill's plain object, a cross-compartment error in Firefox),
 * and String() throws on some values (no prototype, a throwing toString); that must not turn a connection
 * failure into "something unexpected" (found by test/unit/fuzz/client-retry.fuzz.test.ts).
 */
function describeNetworkError(error: unknown): string {
  let message: unknown;
  try {
    message = error instanceof Error ? error.message : String(error);
  } catch {
    message = undefined;
  }
  return typeof message === 'string' && message ? message : 'connection failed';
}
