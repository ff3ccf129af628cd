import { ConfigError, type ProviderConfig, type ResolvedConfig, requireProviderConfig, resolveAgent } from '../config/resolve';
import type { ConnectionReport } from '../messaging';
import type { ProviderApi } from './context';
import { ProviderError } from '../provider/errors';

/** A user id no real account has: a 404 for it proves URL, token and org are right without side effects. */
export const PROBE_USER_ID = 'crm-chat-bridge-connection-test';

type Check = ConnectionReport['checks'][number];

/**
 * "Test connection" in the options page. One magic-link request tells the failures apart: unreachable URL,
 * an answer that is not Saleschat, 401 (token), 403 (token not allowed in the org), 404 (agent not in org).
 * When the agent is known their own user id is asked for, which also proves the agent mapping.
 */
export async function testConnection(
  config: ResolvedConfig,
  createClient: (provider: ProviderConfig) => Pick<ProviderApi, 'magicLink'>,
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
  const agent = resolveAgent(config.values);
  const userId = agent?.providerUserId ?? PROBE_USER_ID;
  const api = provider.providerApiUrl;

  try {
    await createClient(provider).magicLink(userId);
    checks.push(
      { label: 'Provider reachable', ok: true, detail: api },
      { label: 'API token', ok: true, detail: 'accepted' },
      { label: 'Organisation', ok: true, detail: `${provider.orgId}: the token may act in it` },
      { label: 'Agent', ok: true, detail: `${agent?.email ?? userId} is a user of ${provider.orgId}` },
    );
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    checks.push(...explainFailure(error, provider, userId, agent !== undefined));
  }
  if (!agent) {
    checks.push({ label: 'Agent', ok: false, detail: 'Not chosen yet: pick yourself in "Who am I" (agentEmail).' });
  }
  return { ok: checks.every((check) => check.ok), checks };
}

function explainFailure(error: ProviderError, provider: ProviderConfig, userId: string, agentKnown: boolean): Check[] {
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
    const orgOk: Check[] = [
      reached,
      { label: 'API token', ok: true, detail: 'accepted' },
      { label: 'Organisation', ok: true, detail: `${provider.orgId}: the token may act in it` },
    ];
    return agentKnown
      ? [...orgOk, { label: 'Agent', ok: false, detail: `Saleschat has no user ${userId} in ${provider.orgId} (${said}).` }]
      : orgOk;
  }
  if (error.status === 404) {
    return [{ label: 'Provider answer', ok: false, detail: `${api} answered 404 without a Saleschat error body: is this the Saleschat API URL?` }];
  }
  return [reached, { label: 'Provider answer', ok: false, detail: `${error.message}.` }];
}
