// The windowed aggregates spread per entity on a Redis Cluster (cluster-aggregates.ts): the
// counters of different sellers and consignees land on different slots and primaries (CLUSTER
// KEYSLOT, keys counted per primary), and the counts stay exact across a replay, an amendment
// that moves a parcel to another consignee, and a batch whose per-entity step was cut off
// after its decision and part of its entities (as a process dying between the steps leaves it).
import { randomUUID } from 'node:crypto'
import type { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../src/config-load.ts'
import type { ParcelDeclaration } from '../../src/declaration.ts'
import { applyCalls, APPLY_LUA, decideCalls, DECIDE_LUA, decisionsOf } from '../../src/enrich/cluster-aggregates.ts'
import { defaultFxToEur } from '../../src/enrich/fx.ts'
import { keyLayout, planFor } from '../../src/enrich/keys.ts'
import { createIdentityHasher } from '../../src/enrich/normalise.ts'
import { slotGroups, slotOf } from '../../src/enrich/node-pipelines.ts'
import { declarationKeys } from '../../src/enrich/record.ts'
import { connectRedisClient, type RedisClient } from '../../src/enrich/redis-client.ts'
import { createRedisProfileStore, type RedisProfileStore } from '../../src/enrich/redis-store.ts'
import { entryOf } from '../../src/enrich/store.ts'
import { createLogger } from '../../src/logger.ts'
import { makeDeclaration } from '../fixtures/declarations/make.ts'
import { adminClient, dropKeys, keysMatching, redisEnv } from '../integration/redis-admin.ts'

const services = inject('services')
const prefix = `it-rca-${randomUUID()}:`
const log = createLogger({ level: 'silent' })
const config = loadConfig({
  env: { ...redisEnv(services), PARCEL_RISK_REDIS_KEY_PREFIX: prefix, PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '2000' }
})
const identityKey = 'integration-identity-key'
const admin = adminClient(services) as Cluster
const keys = keyLayout(prefix, true)
const FIELDS = [
  'aggregates.sellerCount24h', 'aggregates.sellerValueEur24h', 'aggregates.consigneeCount24h',
  'aggregates.consigneeCount7d'
]

/** Parcels and EUR cents in an entity's hour buckets (fields 4·hourNo and 4·hourNo+1). */
const counted = async (key: string): Promise<[number, number]> => {
  const hash = await admin.hgetall(key)
  let n = 0
  let cents = 0
  for (const [f, v] of Object.entries(hash)) {
    if (Number(f) % 4 === 0) n += Number(v)
    if (Number(f) % 4 === 1) cents += Number(v)
  }
  return [n, cents]
}

/** Every counter hash under the prefix and its fields. */
const snapshot = async (): Promise<Record<string, Record<string, string>>> => {
  const out: Record<string, Record<string, string>> = {}
  for (const key of (await keysMatching(admin, `${prefix}agg:*`)).sort()) out[key] = await admin.hgetall(key)
  return out
}

describe('enrich > redis cluster > aggregates spread per entity', () => {
  let redis: RedisClient
  let store: RedisProfileStore
  const nowMs = Date.now()
  const hash = createIdentityHasher(identityKey)
  const plan = planFor(FIELDS)
  const consigneeKey = (d: ParcelDeclaration): string =>
    keys.aggregates('c', declarationKeys(d, keys, hash, plan).identityHash)

  beforeAll(async () => {
    await admin.connect()
    redis = await connectRedisClient(config.redis, log, 5_000)
    store = createRedisProfileStore(redis, {
      ...config.redis, identityKey, maxAgesMs: config.referenceData.maxAgeMs
    }, { log })
  })

  afterAll(async () => {
    redis.disconnect()
    await dropKeys(admin, prefix)
    admin.disconnect()
  })

  it('puts the counters of different entities on different slots and primaries, and counts a replay once',
    async () => {
      const batch = Array.from({ length: 48 }, (_v, i) => makeDeclaration({
        declarationId: `${prefix}S${i}`, sellerId: `rca-seller-${i % 24}`, declaredAt: nowMs - 1_000,
        consignee: { name: `Spread Tester ${i}` }
      }))
      const first = await store.enrichBatch(batch, nowMs, FIELDS)
      expect(first.map((r) => r.status)).toEqual(batch.map(() => 'OK'))
      // Two parcels per seller: the second finds the first.
      expect(first.map((r) => r.record.aggregates?.sellerCount24h)).toEqual(batch.map((_d, i) => i < 24 ? 0 : 1))
      const aggKeys = await keysMatching(admin, `${prefix}agg:*`)
      expect(aggKeys.filter((k) => k.startsWith(`${prefix}agg:s:`))).toHaveLength(24)
      expect(aggKeys.filter((k) => k.startsWith(`${prefix}agg:c:`))).toHaveLength(48)
      // The slot Redis computes (CLUSTER KEYSLOT) is the entity's: as many slots as entities.
      const slots = await Promise.all(aggKeys.map(async (k) => Number(await admin.cluster('KEYSLOT', k))))
      expect(slots).toEqual(aggKeys.map(slotOf))
      expect(new Set(slots).size).toBeGreaterThan(60)
      // Every primary holds some of the counters, the answers and the histories.
      const primaries = admin.nodes('master')
      expect(primaries).toHaveLength(3)
      for (const family of ['agg', 'answers', 'history']) {
        const perPrimary = await Promise.all(primaries.map(async (node) =>
          (await node.keys(`${prefix}${family}:*`)).length))
        expect(perPrimary.every((n) => n > 0), `${family} per primary: ${perPrimary.join(' ')}`).toBe(true)
      }
      // A replay (a redelivery, or a round trip retried after Redis ran it): its first answers
      // back, the counters unchanged.
      const before = await snapshot()
      const again = await store.enrichBatch(batch, nowMs, FIELDS)
      expect(again.map((r) => r.record.aggregates)).toEqual(first.map((r) => r.record.aggregates))
      expect(await snapshot()).toEqual(before)
      for (let s = 0; s < 24; s++) expect((await counted(keys.aggregates('s', `rca-seller-${s}`)))[0]).toBe(2)
    })

  it('moves an amended parcel to its new consignee once, whatever is replayed', async () => {
    const v1 = makeDeclaration({
      declarationId: `${prefix}M1`, version: 1, sellerId: 'rca-mover', declaredAt: nowMs - 2_000,
      totalValue: '20.00', currency: 'EUR', consignee: { name: 'Alpha Mover' }
    })
    const v2 = { ...v1, version: 2, totalValue: '30.00', consignee: { ...v1.consignee, name: 'Beta Mover' } }
    const [alpha, beta, seller] = [consigneeKey(v1), consigneeKey(v2), keys.aggregates('s', 'rca-mover')]
    expect(slotOf(alpha)).not.toBe(slotOf(beta))
    await store.enrichBatch([v1], nowMs, FIELDS)
    expect([await counted(alpha), await counted(seller)]).toEqual([[1, 2000], [1, 2000]])
    const [moved] = await store.enrichBatch([v2], nowMs, FIELDS)
    expect(moved?.record.aggregates?.sellerCount24h).toBe(0)
    expect([await counted(alpha), await counted(beta), await counted(seller)]).toEqual([[0, 0], [1, 3000], [1, 3000]])
    // Both versions again, together and apart, and the older one after the newer: nothing moves.
    await store.enrichBatch([v1, v2], nowMs, FIELDS)
    await store.enrichBatch([v2], nowMs, FIELDS)
    await store.enrichBatch([v1], nowMs, FIELDS)
    expect([await counted(alpha), await counted(beta), await counted(seller)]).toEqual([[0, 0], [1, 3000], [1, 3000]])
  })

  it('converges when the per-entity step was cut off after the decision and part of the entities', async () => {
    const d = makeDeclaration({
      declarationId: `${prefix}C1`, sellerId: 'rca-cut', declaredAt: nowMs - 3_000, totalValue: '12.00',
      currency: 'EUR', consignee: { name: 'Cut Tester' }
    })
    const entry = entryOf(d, declarationKeys(d, keys, hash, plan), defaultFxToEur, nowMs)
    const sent = [{ entry, mode: entry.mode }]
    // Step 1 ran, and of step 2 only the seller's call: then the process died.
    // One call per slot here, so that the seller's is a call of its own.
    const decide = decideCalls(sent, keys, slotGroups)
    const replies = await Promise.all(decide.map(async (c) =>
      await admin.eval(DECIDE_LUA, c.keys.length, ...c.keys, ...c.args)))
    expect(replies).toEqual([['+']])
    const { calls } = applyCalls(sent, decisionsOf(decide, replies), plan.aggregateMask, keys, slotGroups)
    const sellerKey = keys.aggregates('s', 'rca-cut')
    const sellerCall = calls.find((c) => c.keys.includes(sellerKey))
    if (sellerCall === undefined) throw new Error('no call for the seller')
    await admin.eval(APPLY_LUA, sellerCall.keys.length, ...sellerCall.keys, ...sellerCall.args)
    expect([await counted(consigneeKey(d)), await counted(sellerKey)]).toEqual([[0, 0], [1, 1200]])
    // The redelivery takes the kept decision and applies what is missing: each entity once.
    const [r] = await store.enrichBatch([d], nowMs, FIELDS)
    expect(r?.status).toBe('OK')
    expect([await counted(consigneeKey(d)), await counted(sellerKey)]).toEqual([[1, 1200], [1, 1200]])
    const [again] = await store.enrichBatch([d], nowMs, FIELDS)
    expect(again?.record.aggregates).toEqual(r?.record.aggregates)
    expect([await counted(consigneeKey(d)), await counted(sellerKey)]).toEqual([[1, 1200], [1, 1200]])
  })
})
