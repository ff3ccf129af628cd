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

  /** Worth another try later: the request may not have reached the provider, or it was overloaded. */
  get retryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    const status = this.details.status ?? 0;
    return status === 429 || status >= 500;
  }
}

export const isProviderError = (error: unknown): error is ProviderError => error instanceof ProviderError;
