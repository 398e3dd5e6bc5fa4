import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export interface Sandbox {
  /** A throwaway HOME: nothing of the developer's own AWS files is ever read. */
  home: string
  configFile: string
  credentialsFile: string
  cacheDir: string
  /** A keychain service name no other test uses. */
  keychainService: string
  /** The environment a keyless process under test runs with (merge your own on top). */
  env: NodeJS.ProcessEnv
  cleanup(): void
}

/** Variables of the developer's shell that would make a test depend on their machine. */
const LEAKY =
  /^(AWS_|KEYLESS_SESSION$|KEYLESS_HOST_KIND$|BROWSER$|DISPLAY$|WAYLAND_DISPLAY$|SSH_|WSL_|XDG_CACHE_HOME$|XDG_DATA_HOME$|XDG_DATA_DIRS$|XDG_CONFIG_HOME$|XDG_CONFIG_DIRS$|NO_COLOR$|DEBUG$)/

export function makeSandbox(): Sandbox {
  const home = mkdtempSync(join(tmpdir(), 'keyless-test-'))
  const keychainService = `keyless-test-${randomBytes(6).toString('hex')}`
  const base: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!LEAKY.test(k)) base[k] = v
  const sandbox: Sandbox = {
    home,
    configFile: join(home, '.aws', 'config'),
    credentialsFile: join(home, '.aws', 'credentials'),
    cacheDir: join(home, '.cache', 'keyless'),
    keychainService,
    env: {
      ...base,
      HOME: home,
      USERPROFILE: home,
      AWS_CONFIG_FILE: join(home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
      XDG_CACHE_HOME: join(home, '.cache'),
      // xdg-open asks the desktop's URL handlers (a browser the machine has installed) before $BROWSER: none here.
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_DATA_DIRS: join(home, '.local', 'share'),
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CONFIG_DIRS: join(home, '.config'),
      KEYLESS_KEYCHAIN_SERVICE: keychainService,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      OCLIF_DISABLE_ENGINE_WARNING: '1',
      // The AWS CLI must never reach for the instance metadata service or a pager.
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    },
    cleanup: () => rmSync(home, {recursive: true, force: true}),
  }
  return sandbox
}
