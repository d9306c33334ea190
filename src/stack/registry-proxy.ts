// The secured stack's schema registry front: HTTPS with basic authentication, forwarding to
// Apicurio Registry, which listens on loopback only behind it.
//
// Why a front and not Apicurio's own authentication: Apicurio Registry 3.x authenticates
// through an OpenID Connect server only (its basic-auth option exchanges the credentials at
// the OIDC token endpoint), and the one such server on Maven Central, Keycloak, would add a
// third JVM of ~1 GB and a minute of start-up to a stack that must start in CI in seconds.
// The clients see what they see in production behind any authenticating registry: HTTPS
// with a private CA, and 401 without valid credentials.
//
//   node registry-proxy.ts   (environment: PROXY_PORT, BACKEND_PORT, TLS_CERT_FILE,
//                             TLS_KEY_FILE, SECRETS_FILE; the user is parcel-risk)
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:https'

export const REGISTRY_USER = 'parcel-risk'

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

/** True when the Authorization header carries exactly `user:password` (constant-time compare). */
export const authorised = (header: string | undefined, user: string, password: string): boolean => {
  if (header === undefined || !header.startsWith('Basic ')) return false
  const given = Buffer.from(header.slice(6), 'base64').toString('utf8')
  return timingSafeEqual(digest(given), digest(`${user}:${password}`))
}

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is required`)
  return value
}

const main = (): void => {
  const port = Number(env('PROXY_PORT'))
  const backend = Number(env('BACKEND_PORT'))
  const password = (JSON.parse(readFileSync(env('SECRETS_FILE'), 'utf8')) as { registry: string }).registry
  const tls = { cert: readFileSync(env('TLS_CERT_FILE')), key: readFileSync(env('TLS_KEY_FILE')) }
  const server = createServer(tls, (req, res) => {
    if (!authorised(req.headers.authorization, REGISTRY_USER, password)) {
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="parcel-risk schema registry"', 'content-type': 'application/json'
      })
      res.end('{"error_code":401,"message":"Unauthorized"}')
      return
    }
    const { authorization: _authorization, host: _host, ...headers } = req.headers
    const forwarded = { host: '127.0.0.1', port: backend, method: req.method, path: req.url, headers }
    const upstream = request(forwarded, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error_code: 502, message: `registry behind the front is unavailable: ${err.message}` }))
    })
    req.pipe(upstream)
  })
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`registry front listening on https://127.0.0.1:${port}, forwarding to 127.0.0.1:${backend}\n`)
  })
  const stop = (): void => {
    server.close(() => process.exit(0))
    setTimeout(() => process.exit(0), 2_000).unref()
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) main()
