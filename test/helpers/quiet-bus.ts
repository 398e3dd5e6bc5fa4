import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

/**
 * A session bus configuration for a test's own D-Bus that starts no service on demand (it names no service
 * directory), written into `dir` (which the bus's socket also lives in); returns its path, for `dbus-daemon
 * --config-file` or `dbus-run-session --config-file`.
 *
 * Why: the standard session bus starts the real gnome-keyring-daemon when something calls org.freedesktop.secrets
 * and nothing owns it (a test of an absent or vanished Secret Service does exactly that). That daemon's `--start`
 * looks for a running daemon in $XDG_RUNTIME_DIR/keyring and, finding the suite's shared one there, initialises it
 * with the test's bus: then the shared keyring every other test uses goes away with that bus (twice in CI).
 */
export function quietBusConfig(dir: string): string {
  const path = join(dir, 'bus.conf')
  writeFileSync(
    path,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  )
  return path
}
