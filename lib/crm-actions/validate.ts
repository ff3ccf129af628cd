import { type CrmAction, type CrmActionAuth, stepBody } from './schema';
import { crmActionProblems, stepLabel } from './template';
import { ACTION_VARIABLES } from './variables';

/**
 * What is wrong with a crmActions list beyond its shape, by action and step: unknown variables, steps whose `when`
 * names a value no earlier step captures, URLs that cannot be built, two actions with one name (the name keys the
 * write-back journal), token endpoints that are not web addresses.
 */
export function crmActionsProblems(actions: readonly CrmAction[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const action of actions) {
    if (seen.has(action.name)) problems.push(`two actions are named "${action.name}": each needs its own name`);
    seen.add(action.name);
    problems.push(...bodyProblems(action));
    problems.push(...crmActionProblems(withBodies(action), ACTION_VARIABLES));
    const tokenUrl = action.auth && 'tokenUrl' in action.auth ? action.auth.tokenUrl : undefined;
    if (tokenUrl !== undefined && !/^https?:\/\/[^/]/i.test(tokenUrl)) problems.push(`action "${action.name}": auth.tokenUrl must be an http(s) address`);
  }
  return problems;
}

/** The action with each step's bodyJson parsed into `body`: what runs, and what is checked. */
export function withBodies(action: CrmAction): CrmAction {
  return { ...action, steps: action.steps.map((step) => (step.bodyJson === undefined ? step : { ...step, body: stepBody(step) })) };
}

/**
 * A POST, PUT or PATCH needs a body: Chrome strips a policy's `body` it cannot declare (write bodyJson there), and
 * a write-back without one would log an empty activity.
 */
function bodyProblems(action: CrmAction): string[] {
  const problems: string[] = [];
  for (const [index, step] of action.steps.entries()) {
    const where = `action "${action.name}", ${stepLabel(step, index)}`;
    if (step.body !== undefined && step.bodyJson !== undefined) problems.push(`${where}: give body or bodyJson, not both`);
    if (step.bodyJson !== undefined && stepBody(step) === undefined) problems.push(`${where}: bodyJson is not valid JSON`);
    const writes = step.method === 'POST' || step.method === 'PUT' || step.method === 'PATCH';
    if (writes && step.body === undefined && step.bodyJson === undefined) {
      problems.push(`${where}: a ${step.method} needs a body (in Chrome policy write it as bodyJson, a JSON text)`);
    }
  }
  return problems;
}

const MASK = '••••••••';

/** The actions with every secret replaced by a mask: what the options page may show. */
export function maskActionSecrets(actions: readonly CrmAction[]): CrmAction[] {
  return actions.map((action) => (action.auth ? { ...action, auth: maskAuth(action.auth) } : action));
}

function maskAuth(auth: CrmActionAuth): CrmActionAuth {
  if (auth.type === 'header' || auth.type === 'query') return { ...auth, secret: MASK };
  if (auth.type === 'basic') return { ...auth, password: MASK };
  if (auth.type === 'oauth-client-credentials') return { ...auth, clientSecret: MASK };
  return { ...auth, clientSecret: MASK, refreshToken: MASK };
}
