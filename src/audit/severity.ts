import {ciStaticKeyRule} from '../ci/static-key-rule.js'
import {classifyArn, maskAccessKeyId} from '../identity/classify.js'
import type {Draft, Finding, FindingStatus, KeyIdentity, Severity} from './types.js'

/** Kinds that are an access key found in a file or the environment: rated by what STS says of the key. */
export const KEY_KINDS: ReadonlySet<string> = new Set([
  'environment-key',
  'credentials-file-key',
  'config-file-key',
  'project-file-key',
  'tool-file-key',
  'shell-file-key',
  'shell-history-key',
  'aws-dir-key',
])

/** `login_session` names the principal's ARN: `arn:aws:iam::111111111111:root` is the account root. */
const ROOT_ARN = /^arn:aws[\w-]*:(?:iam|sts)::\d{12}:root$/

/**
 * The severity, title and fix of one finding (PRODUCT.md section 12). Pure: a table test covers every rule.
 * - critical: a root key (STS named `arn:...:root`).
 * - high: any other long-term key that works or could not be checked, a plaintext refresh token or client
 *   secret, a file others can read while it holds a secret.
 * - medium: plaintext temporary credentials or access tokens that still work, a key AWS rejects (dead weight
 *   that fails pipelines), shadowed profiles, a file others can read, a file keyless cannot read safely.
 * - info: the rest (credential_process, SSO, login and assume-role profiles; expired caches; temporary keys
 *   in this shell's environment, which live and die with it).
 */
export function rateFinding(draft: Draft, identity: KeyIdentity | undefined): Finding {
  const masked = draft.key ? maskAccessKeyId(draft.key.accessKeyId) : null
  // A cache keeps its own status (valid, expired); STS only says whose credentials it holds.
  const status: FindingStatus = (KEY_KINDS.has(draft.kind) ? identity?.status : undefined) ?? draft.status ?? 'present'
  const {severity, title, fix} = rule(draft, identity, status, masked ?? '')
  const named = draft.kind === 'login-session-profile' && draft.detail ? classifyArn(draft.detail) : undefined
  const principal = named && named.kind !== 'unknown' ? {account: named.account, arn: draft.detail!, principalKind: named.kind} : undefined
  return {
    severity,
    kind: draft.kind,
    location: draft.location,
    accessKeyId: masked,
    account: identity?.account ?? principal?.account ?? null,
    arn: identity?.arn ?? principal?.arn ?? null,
    principalKind: identity?.principalKind ?? principal?.principalKind ?? null,
    status,
    expiresAt: draft.expiresAt ?? null,
    title,
    holds: draft.holds ?? [],
    fix,
  }
}

interface Rated {
  severity: Severity
  title: string
  fix: string
}

