import {basename, delimiter, join, resolve} from 'node:path'

import {configFilePath, credentialsFilePath, displayPath, homeDir} from '../aws-config/paths.js'
import {ASSIGNMENT_LINE} from './line-fix.js'
import {findKeys, normaliseHistory, normaliseShell, type KeyHit, type PairOptions} from './pairs.js'
import {hitDrafts, readBounded, unreadable} from './scan.js'
import type {Draft, FindingKind} from './types.js'
import {walkTextFiles, type WalkLimits} from './walk.js'

type Env = NodeJS.ProcessEnv

/** Tool config files are small; anything bigger is read this far. */
const STORE_MAX_BYTES = 1024 * 1024
/** A shell history of years (zsh's SAVEHIST of a million entries is ~50 MiB); past it, a finding says it was read in part. */
const HISTORY_MAX_BYTES = 64 * 1024 * 1024

/**
 * How a store is read (never executed): INI sections, shell start-up syntax, a shell's or REPL's history (one
 * command a line), or plain text (`ID:SECRET`, JSON, `Name=value`).
 */
export type StoreFormat = 'ini' | 'shell' | 'history' | 'text'

export interface Store {
  /** Whose file it is, for people: `s3cmd`, `rclone`, `bash`. */
  tool: string
  path: string
  format: StoreFormat
  kind: FindingKind
  /** Secret spellings beyond `secret` (s3ql's `backend-password`). */
  secretNames?: RegExp
  /** --fix may remove its export lines with --yes (a shell start-up file of this user); else only when confirmed. */
  fixWithoutConfirm?: boolean
  /** Read this far (STORE_MAX_BYTES unless said): a history of years is megabytes. */
  maxBytes?: number
}

const xdgConfig = (env: Env): string => env.XDG_CONFIG_HOME || join(homeDir(env), '.config')

/**
 * The plain-file stores of the tools that keep AWS keys, at their documented default paths and the paths their
 * environment variables name (README "Audit this machine" lists them with the reason for each).
 */
export function toolStores(env: Env): Store[] {
  const home = homeDir(env)
  const ini = (tool: string, ...paths: Array<string | undefined>) =>
    paths.filter((p): p is string => Boolean(p)).map((path): Store => ({tool, path, format: 'ini', kind: 'tool-file-key'}))
  const text = (tool: string, ...paths: Array<string | undefined>) =>
    paths.filter((p): p is string => Boolean(p)).map((path): Store => ({tool, path, format: 'text', kind: 'tool-file-key'}))
  return [
    ...ini('s3cmd', env.S3CMD_CONFIG, join(home, '.s3cfg')),
    ...ini('boto', env.BOTO_CONFIG, ...(env.BOTO_PATH ?? '').split(':'), join(home, '.boto'), '/etc/boto.cfg'),
    ...text('s3fs', join(home, '.passwd-s3fs'), '/etc/passwd-s3fs'),
    ...text('AWS_CREDENTIAL_FILE', env.AWS_CREDENTIAL_FILE),
    ...ini('rclone', env.RCLONE_CONFIG, join(xdgConfig(env), 'rclone', 'rclone.conf'), join(home, '.rclone.conf')),
    ...text(
      'MinIO client',
      env.MC_CONFIG_DIR && join(env.MC_CONFIG_DIR, 'config.json'),
      join(home, '.mc', 'config.json'),
      join(home, '.mcli', 'config.json'),
    ),
    ...ini('s3ql', join(home, '.s3ql', 'authinfo2')).map((s) => ({...s, secretNames: /secret|password/i})),
    ...text('Elastic Beanstalk CLI', join(home, '.elasticbeanstalk', 'aws_credential_file')),
    // An EKS user's exec plugin (aws eks get-token, aws-iam-authenticator) given keys in its env list.
    ...text('kubectl', ...(env.KUBECONFIG ?? '').split(delimiter), join(home, '.kube', 'config')),
  ]
}

