import {readdir, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'

/** CI files are small; a larger one is not read (a scan stays bounded). */
export const CI_FILE_MAX_BYTES = 1024 * 1024
/** Directory entries a scan looks at before it stops (a home directory stays bounded). */
const MAX_ENTRIES = 500_000
const SKIPPED_DIRS = new Set(['node_modules', '.git'])

export interface CiFile {
  path: string
  platform: 'github' | 'gitlab'
}

/** The workflows of one repository checkout: `.github/workflows/*.yml|yaml`, sorted by name. */
export async function repositoryWorkflows(root: string): Promise<string[]> {
  const dir = join(root, '.github', 'workflows')
  const names = await readdir(dir).catch(() => [] as string[])
  return names
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => join(dir, n))
}

/**
 * Every CI file under `root`: GitHub workflows (`.github/workflows/*.yml`) and `.gitlab-ci.yml`, for any number of
 * checkouts below it. Symbolic links are not followed, `node_modules` and `.git` are skipped, the walk is bounded.
 */
export async function findCiFiles(root: string): Promise<CiFile[]> {
  const found: CiFile[] = []
  const stack = [root]
  let entries = 0
  while (stack.length > 0 && entries < MAX_ENTRIES) {
    const dir = stack.pop() as string
    const list = await readdir(dir, {withFileTypes: true}).catch(() => [])
    for (const entry of list) {
      entries++
      const path = join(dir, entry.name)
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) stack.push(path)
      else if (entry.isFile() && entry.name === '.gitlab-ci.yml') found.push({path, platform: 'gitlab'})
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name) && dir.endsWith(join('.github', 'workflows')))
        found.push({path, platform: 'github'})
    }
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : 1))
}

/** A CI file's text, or undefined when it is too large or unreadable. */
export async function readCiFile(path: string): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined)
  if (!st?.isFile() || st.size > CI_FILE_MAX_BYTES) return undefined
  return readFile(path, 'utf8').catch(() => undefined)
}
