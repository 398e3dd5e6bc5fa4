import {Flags} from '@oclif/core'

/** Flags several commands share, defined once so their help text never drifts. */
export const sessionFlag = Flags.string({
  description: 'the [sso-session] to use (default: $KEYLESS_SESSION, else the only session in the AWS config file)',
  helpValue: 'NAME',
})
