import type { SettingsView } from '../../lib/messaging';

/**
 * agentFromBrowserProfile: whether this browser's signed-in account identifies the agent, and the one step
 * that makes it so when it does not (grant the permission, sign in, or ask the administrator).
 */
export function BrowserProfileSection({ view, requestAccess }: { view: SettingsView; requestAccess(): Promise<void> }) {
  const profile = view.browserProfile;
  if (!profile) return null;
  return (
    <section id="browser-profile" data-state={profile.state}>
      <h2>Who you are</h2>
      <p>{profileSentence(profile, view)}</p>
      {profile.state === 'unavailable' && profile.why === 'not-granted' && (
        <button type="button" id="grant-profile-access" onClick={() => void requestAccess()}>
          Let CRM Chat Bridge read this browser's account e-mail
        </button>
      )}
    </section>
  );
}

function profileSentence(profile: NonNullable<SettingsView['browserProfile']>, view: SettingsView): string {
  switch (profile.state) {
    case 'unavailable':
      return profile.why === 'unsupported'
        ? 'Your administrator identifies agents by the account signed in to the browser, which this browser cannot tell extensions. Ask them to set agentEmail for you in policy.'
        : 'Your administrator identifies agents by the account signed in to the browser. Allow the extension to read its e-mail (once):';
    case 'signed-out':
      return 'Your administrator identifies agents by the account signed in to the browser, and none is. Sign in to this browser with your work account.';
    case 'signed-in':
      return view.sources.agentEmail === 'browser'
        ? `You are identified by the account signed in to this browser, ${profile.email}.`
        : `This browser is signed in as ${profile.email}; ${view.sources.agentEmail === 'policy' || view.sources.agentProviderUserId ? 'your administrator identifies you another way' : 'no agent in the directory has that e-mail'}.`;
  }
}
