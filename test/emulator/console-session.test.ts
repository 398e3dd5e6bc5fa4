import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {getSigninToken, loginUrl, signOutThenLoginUrl} from '../../src/console/signin.js'
import {startEmulator, type EmulatorHandle} from '../helpers/emulator.js'

// The console's browser session in the emulator: the login's cookie, /oauth?Action=logout, /console.

let emulator: EmulatorHandle
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await emulator.close()
})

async function signIn(account: string, role: string): Promise<{cookie: string; arn: string}> {
  const c = emulator.state!.issueRoleCredentials(account, role)
  const token = await getSigninToken(`${emulator.url}/federation`, {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken!,
    expiresAt: new Date(c.expiresAtMs!).toISOString(),
  })
  const page = await fetch(loginUrl(`${emulator.url}/federation`, token, 'https://us-east-1.console.aws.amazon.com/console/home'))
  expect(page.status).toBe(200)
  const cookie = page.headers.get('set-cookie') ?? ''
  expect(cookie).toMatch(/^aws-console-session=[A-Za-z0-9_-]{32}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/)
  return {cookie: cookie.split(';')[0]!, arn: c.arn}
}
const signedInAs = async (cookie?: string) => {
  const html = await (await fetch(`${emulator.url}/console`, {headers: cookie ? {cookie} : {}})).text()
  return /id="signed-in">([^<]*)</.exec(html)?.[1]
}

describe('emulator console session', () => {
  it('login sets the session cookie; /console names its role; logout ends it and redirects to the sign-in it was given', async () => {
    const before = (await emulator.stats()).operations
    const first = await signIn('333333333333', 'ReadOnlyAccess')
    expect(await signedInAs(first.cookie)).toBe(first.arn)
    expect(await signedInAs()).toBe('none')
    const next = 'http://127.0.0.1:1/elsewhere'
    const login = `${emulator.url}/federation?Action=login&SigninToken=x`
    const out = await fetch(signOutThenLoginUrl(`${emulator.url}/federation`, login), {headers: {cookie: first.cookie}, redirect: 'manual'})
    expect(out.status).toBe(302)
    expect(out.headers.get('location')).toBe(login)
    expect(out.headers.get('set-cookie')).toBe('aws-console-session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0')
    expect(await signedInAs(first.cookie)).toBe('none')
    // Only to the sign-in or console hosts; without redirect_uri a signed-out page.
    const away = await fetch(`${emulator.url}/oauth?Action=logout&redirect_uri=${encodeURIComponent(next)}`, {redirect: 'manual'})
    expect(away.status).toBe(400)
    const plain = await fetch(`${emulator.url}/oauth?Action=logout`)
    expect(await plain.text()).toContain('id="signed-out"')
    expect((await fetch(`${emulator.url}/oauth?Action=other`)).status).toBe(400)
    const after = (await emulator.stats()).operations
    expect(after.ConsoleLogout - before.ConsoleLogout).toBe(3)
  })
})