/** Shell start-up files: `export AWS_SECRET_ACCESS_KEY=...` in one of them is in every shell the user opens. */
export function shellStores(env: Env): Store[] {
  const home = homeDir(env)
  const zdot = env.ZDOTDIR || home
  const fish = join(xdgConfig(env), 'fish')
  const mine = (tool: string, path: string): Store => ({tool, path, format: 'shell', kind: 'shell-file-key', fixWithoutConfirm: true})
  return [
    ...['.bashrc', '.bash_profile', '.bash_login', '.bash_aliases'].map((n) => mine('bash', join(home, n))),
    mine('sh', join(home, '.profile')),
    ...['.zshrc', '.zshenv', '.zprofile', '.zlogin'].map((n) => mine('zsh', join(zdot, n))),
    ...['.kshrc', '.mkshrc'].map((n) => mine('ksh', join(home, n))),
    ...['.cshrc', '.tcshrc'].map((n) => mine('csh', join(home, n))),
    mine('fish', join(fish, 'config.fish')),
    mine('fish', join(fish, 'fish_variables')),
    mine('direnv', join(home, '.envrc')),
    mine('PAM', join(home, '.pam_environment')),
    {tool: 'the system environment', path: '/etc/environment', format: 'shell', kind: 'shell-file-key'},
  ]
}

/**
 * Shell and REPL histories: a key typed into a command (`export AWS_SECRET_ACCESS_KEY=...`, `aws configure set
 * aws_secret_access_key ...`) stays in the history file long after the shell is gone.
 */
export function historyStores(env: Env): Store[] {
  const home = homeDir(env)
  const data = env.XDG_DATA_HOME || join(home, '.local', 'share')
  const mine = (tool: string, path: string | undefined): Store[] =>
    path ? [{tool, path, format: 'history', kind: 'shell-history-key', fixWithoutConfirm: true, maxBytes: HISTORY_MAX_BYTES}] : []
  return [
    ...mine('shell', env.HISTFILE),
    ...mine('bash', join(home, '.bash_history')),
    ...mine('zsh', join(env.ZDOTDIR || home, '.zsh_history')),
    ...mine('zsh', join(home, '.histfile')),
    ...mine('fish', join(data, 'fish', 'fish_history')),
    ...mine('PowerShell', join(data, 'powershell', 'PSReadLine', 'ConsoleHost_history.txt')),
    ...mine('PowerShell', env.APPDATA && join(env.APPDATA, 'Microsoft', 'Windows', 'PowerShell', 'PSReadLine', 'ConsoleHost_history.txt')),
    ...mine('Python', join(home, '.python_history')),
    ...mine('Node.js', join(home, '.node_repl_history')),
  ]
}

/**
 * The lines a history entry holding these lines takes: bash's `#1700000000` time stamp line before a command, fish's
 * `  when:` and `  paths:` lines after its `- cmd:` line, and every line of a command of several lines where the
 * history marks them: zsh ends each line but the last with `\`, PowerShell's PSReadLine with a backtick. Those go
 * whole: left behind, a line that ends so would join the next entry to it. --fix removes the whole entries.
 */
