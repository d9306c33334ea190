// The operations HTTP server: /metrics (Prometheus text), /healthz (liveness: the process
// answers), /readyz (readiness: 200 only when the start-up warm-up has finished, the
// consumer group is joined, Redis is reachable or the processor runs deliberately degraded,
// a ruleset is loaded, and every reference data set the active ruleset reads is loaded and
// fresh, unless the operator chose `ready-degraded`). The main module owns the Readiness
// object and updates it; this server only reads it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../logger.ts'

/**
 * reachable: Redis answers. degraded: Redis does not answer, and the processor carries on by
 * design (breaker open, decisions flagged DEGRADED). unreachable: not answering, not accepted.
 */
export type RedisReadiness = 'reachable' | 'degraded' | 'unreachable'

/** Reference data sets the active ruleset reads that are not usable (reference-data.ts). */
export interface ReferenceReadiness {
  /** false in `ready-degraded` mode: reported, but not a reason to be unready. */
  readonly required: boolean
  /** false until the markers have been read once. */
  readonly checked: boolean
  readonly unusable: ReadonlyArray<{ readonly dataSet: string, readonly state: 'stale' | 'missing' }>
}

export interface Readiness {
  warmedUp: boolean
  groupJoined: boolean
  redis: RedisReadiness
  rulesetLoaded: boolean
  /** Absent where nothing reads reference data (tests of the other checks). */
  referenceData?: ReferenceReadiness
}

export const createReadiness = (): Readiness =>
  ({ warmedUp: false, groupJoined: false, redis: 'unreachable', rulesetLoaded: false })

export interface ReadinessReport {
  readonly ready: boolean
  readonly checks: {
    readonly warmUp: { readonly ok: boolean, readonly done: boolean }
    readonly kafkaGroup: { readonly ok: boolean, readonly joined: boolean }
    readonly redis: { readonly ok: boolean, readonly state: RedisReadiness }
    readonly ruleset: { readonly ok: boolean, readonly loaded: boolean }
    readonly referenceData?: {
      readonly ok: boolean, readonly mode: 'require' | 'ready-degraded', readonly checked: boolean
      readonly missing: readonly string[], readonly stale: readonly string[]
    }
  }
}

export const readinessReport = (state: Readonly<Readiness>): ReadinessReport => {
  const kafkaGroup = { ok: state.groupJoined, joined: state.groupJoined }
  const redis = { ok: state.redis !== 'unreachable', state: state.redis }
  const ruleset = { ok: state.rulesetLoaded, loaded: state.rulesetLoaded }
  const warmUp = { ok: state.warmedUp, done: state.warmedUp }
  const r = state.referenceData
  if (r === undefined) {
    return {
      ready: warmUp.ok && kafkaGroup.ok && redis.ok && ruleset.ok,
      checks: { warmUp, kafkaGroup, redis, ruleset }
    }
  }
  const referenceData = {
    ok: !r.required || (r.checked && r.unusable.length === 0),
    mode: r.required ? 'require' as const : 'ready-degraded' as const,
    checked: r.checked,
    missing: r.unusable.filter((u) => u.state === 'missing').map((u) => u.dataSet),
    stale: r.unusable.filter((u) => u.state === 'stale').map((u) => u.dataSet)
  }
  return {
    ready: warmUp.ok && kafkaGroup.ok && redis.ok && ruleset.ok && referenceData.ok,
    checks: { warmUp, kafkaGroup, redis, ruleset, referenceData }
  }
}

export interface HttpServerOptions {
  readonly host: string
  /** 0 picks a free port (tests). */
  readonly port: number
  readonly metrics: { readonly render: () => Promise<string>, readonly contentType: string }
  readonly readiness: Readonly<Readiness>
  readonly logger: Logger
  /** Longest stop() waits for open requests before cutting connections. */
  readonly closeTimeoutMs?: number
}

export interface HttpServer {
  readonly port: number
  readonly url: string
  /** Stops listening and resolves once every connection is closed, within closeTimeoutMs. */
  readonly stop: () => Promise<void>
}

const send = (res: ServerResponse, status: number, contentType: string, body: string): void => {
  res.writeHead(status, {
    'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store'
  })
  res.end(body)
}

const json = 'application/json; charset=utf-8'
const text = 'text/plain; charset=utf-8'

export const startHttpServer = async (options: HttpServerOptions): Promise<HttpServer> => {
  const { metrics, readiness, logger } = options
  const log = logger.child({ module: 'observe' })
  const closeTimeoutMs = options.closeTimeoutMs ?? 2_000

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]
    const known = path === '/metrics' || path === '/healthz' || path === '/readyz'
    if (!known) {
      send(res, 404, json, '{"error":"not found"}')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      send(res, 405, json, '{"error":"method not allowed"}')
      return
    }
    if (path === '/healthz') {
      send(res, 200, json, '{"status":"ok"}')
      return
    }
    if (path === '/readyz') {
      const report = readinessReport(readiness)
      send(res, report.ready ? 200 : 503, json, JSON.stringify(report))
      return
    }
    send(res, 200, metrics.contentType, await metrics.render())
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'operations endpoint failed')
      if (!res.headersSent) send(res, 500, text, 'internal error\n')
      else res.destroy()
    })
  })
  // Scrapes and probes are short; an idle keep-alive socket must not hold up shutdown.
  server.keepAliveTimeout = 5_000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  log.info({ host: address.address, port: address.port }, 'operations endpoints listening')

  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.closeAllConnections()
      }, closeTimeoutMs)
      timer.unref()
      server.close(() => {
        clearTimeout(timer)
        resolve()
      })
      server.closeIdleConnections()
    })
    await stopping
  }

  return { port: address.port, url: `http://${host}:${address.port}`, stop }
}
