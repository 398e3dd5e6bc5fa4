import {displayPath} from '../aws-config/paths.js'
import type {Draft} from '../audit/types.js'
import {detectCiFile, type CiKeyUse} from './detect.js'
import {findCiFiles, readCiFile} from './files.js'

/**
 * `audit --scan DIR`: one `ci-static-key` draft per place a CI file under DIR feeds a long-term key to a job
 * (PRODUCT.md section 12). The secrets themselves live in GitHub or GitLab: nothing here is sent to STS.
 */
export async function ciDrafts(root: string, env: NodeJS.ProcessEnv): Promise<Draft[]> {
  const drafts: Draft[] = []
  for (const file of await findCiFiles(root)) {
    const text = await readCiFile(file.path)
    if (text === undefined) continue
    for (const use of detectCiFile(text, file.platform).uses) {
      drafts.push({
        kind: 'ci-static-key',
        location: {file: displayPath(file.path, env), line: use.line, profile: null, variable: use.variable, job: use.job},
        detail: describeUse(use),
        path: file.path,
      })
    }
  }
  return drafts
}

function describeUse(use: CiKeyUse): string {
  const job = use.job === null ? 'every job' : `job ${use.job}`
  const from = use.sources[0]
  const source = from?.kind === 'literal' ? 'written in the file' : `from ${from?.kind === 'secret' ? 'secret' : 'variable'} ${from?.name}`
  return `${use.platform === 'github' ? 'GitHub Actions' : 'GitLab CI'} ${job} gets a long-term key ${source}`
}
