import { ConfigError, type ProviderConfig, type ResolvedConfig, requireProviderConfig, resolveAgent } from '../config/resolve';
import type { ConnectionReport } from '../messaging';
import type { ProviderApi } from './context';
import { ProviderError } from '../provider/errors';

/** A user id no real account has: a 404 for it proves URL, token and org are right, and no link is minted. */
export const PROBE_USER_ID = 'crm-chat-bridge-connection-test';

type Check = ConnectionReport['checks'][number];

/**
 * "Test connection" in the options page, without minting a login link (every link is a way into the agent's
 * Saleschat account): a magic-link request for a user id no real account has tells the failures apart —
 * unreachable URL, an answer that is not Saleschat, 401 (token), 403 (token not allowed in the org), and a
 * Saleschat 404 proves URL, token and org right. Then the agent: Saleschat's user with the agent's e-mail
 * must be the directory's user id (the same lookup provisioning uses).
 */
export async function testConnection(
  config: ResolvedConfig,
  createClient: (provider: ProviderConfig) => Pick<ProviderApi, 'magicLink' | 'lookup'>,
): Promise<ConnectionReport> {
  const checks: Check[] = config.problems.map((problem) => ({
    label: `Setting ${problem.key}`,
    ok: false,
    detail: `${problem.message} (${problem.source === 'policy' ? 'set by your administrator' : 'set in these options'})`,
  }));
  let provider: ProviderConfig;
  try {
    provider = requireProviderConfig(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { ok: false, checks: [...checks, { label: 'Configuration', ok: false, detail: error.message }] };
  }
  const client = createClient(provider);
  const reached = await client.magicLink(PROBE_USER_ID).then(
    () => [{ label: 'Provider answer', ok: false, detail: `Saleschat issued a login link for a user that does not exist (${PROBE_USER_ID}): is this the Saleschat API?` }],
    (error: unknown) => {
      if (!(error instanceof ProviderError)) throw error;
      return explainFailure(error, provider);
    },
  );
  checks.push(...reached);
  if (reached.every((check) => check.ok)) checks.push(await agentCheck(config, provider, client));
  return { ok: checks.every((check) => check.ok), checks };
}

/** The agent is who the directory says: Saleschat's user with their e-mail has their user id. */
async function agentCheck(config: ResolvedConfig, provider: ProviderConfig, client: Pick<ProviderApi, 'lookup'>): Promise<Check> {
  const agent = resolveAgent(config.values);
  if (!agent) return { label: 'Agent', ok: false, detail: 'Not identified yet: your administrator sets agentEmail, or you pick yourself in "Who am I".' };
  if (!agent.email) return { label: 'Agent', ok: true, detail: `Saleschat user ${agent.providerUserId} (no e-mail in the directory to check it by)` };
  try {
    const found = userIdOf(await client.lookup('getUserByEmail', `/v1/org/${encodeURIComponent(provider.orgId)}/user?email=${encodeURIComponent(agent.email)}`));
    if (found === agent.providerUserId) return { label: 'Agent', ok: true, detail: `${agent.email} is Saleschat user ${found} in ${provider.orgId}` };
    if (found) return { label: 'Agent', ok: false, detail: `The agents directory says ${agent.email} is ${agent.providerUserId}, but Saleschat says ${found}. Ask your administrator to correct agents.` };
    return { label: 'Agent', ok: false, detail: `Saleschat has no user ${agent.email} in ${provider.orgId} (or does not answer the user lookup).` };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return { label: 'Agent', ok: false, detail: `Could not look ${agent.email} up: ${error.message}.` };
  }
}

function userIdOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>).user_id ?? (body as Record<string, unknown>).id;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function explainFailure(error: ProviderError, provider: ProviderConfig): Check[] {
  const api = provider.providerApiUrl;
  const code = error.details.errorCode;
  const said = [code, error.details.errorMessage].filter((part) => part !== undefined).join(' ');
  const reached: Check = { label: 'Provider reachable', ok: true, detail: api };
  switch (error.kind) {
    case 'network':
      return [{ label: 'Provider reachable', ok: false, detail: `${error.message}. Check providerApiUrl and your network.` }];
    case 'timeout':
      return [{ label: 'Provider reachable', ok: false, detail: `${error.message} (${api}).` }];
    case 'invalid-response':
      return [reached, { label: 'Provider answer', ok: false, detail: `${error.message}. Is ${api} the Saleschat API?` }];
  }
  if (error.status === 401) {
    return [reached, { label: 'API token', ok: false, detail: `Rejected (HTTP 401${said ? `, ${said}` : ''}). Check apiToken.` }];
  }
  if (error.status === 403) {
    return [
      reached,
      { label: 'API token', ok: true, detail: 'accepted' },
      {
        label: 'Organisation',
        ok: false,
        detail: `The token may not act in organisation "${provider.orgId}" (HTTP 403${said ? `, ${said}` : ''}). Check orgId.`,
      },
    ];
  }
  if (error.status === 404 && code !== undefined) {
    return [
      reached,
      { label: 'API token', ok: true, detail: 'accepted' },
      { label: 'Organisation', ok: true, detail: `${provider.orgId}: the token may act in it` },
    ];
  }
  if (error.status === 404) {
    return [{ label: 'Provider answer', ok: false, detail: `${api} answered 404 without a Saleschat error body: is this the Saleschat API URL?` }];
  }
  return [reached, { label: 'Provider answer', ok: false, detail: `${error.message}.` }];
}
