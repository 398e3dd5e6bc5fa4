/**
 * `profiles sync` over several runs and sessions: options remembered per session in its [sso-session] section,
 * a second session whose names are taken, and hints that work exactly as printed.
 */
import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {runKeyless} from '../helpers/cli.js'
import {seedSession, useSignedInEmulator} from '../helpers/seed-session.js'

const signedIn = useSignedInEmulator()
const keyless = (args: string[]) => runKeyless(args, {env: signedIn.env})
const config = () => readFileSync(signedIn.sandbox.configFile, 'utf8')
/** The `[sso-session NAME]` section's lines. */
const sessionSection = (name: string) =>
  config()
    .split(/\n(?=\[)/)
    .find((s) => s.startsWith(`[sso-session ${name}]`))!
/** The command after `run: ` / `with: ` in a hint line, as argv (the hints quote nothing that needs a shell). */
const hintArgs = (line: string) => /(?:run|with): keyless (.+?)(?:$|;)/.exec(line)![1]!.replace(/'/g, '').split(' ')

describe('a second session whose profile names are taken', () => {
  it('says once what to do (a template with {session}), and the summary says nothing was written and why', async () => {
    expect((await keyless(['profiles', 'sync'])).code).toBe(0)
    await seedSession(signedIn.emulator, signedIn.sandbox, {session: 'two'})
    const before = config()
    const result = await keyless(['profiles', 'sync', '--session', 'two'])
    // Profiles were wanted and none could be written: exit 1 (issue 21 item 12), the fix in the last line.
    expect(result.code).toBe(1)
    expect(config()).toBe(before)
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toBe(
      'keyless: no profile written: all 5 profile names keyless wanted are taken (see above); give this session its own names, ' +
        "run: keyless profiles sync --session two --template '{session}.{account_name}.{role_name}'",
    )
    expect(lines[0]).toBe(
      'keyless: 5 profile names are taken by keyless session "acme" (production.ReadOnlyAccess, sandbox.AdministratorAccess, ' +
        'sandbox.ReadOnlyAccess, staging.PowerUserAccess, staging.ReadOnlyAccess): left alone; give this session its own names, ' +
        "run: keyless profiles sync --session two --template '{session}.{account_name}.{role_name}'",
    )
    expect(result.stdout.split('\n')[0]).toBe(
      `Nothing written to ${signedIn.sandbox.configFile}: 0 added, 0 updated, 0 removed, 0 unchanged, 5 skipped (every profile name is taken).`,
    )
    // The hint works as printed.
    const fixed = await keyless([...hintArgs(lines[0]!), '--json'])
    expect(fixed.code).toBe(0)
    expect(JSON.parse(fixed.stdout).added).toHaveLength(5)
    expect(config()).toContain('[profile two.production.ReadOnlyAccess]')
  })

  it('the prune hint names the session and works as printed (the template in force is remembered)', async () => {
    await signedIn.emulator.setAssignment('222222222222', 'PowerUserAccess', false)
    try {
      const result = await keyless(['profiles', 'sync', '--session', 'two', '--refresh'])
      expect(result.code).toBe(0)
      const hint = result.stderr
        .trimEnd()
        .split('\n')
        .find((l) => l.includes('--prune'))!
      expect(hint).toBe(
        'keyless: 1 profile(s) of session two point at roles you no longer have (two.staging.PowerUserAccess); ' +
          'remove them with: keyless profiles sync --session two --prune',
      )
      const pruned = await keyless([...hintArgs(hint), '--json'])
      expect(JSON.parse(pruned.stdout)).toMatchObject({added: [], removed: ['two.staging.PowerUserAccess'], updated: []})
    } finally {
      await signedIn.emulator.setAssignment('222222222222', 'PowerUserAccess', true)
    }
  })
})

describe('remembered options', () => {
  it('--command, --auto-login and --template are kept in [sso-session] and reused; a flag given again replaces them', async () => {
    const first = await keyless([
      'profiles',
      'sync',
      '--session',
      'acme',
      '--command',
      'keyless',
      '--auto-login',
      '--template',
      '{account_name}-{role_name}',
    ])
    expect(first.code).toBe(0)
    expect(sessionSection('acme')).toContain(
      'keyless_template = {account_name}-{role_name}\nkeyless_command = keyless\nkeyless_auto_login = true\n',
    )
    expect(config()).toContain(
      '[profile sandbox-AdministratorAccess]\ncredential_process = "keyless" credential-process --session acme --account-id=111111111111 --role-name=AdministratorAccess --auto-login\n',
    )

    // A plain sync changes nothing: same names, same command line, --auto-login kept.
    const before = config()
    const plain = await keyless(['profiles', 'sync', '--session', 'acme', '--json'])
    expect(JSON.parse(plain.stdout)).toMatchObject({added: [], updated: [], removed: []})
    expect(config()).toBe(before)

    // --dry-run shows the options in force and where they come from.
    const dry = await keyless(['profiles', 'sync', '--session', 'acme', '--dry-run'])
    expect(dry.stderr).toContain(
      "keyless: options in force for session acme (from [sso-session acme]): --template '{account_name}-{role_name}' --command keyless --auto-login",
    )

    const off = await keyless(['profiles', 'sync', '--session', 'acme', '--no-auto-login'])
    expect(off.code).toBe(0)
    expect(sessionSection('acme')).toContain('keyless_auto_login = false\n')
    expect(config()).toContain('--role-name=AdministratorAccess\n')
    expect(config()).not.toContain('--auto-login')
  })
})

describe('a read-only config file', () => {
  it('profiles sync refuses to replace it (also as root), in one line, nothing written', async () => {
    const {chmodSync} = await import('node:fs')
    const before = config()
    chmodSync(signedIn.sandbox.configFile, 0o444)
    try {
      const result = await keyless(['profiles', 'sync', '--session', 'acme', '--template', '{account_id}.{role_name}'])
      expect(result.code).toBe(1)
      // (after the warning that the remembered --command keyless is not on this test's PATH)
      expect(result.stderr.split('\n').at(-2) + '\n').toBe(
        'keyless: ~/.aws/config is read-only (mode 0444): keyless does not replace a file made read-only, nothing was written; ' +
          'to let keyless edit it, run: chmod u+w ~/.aws/config\n',
      )
      expect(config()).toBe(before)
    } finally {
      chmodSync(signedIn.sandbox.configFile, 0o600)
    }
  })
})

describe('options that cannot work', () => {
  it('a --template that cannot tell roles apart is a usage error (exit 2), before any listing', async () => {
    const before = config()
    for (const template of ['static', '{account_id}', '{account_name}-{session}', '{role_name}']) {
      const result = await keyless(['profiles', 'sync', '--session', 'acme', '--template', template])
      expect(result.code, template).toBe(2)
      expect(result.stderr).toBe(
        `keyless: --template '${template}' cannot tell every account and role apart: it needs {role_name} and {account_name} or {account_id}; ` +
          "run: keyless profiles sync --session acme --template '{account_name}.{role_name}'\n",
      )
    }
    expect(config()).toBe(before)
  })

  it('a --command that is not an executable file (or not on PATH) is written with a warning', async () => {
    const missing = await keyless(['profiles', 'sync', '--session', 'acme', '--command', '/nonexistent/keyless', '--dry-run'])
    expect(missing.code).toBe(0)
    expect(missing.stderr).toContain(
      'keyless: warning: --command /nonexistent/keyless is not an executable file: the AWS tools will fail to run the profiles; pass the path of keyless, or keyless when it is on PATH\n',
    )
    const bare = await keyless(['profiles', 'sync', '--session', 'acme', '--command', 'keyless-nowhere', '--dry-run'])
    expect(bare.stderr).toContain('keyless: warning: --command keyless-nowhere is not on PATH')
    const fine = await keyless(['profiles', 'sync', '--session', 'acme', '--command', 'sh', '--dry-run'])
    expect(fine.stderr).not.toContain('warning')
  })
})
