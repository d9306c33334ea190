// The two implementations of the windowed aggregates give the same answers: the Lua script
// the processor runs in Redis (redis-store.ts) and the in-memory twin that offline scoring
// and backtests use (memory-store.ts, buckets.ts). Both see one generated stream, in the
// same batches, and every counter of every declaration is compared: count and EUR value,
// 24 h and 7 d, per consignee identity, seller and IOSS number.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../src/config-load.ts'
import type { ParcelDeclaration } from '../../src/declaration.ts'
import type { AggregatesEnrichment } from '../../src/enrichment.ts'
import { HOUR_MS } from '../../src/enrich/buckets.ts'
import { createMemoryProfileStore } from '../../src/enrich/memory-store.ts'
import type { ProfileStore } from '../../src/enrich/store.ts'
import { connectRedisClient } from '../../src/enrich/redis-client.ts'
import { createRedisProfileStore } from '../../src/enrich/redis-store.ts'
import { generateDeclarations } from '../../src/generate/stream.ts'
import { createLogger } from '../../src/logger.ts'
import { adminClient, dropKeys, redisEnv } from './redis-admin.ts'

const services = inject('services')
const prefix = `it-aggregates-${randomUUID()}:`
const IDENTITY_KEY = 'integration-identity-key'
const DAY = 24 * HOUR_MS
const BATCH = 50

const AGGREGATE_FIELDS = ['consignee', 'seller', 'ioss'].flatMap((kind) =>
  ['Count24h', 'ValueEur24h', 'Count7d', 'ValueEur7d'].map((measure) => `aggregates.${kind}${measure}`))

const config = loadConfig({ env: { ...redisEnv(services), PARCEL_RISK_REDIS_KEY_PREFIX: prefix } })
const admin = adminClient(services)

afterAll(async () => {
  await admin.connect().catch(() => {})
  await dropKeys(admin, prefix)
  admin.disconnect()
})

const take = <T>(items: Iterable<T>, n: number): T[] => {
  const out: T[] = []
  for (const item of items) {
    if (out.length === n) break
    out.push(item)
  }
  return out
}

/**
 * The generated stream, stretched over `days` days before `endMs` so both windows matter
 * (the generator's own clock covers minutes), with few sellers, few IOSS numbers and a
 * recurring consignee so that entities collect many parcels. `late` parcels are declared up
 * to 30 h before their place in the stream: a carrier that sends yesterday's declarations
 * late. The oldest parcel must stay well inside 7 days of the real clock: Redis expires an
 * entity's hash 7 days after its newest bucket, so older test data would vanish as written.
 */
const stream = (seed: number, count: number, endMs: number, late: boolean, days = 6): ParcelDeclaration[] => {
  const start = Math.floor((endMs - days * DAY) / HOUR_MS) * HOUR_MS
  const generated = take(generateDeclarations({ seed, startMs: start }), count).map((g) => g.declaration)
  const iossNumbers = [...new Set(generated.flatMap((d) => (d.iossNumber === null ? [] : [d.iossNumber])))].slice(0, 3)
  const recurring = generated[0]?.consignee as ParcelDeclaration['consignee']
  return generated.map((d, i) => ({
    ...d,
    declarationId: `${prefix}${seed}-${d.declarationId}`,
    declaredAt: start + Math.floor(i * (days * DAY) / count) - (late && i % 9 === 4 ? (i % 31) * HOUR_MS : 0),
    sellerId: `s${i % 6}`,
    iossNumber: i % 4 === 0 ? null : iossNumbers[i % iossNumbers.length] ?? null,
    consignee: i % 5 === 0 ? recurring : d.consignee
  }))
}

const aggregatesOf = async (
  enrichBatch: (
    ds: readonly ParcelDeclaration[], nowMs: number, fields: readonly string[]
  ) => Promise<ReadonlyArray<{ record: { aggregates?: AggregatesEnrichment } }>>,
  declarations: readonly ParcelDeclaration[], nowMs: number
): Promise<Array<AggregatesEnrichment | undefined>> => {
  const out: Array<AggregatesEnrichment | undefined> = []
  for (let i = 0; i < declarations.length; i += BATCH) {
    const batch = await enrichBatch(declarations.slice(i, i + BATCH), nowMs, AGGREGATE_FIELDS)
    for (const r of batch) out.push(r.record.aggregates)
  }
  return out
}

