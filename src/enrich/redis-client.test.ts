import { createServer, type AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import { connectRedis, LOADING_RECHECK_MS, oldClusterNode, seedNode } from './redis-client.ts'

describe('enrich > redis-client', () => {
  it.each([
    ['10.0.0.1:7000', { host: '10.0.0.1', port: 7000 }],
    ['redis-b:7001', { host: 'redis-b', port: 7001 }],
    ['[::1]:7002', { host: '::1', port: 7002 }]
  ])('takes the seed node %s as host and port', (entry, node) => {
    expect(seedNode(entry)).toEqual(node)
  })

  it('refuses a cluster configuration where the caller keeps no pipeline to one node', async () => {
    const config = {
      url: 'redis://127.0.0.1:1',
      clusterNodes: ['127.0.0.1:1'],
      tls: { enabled: false, caFile: undefined, certFile: undefined, keyFile: undefined, rejectUnauthorized: true },
      username: undefined,
      password: undefined,
      commandTimeoutMs: 100
    }
    await expect(connectRedis(config, createLogger({ level: 'silent' })))
      .rejects.toMatchObject({ code: 'E_CONFIG_INVALID', path: 'redis.clusterNodes' })
  })

  it('names the first cluster primary older than Redis 7.0, which the cross-slot scripts need', () => {
    const info = (v: string): string => `# Server\r\nredis_version:${v}\r\nredis_mode:cluster\r\n`
    expect(oldClusterNode([{ node: 'a:7000', info: info('7.0.15') }, { node: 'b:7001', info: info('7.2.4') }]))
      .toBeUndefined()
    expect(oldClusterNode([{ node: 'a:7000', info: info('7.0.15') }, { node: 'b:7001', info: info('6.2.14') }]))
      .toBe('Redis Cluster node b:7001 runs Redis 6.2.14; parcel-risk needs Redis 7.0 or later on a cluster ' +
        '(its scripts use allow-cross-slot-keys)')
    // A node that did not answer INFO (an ACL without it) is not judged.
    expect(oldClusterNode([{ node: 'a:7000', info: '' }])).toBeUndefined()
  })
})

/**
 * A server speaking just enough RESP for ioredis's ready check: INFO answers `loading:1` with a
 * load estimate of 30 s until `loadedAfterMs`, then `loading:0`; PING answers PONG.
 */
interface LoadingRedis { readonly port: number, readonly infos: () => number, readonly close: () => void }

const loadingRedis = async (loadedAfterMs: number): Promise<LoadingRedis> => {
  const started = Date.now()
  let infos = 0
  const bulk = (text: string): string => `$${Buffer.byteLength(text)}\r\n${text}\r\n`
  const server = createServer((socket) => {
    socket.on('data', (chunk) => {
      for (const command of chunk.toString('latin1').toUpperCase().split('*').slice(1)) {
        if (command.includes('INFO')) {
          infos++
          const loading = Date.now() - started < loadedAfterMs
          const eta = loading ? 30 : 0
          socket.write(bulk(`# Persistence\r\nloading:${loading ? 1 : 0}\r\nloading_eta_seconds:${eta}\r\n`))
        } else {
          socket.write('+PONG\r\n')
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = (): void => {
    server.close()
  }
  return { port: (server.address() as AddressInfo).port, infos: () => infos, close }
}

describe('enrich > redis-client > a Redis still loading its data', () => {
  it(`asks again every ${LOADING_RECHECK_MS} ms, not after the load estimate Redis gives`, async () => {
    // Loaded 600 ms after the connection; the server says 30 s. ioredis's default would wait
    // the estimate (up to 10 s) before asking again.
    const fake = await loadingRedis(600)
    const config = {
      url: `redis://127.0.0.1:${fake.port}`,
      tls: { enabled: false, caFile: undefined, certFile: undefined, keyFile: undefined, rejectUnauthorized: true },
      username: undefined,
      password: undefined,
      commandTimeoutMs: 1_000
    }
    const t0 = Date.now()
    const redis = await connectRedis(config, createLogger({ level: 'silent' }))
    const tookMs = Date.now() - t0
    redis.disconnect()
    fake.close()
    expect(tookMs).toBeGreaterThanOrEqual(600)
    expect(tookMs).toBeLessThan(600 + 5 * LOADING_RECHECK_MS)
    // Asked while loading, then again every LOADING_RECHECK_MS until loaded.
    expect(fake.infos()).toBeGreaterThanOrEqual(3)
  }, 20_000)
})
