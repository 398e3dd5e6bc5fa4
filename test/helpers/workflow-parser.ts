/**
 * GitHub's own workflow parser (`@actions/workflow-parser`, the one behind the Actions language service), loaded
 * through esbuild: it is published for bundlers (it imports its JSON schema without an import attribute), so Node
 * cannot import it as it is. Bundled once per test process into a temporary ESM file.
 */
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {build} from 'esbuild'

import {ROOT} from './cli.js'

interface ParserModule {
  parseWorkflow: (
    file: {name: string; content: string},
    trace: unknown,
  ) => {context: {errors: {getErrors(): Array<{message: string}>}}; value: unknown}
  NoOperationTraceWriter: new () => unknown
}

let loaded: Promise<ParserModule> | undefined

async function load(): Promise<ParserModule> {
  const out = join(mkdtempSync(join(tmpdir(), 'keyless-workflow-parser-')), 'parser.mjs')
  await build({
    stdin: {contents: "export {parseWorkflow, NoOperationTraceWriter} from '@actions/workflow-parser'", resolveDir: ROOT, loader: 'js'},
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    logLevel: 'silent',
    // The bundled CommonJS dependencies (yaml) require Node built-ins.
    banner: {js: "import {createRequire} from 'node:module'; const require = createRequire(import.meta.url);"},
  })
  return (await import(pathToFileURL(out).href)) as ParserModule
}

/** The errors GitHub's parser reports for a workflow (empty: GitHub would accept it). */
export async function workflowErrors(name: string, content: string): Promise<string[]> {
  loaded ??= load()
  const {parseWorkflow, NoOperationTraceWriter} = await loaded
  const result = parseWorkflow({name, content}, new NoOperationTraceWriter())
  return result.context.errors.getErrors().map((e) => e.message)
}
