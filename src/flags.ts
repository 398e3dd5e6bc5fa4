import {Args, Flags} from '@oclif/core'

/** Flags several commands share, defined once so their help text never drifts. */
export const sessionFlag = Flags.string({
  description: 'the [sso-session] to use (default: $KEYLESS_SESSION, else the only session in the AWS config file)',
  helpValue: 'NAME',
})

/** How `exec`, `env` and `console` name a role (PRODUCT.md section 4, ROLE). */
export const roleFlags = {
  profile: Flags.string({description: 'a keyless profile (its session, account and role)', helpValue: 'NAME', helpGroup: 'ROLE'}),
  account: Flags.string({description: 'account name or 12-digit id (with --role)', helpValue: 'NAME|ID', helpGroup: 'ROLE'}),
  role: Flags.string({description: 'permission set (role) name (with --account)', helpValue: 'NAME', helpGroup: 'ROLE'}),
  session: sessionFlag,
  region: Flags.string({description: "AWS region (default: $AWS_REGION, the profile's region, else the session's)", helpValue: 'REGION'}),
}

/** The ROLE positional argument of `exec`, `env` and `console`. */
export const roleArg = {
  // ignoreStdin: oclif would otherwise read a missing ROLE from piped stdin, eating what exec's command should get.
  role: Args.string({
    description: 'a keyless profile name, or ACCOUNT.ROLE (e.g. production.ReadOnlyAccess); none: pick one',
    required: false,
    ignoreStdin: true,
  }),
}
