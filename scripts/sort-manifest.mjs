// `oclif manifest` lists the commands in the order the file system returns them, which differs between
// machines (a CI runner's overlay file system listed profiles/ before ci/). Sorting by command id makes the
// committed manifest the same wherever it is built, so cli-surface.test.ts can compare it byte for byte.
import {readFileSync, writeFileSync} from 'node:fs'

const path = 'oclif.manifest.json'
const manifest = JSON.parse(readFileSync(path, 'utf8'))
const ids = Object.keys(manifest.commands).sort()
manifest.commands = Object.fromEntries(ids.map((id) => [id, manifest.commands[id]]))
writeFileSync(path, JSON.stringify(manifest, null, 2) + '\n')
