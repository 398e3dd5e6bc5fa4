import {randomBytes, timingSafeEqual} from 'node:crypto'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import {toUserLine} from '../errors.js'
import type {RoleCredentials} from '../sso/types.js'
import {debug} from '../ui/debug.js'

export interface CredentialsServer {
  /** `http://127.0.0.1:PORT/<random path>`: AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  url: string
  /** AWS_CONTAINER_AUTHORIZATION_TOKEN: required, verbatim, in the Authorization header of every request. */
  token: string
  close(): Promise<void>
}

/**
 * The document the AWS SDKs and CLI read from a container credentials endpoint (the ECS/EKS provider, botocore's
 * ContainerProvider): AccessKeyId, SecretAccessKey, Token and Expiration (ISO 8601).
 */
export function containerCredentialsJson(credentials: RoleCredentials): string {
  return JSON.stringify({
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    Token: credentials.sessionToken,
    Expiration: new Date(Date.parse(credentials.expiresAt)).toISOString(),
  })
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * A credentials endpoint on 127.0.0.1 (never another interface) for `exec --server`: each request with the right
 * token gets the role's credentials from `get` (the keychain cache, refreshed through the single flight once fewer
 * than 15 minutes remain), so the child's SDKs keep working past the credentials' hour. No token: 401; a wrong
 * token, or a Host header that is not this address (DNS rebinding from a web page): 403.
 */
export async function startCredentialsServer(
  get: () => Promise<RoleCredentials>,
  onError: (line: string) => void,
): Promise<CredentialsServer> {
  const token = randomBytes(32).toString('base64url')
  const path = `/${randomBytes(16).toString('hex')}`
  let host = ''
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: string) => {
      res.writeHead(status, {'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body)})
      res.end(body)
    }
    const auth = req.headers.authorization
    if (req.headers.host !== host) return send(403, JSON.stringify({message: 'wrong Host'}))
    if (auth === undefined) return send(401, JSON.stringify({message: 'Authorization required'}))
    if (!sameSecret(auth, token)) return send(403, JSON.stringify({message: 'wrong authorization token'}))
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== path) return send(404, JSON.stringify({message: 'not found'}))
    get().then(
      (credentials) => {
        debug('exec', `served role credentials valid until ${credentials.expiresAt}`)
        send(200, containerCredentialsJson(credentials))
      },
      (error: unknown) => {
        const line = toUserLine(error)
        onError(line)
        send(500, JSON.stringify({message: line}))
      },
    )
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const {port} = server.address() as AddressInfo
  host = `127.0.0.1:${port}`
  return {
    url: `http://${host}${path}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
