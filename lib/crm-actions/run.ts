import { redact, rememberSecret } from '../redact';
import { AuthFailure, type AuthDeps, authenticator, type Authenticator } from './auth';
import type { CrmAction, CrmActionStep } from './schema';
import { captureValues, renderStep, stepLabel, TemplateError } from './template';
import { withBodies } from './validate';
import type { ActionVariables } from './variables';

/**
 * One run of one crmAction: its steps in order, each request built from its templates with the variables so far
 * (the event's, and what earlier steps captured), authenticated, sent with a timeout. Pure but for `fetch`, so the
 * extension's background and the team gateway run the same code; retrying and remembering is their journal's job.
 *
 * How a failure is classified decides whether the journal tries again:
 * - transient: the CRM could not be reached or answered 408/425/429/500/502/503 (504 to a GET): trying again later
 *   may help, and the CRM did not act (nothing is logged twice);
 * - unconfirmed: a request that changes the CRM got no answer in time, or a 504: the CRM may have acted, so it is
 *   not sent again (the agent is told to check);
 * - permanent: the CRM refused (400, 401 after a fresh token, 403, 404, 422…) or the action cannot be built (a
 *   variable the lead lacks): only an administrator can fix it.
 */
export type ActionRunResult =
  | { ok: true; captured: ActionVariables }
  | { ok: false; kind: 'transient' | 'unconfirmed' | 'permanent'; status?: number; message: string };

export interface RunDeps extends Omit<AuthDeps, 'timeoutMs'> {}

const DEFAULT_TIMEOUT_MS = 8000;
const TRANSIENT_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export async function runCrmAction(configured: CrmAction, variables: ActionVariables, deps: RunDeps): Promise<ActionRunResult> {
  const action = withBodies(configured);
  const timeoutMs = action.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const auth = authenticator(action.auth, { ...deps, timeoutMs });
  for (const secret of auth.secrets) rememberSecret(secret);
  let values: ActionVariables = { ...variables };
  const captured: ActionVariables = {};
  for (const [index, step] of action.steps.entries()) {
    if (!shouldRun(step, values)) continue;
    const label = stepLabel(step, index);
    const result = await runStep(step, label, values, auth, { fetch: deps.fetch, timeoutMs });
    if (!result.ok) return result;
    Object.assign(captured, result.captured);
    values = { ...values, ...result.captured };
  }
  return { ok: true, captured };
}

function shouldRun(step: CrmActionStep, values: ActionVariables): boolean {
  if (step.when?.missing && values[step.when.missing]) return false;
  if (step.when?.present && !values[step.when.present]) return false;
  return true;
}

type StepResult = { ok: true; captured: ActionVariables } | Extract<ActionRunResult, { ok: false }>;

async function runStep(
  step: CrmActionStep,
  label: string,
  values: ActionVariables,
  auth: Authenticator,
  deps: { fetch: typeof fetch; timeoutMs: number },
): Promise<StepResult> {
  let request: ReturnType<typeof renderStep>;
  try {
    request = renderStep(step, values, { stepLabel: label });
  } catch (error) {
    if (error instanceof TemplateError) return { ok: false, kind: 'permanent', message: error.message };
    throw error;
  }
  const first = await send(request, auth, deps, label);
  const answer = 'kind' in first || first.response.status !== 401 ? first : await afterUnauthorized(first, request, auth, deps, label);
  if ('kind' in answer) return answer;
  const { response, text } = answer;
  if (!response.ok) {
    return { ok: false, kind: failureKind(response.status, request.method), status: response.status, message: `${label} answered ${response.status}${excerpt(redact(text))}` };
  }
  return { ok: true, captured: captureValues(parseJson(text), step.capture) };
}

/**
 * An access token the CRM no longer takes (expired, revoked): one fresh token, one more try. Static credentials
 * cannot be renewed (the 401 stands); a token endpoint that fails meanwhile is reported as itself (a 503 there is
 * worth retrying later).
 */
async function afterUnauthorized(
  first: { response: Response; text: string },
  request: ReturnType<typeof renderStep>,
  auth: Authenticator,
  deps: { fetch: typeof fetch; timeoutMs: number },
  label: string,
): Promise<{ response: Response; text: string } | Extract<ActionRunResult, { ok: false }>> {
  try {
    if (!(await auth.renew())) return first;
  } catch (error) {
    if (error instanceof AuthFailure) return authFailure(error);
    throw error;
  }
  return send(request, auth, deps, label);
}

/**
 * 504 to a request that changes the CRM: a gateway gave up waiting, the CRM behind it may have acted, so it is not
 * sent again. Other 5xx, 408, 425 and 429: the request was not acted on; later may work.
 */
function failureKind(status: number, method: string): 'transient' | 'unconfirmed' | 'permanent' {
  if (status === 504 && method !== 'GET') return 'unconfirmed';
  return TRANSIENT_STATUSES.has(status) ? 'transient' : 'permanent';
}

function authFailure(error: AuthFailure): Extract<ActionRunResult, { ok: false }> {
  return { ok: false, kind: error.transient ? 'transient' : 'permanent', ...(error.status ? { status: error.status } : {}), message: redact(`signing in to the CRM failed: ${error.message}`) };
}

async function send(
  request: ReturnType<typeof renderStep>,
  auth: Authenticator,
  deps: { fetch: typeof fetch; timeoutMs: number },
  label: string,
): Promise<{ response: Response; text: string } | Extract<ActionRunResult, { ok: false }>> {
  let authed: { url: string; headers: Record<string, string> };
  try {
    authed = await auth.apply({ url: request.url, headers: { Accept: 'application/json', ...request.headers, ...(request.contentType ? { 'Content-Type': request.contentType } : {}) } });
  } catch (error) {
    if (!(error instanceof AuthFailure)) throw error;
    return authFailure(error);
  }
  try {
    const response = await deps.fetch(authed.url, {
      method: request.method,
      headers: authed.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    return { response, text: await response.text().catch(() => '') };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    if (!timedOut) return { ok: false, kind: 'transient', message: `${label}: the CRM cannot be reached` };
    const changes = request.method !== 'GET';
    return {
      ok: false,
      kind: changes ? 'unconfirmed' : 'transient',
      message: `${label}: no answer within ${deps.timeoutMs / 1000} s${changes ? '; the CRM may have acted, so it is not sent again' : ''}`,
    };
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat ? `: ${flat.slice(0, 200)}${flat.length > 200 ? '…' : ''}` : '';
}