const openStores = async (keyPrefix: string) => {
  const redis = await connectRedisClient(config.redis, createLogger({ level: 'silent' }), 5_000)
  const inRedis = createRedisProfileStore(redis, {
    ...config.redis, keyPrefix, identityKey: IDENTITY_KEY, maxAgesMs: config.referenceData.maxAgeMs
  }, { log: createLogger({ level: 'silent' }) })
  return {
    inRedis,
    inMemory: createMemoryProfileStore({ identityKey: IDENTITY_KEY }),
    close: async () => {
      await inRedis.close()
      redis.disconnect()
    }
  }
}

const most = (answers: ReadonlyArray<AggregatesEnrichment | undefined>, field: keyof AggregatesEnrichment): number =>
  Math.max(...answers.map((a) => a?.[field] ?? 0))

const only = (a: AggregatesEnrichment | undefined, window: '24h' | '7d'): Record<string, number | undefined> =>
  Object.fromEntries(Object.entries(a ?? {}).filter(([field]) => field.endsWith(window)))

describe('enrich > aggregates: Lua script and in-memory twin', () => {
  it('give the same 12 counters for every declaration of a generated stream', async () => {
    const nowMs = Date.now()
    const declarations = stream(7, 1_500, nowMs, false)
    const stores = await openStores(`${prefix}in-order:`)
    try {
      const fromRedis = await aggregatesOf(stores.inRedis.enrichBatch, declarations, nowMs)
      const fromMemory = await aggregatesOf(stores.inMemory.enrichBatch, declarations, nowMs)
      expect(fromRedis).toHaveLength(declarations.length)
      expect(fromRedis.every((a) => a !== undefined)).toBe(true)
      expect(new Set(fromRedis.flatMap((a) => Object.keys(a ?? {}))).size).toBe(12)
      expect(fromMemory).toEqual(fromRedis)
      // Not vacuous: entities collected many parcels, and the windows cut some of them off.
      expect(most(fromRedis, 'sellerCount7d')).toBeGreaterThan(100)
      expect(most(fromRedis, 'consigneeCount7d')).toBeGreaterThan(20)
      expect(most(fromRedis, 'iossValueEur7d')).toBeGreaterThan(0)
      expect(fromRedis.some((a) => (a?.sellerCount24h ?? 0) < (a?.sellerCount7d ?? 0))).toBe(true)
    } finally {
      await stores.close()
    }
  })

  // Amendments (buckets.ts): a parcel is counted once whatever its versions, at the value of
  // the newest version counted; an older version arriving after it is not counted.
  it('count an amended parcel once: v1 and v2 add one parcel, at the amended value, ' +
    'an older version after it none', async () => {
    const nowMs = Date.now()
    const stores = await openStores(`${prefix}amend-one:`)
    const FIELDS = [
      'aggregates.sellerCount24h', 'aggregates.sellerValueEur24h', 'aggregates.consigneeCount24h',
      'aggregates.consigneeValueEur7d'
    ]
    const parcel = (id: string, version: number, totalValue: string, minutesAgo: number): ParcelDeclaration => ({
      ...(stream(3, 1, nowMs, false)[0] as ParcelDeclaration),
      declarationId: `${prefix}${id}`,
      version,
      totalValue,
      currency: 'EUR',
      sellerId: 'amended-seller',
      declaredAt: nowMs - minutesAgo * 60_000
    })
    const counters = async (store: ProfileStore, at: number): Promise<AggregatesEnrichment | undefined> =>
      (await store.enrichBatch([parcel(`probe-${at}`, 1, '1.00', 1)], nowMs, FIELDS))[0]?.record.aggregates
    try {
      for (const store of [stores.inRedis, stores.inMemory]) {
        expect(await counters(store, 0)).toMatchObject({ sellerCount24h: 0, consigneeCount24h: 0 })
        await store.enrichBatch([parcel('P', 1, '120.00', 30)], nowMs, FIELDS)
        await store.enrichBatch([parcel('P', 2, '80.00', 20)], nowMs, FIELDS)
        await store.enrichBatch([parcel('P', 1, '120.00', 30)], nowMs, FIELDS)
        await store.enrichBatch([parcel('Q', 2, '10.00', 15), parcel('Q', 1, '500.00', 25)], nowMs, FIELDS)
        // probe-0 (1.00), P once at its amended 80.00, Q once at 10.00: three parcels, not five.
        expect(await counters(store, 1)).toMatchObject({
          sellerCount24h: 3, sellerValueEur24h: 91, consigneeCount24h: 3, consigneeValueEur7d: 91
        })
      }
    } finally {
      await stores.close()
    }
  })

  it('give the same 12 counters on a stream with amendments and late older versions mixed in', async () => {
    const nowMs = Date.now()
    const base = stream(17, 900, nowMs, false, 2)
    const mixed: ParcelDeclaration[] = []
    base.forEach((d, i) => {
      mixed.push(d)
      const earlier = base[i - 3]
      if (earlier !== undefined && i % 5 === 0) {
        mixed.push({ ...earlier, version: 2, totalValue: '12.34', declaredAt: d.declaredAt })
      }
      // Version 1 again, after the version 2 pushed two declarations ago.
      const older = base[i - 5]
      if (older !== undefined && i % 5 === 2) mixed.push(older)
    })
    const stores = await openStores(`${prefix}amend-stream:`)
    try {
      const fromRedis = await aggregatesOf(stores.inRedis.enrichBatch, mixed, nowMs)
      const fromMemory = await aggregatesOf(stores.inMemory.enrichBatch, mixed, nowMs)
      expect(mixed.length - base.length).toBeGreaterThan(340)
      expect(fromMemory).toEqual(fromRedis)
      // Every parcel once: the last one sees every other declarationId of its seller in the window.
      const last = mixed.at(-1) as ParcelDeclaration
      const others = new Set(mixed
        .filter((d) => d.sellerId === last.sellerId && d.declarationId !== last.declarationId)
        .map((d) => d.declarationId))
      expect(fromRedis.at(-1)?.sellerCount7d).toBe(others.size)
    } finally {
      await stores.close()
    }
  })

  // Where the two differ today: the script deletes an entity's hour buckets once they leave
  // the 24 h window of the newest parcel it counted, so a parcel declared more than an hour
  // behind that one finds part of its own 24 h window gone; the in-memory twin keeps every
  // bucket. The 7 d counters, and every counter of the parcels that are not late, agree.
  it('differ only in the 24 h counters of late declarations, where the script counts less', async () => {
    const nowMs = Date.now()
    const declarations = stream(11, 1_500, nowMs, true, 5)
    const stores = await openStores(`${prefix}late:`)
    try {
      const fromRedis = await aggregatesOf(stores.inRedis.enrichBatch, declarations, nowMs)
      const fromMemory = await aggregatesOf(stores.inMemory.enrichBatch, declarations, nowMs)
      expect(fromMemory.map((a) => only(a, '7d'))).toEqual(fromRedis.map((a) => only(a, '7d')))
      const isLate = (i: number): boolean => (declarations[i]?.declaredAt ?? 0) < (declarations[i - 1]?.declaredAt ?? 0)
      const inTime = (answers: typeof fromRedis): typeof fromRedis => answers.filter((_a, i) => !isLate(i))
      expect(inTime(fromMemory)).toEqual(inTime(fromRedis))
      const late = declarations.flatMap((_d, i) => (isLate(i) ? [i] : []))
      expect(late.length).toBeGreaterThan(100)
      const fields = ['consigneeCount24h', 'sellerCount24h', 'iossCount24h'] as const
      for (const i of late) {
        for (const f of fields) expect(fromRedis[i]?.[f] ?? 0).toBeLessThanOrEqual(fromMemory[i]?.[f] ?? 0)
      }
      expect(late.filter((i) => fields.some((f) => fromRedis[i]?.[f] !== fromMemory[i]?.[f])).length)
        .toBeGreaterThan(50)
    } finally {
      await stores.close()
    }
  })
})