function rule(draft: Draft, identity: KeyIdentity | undefined, status: FindingStatus, masked: string): Rated {
  const where = draft.location.file ?? 'the environment'
  if (KEY_KINDS.has(draft.kind)) {
    const place =
      draft.kind === 'tool-file-key'
        ? ` in ${draft.detail ?? 'another tool'}'s file`
        : draft.kind === 'shell-file-key'
          ? ` in a ${draft.detail ?? 'shell'} start-up file`
          : draft.kind === 'shell-history-key'
            ? ` in your ${draft.detail ?? 'shell'} history`
            : ''
    return keyRule(draft, identity, status, masked, place)
  }
  switch (draft.kind) {
    case 'key-id':
      return {
        severity: 'info',
        title: `access key id ${masked} without its secret`,
        fix: `nothing usable here; if it is a key of yours, its secret is kept in another place: deactivate the key if you no longer know which`,
      }
    case 'example-key':
      return {severity: 'info', title: `AWS's documented example key ${masked}`, fix: 'nothing to do: an example, not a key'}
    case 'home-differs':
      return {
        severity: 'medium',
        title: 'HOME and USERPROFILE name different folders: AWS tools read different .aws folders',
        fix: draft.detail ?? 'unset HOME or make it the same as USERPROFILE',
      }
    case 'keyless-backup':
      return {
        severity: 'info',
        title: `keyless's backup ${where} holds ${draft.detail ?? 'the'} removed key${draft.detail === '1' ? '' : 's'}`,
        fix: `once the keys are deactivated, run: rm ${where}`,
      }
    case 'shadowed-profile':
      return {
        severity: 'medium',
        title: `profile [${draft.location.profile}] is shadowed: ${draft.detail ?? ''}`.trim(),
        fix: shadowFix(draft),
      }
    case 'keyless-profile':
      return {
        severity: 'info',
        title: `keyless profile [${draft.location.profile}]`,
        fix: 'nothing to do: short-lived credentials from keyless',
      }
    case 'credential-process-profile':
      return {
        severity: 'info',
        title: `credential_process profile [${draft.location.profile}] runs ${draft.detail ?? 'another program'}`,
        fix: `check that ${draft.detail ?? 'it'} gives short-lived credentials; keyless profiles sync writes keyless ones`,
      }
    case 'sso-profile':
      return {
        severity: 'info',
        title: `AWS CLI SSO profile [${draft.location.profile}]`,
        fix: 'its tokens live in plaintext in ~/.aws/sso/cache; keyless profiles sync writes profiles whose tokens stay in the keychain',
      }
    case 'login-session-profile':
      if (draft.detail && ROOT_ARN.test(draft.detail)) {
        return {
          severity: 'critical',
          title: `aws login profile [${draft.location.profile}] signs in as the root of account ${classifyArn(draft.detail).account}`,
          fix: `stop using the root user: run aws logout --profile ${draft.location.profile}, delete its cache in ~/.aws/login/cache (keyless audit --fix), and use an IAM Identity Center role (keyless login)`,
        }
      }
      return {
        severity: 'info',
        title: `aws login profile [${draft.location.profile}]${draft.detail ? ` as ${draft.detail}` : ''}`,
        fix: 'its tokens live in plaintext in ~/.aws/login/cache; prefer a keyless profile',
      }
    case 'assume-role-profile':
      return {
        severity: 'info',
        title: `assume-role profile [${draft.location.profile}]`,
        fix: 'check what its source_profile or credential_source holds (findings above)',
      }
    case 'ci-static-key':
      return ciStaticKeyRule(draft)
    case 'login-cache':
      if (identity?.status === 'active' && identity.principalKind === 'root') {
        return {
          severity: 'critical',
          title: `aws login cache with credentials of the root of account ${identity.account} in plaintext`,
          fix: `delete ${where} (run: keyless audit --fix), run aws logout, and use an IAM Identity Center role (keyless login)`,
        }
      }
      return tokenCacheRule(draft, status)
    case 'sso-cache':
      return tokenCacheRule(draft, status)
    case 'cli-cache':
      return status === 'expired'
        ? {severity: 'info', title: `expired role credentials ${masked} in plaintext`, fix: `delete ${where}: run keyless audit --fix`}
        : {
            severity: 'medium',
            title: `role credentials ${masked} in plaintext`,
            fix: `delete ${where} (run keyless audit --fix); the AWS CLI fetches new ones when it needs them`,
          }
    case 'file-permissions':
      return {
        severity: draft.holdsSecret ? 'high' : 'medium',
        title: `${where} is readable by other users${draft.holdsSecret ? ' and holds a secret' : ''}`,
        fix: `run: chmod 600 ${where} (keyless audit --fix does)`,
      }
    case 'unreadable':
      return {
        severity: draft.severity ?? 'info',
        title: `${where}: ${draft.detail ?? 'cannot be read safely'}`,
        fix:
          draft.fix ??
          (status === 'truncated'
            ? 'move large generated files out of the scanned directory'
            : `fix or delete ${where}, then run keyless audit again`),
      }
    default:
      return {severity: 'info', title: draft.kind, fix: 'nothing to do'}
  }
}

