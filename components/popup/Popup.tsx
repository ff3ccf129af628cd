import { useEffect, useState } from 'preact/hooks';
import type { ActionOutcome, ConnectionReport, DetectionStatus, Lead, SettingsView, TabAccess } from '../../lib/messaging';
import { pickPhone } from '../../lib/phone';
import { type TeamApi, TeamSection } from '../team/TeamSection';

export interface PopupApi extends TeamApi {
  getSettings(): Promise<SettingsView>;
  /** The current tab's detection, or undefined when no content script answers there. */
  getDetectionStatus(): Promise<DetectionStatus | undefined>;
  /** Why no content script answers in the current tab, and what to do. */
  getTabAccess(): Promise<TabAccess | undefined>;
  /** Asks the browser for access to one site (this click is the user gesture browsers require). */
  requestHostAccess(origin: string): Promise<boolean>;
  reloadTab(): Promise<void>;
  login(): Promise<ActionOutcome>;
  /** Opens the rule builder on the tab ("Teach this page"). */
  teachThisPage(): Promise<{ ok: boolean; message: string }>;
  testConnection(): Promise<ConnectionReport>;
  openOptions(): void;
  /** Calls back whenever settings or policy change, so the popup never shows stale state. */
  onSettingsChanged(callback: () => void): void;
}

const SOURCE = { policy: 'administrator', agent: 'you', browser: 'the account signed in to this browser', default: 'default' } as const;

