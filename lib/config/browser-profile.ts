/**
 * Who the agent is, from the browser itself: the e-mail of the account signed in to this Chrome profile
 * (chrome.identity.getProfileUserInfo). On a managed profile the company's identity provider put that account
 * there, so the agent cannot pick someone else; the options page cannot change it either. It needs the
 * `identity` and `identity.email` permissions: required in the fleet build (granted by the force-install),
 * optional in the store build (one click in the options page). Firefox has no such call.
 */

/** The permissions getProfileUserInfo needs to return an e-mail. */
export const PROFILE_EMAIL_PERMISSIONS: ('identity' | 'identity.email')[] = ['identity', 'identity.email'];

export type BrowserProfileState =
  /** This browser has no getProfileUserInfo (Firefox), or the permissions were not granted. */
  | { state: 'unavailable'; why: 'unsupported' | 'not-granted' }
  /** No account is signed in to this profile. */
  | { state: 'signed-out' }
  | { state: 'signed-in'; email: string };

export interface IdentityParts {
  /** False where the browser has no getProfileUserInfo at all (Firefox). */
  supported: boolean;
  identity?: { getProfileUserInfo?(details: { accountStatus: 'ANY' | 'SYNC' }): Promise<{ email?: string }> };
  permissions: { contains(permissions: { permissions: string[] }): Promise<boolean> };
}

export async function readBrowserProfile(parts: IdentityParts): Promise<BrowserProfileState> {
  if (!parts.supported) return { state: 'unavailable', why: 'unsupported' };
  const granted = await parts.permissions.contains({ permissions: PROFILE_EMAIL_PERMISSIONS }).catch(() => false);
  const read = parts.identity?.getProfileUserInfo;
  if (!granted || typeof read !== 'function') return { state: 'unavailable', why: 'not-granted' };
  // ANY: the primary account whether or not sync is on (managed profiles often turn sync off).
  const info = await read.call(parts.identity, { accountStatus: 'ANY' }).catch(() => ({ email: '' }));
  const email = info.email?.trim().toLowerCase();
  return email ? { state: 'signed-in', email } : { state: 'signed-out' };
}
