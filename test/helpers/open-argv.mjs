// Prints, as JSON lines, the exact command and argv the `open` package would spawn for a URL that keyless's
// browser opener accepts, on a platform of our choosing: `node open-argv.mjs <win32|wsl|darwin|linux> <url> <region>`.
// `open` reads process.platform when it loads and decides WSL from os.release(), so those are set first;
// child_process.spawn is replaced by a recorder (nothing is launched).
import childProcess from 'node:child_process'
import {EventEmitter} from 'node:events'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const [target, url, region = 'us-east-1'] = process.argv.slice(2)
Object.defineProperty(process, 'platform', {value: target === 'wsl' ? 'linux' : target})
process.env.SYSTEMROOT = 'C:\\Windows'
for (const name of ['SSH_CONNECTION', 'SSH_CLIENT', 'SSH_TTY']) delete process.env[name]
if (target === 'wsl') {
  os.release = () => '5.15.167.4-microsoft-standard-WSL2'
  // Not a container (is-inside-container), and PowerShell reachable at /mnt/c/... (wsl-utils checks X_OK).
  const statSync = fs.statSync
  fs.statSync = (p, ...rest) => {
    if (p === '/.dockerenv' || p === '/run/.containerenv') throw Object.assign(new Error('ENOENT'), {code: 'ENOENT'})
    return statSync(p, ...rest)
  }
  const readFileSync = fs.readFileSync
  fs.readFileSync = (p, ...rest) => (p === '/proc/self/cgroup' ? '' : readFileSync(p, ...rest))
  const access = fsp.access
  fsp.access = async (p, mode) => (String(p).startsWith('/mnt/c/') ? undefined : access(p, mode))
}
childProcess.spawn = (command, args, options) => {
  process.stdout.write(JSON.stringify({command, args, options}) + '\n')
  const child = new EventEmitter()
  child.exitCode = null
  child.unref = () => {}
  setImmediate(() => {
    child.emit('spawn')
    child.exitCode = 0
    child.emit('exit', 0)
    child.emit('close', 0)
  })
  return child
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const {openThroughHandOff} = await import(pathToFileURL(join(root, 'dist', 'ui', 'browser-handoff.js')).href)
// A cache directory of its own; under WSL the variable that says so (the hand-off then passes a path).
const cache = fs.mkdtempSync(join(os.tmpdir(), 'keyless-open-argv-'))
const env = {XDG_CACHE_HOME: cache, HOME: cache, ...(target === 'wsl' ? {WSL_DISTRO_NAME: 'Debian'} : {})}
const handOff = await openThroughHandOff(url, {kind: 'identity-center', region}, {env, keepAlive: false})
// What the page leads to: its one-time loopback link's redirect (the page is gone once this is followed).
const pagesDir = join(cache, 'keyless', 'browser')
const pages = (fs.existsSync(pagesDir) ? fs.readdirSync(pagesDir) : []).map((d) => join(pagesDir, d, 'open.html'))
let redirect
if (pages.length === 1) {
  const link = /content="0;url=([^"]+)"/.exec(fs.readFileSync(pages[0], 'utf8'))[1].replaceAll('&#38;', '&')
  redirect = (await fetch(link, {redirect: 'manual'})).headers.get('location')
  await handOff.used
}
const result = {opened: handOff.opened, ...(handOff.refused ? {refused: handOff.refused} : {})}
process.stdout.write(JSON.stringify({result, page: pages[0], redirect, pageLeft: pages.some((p) => fs.existsSync(p))}) + '\n')
fs.rmSync(cache, {recursive: true, force: true})
