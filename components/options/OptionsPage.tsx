import { useEffect, useState } from 'preact/hooks';
import type { ConnectionReport, RuleHostsView, SaveResult, SettingsChange, SettingsView } from '../../lib/messaging';
import { FIELDS, type FieldSpec, fromInputText, toInputText } from './fields';
import { BrowserProfileSection } from './BrowserProfile';
import { type TeamApi, TeamSection } from '../team/TeamSection';
import { MappingTransfer, type MappingTransferApi } from './MappingTransfer';

export interface OptionsApi extends MappingTransferApi, TeamApi {
  getSettings(): Promise<SettingsView>;
  saveSettings(change: SettingsChange): Promise<SaveResult>;
  testConnection(): Promise<ConnectionReport>;
  /** Calls back when administrator policy changes (Chrome applies policy without a restart). */
  onPolicyChanged(callback: () => void): void;
  getRuleHosts(): Promise<RuleHostsView>;
  /** Asks the browser for access to one host (needs this click: browsers require a user gesture). */
  requestHostAccess(origin: string): Promise<boolean>;
  /** Asks for the permissions that tell the signed-in account's e-mail (agentFromBrowserProfile). */
  requestProfileAccess(): Promise<boolean>;
}

const SOURCE_LABEL = { policy: 'Set by your administrator', agent: 'Set by you', browser: 'From the account signed in to this browser', default: 'Default' } as const;

