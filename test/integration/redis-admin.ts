// The suites' view of the Redis they were given: one server, or a Redis Cluster on the Redis
// Cluster profile (`npm run test:redis-cluster`). The processor's settings name the one
// or the other (redisEnv), and the suites' own clean-up and inspection reach every key
// whichever it is (adminClient, dropKeys).
import { Cluster, Redis } from 'ioredis'
import { seedNode } from '../../src/enrich/redis-client.ts'
import type { ServiceUrls } from './services.ts'

/**
 * The environment that points the processor's config at the suites' Redis; on one server it
 * names no seed nodes, whatever the environment of the test run says.
 */
export const redisEnv = (services: ServiceUrls): Record<string, string> => ({
  REDIS_URL: services.redisUrl,
  PARCEL_RISK_REDIS_CLUSTER_NODES: services.redisClusterNodes ?? ''
})

/** A client for the suites' own reads and clean-up (not connected yet: lazyConnect). */
export const adminClient = (services: ServiceUrls): Redis | Cluster => {
  const client = services.redisClusterNodes === undefined
    ? new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
    : new Cluster(services.redisClusterNodes.split(',').map(seedNode), {
      lazyConnect: true, redisOptions: { maxRetriesPerRequest: 1 }
    })
  client.on('error', () => {})
  return client
}

/** Deletes every key under `prefix` (the cluster layout puts some under `{prefix}…`), on every primary. */
export const dropKeys = async (admin: Redis | Cluster, prefix: string): Promise<void> => {
  if (admin.status === 'wait') await admin.connect()
  const servers = admin instanceof Cluster ? admin.nodes('master') : [admin]
  for (const server of servers) {
    const keys = [...await server.keys(`${prefix}*`), ...await server.keys(`{${prefix}*`)]
    for (const key of keys) await server.del(key)
  }
}

/**
 * Runs `fn` (a command that reads its config from the process environment, such as
 * `profiles load`) with the environment's seed nodes set to the suites' Redis, then restores them.
 */
export const withRedisEnv = async <T>(services: ServiceUrls, fn: () => Promise<T>): Promise<T> => {
  const name = 'PARCEL_RISK_REDIS_CLUSTER_NODES'
  const before = process.env[name]
  process.env[name] = services.redisClusterNodes ?? ''
  try {
    return await fn()
  } finally {
    if (before === undefined) delete process.env[name]
    else process.env[name] = before
  }
}

/** The names of the keys matching a KEYS pattern, on every primary. */
export const keysMatching = async (admin: Redis | Cluster, pattern: string): Promise<string[]> => {
  if (admin.status === 'wait') await admin.connect()
  const servers = admin instanceof Cluster ? admin.nodes('master') : [admin]
  const out: string[] = []
  for (const server of servers) out.push(...await server.keys(pattern))
  return out
}

/** CLIENT PAUSE on every primary: Redis answers nothing for `ms`. */
export const pauseRedis = async (admin: Redis | Cluster, ms: number): Promise<void> => {
  const servers = admin instanceof Cluster ? admin.nodes('master') : [admin]
  await Promise.all(servers.map(async (server) => await server.call('CLIENT', 'PAUSE', String(ms), 'ALL')))
}
