import type {PrincipalKind} from '../identity/classify.js'

/** PRODUCT.md section 12. Worst first: the order findings are shown and counted in. */
export const SEVERITIES = ['critical', 'high', 'medium', 'info'] as const
export type Severity = (typeof SEVERITIES)[number]

/** What a finding is about. Stable strings: scripts and security teams match on them (README "Audit this machine"). */
export type FindingKind =
  | 'environment-key'
  | 'credentials-file-key'
  | 'config-file-key'
  | 'project-file-key'
  | 'tool-file-key'
  | 'shell-file-key'
  | 'shell-history-key'
  | 'aws-dir-key'
  | 'key-id'
  | 'example-key'
  | 'keyless-backup'
  | 'home-differs'
  | 'ci-static-key'
  | 'shadowed-profile'
  | 'keyless-profile'
  | 'credential-process-profile'
  | 'sso-profile'
  | 'login-session-profile'
  | 'assume-role-profile'
  | 'sso-cache'
  | 'cli-cache'
  | 'login-cache'
  | 'file-permissions'
  | 'unreadable'

/**
 * `active` (STS named it), `rejected` (STS refused the key: deleted, inactive or a wrong secret), `expired`,
 * `unreachable` (no answer from STS in time), `error` (another STS error), `unchecked` (`--offline`), `valid`
 * (a cache whose secrets have not expired), `present` (nothing to check), `truncated` (a file read only in part).
 */
export type FindingStatus = 'active' | 'rejected' | 'expired' | 'unreachable' | 'error' | 'unchecked' | 'valid' | 'present' | 'truncated'

export interface FindingLocation {
  /** As shown to people: `~/.aws/credentials`. null for the environment. */
  file: string | null
  /** 1-based. */
  line: number | null
  profile: string | null
  variable: string | null
  /** A CI job (`ci-static-key`); null for a workflow's own `env:`. */
  job?: string | null
}

/** One line of `keyless audit --json` (PRODUCT.md section 12). Never holds a secret: key ids are masked. */
export interface Finding {
  severity: Severity
  kind: FindingKind
  location: FindingLocation
  accessKeyId: string | null
  account: string | null
  arn: string | null
  principalKind: PrincipalKind | null
  status: FindingStatus
  /** ISO 8601 UTC, for temporary credentials and tokens. */
  expiresAt: string | null
  /** What it is, in a few words: `root key of account 111111111111`. */
  title: string
  /** Which kinds of secret a cache file holds (`access-token`, `refresh-token`, `client-secret`, `role-credentials`, `private-key`). */
  holds: string[]
  fix: string
}

export interface AuditSummary {
  critical: number
  high: number
  medium: number
  info: number
}

export interface AuditReport {
  findings: Finding[]
  summary: AuditSummary
}

/** A key pair found somewhere. The secret stays in memory: it is only ever sent to STS, signed. */
export interface FoundKey {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** A region to call STS in (the profile's, the environment's): it picks the key's partition. */
  region?: string
}

/** What STS said about a key. */
export interface KeyIdentity {
  status: 'active' | 'rejected' | 'expired' | 'unreachable' | 'error' | 'unchecked'
  account?: string
  arn?: string
  principalKind?: PrincipalKind
  /** The IAM user name, for the deactivation command. */
  userName?: string
  /** The STS error code, for people (`InvalidClientTokenId`). */
  reason?: string
}

/** What --fix can do about a finding. */
export type FixAction =
  | {type: 'remove-key'; file: 'credentials' | 'config'; path: string; profile: string}
  | {type: 'delete-cache'; path: string}
  | {type: 'chmod'; path: string}
  /**
   * The lines of one key pair in a file keyless does not own (another tool's config, a copy under ~/.aws, a shell
   * start-up file). `confirm`: only with the user's yes to this very finding on a terminal (never with --yes).
   */
  | {type: 'remove-lines'; path: string; lines: number[]; confirm: boolean; whole?: boolean}

/** A finding before it is rated: where it came from, what --fix could do, and the key (kept out of output). */
export interface Draft {
  kind: FindingKind
  location: FindingLocation
  key?: FoundKey
  /** The key came with a session token, or is an ASIA key. */
  temporary?: boolean
  status?: FindingStatus
  expiresAt?: string | null
  holds?: string[]
  /** Words for the title: the program of a credential_process, the profile it shadows, why a file is unreadable. */
  detail?: string
  /** For `file-permissions`: the file holds a secret. */
  holdsSecret?: boolean
  /** For `unreadable`: how bad not knowing is, and what to do where the usual fix does not fit. */
  severity?: Severity
  fix?: string
  action?: FixAction
  /** Full path of the file, for sorting and fixing. */
  path?: string
}