function keyRule(draft: Draft, identity: KeyIdentity | undefined, status: FindingStatus, masked: string, place: string): Rated {
  const remove = removeHow(draft)
  if (draft.temporary) {
    if (status === 'expired' || status === 'rejected') {
      return {severity: 'info', title: `expired temporary credentials ${masked}${place}`, fix: remove}
    }
    const who = identity?.arn ? ` of ${identity.arn}` : ''
    if (draft.kind === 'environment-key')
      return {severity: 'info', title: `temporary credentials ${masked}${who} in this shell`, fix: 'nothing to do: they expire'}
    return {severity: 'medium', title: `temporary credentials ${masked}${who}${place} in plaintext`, fix: remove}
  }
  if (status === 'rejected') {
    const why = identity?.reason === 'SignatureDoesNotMatch' ? 'its secret is wrong' : 'deleted or inactive'
    return {
      severity: 'medium',
      title: `long-term key ${masked}${place} that AWS rejects (${why})`,
      fix: `${remove}; nothing to deactivate at AWS`,
    }
  }
  if (status === 'active' && identity?.principalKind === 'root') {
    return {
      severity: 'critical',
      title: `root key of account ${identity.account}${place}`,
      fix: `${remove}, then delete the root access key: sign in as root, Security credentials, Access keys`,
    }
  }
  if (status === 'active') {
    const owner =
      identity?.principalKind === 'iam-user' ? `IAM user ${identity.userName} in ${identity.account}` : (identity?.arn ?? 'unknown')
    return {
      severity: 'high',
      title: `long-term key of ${owner}${place}`,
      fix: `${remove}, then deactivate it in IAM (keyless audit --fix prints the command)`,
    }
  }
  const why =
    status === 'unchecked'
      ? 'not checked (--offline)'
      : `not identified (STS ${status === 'unreachable' ? 'unreachable' : (identity?.reason ?? 'error')})`
  return {severity: 'high', title: `long-term key ${masked}${place}, ${why}`, fix: `${remove}, then deactivate it in IAM`}
}

function removeHow(draft: Draft): string {
  const loc = draft.location
  switch (draft.kind) {
    case 'environment-key':
      return 'run: unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN, and remove them from your shell start-up files'
    case 'project-file-key':
      return `delete it from ${loc.file} line ${loc.line} (and from version control history if committed)`
    case 'tool-file-key':
      return `remove it from ${loc.file} line ${loc.line} (${draft.detail ?? 'another tool'}'s file: keyless audit --fix asks before editing it) and give ${draft.detail ?? 'that tool'} short-lived credentials`
    case 'shell-file-key':
      return draft.action
        ? `remove its export lines from ${loc.file} line ${loc.line} (run: keyless audit --fix)`
        : `remove it from ${loc.file} line ${loc.line} by hand (the line holds more than the one assignment)`
    case 'shell-history-key':
      // A running shell keeps its history in memory and writes it back on exit (bash without histappend rewrites it).
      return draft.action
        ? `close your other ${draft.detail ?? 'shell'} sessions, then remove its history entries from ${loc.file} line ${loc.line} (run: keyless audit --fix)`
        : `remove the commands holding it from ${loc.file} line ${loc.line}, with your other ${draft.detail ?? 'shell'} sessions closed`
    case 'aws-dir-key':
      return `delete ${loc.file} if it is an old copy, or remove the key at line ${loc.line} (keyless audit --fix asks)`
    default:
      return `remove it from ${loc.file} [${loc.profile}] (run: keyless audit --fix)`
  }
}

function shadowFix(draft: Draft): string {
  return `remove the key from [${draft.location.profile}] in ${draft.location.file} (run: keyless audit --fix)`
}

function tokenCacheRule(draft: Draft, status: FindingStatus): Rated {
  const holds = draft.holds ?? []
  const where = draft.location.file ?? ''
  const what = draft.kind === 'sso-cache' ? 'AWS CLI SSO cache' : 'aws login cache'
  const fix = `delete ${where} (run: keyless audit --fix); keyless keeps its tokens in the keychain`
  const list = holds.join(', ') || 'nothing recognised'
  if (holds.includes('refresh-token') || holds.includes('private-key') || (holds.includes('client-secret') && status !== 'expired')) {
    return {severity: 'high', title: `${what} with ${list} in plaintext`, fix}
  }
  if (status === 'valid' && holds.length > 0) return {severity: 'medium', title: `${what} with ${list} in plaintext`, fix}
  return {severity: 'info', title: `${what} with ${status === 'expired' ? 'expired ' : ''}${list}`, fix}
}

const RANK: Record<Severity, number> = {critical: 0, high: 1, medium: 2, info: 3}

/** Orders two file names; the same file (3,000 profiles of one config file) skips the collator. */
const compareText = (a: string, b: string): number => (a === b ? 0 : a.localeCompare(b))

/** Worst first; within a severity by kind, file and line. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    RANK[a.severity] - RANK[b.severity] ||
    compareText(a.location.file ?? '', b.location.file ?? '') ||
    (a.location.line ?? 0) - (b.location.line ?? 0) ||
    compareText(a.location.variable ?? '', b.location.variable ?? '')
  )
}
