// The declaration history against the real Redis: what `remember` writes is what the next
// enrichment round trip reads (in that same round trip, whatever the ruleset reads), only a
// higher version replaces the standing decision, the key is one hash per declarationId with
// its hash tag and expiry, and a Redis that does not answer leaves the history unknown
// (DEGRADED, `amendments` missing) without failing anything.
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { AMENDED, SUPERSEDED } from '../../src/amendment.ts'
import { loadConfig } from '../../src/config-load.ts'
import type { RiskDecision } from '../../src/declaration.ts'
import { connectRedisClient, type RedisClient } from '../../src/enrich/redis-client.ts'
import { createRedisProfileStore, type RedisProfileStore } from '../../src/enrich/redis-store.ts'
import { createLogger } from '../../src/logger.ts'
import { makeDeclaration } from '../fixtures/declarations/make.ts'
import { adminClient, dropKeys, redisEnv } from './redis-admin.ts'

const services = inject('services')
const prefix = `it-amend-${randomUUID()}:`
const log = createLogger({ level: 'silent' })
const config = loadConfig({
  env: {
    ...redisEnv(services), PARCEL_RISK_REDIS_KEY_PREFIX: prefix, PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '2000'
  }
})
const admin = adminClient(services)
// A history key: the same name on one server and on a cluster (tagged by its declarationId, keys.ts).
const historyKey = (id: string): string => `${prefix}history:{${prefix}${id}}`
// On a cluster a batch that reads aggregates makes a second round trip, the per-entity step
// of the counting (cluster-aggregates.ts).
const aggregateTrips = services.redisClusterNodes === undefined ? 1 : 2
const storeConfig = {
  ...config.redis, identityKey: 'integration-identity-key', maxAgesMs: config.referenceData.maxAgeMs
}

const decided = (
  id: string, version: number, action: 'RELEASE' | 'SCREEN_NII', reasons: string[] = ['IND-A']
): RiskDecision => ({
  declarationId: `${prefix}${id}`,
  version,
  decision: action === 'RELEASE' ? 'RELEASE' : 'HOLD',
  action,
  score: action === 'RELEASE' ? 5 : 80,
  reasons: reasons.map((ruleId) => ({ ruleId, title: ruleId, tier: 'INDICATOR', contribution: 0, values: [] })),
  gates: [],
  errors: [],
  randomSelection: false,
  ruleset: { id: 'eu-lvc', version: '2026.11.3', digest: 'ab'.repeat(32) },
  enrichment: { status: 'OK', missing: [] },
  rejections: [],
  timings: { receivedAt: 0, decidedAt: 0, latencyMicros: 0 },
  inputDigest: ''
})

const declaration = (id: string, version: number) =>
  makeDeclaration({ declarationId: `${prefix}${id}`, version, declaredAt: Date.now() })

