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
}

/** The session's tokens (secret: keychain only). */
export interface SessionToken {
  accessToken: string
  /** ISO 8601 UTC. */
  expiresAt: string
  refreshToken?: string
  startUrl: string
  region: string
  /** When the last device-authorization login happened (ISO 8601), for status. */
  loggedInAt?: string
}

/** Role credentials from GetRoleCredentials (secret: keychain only). */
export interface RoleCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  /** ISO 8601 UTC. */
  expiresAt: string
}
