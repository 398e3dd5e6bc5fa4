import type {LoginFlow} from './types.js'

/**
 * Where a session's secrets live in the keychain. Every key starts with `session/<name>/`, so a session
 * can be found and wiped completely by name:
 *   session/<name>/registration                  OIDC client id + secret + expiry (device-code flow)
 *   session/<name>/registration-auth-code        the same for the authorization-code flow (other grant types)
 *   session/<name>/token                         access token + expiry + refresh token
 *   session/<name>/role/<accountId>/<roleName>   cached role credentials
 */
export function sessionPrefix(session: string): string {
  // Encoded so that a session named "a/b" can never share a prefix with a session named "a".
  return `session/${encodeURIComponent(session)}/`
}
export const registrationKey = (session: string, flow: LoginFlow = 'device-code') =>
  `${sessionPrefix(session)}registration${flow === 'auth-code' ? '-auth-code' : ''}`
export const tokenKey = (session: string) => `${sessionPrefix(session)}token`
export const roleKey = (session: string, accountId: string, roleName: string) => `${sessionPrefix(session)}role/${accountId}/${roleName}`