export function OptionsPage({ api }: { api: OptionsApi }) {
  const [view, setView] = useState<SettingsView | null>(null);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [report, setReport] = useState<ConnectionReport | null>(null);
  const [testing, setTesting] = useState(false);
  const [ruleHosts, setRuleHosts] = useState<RuleHostsView | null>(null);

  const reload = async () => {
    api.getRuleHosts().then(setRuleHosts, () => setRuleHosts(null));
    const next = await api.getSettings();
    setView(next);
    setDrafts(Object.fromEntries(FIELDS.map((field) => [field.key, field.kind === 'secret' ? '' : draftText(field, next)])));
  };
  useEffect(() => {
    const load = () => reload().catch((error) => setStatus({ ok: false, text: `Could not load the settings: ${String(error)}` }));
    load();
    api.onPolicyChanged(() => {
      load();
      setStatus({ ok: true, text: 'Your administrator changed the settings; the page shows them now.' });
    });
  }, []);

  if (!view) return <p>Loading…</p>;

  const save = async (event: Event) => {
    event.preventDefault();
    const change: SettingsChange = {};
    const errors: Record<string, string> = {};
    for (const field of FIELDS) {
      if (view.adminOnly.includes(field.key)) continue;
      const text = drafts[field.key] ?? '';
      if (field.kind === 'secret' && text.trim() === '') continue; // empty keeps the stored token
      if (field.kind !== 'secret' && text === draftText(field, view)) continue;
      const parsed = fromInputText(field.kind, text);
      if ('error' in parsed) errors[field.key] = parsed.error;
      else change[field.key] = parsed.value;
    }
    if (Object.keys(errors).length === 0 && Object.keys(change).length > 0) {
      const result = await api.saveSettings(change);
      for (const problem of result.problems) errors[problem.key] = problem.message;
    }
    setFieldErrors(errors);
    if (Object.keys(errors).length > 0) {
      setStatus({ ok: false, text: 'Not saved: fix the fields marked below.' });
      return;
    }
    await reload();
    setStatus({ ok: true, text: Object.keys(change).length > 0 ? 'Saved.' : 'Nothing to save.' });
  };

  const runTest = async () => {
    setTesting(true);
    setReport(null);
    try {
      setReport(await api.testConnection());
    } catch (error) {
      setReport({ ok: false, checks: [{ label: 'Extension', ok: false, detail: String(error) }] });
    } finally {
      setTesting(false);
    }
  };

  return (
    <main>
      <h1>CRM Chat Bridge</h1>
      <p class="agent" id="agent-identity">
        {view.agent
          ? `You are ${view.agent.name ?? view.agent.email ?? view.agent.providerUserId} (Saleschat user ${view.agent.providerUserId}).`
          : 'You have not been identified yet: choose your e-mail below.'}
      </p>
      <BrowserProfileSection
        view={view}
        requestAccess={async () => {
          await api.requestProfileAccess();
          await reload();
        }}
      />
      {view.problems.length > 0 && (
        <ul class="problems" id="config-problems">
          {view.problems.map((problem) => (
            <li key={`${problem.source}:${problem.key}`}>
              <code>{problem.key}</code> ({problem.source === 'policy' ? 'administrator' : 'you'}): {problem.message}
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={save}>
        {FIELDS.map((field) => {
          const locked = view.adminOnly.includes(field.key);
          const ignored = view.ignored.find((entry) => entry.key === field.key);
          const source = view.sources[field.key];
          const id = `field-${field.key}`;
          const common = {
            id,
            name: field.key,
            disabled: locked,
            'aria-describedby': `${id}-help`,
            onInput: (event: Event) => setDrafts({ ...drafts, [field.key]: (event.currentTarget as HTMLInputElement).value }),
          };
          return (
            <div class={`field${locked ? ' locked' : ''}`} key={field.key} data-key={field.key} data-source={source ?? 'unset'}>
              <label for={id}>{field.label}</label>
              {field.kind === 'agent' ? (
                <AgentPicker common={common} value={drafts[field.key] ?? ''} agents={agentsOf(view)} />
              ) : field.kind === 'boolean' ? (
                <select {...common} value={drafts[field.key]}>
                  <option value="">Default</option>
                  <option value="true">Yes</option>
                  <option value="false">No</option>
                </select>
              ) : field.kind === 'json' ? (
                <textarea {...common} rows={4} value={drafts[field.key]} />
              ) : field.kind === 'secret' ? (
                <input
                  {...common}
                  type="password"
                  autocomplete="off"
                  placeholder={view.apiTokenHint ? `${view.apiTokenHint} (type to replace)` : 'not set'}
                  value={drafts[field.key]}
                />
              ) : (
                <input
                  {...common}
                  type="text"
                  inputMode={field.kind === 'url' ? 'url' : 'text'}
                  autocomplete="off"
                  placeholder={source === 'default' ? toInputText(field.kind, view.values[field.key]) : ''}
                  value={drafts[field.key]}
                />
              )}
              <small id={`${id}-help`}>
                {describeSource(field, view)} · {field.help}
              </small>
              {ignored && (
                <small class="error" data-ignored="true">
                  {ignored.message}
                </small>
              )}
              {fieldErrors[field.key] && (
                <small class="error" role="alert">
                  {fieldErrors[field.key]}
                </small>
              )}
            </div>
          );
        })}
        <div class="actions">
          <button type="submit" id="save">
            Save
          </button>
          <button type="button" id="test-connection" onClick={runTest} disabled={testing}>
            {testing ? 'Testing…' : 'Test connection'}
          </button>
        </div>
      </form>
      {status && (
        <p id="save-status" class={status.ok ? 'ok' : 'error'} role="status">
          {status.text}
        </p>
      )}
      {ruleHosts && (ruleHosts.access.length > 0 || ruleHosts.unresolved.length > 0 || ruleHosts.dashboard) && (
        <RuleHostsSection
          view={ruleHosts}
          grant={async (origin) => {
            await api.requestHostAccess(origin);
            setRuleHosts(await api.getRuleHosts());
          }}
        />
      )}
      {view.storageAccess && <StorageAccessSection access={view.storageAccess} />}
      <TeamSection api={api} />
      <MappingTransfer api={api} importAllowed={view.values.allowMappingImport === true} />
      {report && (
        <section id="connection-report" data-ok={String(report.ok)}>
          <h2>{report.ok ? 'Connection works' : 'Connection problem'}</h2>
          <ul>
            {report.checks.map((check, index) => (
              <li key={index} class={check.ok ? 'ok' : 'error'}>
                {check.ok ? '✓' : '✗'} {check.label}: {check.detail}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

/**
 * The sites admin rules apply to: the buttons appear there only once the agent allows access. And a dashboard
 * outside the built-in Saleschat hosts: with access, Chat and Login find its open tab instead of opening more.
 */
function RuleHostsSection({ view, grant }: { view: RuleHostsView; grant(origin: string): Promise<void> }) {
  const { dashboard } = view;
  return (
    <section id="rule-hosts">
      <h2>Sites for your CRM rules</h2>
      <ul>
        {dashboard && (
          <li data-origin={dashboard.origin} data-granted={String(dashboard.granted)} id="dashboard-access">
            <code>{dashboard.origin.replace(/\/\*$/, '')}</code> (your Saleschat dashboard):{' '}
            {dashboard.granted ? (
              <span class="ok">allowed</span>
            ) : (
              <button type="button" class="grant" onClick={() => grant(dashboard.origin)}>
                Allow, so Chat and Login reuse its one open tab
              </button>
            )}
          </li>
        )}
        {view.access.map((host) => (
          <li key={host.origin} data-origin={host.origin} data-granted={String(host.granted)} data-access={host.state}>
            <code>{host.origin.replace(/\/\*$/, '')}</code> ({host.rules.join(', ')}):{' '}
            {host.state === 'allowed' ? (
              <span class="ok">allowed</span>
            ) : host.state === 'blocked' ? (
              <span class="error">
                not reachable: blocked by your administrator's policy (ExtensionSettings runtime_blocked_hosts), or the site does not
                answer from this computer
              </span>
            ) : host.state === 'unconfirmed' ? (
              <span>allowed by the browser (not confirmed: the popup on a page of this site says whether a policy blocks it)</span>
            ) : (
              <button type="button" class="grant" onClick={() => grant(host.origin)}>
                Allow CRM Chat Bridge on this site
              </button>
            )}
          </li>
        ))}
        {view.unresolved.map((item) => (
          <li key={`${item.rule}:${item.reason}`} class="error">
            Rule {item.rule}: {item.reason}.
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Whether a CRM page's content script could read each storage area (where the policy's token lives: managed). */
function StorageAccessSection({ access }: { access: NonNullable<SettingsView['storageAccess']> }) {
  return (
    <section id="storage-access">
      <h2>Settings storage</h2>
      <ul>
        {Object.entries(access).map(([area, state]) => (
          <li key={area} data-area={area} data-state={state.state}>
            <code>storage.{area}</code>: {state.state === 'closed' ? 'closed to web pages and content scripts' : `readable by the extension's content scripts: ${state.why}`}
          </li>
        ))}
      </ul>
    </section>
  );
}

interface AgentOption {
  email: string;
  name?: string;
}

function agentsOf(view: SettingsView): AgentOption[] {
  const agents = view.values.agents;
  return Array.isArray(agents) ? (agents as AgentOption[]) : [];
}

/** A list of the directory's agents when there is one; a free e-mail field otherwise. */
function AgentPicker({ common, value, agents }: { common: Record<string, unknown>; value: string; agents: AgentOption[] }) {
  if (agents.length === 0) return <input {...common} type="email" autocomplete="email" value={value} />;
  const known = agents.some((agent) => agent.email === value);
  return (
    <select {...common} value={value}>
      <option value="">— choose yourself —</option>
      {!known && value && <option value={value}>{value} (not in the directory)</option>}
      {agents.map((agent) => (
        <option key={agent.email} value={agent.email}>
          {agent.name ? `${agent.name} <${agent.email}>` : agent.email}
        </option>
      ))}
    </select>
  );
}

/** Where the value comes from, and for a locked key whose policy value is invalid, what is used instead. */
function describeSource(field: FieldSpec, view: SettingsView): string {
  const source = view.sources[field.key];
  if (view.adminOnly.includes(field.key) && !view.locked.includes(field.key)) {
    return `Only your administrator can set this (the API token comes from policy)${source === 'default' ? '; using the default' : ''}`;
  }
  if (view.locked.includes(field.key)) {
    const invalid = view.problems.find((problem) => problem.key === field.key && problem.source === 'policy');
    if (!invalid) return 'Set by your administrator';
    const using = source ? `using ${source === 'default' ? 'the default' : 'your value'}` : 'so it is not set';
    return `Set by your administrator, but invalid (${invalid.message}), ${using}`;
  }
  return source ? SOURCE_LABEL[source] : 'Not set';
}

function draftText(field: FieldSpec, view: SettingsView): string {
  if (field.kind === 'boolean') {
    const value = view.values[field.key];
    return view.sources[field.key] === 'default' || value === undefined ? '' : String(value);
  }
  // Defaults show as placeholders, so an empty field means "the default" and clearing a field is explicit.
  // A locked field shows the value in force even when it is the default (the admin's was invalid).
  if (view.sources[field.key] === 'default' && !view.locked.includes(field.key)) return '';
  return toInputText(field.kind, view.values[field.key]);
}
