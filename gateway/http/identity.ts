import { createRemoteJWKSet, errors as joseErrors, type JWTPayload, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { OidcSettings } from '../config';
import type { SignedInAgent } from '../core/types';

/**
 * The company's identity provider, as the gateway uses it: the OpenID Connect client for sign-in (openid-client:
 * discovery, authorization code + PKCE, refresh, revocation) and the check of every request's bearer token
 * (jose: signature against the IdP's published keys, issuer, audience = our client id, expiry). The bearer is
 * the IdP's ID token itself, so the gateway keeps no session state of its own: a token the IdP did not sign for
 * this client, or one past its expiry, is refused whatever the request says.
 */
export interface IdentityProvider {
  readonly client: oidc.Configuration;
  readonly settings: OidcSettings;
  verify(bearer: string): Promise<VerifiedToken>;
}

export type VerifiedToken = { ok: true; agent: SignedInAgent; expiresAt: number } | { ok: false; reason: TokenProblem; detail: string };
export type TokenProblem = 'expired' | 'invalid';

/** How far the clocks of the IdP and the gateway may disagree. */
const CLOCK_TOLERANCE_SECONDS = 30;

export async function connectIdentityProvider(settings: OidcSettings, options: { allowHttp: boolean; now?: () => number }): Promise<IdentityProvider> {
  const now = options.now ?? Date.now;
  const auth = settings.clientSecret ? oidc.ClientSecretBasic(settings.clientSecret) : oidc.None();
  const client = await discoverWithRetry(() =>
    oidc.discovery(new URL(settings.issuer), settings.clientId, undefined, auth, options.allowHttp ? { execute: [oidc.allowInsecureRequests] } : undefined),
  );
  const jwksUri = client.serverMetadata().jwks_uri;
  if (!jwksUri) throw new Error(`The identity provider ${settings.issuer} publishes no jwks_uri: its tokens cannot be checked.`);
  const keys = createRemoteJWKSet(new URL(jwksUri));
  const issuer = client.serverMetadata().issuer;
  return {
    client,
    settings,
    async verify(bearer) {
      try {
        const { payload } = await jwtVerify(bearer, keys, {
          issuer,
          audience: settings.clientId,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(now()),
        });
        return agentFromClaims(payload, settings.emailClaim);
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired', detail: 'The sign-in has expired.' };
        return { ok: false, reason: 'invalid', detail: describeJoseError(error) };
      }
    },
  };
}

/**
 * Discovery is a GET, safe to repeat: a connection reset (a kept-alive socket the IdP closed while this process
 * was busy starting) or an IdP restarting at the same moment as the gateway should not stop the start-up.
 */
async function discoverWithRetry(discover: () => Promise<oidc.Configuration>): Promise<oidc.Configuration> {
  const delays = [250, 1000];
  for (const delay of delays) {
    try {
      return await discover();
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return discover();
}

function agentFromClaims(payload: JWTPayload, emailClaim: string): VerifiedToken {
  const email = payload[emailClaim];
  if (typeof email !== 'string' || !email.includes('@')) {
    return { ok: false, reason: 'invalid', detail: `The identity provider's token carries no e-mail (claim "${emailClaim}").` };
  }
  if (payload.email_verified === false) return { ok: false, reason: 'invalid', detail: `The identity provider has not verified ${email}.` };
  const agent = { email: email.trim().toLowerCase(), subject: String(payload.sub ?? '') };
  return { ok: true, agent, expiresAt: (payload.exp ?? 0) * 1000 };
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The token's ${error.claim} is not this gateway's (${error.reason}).`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) {
    return 'The token is not signed by the identity provider.';
  }
  if (error instanceof joseErrors.JOSEError) return `The token cannot be checked (${error.code}).`;
  return 'The token cannot be checked.';
}
