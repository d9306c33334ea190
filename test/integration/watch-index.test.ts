// The watchlist index (src/enrich/watch-index.ts) against the real Redis: a store asks only for
// the fields it holds, sees another writer's additions and removals with its next batches (a
// cached seller value included, long before the cache's TTL), reloads when its change log is
// gone, falls back to asking for every field when the watchlist is over its limit, and decides
// a batch DEGRADED when the follow-up read of fields its change log says were written fails.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../src/config-load.ts'
import { scoreAndDecide } from '../../src/decide/decide.ts'
import type { ProfileUpdate, WatchlistEntityType } from '../../src/declaration.ts'
import { keyLayout } from '../../src/enrich/keys.ts'
import { connectRedisClient, type RedisClient } from '../../src/enrich/redis-client.ts'
import { createRedisProfileStore, type RedisProfileStore } from '../../src/enrich/redis-store.ts'
import { createProfileWriter } from '../../src/enrich/redis-writer.ts'
import { NO_PAYLOAD, writeFor, type ProfileWrite } from '../../src/enrich/profile-write.ts'
import { DATA_SETS, markersOfLoad, writeMarkers } from '../../src/enrich/reference-data.ts'
import { watchlistLogKey } from '../../src/enrich/watch-index.ts'
import { generateDeclarations, generateProfiles } from '../../src/generate/stream.ts'
import { createLogger } from '../../src/logger.ts'
import { makeDeclaration } from '../fixtures/declarations/make.ts'
import { compileRules } from '../fixtures/inline-ruleset.ts'
import { adminClient, dropKeys, redisEnv } from './redis-admin.ts'

const services = inject('services')
const prefix = `it-wlidx-${randomUUID()}:`
const log = createLogger({ level: 'silent' })
const config = loadConfig({
  env: {
    KAFKA_BROKERS: services.kafkaBrokers,
    SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
    ...redisEnv(services),
    PARCEL_RISK_REDIS_KEY_PREFIX: prefix,
    PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '2000',
    // Long enough that only the change log can explain a cached value going stale in the test.
    PARCEL_RISK_REDIS_CACHE_TTL_MS: '600000'
  }
})
const admin = adminClient(services)
const keys = keyLayout(prefix, services.redisClusterNodes !== undefined)
const FIELDS = ['watchlist.sellerHit', 'watchlist.consigneeHit']
const ALL_WATCH = [...FIELDS, 'watchlist.sellerMatchScore', 'watchlist.consigneeMatchScore', 'watchlist.matchScore']

const listing = (
  op: 'ADD' | 'REMOVE', entityType: WatchlistEntityType, value: string, layout = keys
): ProfileWrite => {
  const u: ProfileUpdate = {
    updatedAt: Date.now(), sourceSystem: 'it', ...NO_PAYLOAD, kind: 'WATCHLIST',
    watchlist: { listId: 'it-list', op, entityType, value, reason: null, expiresAt: null }
  }
  return writeFor(u, layout) as ProfileWrite
}

