import {KeylessError} from '../errors.js'

/** GetRoleCredentials answered 404: the user is no longer assigned this role in this account. */
export class RoleNotAssignedError extends KeylessError {
  override name = 'RoleNotAssignedError'
  constructor(
    readonly session: string,
    readonly accountId: string,
    readonly roleName: string,
  ) {
    super(
      `role ${roleName} in account ${accountId} is not assigned to you in SSO session "${session}" (GetRoleCredentials: not found)`,
      `run: keyless profiles sync --session ${session} --prune to remove profiles of roles you no longer have`,
    )
  }
}
