import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import { createReadiness, startHttpServer, type HttpServer, type Readiness } from './http.ts'
import { createMetrics } from './metrics.ts'

const logger = createLogger({ level: 'silent' }, new Writable({
  write: (_c, _e, done) => {
    done()
  }
}))
const servers: HttpServer[] = []

const start = async (readiness: Readiness = createReadiness(), render?: () => Promise<string>): Promise<HttpServer> => {
  const metrics = createMetrics({ topics: ['declarations'] })
  const server = await startHttpServer({
    host: '127.0.0.1', port: 0, readiness, logger, closeTimeoutMs: 500,
    metrics: render === undefined ? metrics : { render, contentType: metrics.contentType }
  })
  servers.push(server)
  return server
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()))
})

describe('observe > http', () => {
  it('serves the Prometheus text on /metrics', async () => {
    const server = await start()
    const res = await fetch(`${server.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    expect(await res.text()).toContain('parcel_risk_declarations_consumed_total{topic="declarations"} 0')
  })

  it('answers /healthz with 200 while the process runs', async () => {
    const server = await start()
    const res = await fetch(`${server.url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it.each([
    [{ warmedUp: true, groupJoined: true, redis: 'reachable', rulesetLoaded: true }, 200],
    [{ warmedUp: true, groupJoined: true, redis: 'degraded', rulesetLoaded: true }, 200],
    [{ warmedUp: true, groupJoined: true, redis: 'unreachable', rulesetLoaded: true }, 503],
    [{ warmedUp: true, groupJoined: false, redis: 'reachable', rulesetLoaded: true }, 503],
    [{ warmedUp: true, groupJoined: true, redis: 'reachable', rulesetLoaded: false }, 503],
    [{ warmedUp: false, groupJoined: true, redis: 'reachable', rulesetLoaded: true }, 503]
  ] as const)('answers /readyz for %j with %i', async (state, status) => {
    const server = await start({ ...state })
    const res = await fetch(`${server.url}/readyz`)
    expect(res.status).toBe(status)
    const body = await res.json() as { ready: boolean, checks: Record<string, { ok: boolean }> }
    expect(body.ready).toBe(status === 200)
    expect(body.checks.warmUp?.ok).toBe(state.warmedUp)
    expect(body.checks.kafkaGroup?.ok).toBe(state.groupJoined)
    expect(body.checks.redis?.ok).toBe(state.redis !== 'unreachable')
    expect(body.checks.ruleset?.ok).toBe(state.rulesetLoaded)
  })

  it('follows the state object as the main module updates it', async () => {
    const readiness = createReadiness()
    const server = await start(readiness)
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503)
    readiness.groupJoined = true
    readiness.redis = 'reachable'
    readiness.rulesetLoaded = true
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503)
    readiness.warmedUp = true
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
  })

  it.each([
    ['all loaded and fresh', { required: true, checked: true, unusable: [] }, 200, [], []],
    ['not yet checked', { required: true, checked: false, unusable: [] }, 503, [], []],
    [
      'the IOSS registry never loaded, the watchlist stale',
      {
        required: true, checked: true,
        unusable: [{ dataSet: 'ioss', state: 'missing' }, { dataSet: 'watchlist', state: 'stale' }]
      },
      503, ['ioss'], ['watchlist']
    ],
    [
      'missing, in ready-degraded mode',
      { required: false, checked: true, unusable: [{ dataSet: 'ioss', state: 'missing' }] },
      200, ['ioss'], []
    ]
  ] as const)('answers /readyz with reference data %s', async (_, referenceData, status, missing, stale) => {
    const server = await start({
      warmedUp: true, groupJoined: true, redis: 'reachable', rulesetLoaded: true, referenceData
    })
    const res = await fetch(`${server.url}/readyz`)
    expect(res.status).toBe(status)
    const body = await res.json() as {
      checks: { referenceData: { ok: boolean, mode: string, missing: string[], stale: string[] } }
    }
    expect(body.checks.referenceData).toEqual({
      ok: status === 200,
      mode: referenceData.required ? 'require' : 'ready-degraded',
      checked: referenceData.checked,
      missing,
      stale
    })
  })

  it('answers 404 for other paths and 405 for other methods', async () => {
    const server = await start()
    expect((await fetch(`${server.url}/`)).status).toBe(404)
    expect((await fetch(`${server.url}/metrics/extra`)).status).toBe(404)
    const post = await fetch(`${server.url}/metrics`, { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
  })

  it('answers 500 when rendering the metrics fails, and keeps serving', async () => {
    const server = await start(createReadiness(), async () => {
      throw new Error('collector failed')
    })
    expect((await fetch(`${server.url}/metrics`)).status).toBe(500)
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it('stops within the bound even with a request that never finishes', async () => {
    let release: () => void = () => undefined
    const server = await start(createReadiness(), async () => await new Promise<string>((resolve) => {
      release = () => {
        resolve('')
      }
    }))
    const pending = fetch(`${server.url}/metrics`).catch((err: unknown) => err)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const began = Date.now()
    await server.stop()
    expect(Date.now() - began).toBeLessThan(2_000)
    expect(await pending).toBeInstanceOf(Error)
    release()
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })
})
