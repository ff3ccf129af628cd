import { describe, expect, it } from 'vitest';
import { resolveConfig, TOKEN_ENV, UsageError } from '../../../lib/provisioning/options';

const env = { [TOKEN_ENV]: 'tok' };
const connection = { 'api-url': 'http://127.0.0.1:4010/', org: 'org_demo' };

function usage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  return expect.unreachable('expected a UsageError');
}

describe('resolveConfig', () => {
  it('derives the file names from the CSV and applies the defaults', () => {
    const config = resolveConfig(connection, ['data/team.CSV'], env);
    expect(config).toMatchObject({
      csvPath: 'data/team.CSV',
      statePath: 'data/team.provision-state.json',
      reportPath: 'data/team.provision-report.csv',
      agentsPath: 'data/team.agents.json',
      dryRun: false,
      concurrency: 4,
      askPasswordChange: true,
      connection: { apiUrl: 'http://127.0.0.1:4010', orgId: 'org_demo', apiToken: 'tok', timeoutMs: 10_000, lookupPath: '/v1/org/{orgId}/user?email={EMAIL}' },
      retry: { maxAttempts: 4, baseDelayMs: 500 },
    });
    expect(config.passwordsPath).toBeUndefined();
  });

  it('takes every option', () => {
    const config = resolveConfig(
      {
        ...connection,
        'timeout-ms': '3000',
        concurrency: '16',
        state: 's.json',
        report: 'r.csv',
        'agents-out': 'a.json',
        'passwords-out': 'p.csv',
        'no-ask-password-change': true,
        'lookup-path': '/v2/user/by-email/{EMAIL}',
        'max-attempts': '2',
        'retry-base-ms': '10',
      },
      ['users'],
      env,
    );
    expect(config).toMatchObject({
      statePath: 's.json',
      reportPath: 'r.csv',
      agentsPath: 'a.json',
      passwordsPath: 'p.csv',
      concurrency: 16,
      askPasswordChange: false,
      connection: { timeoutMs: 3000, lookupPath: '/v2/user/by-email/{EMAIL}' },
      retry: { maxAttempts: 2, baseDelayMs: 10 },
    });
  });

  it('names every missing connection setting, and needs none for a dry run', () => {
    expect(usage(() => resolveConfig({}, ['u.csv'], {}))).toBe(
      `missing --api-url URL, --org ID, the ${TOKEN_ENV} environment variable (or use --dry-run to only check the file)`,
    );
    expect(usage(() => resolveConfig(connection, ['u.csv'], { [TOKEN_ENV]: '  ' }))).toMatch(TOKEN_ENV);
    const dry = resolveConfig({ 'dry-run': true, org: 'org_demo' }, ['u.csv'], {});
    expect(dry).toMatchObject({ dryRun: true, orgId: 'org_demo' });
    expect(dry.connection).toBeUndefined();
  });

  it('sends the token over https: only; http: only to a loopback host', () => {
    const https = resolveConfig({ ...connection, 'api-url': 'https://apis.saleschat.pro/' }, ['u.csv'], env);
    expect(https.connection?.apiUrl).toBe('https://apis.saleschat.pro');
    for (const url of ['http://127.0.0.1:4010', 'http://localhost:4010', 'http://LOCALHOST', 'http://[::1]:4010']) {
      expect(resolveConfig({ ...connection, 'api-url': url }, ['u.csv'], env).connection?.apiUrl).toBe(url.replace('LOCALHOST', 'localhost'));
    }
    // Refused before anything else, in a dry run too: the same command without --dry-run would send the token.
    for (const url of ['http://apis.example', 'http://apis.saleschat.pro', 'http://127.0.0.2:4010', 'http://localhost.example', 'http://[::2]']) {
      for (const dryRun of [false, true]) {
        expect(usage(() => resolveConfig({ ...connection, 'api-url': url, 'dry-run': dryRun }, ['u.csv'], env))).toBe(
          '--api-url must use https: (over http: the API token would cross the network in clear text); ' +
            `http: is accepted only for localhost, 127.0.0.1 and [::1] (the sandbox). Got ${url}`,
        );
      }
    }
  });

  it.each([
    [{}, [], /name the CSV file/],
    [{}, ['a.csv', 'b.csv'], /expected one CSV file/],
    [{ concurrency: '0' }, ['u.csv'], /--concurrency must be between 1 and 32/],
    [{ concurrency: 'four' }, ['u.csv'], /--concurrency must be a whole number/],
    [{ 'timeout-ms': '10' }, ['u.csv'], /--timeout-ms must be between 1000/],
    [{ 'api-url': 'apis.saleschat.pro' }, ['u.csv'], /--api-url is not a URL/],
    [{ 'api-url': 'ftp://x' }, ['u.csv'], /--api-url must be an https: URL/],
    [{ 'lookup-path': '/v1/user' }, ['u.csv'], /must start with \/ and contain \{EMAIL\}/],
    [{ 'ask-password-change': true, 'no-ask-password-change': true }, ['u.csv'], /contradict/],
    [{ state: '' }, ['u.csv'], /--state needs a value/],
  ])('refuses %j %j', (values, positionals, message) => {
    expect(usage(() => resolveConfig({ ...connection, ...values }, positionals, env))).toMatch(message);
  });
});
