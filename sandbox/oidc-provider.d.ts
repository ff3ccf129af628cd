/**
 * The slice of oidc-provider 9's API that sandbox/oidc.ts uses. The package ships no types and @types/oidc-provider
 * lags behind v9, so this declares only what the sandbox calls, checked against node_modules/oidc-provider/lib.
 * Pulled in by a `/// <reference>` in sandbox/oidc.ts, so it also applies when the root tsconfig (which excludes
 * sandbox/) reaches oidc.ts through an import of sandbox/server.ts.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** What an adapter stores for one model instance; oidc-provider reads the fields below, the rest is opaque. */
  export interface AdapterPayload {
    [key: string]: unknown;
    jti?: string;
    uid?: string;
    grantId?: string;
    userCode?: string;
    consumed?: number;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>> | Record<string, unknown>;
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    redirect_uris: string[];
    post_logout_redirect_uris?: string[];
    grant_types?: string[];
    response_types?: string[];
    token_endpoint_auth_method?: string;
  }

  export class Grant {
    constructor(properties: { accountId: string; clientId: string });
    readonly jti: string;
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
    static find(id: string): Promise<Grant | undefined>;
  }

  export interface Session {
    accountId?: string;
    grantIdFor(clientId: string): string | undefined;
  }

  export interface OidcContext {
    provider: Provider;
    client?: { clientId: string };
    session: Session;
    /** The finished interaction's result while an authorization request resumes. */
    result?: { consent?: { grantId?: string } };
    /** The requested scopes that are OpenID Connect scopes (after oidc-provider dropped the ones it ignores). */
    requestParamOIDCScopes: Set<string>;
  }

  /** Koa's context as far as the sandbox touches it. */
  export interface KoaContextWithOIDC {
    oidc: OidcContext;
    method: string;
    path: string;
    host: string;
    query: Record<string, string | string[] | undefined>;
    type: string;
    body: unknown;
    status: number;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export interface ErrorOut {
    error: string;
    error_description?: string;
  }

  export interface Configuration {
    adapter: (model: string) => Adapter;
    findAccount: (ctx: KoaContextWithOIDC, sub: string) => Promise<Account | undefined>;
    claims: Record<string, string[]>;
    scopes: string[];
    responseTypes: string[];
    conformIdTokenClaims: boolean;
    pkce: { required: (ctx: KoaContextWithOIDC, client: unknown) => boolean };
    rotateRefreshToken: boolean;
    loadExistingGrant: (ctx: KoaContextWithOIDC) => Promise<Grant | undefined>;
    clientBasedCORS: (ctx: KoaContextWithOIDC, origin: string, client: unknown) => boolean;
    interactions: { url: (ctx: KoaContextWithOIDC, interaction: Interaction) => string };
    cookies: {
      keys: string[];
      long: { httpOnly: boolean; sameSite: 'lax' | 'strict' | 'none'; secure?: boolean; path?: string };
      short: { httpOnly: boolean; sameSite: 'lax' | 'strict' | 'none'; secure?: boolean };
    };
    jwks: { keys: object[] };
    ttl: Record<string, number>;
    features: {
      devInteractions: { enabled: boolean };
      revocation: { enabled: boolean; allowedPolicy?: () => boolean };
      rpInitiatedLogout: {
        enabled: boolean;
        logoutSource: (ctx: KoaContextWithOIDC, form: string) => Promise<void>;
        postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => Promise<void>;
      };
    };
    renderError: (ctx: KoaContextWithOIDC, out: ErrorOut, error: Error) => Promise<void>;
  }

  export interface Interaction {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId?: string };
    grantId?: string;
  }

  export type InteractionResult =
    | { login: { accountId: string; remember?: boolean } }
    | { consent: { grantId?: string } }
    | { error: string; error_description?: string };

  export class Provider {
    constructor(issuer: string, configuration: Partial<Configuration>);
    readonly issuer: string;
    readonly Grant: typeof Grant;
    readonly Client: { validate(metadata: ClientMetadata): Promise<void> };
    /** Koa's request listener: resolves once the response has been written. */
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: Middleware): this;
    on(event: 'server_error', listener: (ctx: KoaContextWithOIDC, error: Error) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }

  export const errors: {
    SessionNotFound: new (...args: unknown[]) => Error;
  };

  export default Provider;
}
