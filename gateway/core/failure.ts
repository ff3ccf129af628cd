import { ActionRefused, failureOutcome } from '../../lib/actions/outcome';
import { LeadDataError } from '../../lib/phone';
import { ProviderError } from '../../lib/provider/errors';
import type { AuditOutcome } from '../db/schema';
import type { FailureStatus, TeamFailure } from './types';

/**
 * A refusal the gateway decides (not a member, not allowed, lead data it cannot use), with the HTTP status it
 * answers. An ActionRefused, so failureOutcome words it exactly as direct mode would.
 */
export class Refusal extends ActionRefused {
  constructor(
    message: string,
    readonly httpStatus: 403 | 409 | 422,
  ) {
    super(message);
  }
}

/**
 * Any failure as the agent reads it (direct mode's wording, redacted) with its HTTP status:
 * - the gateway's own refusals: their status (403 not allowed, 422 unusable lead data);
 * - a provider answer direct mode also refuses on (a 409 whose contact cannot be told): 409;
 * - Saleschat unreachable, slow or overloaded (worth a retry): 503; any other provider answer: 502;
 * - anything else (the database, a configuration error): 500.
 */
export function teamFailure(error: unknown): TeamFailure {
  const outcome = failureOutcome(error);
  if (outcome.ok) throw new Error('failureOutcome returned a success');
  return { ...outcome, httpStatus: failureStatus(error) };
}

function failureStatus(error: unknown): FailureStatus {
  if (error instanceof Refusal) return error.httpStatus;
  if (error instanceof ActionRefused) return 409;
  if (error instanceof LeadDataError) return 422;
  if (error instanceof ProviderError) return error.retryable ? 503 : 502;
  return 500;
}

/** 'refused' when a rule or the data said no (nothing went wrong), 'failed' otherwise. */
export function auditOutcome(error: unknown): AuditOutcome {
  return error instanceof ActionRefused || error instanceof LeadDataError ? 'refused' : 'failed';
}
