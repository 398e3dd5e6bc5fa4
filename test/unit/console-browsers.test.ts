import {describe, expect, it} from 'vitest'

import {type BrowserHost, installedBrowsers, locateBrowser, resolveBrowser} from '../../src/console/browsers.js'
import {dataDir, profileDir, roleKey} from '../../src/console/browser-profiles.js'

// Browser discovery as each platform installs browsers, with the platform and its files injected.

function host(platform: NodeJS.Platform, files: string[], env: NodeJS.ProcessEnv = {}, registry: Record<string, string> = {}): BrowserHost {
  const set = new Set(files)
  return {platform, env, exists: (p) => set.has(p), appPath: (exe) => registry[exe]}
}

const MAC_HOME = '/Users/ana'
const WIN_ENV = {
  ProgramFiles: 'C:\\Program Files',
  'ProgramFiles(x86)': 'C:\\Program Files (x86)',
  LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local',
}
const LINUX_ENV = {HOME: '/home/ana', PATH: '/usr/local/bin:/usr/bin:/bin'}

describe('locateBrowser: where each platform installs each browser', () => {
  const table: Array<[string, NodeJS.Platform, string, string[], NodeJS.ProcessEnv, Record<string, string>, string | undefined]> = [
    // macOS: app bundles in /Applications, then ~/Applications; Safari through `open -a Safari`.
    [
      'mac chrome',
      'darwin',
      'chrome',
      ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
      {HOME: MAC_HOME},
      {},
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    ],
    [
      'mac brave in ~/Applications',
      'darwin',
      'brave',
      [`${MAC_HOME}/Applications/Brave Browser.app/Contents/MacOS/Brave Browser`],
      {HOME: MAC_HOME},
      {},
      `${MAC_HOME}/Applications/Brave Browser.app/Contents/MacOS/Brave Browser`,
    ],
    [
      'mac edge',
      'darwin',
      'edge',
      ['/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge'],
      {HOME: MAC_HOME},
      {},
      '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ],
    [
      'mac firefox',
      'darwin',
      'firefox',
      ['/Applications/Firefox.app/Contents/MacOS/firefox'],
      {HOME: MAC_HOME},
      {},
      '/Applications/Firefox.app/Contents/MacOS/firefox',
    ],
    ['mac safari', 'darwin', 'safari', ['/Applications/Safari.app'], {HOME: MAC_HOME}, {}, 'open'],
    ['mac chromium missing', 'darwin', 'chromium', [], {HOME: MAC_HOME}, {}, undefined],
    // Windows: App Paths first, then Program Files, Program Files (x86), LocalAppData.
    [
      'win chrome by App Paths',
      'win32',
      'chrome',
      ['D:\\Apps\\Chrome\\chrome.exe'],
      WIN_ENV,
      {'chrome.exe': 'D:\\Apps\\Chrome\\chrome.exe'},
      'D:\\Apps\\Chrome\\chrome.exe',
    ],
    [
      'win chrome per user',
      'win32',
      'chrome',
      ['C:\\Users\\ana\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe'],
      WIN_ENV,
      {},
      'C:\\Users\\ana\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe',
    ],
    [
      'win edge x86',
      'win32',
      'edge',
      ['C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe'],
      WIN_ENV,
      {},
      'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
    ],
    [
      'win brave',
      'win32',
      'brave',
      ['C:\\Program Files\\BraveSoftware\\Brave-Browser\\Application\\brave.exe'],
      WIN_ENV,
      {},
      'C:\\Program Files\\BraveSoftware\\Brave-Browser\\Application\\brave.exe',
    ],
    [
      'win firefox',
      'win32',
      'firefox',
      ['C:\\Program Files\\Mozilla Firefox\\firefox.exe'],
      WIN_ENV,
      {},
      'C:\\Program Files\\Mozilla Firefox\\firefox.exe',
    ],
    [
      'win chromium ignores chrome App Paths',
      'win32',
      'chromium',
      ['D:\\Apps\\Chrome\\chrome.exe'],
      WIN_ENV,
      {'chrome.exe': 'D:\\Apps\\Chrome\\chrome.exe'},
      undefined,
    ],
    ['win registered but deleted', 'win32', 'chrome', [], WIN_ENV, {'chrome.exe': 'D:\\Gone\\chrome.exe'}, undefined],
    ['win safari', 'win32', 'safari', [], WIN_ENV, {}, undefined],
    // Linux: PATH names in order, then Flatpak exports (per user, then system), then Snap.
    ['linux chromium on PATH', 'linux', 'chromium', ['/usr/bin/chromium'], LINUX_ENV, {}, '/usr/bin/chromium'],
    ['linux chromium-browser', 'linux', 'chromium', ['/usr/bin/chromium-browser'], LINUX_ENV, {}, '/usr/bin/chromium-browser'],
    [
      'linux chrome stable first',
      'linux',
      'chrome',
      ['/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'],
      LINUX_ENV,
      {},
      '/usr/bin/google-chrome-stable',
    ],
    ['linux firefox-esr', 'linux', 'firefox', ['/usr/bin/firefox-esr'], LINUX_ENV, {}, '/usr/bin/firefox-esr'],
    [
      'linux flatpak per user',
      'linux',
      'brave',
      ['/home/ana/.local/share/flatpak/exports/bin/com.brave.Browser'],
      LINUX_ENV,
      {},
      '/home/ana/.local/share/flatpak/exports/bin/com.brave.Browser',
    ],
    [
      'linux flatpak system',
      'linux',
      'edge',
      ['/var/lib/flatpak/exports/bin/com.microsoft.Edge'],
      LINUX_ENV,
      {},
      '/var/lib/flatpak/exports/bin/com.microsoft.Edge',
    ],
    ['linux snap', 'linux', 'firefox', ['/snap/bin/firefox'], LINUX_ENV, {}, '/snap/bin/firefox'],
    [
      'linux PATH before flatpak',
      'linux',
      'chromium',
      ['/usr/bin/chromium', '/var/lib/flatpak/exports/bin/org.chromium.Chromium'],
      LINUX_ENV,
      {},
      '/usr/bin/chromium',
    ],
    ['linux relative PATH entries are skipped', 'linux', 'chromium', ['bin/chromium'], {HOME: '/home/ana', PATH: 'bin'}, {}, undefined],
    ['linux safari', 'linux', 'safari', [], LINUX_ENV, {}, undefined],
  ]
  it.each(table)('%s', (_, platform, name, files, env, registry, expected) => {
    const found = locateBrowser(name as never, host(platform, files, env, registry))
    expect(found?.command).toBe(expected)
  })

  it('Safari runs as `open -a Safari`; the families are what isolation needs', () => {
    expect(locateBrowser('safari', host('darwin', ['/Applications/Safari.app'], {HOME: MAC_HOME}))).toEqual({
      name: 'safari',
      family: 'safari',
      command: 'open',
      prefix: ['-a', 'Safari'],
    })
    const h = host('linux', ['/usr/bin/chromium', '/usr/bin/firefox', '/usr/bin/brave-browser'], LINUX_ENV)
    expect(installedBrowsers(h).map((b) => [b.name, b.family])).toEqual([
      ['chromium', 'chromium'],
      ['brave', 'chromium'],
      ['firefox', 'firefox'],
    ])
  })
})

describe('resolveBrowser', () => {
  const linux = host('linux', ['/usr/bin/chromium', '/opt/vivaldi/vivaldi', '/opt/librewolf/librewolf'], LINUX_ENV)
  it('names, default and paths (the family of a path by its file name)', () => {
    expect(resolveBrowser(undefined, linux)).toEqual({name: 'default', family: 'default'})
    expect(resolveBrowser('default', linux)).toEqual({name: 'default', family: 'default'})
    expect(resolveBrowser('Chromium', linux)).toEqual({name: 'chromium', family: 'chromium', command: '/usr/bin/chromium'})
    expect(resolveBrowser('/opt/vivaldi/vivaldi', linux)).toEqual({name: 'path', family: 'chromium', command: '/opt/vivaldi/vivaldi'})
    expect(resolveBrowser('/opt/librewolf/librewolf', linux).family).toBe('firefox')
    const mac = host('darwin', ['/Applications/Arc.app/Contents/MacOS/Arc'], {HOME: MAC_HOME})
    expect(resolveBrowser('/Applications/Arc.app', mac)).toEqual({
      name: 'path',
      family: 'chromium',
      command: '/Applications/Arc.app/Contents/MacOS/Arc',
    })
  })
  it('an unknown name, a missing browser or a bad path is one line listing what the machine has', () => {
    expect(() => resolveBrowser('netscape', linux)).toThrow(
      '--browser netscape is not a browser keyless knows (chrome, chromium, edge, brave, firefox, safari, default, or a path)',
    )
    expect(() => resolveBrowser('chrome', linux)).toThrow('--browser chrome: no chrome is installed where keyless looks')
    try {
      resolveBrowser('edge', linux)
    } catch (error) {
      expect((error as {fix?: string}).fix ?? (error as Error).message).toMatch(/this machine has: chromium, default/)
    }
    expect(() => resolveBrowser('/opt/nothing/here', linux)).toThrow('--browser /opt/nothing/here is not an executable browser')
    expect(() => resolveBrowser('chrome', host('linux', [], LINUX_ENV))).toThrow(/no chrome is installed/)
  })
})

describe('profile directories: under the data directory of each platform', () => {
  const role = {accountId: '333333333333', roleName: 'ReadOnlyAccess'}
  const chrome = {name: 'chrome', family: 'chromium'} as const
  it.each([
    ['linux', {HOME: '/home/ana'}, '/home/ana/.local/share/keyless/browser-profiles/chrome/333333333333.ReadOnlyAccess'],
    ['linux', {HOME: '/home/ana', XDG_DATA_HOME: '/data'}, '/data/keyless/browser-profiles/chrome/333333333333.ReadOnlyAccess'],
    [
      'linux',
      {HOME: '/home/ana', XDG_DATA_HOME: 'relative'},
      '/home/ana/.local/share/keyless/browser-profiles/chrome/333333333333.ReadOnlyAccess',
    ],
    ['darwin', {HOME: MAC_HOME}, `${MAC_HOME}/Library/Application Support/keyless/browser-profiles/chrome/333333333333.ReadOnlyAccess`],
    [
      'win32',
      {USERPROFILE: 'C:\\Users\\ana', LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local'},
      'C:\\Users\\ana\\AppData\\Local\\keyless\\browser-profiles\\chrome\\333333333333.ReadOnlyAccess',
    ],
  ] as const)('%s %j', (platform, env, expected) => {
    expect(profileDir(chrome, role, env, platform)).toBe(expected)
  })
  it('role names keep IAM characters; anything else cannot escape the directory', () => {
    expect(roleKey('111111111111', 'Admin+Ops=x,y.z@w-v_u')).toBe('111111111111.Admin+Ops=x,y.z@w-v_u')
    expect(roleKey('111111111111', '../../etc')).toBe('111111111111..._.._etc')
    expect(dataDir({HOME: '/h'}, 'linux')).toBe('/h/.local/share/keyless')
  })
})
