import { useEffect, useState } from 'preact/hooks';
import type { TeamActionResult, TeamStatus } from '../../lib/messaging';

export interface TeamApi {
  getTeamStatus(): Promise<TeamStatus>;
  teamSignIn(): Promise<TeamActionResult>;
  teamSignOut(): Promise<TeamActionResult>;
}

/** While a sign-in tab is open, the section asks again this often, so it shows the result without a reload. */
const PENDING_REFRESH_MS = 1000;

/**
 * Team mode's sign-in, the same in the popup and the options page: who you are at the team gateway, Sign in /
 * Sign out, and whether the gateway answers. Renders nothing in direct mode.
 */
export function TeamSection({ api }: { api: TeamApi }) {
  const [status, setStatus] = useState<TeamStatus | null>(null);
  const [message, setMessage] = useState<TeamActionResult | null>(null);
  const refresh = () => api.getTeamStatus().then(setStatus, (error: unknown) => setMessage({ ok: false, message: String(error) }));

  useEffect(() => {
    refresh();
  }, []);
  useEffect(() => {
    if (status?.signIn !== 'pending') return;
    const timer = setInterval(refresh, PENDING_REFRESH_MS);
    return () => clearInterval(timer);
  }, [status?.signIn]);

  if (status?.mode !== 'team') return null;
  const act = (action: () => Promise<TeamActionResult>) => () =>
    action().then(
      (result) => {
        setMessage(result);
        refresh();
      },
      (error: unknown) => setMessage({ ok: false, message: String(error) }),
    );
  const state = status.signedIn ? 'signed-in' : status.signIn === 'pending' ? 'pending' : 'signed-out';

  return (
    <section id="team" data-state={state}>
      {status.signedIn ? (
        <p id="team-signed-in" class="ok">
          Signed in as {status.signedIn.name ? `${status.signedIn.name} (${status.signedIn.email})` : status.signedIn.email} (team mode)
        </p>
      ) : (
        <p id="team-signed-out">{state === 'pending' ? 'Waiting for the sign-in in the other tab…' : 'Team mode: sign in with your company account to use Chat and Login.'}</p>
      )}
      {status.signInProblem && !status.signedIn && (
        <p id="team-problem" class="error" role="alert">
          {status.signInProblem}
        </p>
      )}
      {status.signedIn ? (
        <button type="button" id="team-sign-out" onClick={act(api.teamSignOut)}>
          Sign out
        </button>
      ) : (
        <button type="button" id="team-sign-in" disabled={state === 'pending'} onClick={act(api.teamSignIn)}>
          Sign in
        </button>
      )}
      {status.health && (
        <p id="team-health" class={status.health.ok ? 'ok' : 'error'} data-ok={String(status.health.ok)}>
          Team gateway {status.health.detail}
        </p>
      )}
      {message && !message.ok && (
        <p id="team-message" class="error" role="status">
          {message.message}
        </p>
      )}
    </section>
  );
}
