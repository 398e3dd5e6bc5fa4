/** An `[sso-session NAME]` section of the AWS config file. */
export type {SsoSession} from '../aws-config/sso-sessions.js'

/** The OIDC client keyless registered with Identity Center for one session (secret: keychain only). */
export interface ClientRegistration {
  clientId: string
  clientSecret: string
  /** ISO 8601: when the client secret stops working (Identity Center gives 90 days). */
  expiresAt: string
  /** What it was registered for: a reconfigured session must not reuse it. */
  region: string
  scopes: string[]
  /** Authorization-code registrations only: the start URL they were registered for (their issuer URL). */
  issuerUrl?: string
}

/** How a browser sign-in runs (PRODUCT.md section 10); each flow has its own client registration. */
export type LoginFlow = 'auth-code' | 'device-code'

/** The session's tokens (secret: keychain only). */
export interface SessionToken {
  accessToken: string
  /** ISO 8601 UTC. */
  expiresAt: string
  refreshToken?: string
  startUrl: string
  region: string
  /** When the last browser sign-in happened (ISO 8601), for status. */
  loggedInAt?: string
  /** Random id of the sign-in this token descends from (kept across refreshes, new at every login): cached role
   * credentials are served only to the sign-in that fetched them (see RoleBinding). */
  signInId?: string
  /** The flow that signed in, hence whose client registration refreshes the token (absent: device-code). */
  flow?: LoginFlow
  /** When a refresh with this refresh token was given up without an answer (ISO 8601): Identity Center may have
   * taken it and replaced the refresh token, so a refusal of it later is explained as that, not as an expiry. */
  refreshAbandonedAt?: string
}

/**
 * What cached role credentials are bound to: the session's start URL and region, and the sign-in (the
 * signed-in identity) whose token fetched them. They are served only while all three still match, so a session
 * re-pointed to another organisation, deleted, or signed in again (perhaps as someone else) never gets them.
 */
export interface RoleBinding {
  startUrl: string
  region: string
  signIn: string
}

/** Role credentials from GetRoleCredentials (secret: keychain only). */
export interface RoleCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  /** ISO 8601 UTC. */
  expiresAt: string
}
