import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import { connectRedis, oldClusterNode, seedNode } from './redis-client.ts'

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