export function historyEntryLines(lines: readonly string[], hit: readonly number[], continued?: string): number[] {
  const out = new Set<number>()
  const continues = (n: number) => continued !== undefined && (lines[n - 1] ?? '').endsWith(continued)
  // The text's last line break is followed by no line.
  const count = lines.at(-1) === '' ? lines.length - 1 : lines.length
  for (const n of hit) {
    let first = n
    while (first > 1 && continues(first - 1)) first--
    let last = n
    while (last < count && continues(last)) last++
    for (let k = first; k <= last; k++) out.add(k)
    if (first >= 2 && /^#\d+\s*$/.test(lines[first - 2] ?? '')) out.add(first - 1)
    if (/^- cmd: /.test(lines[n - 1] ?? '')) for (let k = n + 1; k <= lines.length && /^ {2}/.test(lines[k - 1] ?? ''); k++) out.add(k)
  }
  return [...out].sort((a, b) => a - b)
}

/**
 * What ends a line of a history entry that goes on on the next line: `\` in zsh's history (either format), a
 * backtick in PowerShell's; undefined where a line is an entry. $HISTFILE (any shell) is zsh's when it holds zsh's
 * extended format or is named so.
 */
export function historyContinuation(store: Pick<Store, 'tool' | 'path'>, text: string): string | undefined {
  if (store.tool === 'PowerShell') return '`'
  if (store.tool === 'zsh') return '\\'
  if (store.tool === 'shell' && (/zsh/i.test(basename(store.path)) || /^: \d+:\d+;/m.test(text))) return '\\'
  return undefined
}

/**
 * Directories of more files of one kind, whose entries become stores: fish's conf.d and systemd's environment.d
 * (shell start-up files), and the Amplify CLI's ~/.amplify/awscloudformation, where `amplify init` with "AWS access
 * keys" writes each project's key pair, in a JSON file of a random name (its projects' local-aws-info.json point there).
 */
async function expandDirectories(env: Env): Promise<Store[]> {
  const {readdir} = await import('node:fs/promises')
  const out: Store[] = []
  const shell = (tool: string, path: string): Store => ({tool, path, format: 'shell', kind: 'shell-file-key', fixWithoutConfirm: true})
  const tool = (name: string, path: string): Store => ({tool: name, path, format: 'text', kind: 'tool-file-key'})
  const dirs: Array<[string, string, (name: string) => boolean, (tool: string, path: string) => Store]> = [
    ['fish', join(xdgConfig(env), 'fish', 'conf.d'), (n) => n.endsWith('.fish'), shell],
    ['systemd environment.d', join(xdgConfig(env), 'environment.d'), (n) => n.endsWith('.conf'), shell],
    ['the Amplify CLI', join(homeDir(env), '.amplify', 'awscloudformation'), () => true, tool],
  ]
  for (const [name, dir, wanted, store] of dirs) {
    const names = await readdir(dir).catch(() => [] as string[])
    for (const entry of names.filter(wanted).sort()) out.push(store(name, join(dir, entry)))
  }
  return out
}

/** The section each line of an INI file is in (`[default]` -> `default`, `[profile x]` -> `profile x`). */
function sectionsOf(text: string): (line: number) => string | null {
  const starts: Array<[number, string]> = []
  for (const [i, line] of text.split(/\r\n|\n|\r/).entries()) {
    const m = /^\s*\[([^\]]*)\]\s*$/.exec(line)
    if (m) starts.push([i + 1, m[1]!.trim()])
  }
  return (line) => {
    let name: string | null = null
    for (const [start, section] of starts) if (start <= line) name = section
    return name
  }
}

/** The key hits of one store's text, read in its own format. */
export function storeHits(text: string, store: Pick<Store, 'format' | 'secretNames'>): KeyHit[] {
  // No key id, nothing to find: a history of megabytes is not rewritten line by line for nothing.
  if (!text.includes('AKIA') && !text.includes('ASIA')) return []
  const options: PairOptions = {ini: store.format === 'ini', ...(store.secretNames ? {secretNames: store.secretNames} : {})}
  const read = store.format === 'shell' ? normaliseShell(text) : store.format === 'history' ? normaliseHistory(text) : text
  return findKeys(read, options)
}

