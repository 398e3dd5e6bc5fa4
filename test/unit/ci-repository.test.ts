import {describe, expect, it} from 'vitest'

import {checkRepository, repositoryFromRemote} from '../../src/ci/repository.js'
import {defaultRoleName} from '../../src/ci/oidc.js'

// `keyless ci oidc`: the GitHub repository of a checkout, from its origin remote or --repo.
describe('repositoryFromRemote', () => {
  it.each([
    ['git@github.com:acme/site.git', 'acme/site'],
    ['https://github.com/acme/site.git', 'acme/site'],
    ['https://github.com/acme/site', 'acme/site'],
    ['https://x-access-token@github.com/acme/my.site/', 'acme/my.site'],
    ['ssh://git@github.com/acme/site.git', 'acme/site'],
    ['ssh://git@github.com:22/acme/site.git', 'acme/site'],
    ['git@gitlab.com:acme/site.git', undefined],
    ['https://github.com/acme', undefined],
    ['https://github.com/acme/site/tree/main', undefined],
  ])('%s', (url, repo) => {
    expect(repositoryFromRemote(url)).toBe(repo)
  })
})

describe('checkRepository and defaultRoleName', () => {
  it('OWNER/NAME only; the role name is an IAM name of at most 64 characters', () => {
    expect(checkRepository('acme/site')).toBe('acme/site')
    for (const bad of ['acme', 'acme/site/x', '-acme/site', 'acme/..', 'ac me/site', ''])
      expect(() => checkRepository(bad)).toThrow(/is not a GitHub repository name/)
    expect(defaultRoleName('acme/site')).toBe('github-actions-acme-site')
    expect(defaultRoleName(`acme/${'x'.repeat(100)}`)).toHaveLength(64)
  })
})
