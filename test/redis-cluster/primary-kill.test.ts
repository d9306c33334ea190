// A primary killed mid-stream (SIGKILL, no goodbye): the one that owns the counters of the
// stream's one seller, the worst to lose, as every batch's per-entity step for that seller
// runs there (a third of the declarations' histories are there too). The store keeps
// answering (DEGRADED while the slot has no primary, its parcels queued for catch-up), its
// replica is promoted (cluster-node-timeout 2 s on this profile), the store recovers by
// itself, and when the stream is done every parcel sent has been counted exactly once. The
// killed node is started again afterwards and rejoins as a replica.
import { randomUUID } from 'node:crypto'
import type { Cluster } from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../src/config-load.ts'
import type { ParcelDeclaration } from '../../src/declaration.ts'
import { keyLayout } from '../../src/enrich/keys.ts'
import { slotOf } from '../../src/enrich/node-pipelines.ts'
import { connectRedisClient } from '../../src/enrich/redis-client.ts'
import { createRedisProfileStore } from '../../src/enrich/redis-store.ts'
import { createLogger } from '../../src/logger.ts'
import {
  clusterOk, nodePort, REDIS_CLUSTER_NODES, redisClusterBase, redisNodePid, startRedisNode, type RedisNodeId
} from '../../src/stack/redis-cluster.ts'
import { makeDeclaration } from '../fixtures/declarations/make.ts'
import { adminClient, dropKeys, redisEnv } from '../integration/redis-admin.ts'

const services = inject('services')
const prefix = `it-rc-kill-${randomUUID()}:`
const log = createLogger({ level: 'silent' })
const config = loadConfig({
  env: {
    ...redisEnv(services),
    PARCEL_RISK_REDIS_KEY_PREFIX: prefix,
    PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '500',
    PARCEL_RISK_REDIS_BREAKER_FAILURE_THRESHOLD: '2',
    PARCEL_RISK_REDIS_BREAKER_COOLDOWN_MS: '200'
  }
})
const FIELDS = ['aggregates.sellerCount24h', 'aggregates.sellerValueEur24h']
const BATCH = 5
const sleep = async (ms: number): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

const waitFor = async (what: string, check: () => boolean, timeoutMs: number): Promise<void> => {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

describe('enrich > redis cluster > primary kill', () => {
  let victim: RedisNodeId | undefined

  afterAll(async () => {
    // The killed node back, as a replica of the node that took over, for the suites after this one.
    if (victim !== undefined && redisNodePid(victim) === undefined) startRedisNode(victim)
    const base = redisClusterBase()
    await waitFor('every node ok again', () => REDIS_CLUSTER_NODES.every((n) => clusterOk(nodePort(n, base))), 60_000)
    const admin = adminClient(services)
    await dropKeys(admin, prefix)
    admin.disconnect()
  }, 90_000)

  it('degrades while the seller\'s counters\' primary is gone, recovers on its promoted replica, and loses no count',
    async () => {
      const redis = await connectRedisClient(config.redis, log, 2_000) as Cluster
      const store = createRedisProfileStore(redis, {
        ...config.redis, identityKey: 'integration-identity-key', maxAgesMs: config.referenceData.maxAgeMs
      }, { log })
      try {
        await store.warm()
        const sellerId = `${prefix}seller`
        const owner = redis.slots[slotOf(keyLayout(prefix, true).aggregates('s', sellerId))]?.[0] ?? ''
        victim = (Number(owner.split(':')[1]) - redisClusterBase() + 1) as RedisNodeId
        const pid = redisNodePid(victim)
        expect(pid).toBeDefined()
        let sent = 0
        let killedAt = 0
        let recoveredAt = 0
        let degraded = 0
        let afterRecovery = 0
        const parcel = (id: string): ParcelDeclaration =>
          makeDeclaration({ declarationId: `${prefix}${id}`, sellerId, declaredAt: Date.now() })
        for (let b = 0; afterRecovery < 20; b++) {
          if (b === 20) {
            process.kill(pid as number, 'SIGKILL')
            killedAt = Date.now()
          }
          const batch = Array.from({ length: BATCH }, (_v, i) => parcel(`${b}-${i}`))
          const results = await store.enrichBatch(batch, Date.now(), FIELDS)
          sent += BATCH
          const ok = results.every((r) => r.status === 'OK')
          if (!ok) degraded++
          if (killedAt > 0 && recoveredAt === 0 && ok && store.pendingCatchUp() === 0) recoveredAt = Date.now()
          if (recoveredAt > 0) afterRecovery++
          if (killedAt > 0 && recoveredAt === 0 && Date.now() - killedAt > 30_000) {
            throw new Error('no recovery within 30 s of the kill')
          }
          await sleep(50)
        }
        process.stderr.write(`[primary-kill] node ${victim} killed; enrichment OK again and catch-up done ` +
          `${recoveredAt - killedAt} ms later; ${degraded} batches DEGRADED; ${sent} parcels sent\n`)
        expect(degraded).toBeGreaterThan(0)
        // Every parcel counted once: a probe reads all the others.
        const [probe] = await store.enrichBatch([parcel('probe')], Date.now(), FIELDS)
        expect(probe?.status).toBe('OK')
        expect(probe?.record.aggregates?.sellerCount24h).toBe(sent)
        expect(store.pendingCatchUp()).toBe(0)
        expect(store.breakerState()).toBe('closed')
      } finally {
        redis.disconnect()
      }
    }, 90_000)
})
