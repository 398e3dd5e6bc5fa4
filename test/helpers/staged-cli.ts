/**
 * A runnable copy of the built CLI that another local user can reach, for tests that run keyless as that user.
 *
 * The checkout may sit under a directory no one else can enter (`/root/keyless`, a `mktemp -d`: 0700, the usual
 * container set-up), and so may the Node.js binary (scripts/ensure-node.sh installs Node.js 24 under ~/.cache).
 * Rather than loosening the permissions of the user's directories, this stages what `bin/run.js` needs at run time
 * (bin, dist, package.json, oclif.manifest.json and the production packages of node_modules, as package-lock.json
 * lists them) in a fresh root-owned 0755 directory under a world-traversable temp directory. Files are hard links
 * when they are on the same filesystem and readable by others (no bytes copied: about 5,000 links), otherwise
 * copies made readable. Staging the production packages only also proves the package runs without its dev
 * dependencies.
 */
import {execFileSync} from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, dirname, join, sep} from 'node:path'

import {ROOT} from './cli.js'

export interface StagedCli {
  /** The staged package root (world-readable, root-owned). */
  root: string
  /** bin/run.js of the staged package. */
  bin: string
  /** A Node.js binary every user can execute: this process's own when others can reach it, else a staged copy. */
  node: string
  /** Copies a file into the staged root (so it resolves the staged node_modules) and returns its path there. */
  stage(source: string, name?: string): string
  remove(): void
}

const OTHERS_READ = 0o004
const OTHERS_EXEC = 0o001

/** Whether a user other than the owner (and not in its group) can reach `path` with `need` (read or execute). */
export function reachableByOthers(path: string, need: number): boolean {
  let real: string
  try {
    real = realpathSync(path)
  } catch {
    return false
  }
  const parts = real.split(sep).filter(Boolean)
  for (let i = 0; i < parts.length; i++) {
    const dir = sep + parts.slice(0, i).join(sep)
    if ((statSync(dir).mode & OTHERS_EXEC) === 0) return false
  }
  return (statSync(real).mode & need) === need
}

/** A temp directory others can traverse: os.tmpdir() unless TMPDIR points somewhere private, else /tmp. */
export function sharedTmpdir(): string {
  return reachableByOthers(tmpdir(), OTHERS_EXEC) ? tmpdir() : '/tmp'
}

/** The package-relative folders of node_modules that the package needs at run time (not dev-only). */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, {dev?: boolean; link?: boolean}>
  }
  return Object.entries(lock.packages)
    .filter(([path, meta]) => path.startsWith('node_modules/') && !meta.dev && !meta.link)
    .map(([path]) => path)
}

/** Hard link when possible and others may read the file; else a copy others may read (and run, if executable). */
function place(source: string, target: string): void {
  const mode = statSync(source).mode
  if ((mode & OTHERS_READ) !== 0) {
    try {
      linkSync(source, target)
      return
    } catch {
      // Another filesystem (EXDEV) or links refused: copy below.
    }
  }
  copyFileSync(source, target)
  chmodSync(target, (mode & 0o111) !== 0 ? 0o755 : 0o644)
}

/** mkdir -p with every created folder 0755 whatever the umask (a root umask of 077 is common in containers). */
function mkdirShared(dir: string): void {
  if (existsSync(dir)) return
  mkdirShared(dirname(dir))
  mkdirSync(dir)
  chmodSync(dir, 0o755)
}

/** What Node.js never loads from a package: type declarations, source maps, documentation (half the files). */
const NOT_RUN = /\.(d\.[cm]?ts|map|md|markdown)$/

/**
 * Mirrors a directory. In a package, nested node_modules are left out (each package there is staged on its own
 * if needed), and so is what Node.js never loads.
 */
function mirror(source: string, target: string, inPackage: boolean): void {
  mkdirShared(target)
  for (const entry of readdirSync(source, {withFileTypes: true})) {
    const from = join(source, entry.name)
    const to = join(target, entry.name)
    if (inPackage && NOT_RUN.test(entry.name)) continue
    if (entry.isDirectory()) {
      if (!(inPackage && (entry.name === 'node_modules' || entry.name === 'dist-types'))) mirror(from, to, inPackage)
    } else if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(from), to)
    } else if (entry.isFile()) {
      place(from, to)
    }
  }
}

export function stageCli(): StagedCli {
  const root = mkdtempSync(join(sharedTmpdir(), 'keyless-cli-'))
  chmodSync(root, 0o755)
  // rm -rf unlinks thousands of links several times faster than fs.rmSync.
  const remove = () => {
    try {
      execFileSync('rm', ['-rf', '--', root], {stdio: 'ignore'})
    } catch {
      rmSync(root, {recursive: true, force: true})
    }
  }
  try {
    mirror(join(ROOT, 'bin'), join(root, 'bin'), false)
    mirror(join(ROOT, 'dist'), join(root, 'dist'), false)
    for (const file of ['package.json', 'oclif.manifest.json']) place(join(ROOT, file), join(root, file))
    for (const pkg of productionPackages()) {
      let isDir = false
      try {
        isDir = statSync(join(ROOT, pkg)).isDirectory()
      } catch {
        // An optional package for another platform: not installed here.
      }
      if (isDir) mirror(join(ROOT, pkg), join(root, pkg), true)
    }
    const ownNodeReachable = reachableByOthers(process.execPath, OTHERS_EXEC)
    let node = process.execPath
    if (!ownNodeReachable) {
      node = join(root, 'node', basename(process.execPath))
      mkdirShared(dirname(node))
      place(process.execPath, node)
    }
    return {
      root,
      bin: join(root, 'bin', 'run.js'),
      node,
      stage(source, name = basename(source)) {
        const target = join(root, 'staged', name)
        mkdirShared(dirname(target))
        place(source, target)
        return target
      },
      remove,
    }
  } catch (error) {
    remove()
    throw error
  }
}
