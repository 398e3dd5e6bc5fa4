/**
 * A config file the user made read-only (chmod 444), or that another user (configuration management) owns, is
 * not keyless's to replace: one line naming the file and the fix, and nothing written. Run as a real non-root
 * user, since root writes any file; the unreadable-file case is checked the same way.
 */
import {chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createOtherUser, IS_ROOT, type OtherUser} from '../helpers/other-user.js'

const CONFIGURE = ['configure', '--session', 'acme', '--start-url', 'https://acme.awsapps.com/start', '--region', 'us-east-1']
const ORIGINAL = '[profile mine]\nregion = eu-west-1\n'

describe.skipIf(!IS_ROOT)('the AWS config file as a normal user (skipped unless root: it creates the user)', () => {
  let user: OtherUser
  let config: string
  beforeAll(() => {
    user = createOtherUser()
    mkdirSync(join(user.home, '.aws'), {mode: 0o700})
    chownSync(join(user.home, '.aws'), user.uid, user.gid)
    config = join(user.home, '.aws', 'config')
  })
  afterAll(() => user?.remove())

  const place = (mode: number, owner: 'user' | 'root') => {
    writeFileSync(config, ORIGINAL)
    chmodSync(config, mode)
    if (owner === 'user') chownSync(config, user.uid, user.gid)
    else chownSync(config, 0, 0)
  }

  it('a file the user made read-only (0444): refused in one line, nothing written, no backup', async () => {
    place(0o444, 'user')
    const result = await user.keyless(CONFIGURE)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'keyless: ~/.aws/config is read-only (mode 0444): keyless does not replace a file made read-only, nothing was written; ' +
        'to let keyless edit it, run: chmod u+w ~/.aws/config\n',
    )
    expect(readFileSync(config, 'utf8')).toBe(ORIGINAL)
    expect(existsSync(`${config}.keyless.bak`)).toBe(false)
  })

  it('a file owned by someone else (configuration management): refused, nothing written', async () => {
    place(0o644, 'root')
    const result = await user.keyless(CONFIGURE)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'keyless: ~/.aws/config is read-only for you (owner uid 0, mode 0644): keyless does not replace a file made read-only, nothing was written; ' +
        'change it where it is managed, or set AWS_CONFIG_FILE to a file of your own\n',
    )
    expect(readFileSync(config, 'utf8')).toBe(ORIGINAL)
  })

  it('a writable file is edited as usual', async () => {
    place(0o600, 'user')
    const result = await user.keyless(CONFIGURE)
    expect(result.code, result.stderr).toBe(0)
    expect(readFileSync(config, 'utf8')).toContain('[sso-session acme]')
  })

  it('an unreadable config file: one line with the fix', async () => {
    place(0o000, 'user')
    const result = await user.keyless(['status'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`keyless: cannot read ~/.aws/config: permission denied; run: chmod u+rw ${config}\n`)
  })
})
