import {EXIT, KeylessError} from '../errors.js'

/**
 * The AWS config file cannot be parsed safely. keyless refuses to edit (or read sessions from) such a file:
 * the message names the file and the 1-based line, e.g.
 * `~/.aws/config line 7: "[profile" is not a section header (missing "]")`.
 */
export class ConfigSyntaxError extends KeylessError {
  override name = 'ConfigSyntaxError'
  constructor(
    /** The file as shown to the user (`~/.aws/config`). */
    readonly path: string,
    /** 1-based line number of the offending line. */
    readonly line: number,
    /** What is wrong with that line, without the path/line prefix. */
    readonly reason: string,
  ) {
    super(`${path} line ${line}: ${reason}`, `fix line ${line} of ${path}, then run the command again`)
  }
}

/** The config file exists but cannot be read as text (a directory, no permission, not UTF-8). */
export class ConfigReadError extends KeylessError {
  override name = 'ConfigReadError'
}

/** The config file (or its directory) could not be written. The original file is untouched. */
export class ConfigWriteError extends KeylessError {
  override name = 'ConfigWriteError'
}

/** Another keyless process held the config lock for longer than we are willing to wait. */
export class ConfigLockTimeoutError extends KeylessError {
  override name = 'ConfigLockTimeoutError'
}

/** `--session` resolution failed: no session, several and none chosen, or an unknown name. */
export class SsoSessionNotFoundError extends KeylessError {
  override name = 'SsoSessionNotFoundError'
  constructor(
    message: string,
    fix: string,
    /** Every session name in the file, in file order. */
    readonly available: string[],
    exitCode?: number,
  ) {
    super(message, fix, exitCode)
  }
}

/** A value given on the command line is not acceptable (start URL, region, session name, template). */
export class InvalidConfigValueError extends KeylessError {
  override name = 'InvalidConfigValueError'
  constructor(message: string, fix: string) {
    super(message, fix, EXIT.usage)
  }
}