describe('enrich > watchlist index on redis', () => {
  let redis: RedisClient
  let writerRedis: RedisClient
  const stores: RedisProfileStore[] = []
  const open = (overrides: Partial<typeof config.redis> = {}): RedisProfileStore => {
    const store = createRedisProfileStore(redis, {
      ...config.redis, ...overrides, identityKey: 'it-identity', maxAgesMs: config.referenceData.maxAgeMs
    }, { log })
    stores.push(store)
    return store
  }
  /** Another instance's writes: its own connection, as `profiles load` or the profile consumer. */
  const write = async (...writes: ProfileWrite[]): Promise<void> => {
    await createProfileWriter(writerRedis, prefix).write(writes)
  }
  const watched = async (store: RedisProfileStore, consigneeName: string) => {
    const d = makeDeclaration({ declaredAt: Date.now(), consignee: { name: consigneeName } })
    const [r] = await store.enrichBatch([d], Date.now(), FIELDS)
    expect(r?.missing).toEqual([])
    return r?.record.watchlist
  }

  beforeAll(async () => {
    await admin.connect()
    redis = await connectRedisClient(config.redis, log, 5_000)
    writerRedis = await connectRedisClient(config.redis, log, 5_000)
    await writeMarkers(admin, prefix, new Map([['watchlist', { loadedAt: Date.now(), source: 'it', entries: 1 }]]))
    await write(listing('ADD', 'PARTY_NAME', 'Listed Person One'))
  })

  afterAll(async () => {
    for (const store of stores) await store.close()
    await dropKeys(admin, prefix)
    redis.disconnect()
    writerRedis.disconnect()
    admin.disconnect()
  })

  it('holds the listed fields once warmed, and hits from them', async () => {
    const store = open()
    expect(store.watchIndex()).toEqual({ ready: false, fields: 0 })
    await store.warm([], FIELDS)
    // The exact name field and its approximate-match keys (match.ts).
    expect(store.watchIndex().ready).toBe(true)
    expect(store.watchIndex().fields).toBe(await admin.hlen(keys.watchlist))
    expect((await watched(store, 'Listed Person One'))?.consigneeHit).toBe(true)
    expect((await watched(store, 'Somebody Else Entirely'))?.consigneeHit).toBe(false)
  })

  it('sees another writer\'s addition with its next batch, in a follow-up read', async () => {
    const store = open()
    await store.warm([], FIELDS)
    expect((await watched(store, 'Listed Person Two'))?.consigneeHit).toBe(false)
    await write(listing('ADD', 'PARTY_NAME', 'Listed Person Two'))
    // The batch's fields were chosen before its log read brought the write: a second round trip.
    const trips = store.roundTrips()
    expect((await watched(store, 'Listed Person Two'))?.consigneeHit).toBe(true)
    expect(store.roundTrips() - trips).toBe(2)
    // From then on the index holds the fields: one round trip.
    expect((await watched(store, 'Listed Person Two'))?.consigneeHit).toBe(true)
    expect(store.roundTrips() - trips).toBe(3)
  })

  it('drops a cached seller value when the log says it changed, long before the cache TTL', async () => {
    const store = open()
    await store.warm([], FIELDS)
    const seller = makeDeclaration().sellerId
    await write(listing('ADD', 'SELLER_ID', seller))
    expect((await watched(store, 'Unrelated Name'))?.sellerHit).toBe(true)
    // Read from Redis, now in the cache (TTL 10 minutes).
    expect((await watched(store, 'Unrelated Name'))?.sellerHit).toBe(true)
    await write(listing('REMOVE', 'SELLER_ID', seller))
    expect((await watched(store, 'Unrelated Name'))?.sellerHit).toBe(false)
  })

  it('reloads when its change log is gone, and hits what was written since', async () => {
    const store = open()
    await store.warm([], FIELDS)
    await admin.del(watchlistLogKey(keys.watchlist))
    await write(listing('ADD', 'PARTY_NAME', 'Listed Person Three'))
    // The first batch finds the entry it last read missing and starts a reload; until the
    // reload lands every field is asked of Redis, so no batch misses the listing.
    for (let i = 0; i < 20; i++) {
      expect((await watched(store, 'Listed Person Three'))?.consigneeHit).toBe(true)
      if (store.watchIndex().ready) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(store.watchIndex()).toEqual({ ready: true, fields: await admin.hlen(keys.watchlist) })
  })

  it('asks for every field when the watchlist is over redis.watchlistIndexMaxFields', async () => {
    const store = open({ watchlistIndexMaxFields: 2 })
    await store.warm([], FIELDS)
    expect(store.watchIndex()).toEqual({ ready: false, fields: 0 })
    expect((await watched(store, 'Listed Person One'))?.consigneeHit).toBe(true)
    expect((await watched(store, 'Somebody Else Entirely'))?.consigneeHit).toBe(false)
  })

  it('decides the batch DEGRADED, watchlist missing, when the follow-up read of changed fields fails', async () => {
    // Its own prefix: the watchlist hash is broken on purpose below.
    const ownPrefix = `${prefix}followup:`
    const ownKeys = keyLayout(ownPrefix, services.redisClusterNodes !== undefined)
    await writeMarkers(admin, ownPrefix, new Map([['watchlist', { loadedAt: Date.now(), source: 'it', entries: 1 }]]))
    const writeOwn = async (value: string): Promise<void> => {
      await createProfileWriter(writerRedis, ownPrefix).write([listing('ADD', 'PARTY_NAME', value, ownKeys)])
    }
    await writeOwn('Ottoline Vasquez-Brennan')
    // A gate on the watchlist: a hit holds the parcel, an unread watchlist must not release it.
    const ruleset = compileRules([
      { id: 'GATE-WL', tier: 'gate', action: 'PHYSICAL_EXAM', when: 'enrichment.watchlist.consigneeHit' }
    ])
    const decide = scoreAndDecide(ruleset)
    const store = open({ keyPrefix: ownPrefix })
    await store.warm([], ruleset.enrichmentFields)
    expect(store.watchIndex().ready).toBe(true)
    const batch = async (consigneeName: string) => {
      const d = makeDeclaration({ declaredAt: Date.now(), consignee: { name: consigneeName } })
      const trips = store.roundTrips()
      const [r] = await store.enrichBatch([d], Date.now(), ruleset.enrichmentFields)
      const decision = decide(d, r?.record ?? null, { nowMs: Date.now(), enrichmentMissing: r?.missing ?? [] })
      return { r, decision, trips: store.roundTrips() - trips }
    }

    // Written after the index loaded, so the batch's round trip does not ask for the name: the
    // change log read with it says it was written, and a follow-up read finds the listing.
    await writeOwn('Leopold Achterberg')
    const read = await batch('Leopold Achterberg')
    expect(read.trips).toBe(2)
    expect([read.r?.status, read.r?.record.watchlist?.consigneeHit]).toEqual(['OK', true])
    expect([read.decision.action, read.decision.enrichment]).toEqual(['PHYSICAL_EXAM', { status: 'OK', missing: [] }])

    // The same again, with the watchlist hash turned into a string after the write: the batch's
    // round trip (markers, change log, history) answers, the follow-up HMGET gets WRONGTYPE.
    await writeOwn('Marisol Thorvaldsen')
    await admin.del(ownKeys.watchlist)
    await admin.set(ownKeys.watchlist, 'not a hash')
    const failed = await batch('Marisol Thorvaldsen')
    expect(failed.trips).toBe(2)
    expect([failed.r?.status, failed.r?.missing]).toEqual(['DEGRADED', ['watchlist']])
    expect(failed.r?.record.watchlist).toBeUndefined()
    // Only the follow-up failed: the history came with the round trip, and the breaker counts no failure.
    expect(failed.r?.history).toBeNull()
    expect(store.breakerState()).toBe('closed')
    expect(failed.decision.enrichment).toEqual({ status: 'DEGRADED', missing: ['watchlist'] })
    expect(failed.decision.decision).toBe('HOLD')
  })

  it('answers what asking Redis for every field answers, on generated declarations and profiles', async () => {
    const genPrefix = `${prefix}gen:`
    const genKeys = keyLayout(genPrefix, services.redisClusterNodes !== undefined)
    const updates = generateProfiles({ seed: 7 })
    await createProfileWriter(writerRedis, genPrefix).write(
      updates.map((u) => writeFor(u, genKeys)).filter((w): w is ProfileWrite => w !== undefined)
    )
    await writeMarkers(admin, genPrefix, markersOfLoad(updates, 'it', Date.now(), DATA_SETS))
    const storeFor = (maxFields: number): RedisProfileStore => {
      const store = createRedisProfileStore(redis, {
        ...config.redis, keyPrefix: genPrefix, watchlistIndexMaxFields: maxFields, identityKey: 'it-identity',
        maxAgesMs: config.referenceData.maxAgeMs
      }, { log })
      stores.push(store)
      return store
    }
    const indexed = storeFor(1_000_000)
    const everyField = storeFor(0)
    await indexed.warm([], ALL_WATCH)
    expect(indexed.watchIndex().ready).toBe(true)
    const declarations = []
    for (const g of generateDeclarations({ seed: 7 })) {
      if (declarations.length === 3_000) break
      declarations.push(g.declaration)
    }
    let hits = 0
    for (let i = 0; i < declarations.length; i += 250) {
      const batch = declarations.slice(i, i + 250)
      const now = Date.now()
      const [a, b] = await Promise.all([
        indexed.enrichBatch(batch, now, ALL_WATCH), everyField.enrichBatch(batch, now, ALL_WATCH)
      ])
      expect(a.map((r) => r.missing)).toEqual(b.map(() => []))
      expect(a.map((r) => r.record.watchlist)).toEqual(b.map((r) => r.record.watchlist))
      hits += a.filter((r) => (r.record.watchlist?.matchScore ?? 0) > 0).length
    }
    // Listed and approximately matched parties are among them, so the comparison means something.
    expect(hits).toBeGreaterThan(10)
  })
})