describe('enrich > declaration history in Redis', () => {
  let redis: RedisClient
  let store: RedisProfileStore

  beforeAll(async () => {
    await admin.connect()
    redis = await connectRedisClient(config.redis, log, 5_000)
    store = createRedisProfileStore(redis, storeConfig, { log })
  })

  afterAll(async () => {
    redis.disconnect()
    await dropKeys(admin, prefix)
    admin.disconnect()
  })

  it('reads in the enrichment round trip what was kept: the standing decision and the one it replaced', async () => {
    const before = store.roundTrips()
    const [fresh] = await store.enrichBatch([declaration('A', 1)], Date.now(), [])
    // A ruleset that reads no enrichment still makes the one round trip: the history is in it.
    expect(store.roundTrips() - before).toBe(1)
    expect([fresh?.history, fresh?.status]).toEqual([null, 'OK'])
    await store.remember([decided('A', 1, 'SCREEN_NII')])
    await store.remember([decided('A', 2, 'RELEASE', ['IND-B', AMENDED])])
    const trips = store.roundTrips()
    const batch = [declaration('A', 1), declaration('A', 2), declaration('B', 1)]
    const [r] = await store.enrichBatch(batch, Date.now(), ['aggregates.consigneeCount24h'])
    expect(store.roundTrips() - trips).toBe(aggregateTrips)
    expect(r?.history).toEqual({
      current: {
        version: 2, decision: 'RELEASE', action: 'RELEASE', score: 5, rules: ['IND-B'],
        ruleset: { id: 'eu-lvc', version: '2026.11.3', digest: 'ab'.repeat(32) }
      },
      previous: {
        version: 1, decision: 'HOLD', action: 'SCREEN_NII', score: 80, rules: ['IND-A'],
        ruleset: { id: 'eu-lvc', version: '2026.11.3', digest: 'ab'.repeat(32) }
      }
    })
  })

  it('replaces the standing decision with a higher version only; the first decision of a version stays', async () => {
    await store.remember([decided('C', 2, 'SCREEN_NII')])
    await store.remember([decided('C', 2, 'RELEASE'), decided('C', 1, 'RELEASE')])
    await store.remember([{
      ...decided('C', 3, 'RELEASE'),
      reasons: [{ ruleId: SUPERSEDED, title: '', tier: 'GATE', contribution: 0, values: [] }]
    }])
    const [r] = await store.enrichBatch([declaration('C', 2)], Date.now(), [])
    expect(r?.history).toMatchObject({ current: { version: 2, action: 'SCREEN_NII' }, previous: null })
  })

  it('keeps the decisions of a batch with one call: two versions of one declarationId in order, ' +
    'an unreadable value left, the others written', async () => {
    const keyOf = historyKey
    await admin.hset(keyOf('G'), 'cur', 'not json')
    // A decision stored with its members in another order is still compared by its version.
    const ruleset = { id: 'eu-lvc', version: '2026.11.3', digest: 'ab'.repeat(32) }
    await admin.hset(keyOf('H'), 'cur',
      JSON.stringify({ decision: 'HOLD', action: 'SCREEN_NII', score: 80, rules: ['IND-A'], ruleset, version: 3 }))
    const trips = store.roundTrips()
    await store.remember([
      decided('F', 1, 'SCREEN_NII'), decided('G', 1, 'RELEASE'), decided('F', 2, 'RELEASE', ['IND-B', AMENDED]),
      decided('H', 2, 'RELEASE'), decided('I', 1, 'RELEASE')
    ])
    expect(store.roundTrips() - trips).toBe(1)
    const batch = [declaration('F', 2), declaration('G', 1), declaration('H', 2), declaration('I', 1)]
    const [f, g, h, i] = await store.enrichBatch(batch, Date.now(), [])
    expect(f?.history).toMatchObject({
      current: { version: 2, action: 'RELEASE', rules: ['IND-B'] }, previous: { version: 1, action: 'SCREEN_NII' }
    })
    expect([g?.history, await admin.hget(keyOf('G'), 'cur')]).toEqual([null, 'not json'])
    expect(h?.history).toMatchObject({ current: { version: 3, action: 'SCREEN_NII' }, previous: null })
    expect(i?.history).toMatchObject({ current: { version: 1, action: 'RELEASE' }, previous: null })
  })

  it('keeps one hash per declarationId under its hash tag, expiring redis.historyTtlMs ' +
    'after its last new version', async () => {
    await store.remember([decided('D', 1, 'SCREEN_NII')])
    const key = historyKey('D')
    expect(await admin.hkeys(key)).toEqual(['cur'])
    const ttl = await admin.pttl(key)
    expect(ttl).toBeGreaterThan(config.redis.historyTtlMs - 60_000)
    expect(ttl).toBeLessThanOrEqual(config.redis.historyTtlMs)
    expect(config.redis.historyTtlMs).toBe(30 * 86_400_000)
  })

  it('with Redis not answering: history unknown, DEGRADED with `amendments` missing, ' +
    'and keeping decisions fails quietly', async () => {
    const gone = new Redis({
      host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0,
      retryStrategy: () => null
    })
    gone.on('error', () => {})
    const lost = createRedisProfileStore(gone, storeConfig, { log })
    try {
      const [r] = await lost.enrichBatch([declaration('E', 2)], Date.now(), [])
      expect([r?.history, r?.status, r?.missing]).toEqual([undefined, 'DEGRADED', ['amendments']])
      await expect(lost.remember([decided('E', 2, 'RELEASE')])).resolves.toBeUndefined()
    } finally {
      gone.disconnect()
    }
  })
})