/** Reads each store that exists; a missing one is nothing, an unreadable one an `info` finding. */
async function storeDrafts(stores: Store[], env: Env): Promise<Draft[]> {
  const drafts: Draft[] = []
  const seen = new Set<string>()
  for (const store of stores) {
    const path = resolve(store.path)
    if (seen.has(path)) continue
    seen.add(path)
    let read
    try {
      read = await readBounded(path, store.maxBytes ?? STORE_MAX_BYTES)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') continue
      drafts.push(unreadable(path, `${store.tool}'s file cannot be read (${code ?? 'error'}): not checked`, env))
      continue
    }
    if (read.truncated) {
      const mib = (store.maxBytes ?? STORE_MAX_BYTES) / 1024 / 1024
      // Keys may be in the rest: not knowing is worse than for a large project file (info).
      drafts.push({
        ...unreadable(path, `${store.tool}'s file is larger than ${mib} MiB: only its start was checked`, env),
        status: 'truncated',
        severity: 'medium',
        fix: `look for keys in the rest by hand: grep -n -E 'AKIA|ASIA' ${displayPath(path, env)}`,
      })
    }
    // Split only for a hit's fix: a history of megabytes without a key is not made into a string a line.
    let split: string[] | undefined
    const lines = () => (split ??= read.text.split(/\r\n|\n|\r/))
    drafts.push(
      ...hitDrafts(
        storeHits(read.text, store),
        {
          kind: store.kind,
          path,
          shown: displayPath(path, env),
          detail: store.tool,
          ...(store.format === 'ini' ? {profileOf: sectionsOf(read.text)} : {}),
        },
        (hit) => {
          // Shell lines go only when each is one assignment alone; tool files only with a yes per finding.
          if (store.format === 'shell' && !hit.lines.every((n) => ASSIGNMENT_LINE.test(lines()[n - 1] ?? ''))) return undefined
          // A history's entries go whole: each line is one command that held the key.
          if (store.format === 'history') {
            return {
              type: 'remove-lines',
              path,
              lines: historyEntryLines(lines(), hit.lines, historyContinuation(store, read.text)),
              confirm: !store.fixWithoutConfirm,
              whole: true,
            }
          }
          return {type: 'remove-lines', path, lines: hit.lines, confirm: !store.fixWithoutConfirm}
        },
      ),
    )
  }
  return drafts
}

/** Other tools' stores, the shell start-up files and the shell histories. */
export async function toolAndShellDrafts(env: Env): Promise<Draft[]> {
  return storeDrafts([...toolStores(env), ...shellStores(env), ...historyStores(env), ...(await expandDirectories(env))], env)
}

/**
 * Every file under ~/.aws other than the credentials and config files and the caches (read on their own):
 * copies and backups (`credentials.bak`, `credentials.old`, `config~`) hold keys the AWS tools no longer use
 * and nobody remembers. keyless's own backups (`*.keyless.bak`) are one `info` finding each: --fix said so.
 */
export function awsDirectoryDrafts(env: Env, limits: WalkLimits): Draft[] {
  const root = join(homeDir(env), '.aws')
  const own = new Set([resolve(credentialsFilePath(env)), resolve(configFilePath(env))])
  const caches = ['sso', 'cli', 'login'].map((d) => join(root, d, 'cache') + '/')
  const drafts: Draft[] = []
  walkTextFiles(root, limits, {
    file(path, bytes, length) {
      if (own.has(path) || caches.some((c) => path.startsWith(c)) || path.endsWith('.lock')) return
      const text = bytes.toString('utf8', 0, length)
      const hits = storeHits(text, {format: 'ini'})
      const shown = displayPath(path, env)
      if (path.endsWith('.keyless.bak')) {
        const pairs = hits.filter((h) => h.type === 'pair').length
        if (pairs > 0)
          drafts.push({
            kind: 'keyless-backup',
            location: {file: shown, line: null, profile: null, variable: null},
            detail: String(pairs),
            path,
          })
        return
      }
      drafts.push(
        ...hitDrafts(hits, {kind: 'aws-dir-key', path, shown, profileOf: sectionsOf(text), detail: 'a copy under ~/.aws'}, (hit) => ({
          type: 'remove-lines',
          path,
          lines: hit.lines,
          confirm: true,
        })),
      )
    },
    skip(path, reason, detail) {
      if (reason === 'unreadable' && path !== root) drafts.push(unreadable(path, `cannot be read (${detail ?? 'error'}): not checked`, env))
    },
  })
  return drafts
}
