/**
 * Everything that can go wrong talking to the provider, as one typed error. `http` carries the provider's
 * ErrorRespDto fields when it sent them, so the agent sees exactly what the provider said.
 */
export type ProviderErrorKind = 'http' | 'network' | 'timeout' | 'invalid-response';

export interface ProviderErrorDetails {
  endpoint: string;
  status?: number;
  errorCode?: number;
  errorMessage?: string;
  errorDescription?: string;
  payload?: Record<string, unknown>;
  /** From a Retry-After header (seconds or HTTP date), in milliseconds from when the answer arrived. */
  retryAfterMs?: number;
  /** How many tries the client made before giving up, when it retried or ran out of time. */
  attempts?: number;
  /**
   * Set when the user action's time budget (SaleschatClient's actionBudgetMs), not the provider's answer,
   * ended the call: the error is then a `timeout` whatever the last try got, so the agent reads "did not
   * respond in time" and is offered Retry.
   */
  actionBudgetMs?: number;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';

  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly details: ProviderErrorDetails,
  ) {
    super(message);
  }

  get status(): number | undefined {
    return this.details.status;
  }

  /**
   * Worth repeating automatically: the request may not have reached the provider (connection error,
   * timeout), or the provider or a proxy in front of it said "not now" (429, 502, 503, 504). 408 is the
   * same timeout seen from the server's side (it gave up waiting for our request, which it did not act on;
   * RFC 9110 §15.5.9 lets the client repeat it), so it counts with our own timeouts. A 500 is a fault in
   * the provider itself, and any other 4xx is an answer: repeating either would only repeat it.
   */
  get retryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    return RETRYABLE_STATUSES.has(this.details.status ?? 0);
  }
}

const RETRYABLE_STATUSES = new Set([408, 429, 502, 503, 504]);

export const isProviderError = (error: unknown): error is ProviderError => error instanceof ProviderError;