export function Popup({ api }: { api: PopupApi }) {
  const [view, setView] = useState<SettingsView | null>(null);
  const [detection, setDetection] = useState<DetectionStatus | undefined | null>(null);
  const [access, setAccess] = useState<TabAccess | null>(null);
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null);
  const [report, setReport] = useState<ConnectionReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = () =>
    api
      .getSettings()
      .then(setView)
      .catch((caught) => setError(`The extension did not answer: ${String(caught)}`));

  useEffect(() => {
    refresh();
    api.getDetectionStatus().then(
      (status) => {
        setDetection(status);
        if (!status) api.getTabAccess().then((found) => setAccess(found ?? null), () => setAccess(null));
      },
      () => {
        setDetection(undefined);
        api.getTabAccess().then((found) => setAccess(found ?? null), () => setAccess(null));
      },
    );
    api.onSettingsChanged(refresh);
  }, []);

  const run = async <T,>(task: () => Promise<T>, done: (value: T) => void) => {
    setBusy(true);
    try {
      done(await task());
    } catch (caught) {
      setError(String(caught));
    } finally {
      setBusy(false);
      refresh();
    }
  };

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!view) return <p>Loading…</p>;
  const last = view.lastProviderContact;
  // Team mode: the gateway talks to Saleschat; the team section says whether this browser can reach it.
  const teamMode = view.values.gatewayUrl !== undefined;

  return (
    <main>
      <h1>CRM Chat Bridge</h1>
      <section id="connection" hidden={teamMode} data-state={view.notReady ? 'not-configured' : last ? (last.ok ? 'ok' : 'error') : 'unknown'}>
        {view.notReady ? (
          <p class="error">{view.notReady}</p>
        ) : last ? (
          <p class={last.ok ? 'ok' : 'error'}>
            {last.ok ? 'Connected to Saleschat' : 'Last request failed'} ({timeAgo(last.at)}){last.ok ? '' : `: ${last.message}`}
          </p>
        ) : (
          <p>Configured. No request made yet in this session.</p>
        )}
      </section>
      {view.problems.length > 0 && (
        <ul id="config-problems" class="problems">
          {view.problems.map((problem) => (
            <li key={`${problem.source}:${problem.key}`} data-key={problem.key}>
              <code>{problem.key}</code> ({problem.source === 'policy' ? 'set by your administrator' : 'set by you'}): {problem.message}
            </li>
          ))}
        </ul>
      )}
      <TeamSection api={api} />
      <p id="agent" hidden={teamMode}>
        {view.agent
          ? `You are ${view.agent.name ?? view.agent.email ?? view.agent.providerUserId} (via ${describeVia(view)}).`
          : 'You are not identified yet: choose yourself in the options.'}
      </p>
      {detection === undefined && access ? (
        <Access access={access} api={api} onChange={setAccess} />
      ) : (
        <Detection detection={detection} defaultCountry={String(view.values.defaultCountry ?? 'US')} />
      )}
      <div class="actions">
        <button type="button" id="login" disabled={busy || Boolean(view.notReady)} onClick={() => run(api.login, setOutcome)}>
          Login
        </button>
        <button type="button" id="test-connection" hidden={teamMode} disabled={busy} onClick={() => run(api.testConnection, setReport)}>
          Test connection
        </button>
        <button type="button" id="teach-page" disabled={busy} title="Build a CRM rule by clicking the lead’s name, phone and the place for the buttons" onClick={() => run(api.teachThisPage, (taught) => setOutcome(taught.ok ? { ok: true, message: taught.message } : { ok: false, message: taught.message, retryable: false }))}>
          Teach this page
        </button>
        <button type="button" id="open-options" onClick={api.openOptions}>
          Options
        </button>
      </div>
      {outcome && (
        <p id="outcome" class={outcome.ok ? 'ok' : 'error'} role="status">
          {outcome.message}
        </p>
      )}
      {report && (
        <ul id="connection-report" data-ok={String(report.ok)}>
          {report.checks.map((check, index) => (
            <li key={index} class={check.ok ? 'ok' : 'error'}>
              {check.ok ? '✓' : '✗'} {check.label}: {check.detail}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

/**
 * What the content script of this tab detected, with what a Chat would send: the same phone pick and E.164
 * normalisation the background applies (lib/phone.ts), so the agent sees the number before clicking.
 */
function Detection({ detection, defaultCountry }: { detection: DetectionStatus | undefined | null; defaultCountry: string }) {
  if (detection === null) return <p id="lead" data-detected="none">Looking at this tab…</p>;
  if (detection === undefined) {
    return (
      <p id="lead" data-detected="none">
        This tab is not a CRM page the extension works on.
      </p>
    );
  }
  if (!detection.detected) {
    return (
      <div id="lead" data-detected="false">
        <p>No lead on this page:</p>
        <ul id="lead-reasons">
          {detection.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
        <p class="url" id="tested-url">Address tested: {detection.url}</p>
      </div>
    );
  }
  const { lead } = detection;
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  return (
    <div id="lead" data-detected="true" data-settled={String(detection.settled)}>
      <p>Lead detected: {[detection.profileLabel, lead.recordId ?? lead.crmId, name].filter(Boolean).join(' · ')}</p>
      <p id="lead-phone" data-e164={phoneSent(lead, defaultCountry).e164 ?? ''}>
        {phoneSent(lead, defaultCountry).text}
      </p>
      <p id="lead-identity">Saleschat CRM id: {lead.crmId}</p>
      {!detection.settled && <p id="lead-loading">The page is still loading this record: a click waits until it shows.</p>}
      <p class="url" id="tested-url">Address tested: {detection.url}</p>
    </div>
  );
}

/**
 * A tab with no content script: blocked by the administrator's policy, a rule's site the agent has not allowed
 * yet (the one click, right here), a page opened before the extension could run there, or no CRM.
 */
function Access({ access, api, onChange }: { access: TabAccess; api: PopupApi; onChange(next: TabAccess): void }) {
  if (access.state === 'blocked-by-policy') {
    return (
      <p id="access" data-state="blocked-by-policy" class="error">
        Your administrator's policy blocks CRM Chat Bridge on this site (ExtensionSettings runtime_blocked_hosts). If this is your
        CRM, ask them to add it to runtime_allowed_hosts.
      </p>
    );
  }
  if (access.state === 'needs-access') {
    const allow = async (origin: string) => {
      if (await api.requestHostAccess(origin)) onChange({ state: 'reload', rule: access.hosts.find((host) => host.origin === origin)?.rules.join(', ') ?? '' });
    };
    return (
      <div id="access" data-state="needs-access">
        <p>CRM Chat Bridge may not run on your CRM's site yet. One click allows it:</p>
        <ul>
          {access.hosts.map((host) => (
            <li key={host.origin}>
              <button type="button" class="grant" data-origin={host.origin} onClick={() => allow(host.origin)}>
                Allow on {host.origin.replace(/\/\*$/, '')}
              </button>{' '}
              ({host.rules.join(', ')})
            </li>
          ))}
        </ul>
        <p class="hint">Administrators: the fleet build, force-installed, needs no click (docs/admin-guide.md).</p>
      </div>
    );
  }
  if (access.state === 'reload') {
    return (
      <p id="access" data-state="reload">
        {access.rule ? `${access.rule} applies here, but this page` : 'This page'} was open before CRM Chat Bridge could run on it.{' '}
        <button type="button" id="reload-tab" onClick={() => void api.reloadTab()}>
          Reload the page
        </button>
      </p>
    );
  }
  return (
    <p id="lead" data-detected="none">
      This tab is not a CRM page the extension works on.
    </p>
  );
}

function phoneSent(lead: Lead, defaultCountry: string): { e164?: string; text: string } {
  try {
    const pick = pickPhone(lead, defaultCountry);
    if (!pick) return { text: 'Chat sends no phone number: none found on the page.' };
    const from = pick.label ? `${pick.shown} (${pick.label})` : pick.shown;
    return { e164: pick.e164, text: `Chat sends ${pick.e164}, from ${from}: ${pick.why}.` };
  } catch (error) {
    return { text: error instanceof Error ? error.message : String(error) };
  }
}

function describeVia(view: SettingsView): string {
  const key = view.agent?.via === 'agentProviderUserId' ? 'agentProviderUserId' : 'agentEmail';
  const source = view.sources[key];
  return `${key}, ${source ? SOURCE[source] : 'not set'}`;
}

function timeAgo(at: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - at) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
}
