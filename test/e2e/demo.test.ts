import {describe, expect, it} from 'vitest'

import {ROOT, runProcess} from '../helpers/cli.js'
import {makeSandbox} from '../helpers/sandbox.js'

describe('npm run demo', () => {
  it('walks the whole journey against the emulator and reports success', async () => {
    const sandbox = makeSandbox()
    try {
      // The demo's driver (scripts/demo.sh adds the install, build and keychain steps around it).
      const out = await runProcess(process.execPath, ['--import', 'tsx', `${ROOT}/scripts/demo.ts`], {
        env: {...sandbox.env, NO_COLOR: '1'},
        // Twelve steps with real processes, a headless browser and the AWS CLI: minutes on a busy 2-core machine.
        timeoutMs: 480_000,
      })
      expect(out.stderr).not.toMatch(/demo FAILED/)
      expect(out.code).toBe(0)
      for (const heading of [
        '1. Configure',
        '2. Log in',
        '3. The accounts',
        '4. Profiles',
        '5. The AWS CLI',
        '6. whoami',
        '7. exec',
        '8. Status',
        '9. Audit',
      ]) {
        expect(out.stdout).toContain(`== ${heading}`)
      }
      expect(out.stdout).toMatch(/assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/demo\.user/)
      expect(out.stdout).toContain(
        'aws iam update-access-key --status Inactive --access-key-id AKIAEMULATORUSER0001 --user-name terraform-deployer',
      )
      expect(out.stdout).toContain('KEYLESS_ROLE=staging.ReadOnlyAccess')
      expect(out.stdout).toMatch(/The browser landed on the \(emulated\) console, signed in as arn:aws:sts::333333333333:assumed-role\//)
      expect(out.stdout).toContain('demo complete')
      // The login is the phishing-resistant one: authorization code with PKCE, its browser an HTTP client.
      expect(out.stderr).toContain('keyless: signing in with authorization code with PKCE (a browser opens on this machine)')
    } finally {
      sandbox.cleanup()
    }
  }, 540_000)
})
