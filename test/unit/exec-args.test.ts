import {describe, expect, it} from 'vitest'

import {parseExecArgs} from '../../src/exec/args.js'
import {childEnvironment} from '../../src/exec/environment.js'
import {exitCodeOf} from '../../src/exec/run-child.js'

describe('exec command line', () => {
  it('everything after the first -- is the command, flags and -- included', () => {
    expect(parseExecArgs(['prod.Read', '--server', '--', 'ls', '-h', '--profile', 'x', '--', 'y'])).toEqual({
      role: {role: 'prod.Read', profile: undefined, account: undefined, roleName: undefined, session: undefined},
      region: undefined,
      server: true,
      debug: false,
      command: 'ls',
      args: ['-h', '--profile', 'x', '--', 'y'],
    })
    expect(parseExecArgs(['--account', 'a', '--role', 'r', '--session', 's', '--region', 'eu-west-1', '--', 'true']).role).toEqual({
      role: undefined,
      profile: undefined,
      account: 'a',
      roleName: 'r',
      session: 's',
    })
  })

  it('usage errors name what is wrong, exit 2', () => {
    for (const [argv, message] of [
      [['--profile', 'x'], /no command to run: put it after --/],
      [['--profile', 'x', '--'], /no command after --/],
      [['--profle', 'x', '--', 'true'], /Unknown option '--profle'/],
      [['a', 'b', '--', 'true'], /unexpected argument "b" before --/],
      [['--region', 'nowhere', '--', 'true'], /not an AWS region/],
      [['--profile', '', '--', 'true'], /--profile must not be empty/],
    ] as const) {
      try {
        parseExecArgs([...argv])
        expect.unreachable()
      } catch (error) {
        expect((error as {exitCode: number}).exitCode).toBe(2)
        expect((error as Error).message).toMatch(message)
      }
    }
  })

  it('128+N for a signal; the child environment never has both keys and the endpoint', () => {
    expect(exitCodeOf(null, 'SIGKILL')).toBe(137)
    expect(exitCodeOf(null, 'SIGTERM')).toBe(143)
    expect(exitCodeOf(42, null)).toBe(42)
    const parent = {AWS_PROFILE: 'p', AWS_ACCESS_KEY_ID: 'AKIAOLD', PATH: '/bin'}
    const served = childEnvironment(parent, {region: 'eu-west-1', label: 'a.b', server: {url: 'http://127.0.0.1:1/x', token: 't'}})
    expect(served).toEqual({
      PATH: '/bin',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      KEYLESS_ROLE: 'a.b',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:1/x',
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 't',
    })
  })
})
