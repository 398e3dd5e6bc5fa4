import {readFileSync, renameSync, writeFileSync} from 'node:fs'

import {KeylessError} from '../errors.js'

/**
 * A keytar stand-in that keeps entries in a plain JSON file, for keyless's own Windows suite under Wine only:
 * keytar's Windows binary is downloaded from GitHub at install time, which that suite cannot do. It sits where
 * keytar sits, under the keychain module (its timeouts and chunking run as on Windows), and like Credential
 * Manager it refuses a value over 2,560 bytes. Secrets in a plain file are what keyless exists to prevent: it
 * is honoured only with a test keychain service (`keyless-test-*`, which every test sandbox uses) and refused
 * otherwise.
 */
export const TEST_KEYTAR_FILE_VAR = 'KEYLESS_TEST_PLAIN_KEYCHAIN_FILE'

/** Windows Credential Manager's limit on one credential's blob (CRED_MAX_CREDENTIAL_BLOB_SIZE; keytar writes UTF-8). */
const CREDENTIAL_BLOB_LIMIT = 5 * 512

type Entries = Record<string, Record<string, string>>

export interface FileKeytar {
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  deletePassword(service: string, account: string): Promise<boolean>
  findCredentials(service: string): Promise<Array<{account: string; password: string}>>
}

/** The file keytar when the test variable is set (undefined otherwise); an error when it is set outside a test. */
export function testFileKeytar(env: NodeJS.ProcessEnv, service: string): FileKeytar | undefined {
  const path = env[TEST_KEYTAR_FILE_VAR]
  if (!path) return undefined
  if (!service.startsWith('keyless-test-')) {
    throw new KeylessError(
      `${TEST_KEYTAR_FILE_VAR} is for keyless's own test suite and keeps secrets in a plain file`,
      `unset ${TEST_KEYTAR_FILE_VAR}`,
      2,
    )
  }
  const read = (): Entries => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Entries
    } catch {
      return {}
    }
  }
  const write = (entries: Entries) => {
    const temp = `${path}.${process.pid}.tmp`
    writeFileSync(temp, JSON.stringify(entries))
    renameSync(temp, path)
  }
  return {
    async getPassword(s, account) {
      return read()[s]?.[account] ?? null
    },
    async setPassword(s, account, password) {
      if (Buffer.byteLength(password) > CREDENTIAL_BLOB_LIMIT) {
        throw new Error(`the stub credential store refuses a ${Buffer.byteLength(password)}-byte value, as Credential Manager does`)
      }
      const entries = read()
      entries[s] = {...entries[s], [account]: password}
      write(entries)
    },
    async deletePassword(s, account) {
      const entries = read()
      if (entries[s]?.[account] === undefined) return false
      delete entries[s]![account]
      write(entries)
      return true
    },
    async findCredentials(s) {
      return Object.entries(read()[s] ?? {}).map(([account, password]) => ({account, password}))
    },
  }
}
