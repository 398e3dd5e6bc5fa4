import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

import {EXIT, KeylessError, printable} from '../errors.js'

const run = promisify(execFile)

/** GitHub's rules: an owner of 1-39 letters, digits and single hyphens; a name of letters, digits, `.`, `_`, `-`. */
const REPOSITORY = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/

/** `OWNER/NAME` checked, or a usage error. */
export function checkRepository(value: string): string {
  const m = REPOSITORY.exec(value)
  if (!m || m[2] === '.' || m[2] === '..') {
    throw new KeylessError(
      `--repo ${printable(value)} is not a GitHub repository name`,
      'pass it as OWNER/NAME, e.g. --repo acme/site',
      EXIT.usage,
    )
  }
  return value
}

/** `OWNER/NAME` of a GitHub remote URL (https, ssh, scp-like), else undefined. */
export function repositoryFromRemote(url: string): string | undefined {
  const m =
    /^(?:https?:\/\/(?:[^@/]+@)?github\.com\/|ssh:\/\/git@github\.com(?::\d+)?\/|git@github\.com:)([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(
      url.trim(),
    )
  return m && REPOSITORY.test(m[1]!) ? m[1] : undefined
}

async function git(args: string[], cwd: string): Promise<string | undefined> {
  try {
    return (await run('git', args, {cwd, encoding: 'utf8'})).stdout.trim()
  } catch {
    return undefined
  }
}

export interface Checkout {
  /** The top of the working tree. */
  root: string
  /** `OWNER/NAME`. */
  repo: string
  /** The default branch (origin's HEAD, else the branch checked out), when known. */
  defaultBranch?: string
}

/** The checkout DIR belongs to, its GitHub repository (`--repo`, else the `origin` remote) and default branch. */
export async function readCheckout(dir: string, repoFlag: string | undefined): Promise<Checkout> {
  if (repoFlag !== undefined) checkRepository(repoFlag)
  const root = await git(['rev-parse', '--show-toplevel'], dir)
  if (!root)
    throw new KeylessError(
      `${printable(dir)} is not in a git repository`,
      'run it in a checkout of the repository, or pass its directory: keyless ci oidc DIR',
      EXIT.usage,
    )
  let repo = repoFlag
  if (!repo) {
    const url = await git(['remote', 'get-url', 'origin'], root)
    repo = url ? repositoryFromRemote(url) : undefined
    if (!repo)
      throw new KeylessError(`the origin remote of ${printable(root)} is not a GitHub repository`, 'name it: --repo OWNER/NAME', EXIT.usage)
  }
  const originHead = await git(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], root)
  const defaultBranch =
    originHead?.replace(/^origin\//, '') || (await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], root)) || undefined
  return {root, repo, defaultBranch}
}
