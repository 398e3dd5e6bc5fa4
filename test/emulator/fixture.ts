import {readFileSync} from 'node:fs'

/** One AWS account the emulated user is assigned to, with the permission sets (roles) they may use there. */
export interface FixtureAccount {
  accountId: string
  accountName: string
  emailAddress: string
  roles: string[]
}

/** A long-term key pair STS accepts (the account root, an IAM user): what `whoami --strict` must catch. */
export interface StaticIdentity {
  accessKeyId: string
  secretAccessKey: string
  account: string
  arn: string
  userId: string
  /** `Inactive`: the key exists but IAM deactivated it; STS answers `InvalidClientTokenId` as for a deleted key. */
  status?: 'Active' | 'Inactive'
  /** Temporary credentials (an `aws login` session of the root): STS wants this token with the key, as AWS does. */
  sessionToken?: string
}

/** Everything the emulated Identity Center instance knows. The JSON a `--fixture FILE` holds. */
export interface Fixture {
  startUrl: string
  region: string
  /** The user who signs in on the approval page; the session name of every SSO role session. */
  user: string
  accounts: FixtureAccount[]
  staticIdentities: StaticIdentity[]
}

const DEFAULT_FIXTURE_FILE = new URL('./default-fixture.json', import.meta.url)

/** The default fixture of PRODUCT.md section 8 (a fresh copy each call: callers may mutate it). */
export function defaultFixture(): Fixture {
  return parseFixture(readFileSync(DEFAULT_FIXTURE_FILE, 'utf8'), 'default-fixture.json')
}

/** Reads a fixture file; fields it leaves out come from the default fixture. */
export function loadFixture(file: string): Fixture {
  return parseFixture(readFileSync(file, 'utf8'), file)
}

export function parseFixture(text: string, source: string): Fixture {
  let raw: Partial<Fixture>
  try {
    raw = JSON.parse(text) as Partial<Fixture>
  } catch (error) {
    throw new Error(`fixture ${source} is not valid JSON: ${(error as Error).message}`)
  }
  const base: Partial<Fixture> = source === 'default-fixture.json' ? {} : defaultFixture()
  const fixture: Fixture = {
    startUrl: raw.startUrl ?? base.startUrl ?? '',
    region: raw.region ?? base.region ?? '',
    user: raw.user ?? base.user ?? '',
    accounts: raw.accounts ?? base.accounts ?? [],
    staticIdentities: raw.staticIdentities ?? base.staticIdentities ?? [],
  }
  validateFixture(fixture, source)
  return fixture
}

function validateFixture(fixture: Fixture, source: string): void {
  const fail = (what: string): never => {
    throw new Error(`fixture ${source}: ${what}`)
  }
  if (!/^https:\/\//.test(fixture.startUrl)) fail('startUrl must be an https URL')
  if (!fixture.region) fail('region is required')
  if (!fixture.user) fail('user is required')
  const ids = new Set<string>()
  for (const account of fixture.accounts) {
    if (!/^\d{12}$/.test(account.accountId)) fail(`accountId ${JSON.stringify(account.accountId)} is not 12 digits`)
    if (ids.has(account.accountId)) fail(`accountId ${account.accountId} appears twice`)
    ids.add(account.accountId)
    if (!Array.isArray(account.roles)) fail(`account ${account.accountId} has no roles array`)
    if (new Set(account.roles).size !== account.roles.length) fail(`account ${account.accountId} lists a role twice`)
  }
  for (const identity of fixture.staticIdentities) {
    if (!identity.accessKeyId || !identity.secretAccessKey || !identity.arn)
      fail('a static identity needs accessKeyId, secretAccessKey and arn')
  }
}

/** Role names a generated account gets, in order; past the end of this list come PermissionSet0NN. */
const GENERATED_ROLE_NAMES = [
  'AdministratorAccess',
  'ReadOnlyAccess',
  'PowerUserAccess',
  'ViewOnlyAccess',
  'SecurityAudit',
  'Billing',
  'DatabaseAdministrator',
  'NetworkAdministrator',
  'SystemAdministrator',
  'SupportUser',
  'DataScientist',
]

/**
 * `--accounts N --roles-per-account M`: N deterministic accounts (ids 100000000001.., names account-0001..),
 * each with the same first M role names. Same arguments, same fixture, every run.
 */
export function generateAccounts(count: number, rolesPerAccount: number): FixtureAccount[] {
  const roles = Array.from({length: rolesPerAccount}, (_, j) => GENERATED_ROLE_NAMES[j] ?? `PermissionSet${String(j + 1).padStart(3, '0')}`)
  return Array.from({length: count}, (_, i) => {
    const name = `account-${String(i + 1).padStart(4, '0')}`
    return {
      accountId: String(100_000_000_001 + i),
      accountName: name,
      emailAddress: `${name}@keyless-demo.example.com`,
      roles: [...roles],
    }
  })
}
