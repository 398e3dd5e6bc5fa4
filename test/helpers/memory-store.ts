import type {SecretStore} from '../../src/keychain/keychain.js'

/** An in-memory SecretStore, for unit tests of pure logic only: everything else uses the real keychain. */
export class MemoryStore implements SecretStore {
  entries = new Map<string, string>()
  async get(key: string) {
    return this.entries.get(key)
  }
  async set(key: string, value: string) {
    this.entries.set(key, value)
  }
  async delete(key: string) {
    return this.entries.delete(key)
  }
  async keys(prefix = '') {
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix)).sort()
  }
}
