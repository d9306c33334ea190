import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import { connectRedis, seedNode } from './redis-client.ts'

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
})
