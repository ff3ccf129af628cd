import { ConfigError } from '../config/resolve';
import type { ActionOutcome } from '../messaging';
import type { Endpoint } from '../provider/client';
import { ProviderError } from '../provider/errors';
import { LeadDataError } from '../phone';
import { redactOutcome } from '../redact';
import { storageFailure } from '../store/errors';

/**
 * A refusal decided by the extension (e.g. reassigning is not allowed), or a provider answer it cannot act
 * on; `provider` carries that answer's code so the toast shows it like any provider error.
 */
export class ActionRefused extends Error {
  override readonly name = 'ActionRefused';
  constructor(
    message: string,
    readonly provider?: { status?: number; errorCode?: number; errorMessage?: string },
  ) {
    super(message);
  }
}

const STEP: Record<Endpoint, string> = {
  createContact: 'Creating the Saleschat contact failed',
  updateContact: 'Updating the Saleschat contact failed',
  updateStage: "Updating the lead's Saleschat stage failed",
  assign: 'Assigning the chat failed',
  magicLink: 'Getting a Saleschat login link failed',
  createUser: 'Creating the Saleschat user failed',
  getUserByEmail: 'Looking up the Saleschat user failed',
  getContactByCrmId: 'Looking up the existing Saleschat contact failed',
};

/**
 * Turns any failure into the message the agent reads. Never includes the token or a magic link: whatever
 * an error quotes (a provider echoing the token, a browser quoting the link it could not open) is redacted.
 */
export function failureOutcome(error: unknown): ActionOutcome {
  return redactOutcome(describeFailure(error));
}

function describeFailure(error: unknown): ActionOutcome {
  if (error instanceof ActionRefused) return { ok: false, message: error.message, retryable: false, ...providerCodes(error.provider ?? {}) };
  if (error instanceof ConfigError || error instanceof LeadDataError) {
    return { ok: false, message: error.message, retryable: false };
  }
  if (error instanceof ProviderError) {
    const { endpoint, status, errorCode, errorMessage } = error.details;
    const step = STEP[endpoint as Endpoint] ?? 'The Saleschat request failed';
    return { ok: false, message: `${step}: ${describeProviderError(error)}`, retryable: agentMayRetry(error), ...providerCodes({ status, errorCode, errorMessage }) };
  }
  // The browser's IndexedDB failed (full, unavailable, closed): say so and what to do (lib/store/errors.ts).
  const storage = storageFailure(error);
  if (storage) return { ok: false, message: storage.message, retryable: storage.retryable };
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, message: `Something unexpected went wrong: ${message}`, retryable: true };
}

function providerCodes({ status, errorCode, errorMessage }: { status?: number; errorCode?: number; errorMessage?: string }) {
  return {
    ...(status !== undefined ? { status } : {}),
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(errorMessage !== undefined ? { errorMessage: errorMessage.slice(0, 200) } : {}),
  };
}

/**
 * Whether the toast offers Retry. Wider than what the client repeats on its own: after a 500 or an
 * unreadable answer, one more try by the agent is reasonable (the journal keeps it from duplicating
 * anything), while an automatic loop would not be.
 */
function agentMayRetry(error: ProviderError): boolean {
  return error.retryable || error.status === 500 || error.kind === 'invalid-response';
}

function describeProviderError(error: ProviderError): string {
  const { status, errorCode, errorMessage, errorDescription } = error.details;
  if (error.kind !== 'http') return `${error.message}.`;
  const said = [errorCode, errorMessage].filter((part) => part !== undefined).join(' ');
  const detail = errorDescription ? ` — ${errorDescription}` : '';
  if (status === 401) {
    return `Saleschat rejected the API token${said ? ` (${said})` : ''}. Ask your administrator to check apiToken.`;
  }
  if (errorCode !== undefined) return `Saleschat error ${said}${detail}`;
  return `${error.message}.`;
}
