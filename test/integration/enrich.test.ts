// Enrichment against the real Redis (and Kafka for the profile-updates topic): profiles in by
// file and by topic, reference data unknown until loaded (and again when lost or stale),
// exact windowed aggregates, idempotent replays, identity grouping, AEO suspension, and
// degradation while redis-server is stopped.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { down, up } from '../../src/stack/stack.ts'
import { run as profilesCli } from '../../src/cli/profiles.ts'
import { avroType, readSchema } from '../../src/codec/avro-types.ts'
import { createEncoder } from '../../src/codec/encoder.ts'
import { createRegistry } from '../../src/codec/registry.ts'
import { loadConfig } from '../../src/config-load.ts'
import { createKafka } from '../../src/kafka/client.ts'
import type { ParcelDeclaration, ProfileUpdate } from '../../src/declaration.ts'
import { HOUR_MS, QUARTER_MS } from '../../src/enrich/buckets.ts'
import { createIdentityHasher } from '../../src/enrich/normalise.ts'
import { startProfileConsumer, type ProfileConsumer } from '../../src/enrich/profile-consumer.ts'
import { keyLayout } from '../../src/enrich/keys.ts'
import { connectRedisClient, type RedisClient } from '../../src/enrich/redis-client.ts'
import { createRedisProfileStore, type RedisProfileStore } from '../../src/enrich/redis-store.ts'
import { readMarkers, syncKey, writeMarkers } from '../../src/enrich/reference-data.ts'
import { generateDeclarations } from '../../src/generate/stream.ts'
import { createLogger } from '../../src/logger.ts'
import { makeDeclaration } from '../fixtures/declarations/make.ts'
import { NO_PAYLOAD } from '../../src/enrich/profile-write.ts'
import { adminClient, dropKeys, keysMatching, pauseRedis, redisEnv, withRedisEnv } from './redis-admin.ts'

const services = inject('services')
const prefix = `it-enrich-${randomUUID()}:`
const IDENTITY_KEY = 'integration-identity-key'
const log = createLogger({ level: 'silent' })
// Short bounds so the outage tests run in seconds.
const config = loadConfig({
  env: {
    KAFKA_BROKERS: services.kafkaBrokers,
    SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
    ...redisEnv(services),
    PARCEL_RISK_REDIS_KEY_PREFIX: prefix,
    PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '300',
    PARCEL_RISK_REDIS_BREAKER_FAILURE_THRESHOLD: '2',
    PARCEL_RISK_REDIS_BREAKER_COOLDOWN_MS: '300',
    PARCEL_RISK_REDIS_CACHE_TTL_MS: '60000'
  }
})
const admin = adminClient(services)
// Key names as the Redis the suite was given lays them out: one server's, or a cluster's (keys.ts).
const cluster = services.redisClusterNodes !== undefined
const keys = keyLayout(prefix, cluster)
// A batch that counts aggregates makes one round trip on one server, two on a cluster (the
// per-entity step of the counting, cluster-aggregates.ts).
const aggregateTrips = cluster ? 2 : 1
const kafka = new Kafka({
  clientId: 'it-enrich', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.NOTHING
})
const DAY = 24 * HOUR_MS
/** `parcel-risk profiles`, pointed at the suite's Redis (its seed nodes on a cluster). */
const profiles = async (argv: string[], io: Parameters<typeof profilesCli>[1]): Promise<number> =>
  await withRedisEnv(services, async () => await profilesCli(argv, io))

const update = (u: Partial<ProfileUpdate> & Pick<ProfileUpdate, 'kind'>): ProfileUpdate =>
  ({ updatedAt: Date.now(), sourceSystem: 'it', ...NO_PAYLOAD, ...u })

const aeoUpdate = (status: 'ACTIVE' | 'SUSPENDED', updatedAt: number): ProfileUpdate => update({
  kind: 'AEO', updatedAt,
  aeo: {
    id: 'CN9988776655',
    idScheme: 'TIN',
    operatorName: 'Shenzhen Example Trading Co Ltd',
    programme: 'AEOS',
    status,
    authorisedAt: updatedAt - 400 * DAY,
    suspendedAt: status === 'SUSPENDED' ? updatedAt : null,
    issuingCountry: 'CN',
    mraPartners: ['EU']
  }
})

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('enrich > redis', () => {
  let redis: RedisClient
  let store: RedisProfileStore
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason)
  }

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled)
    await admin.connect()
    // The client's own per-command bound sits above the store's budgets, as in the processor.
    redis = await connectRedisClient(config.redis, log, 2_000)
    store = createRedisProfileStore(redis, {
      ...config.redis, identityKey: IDENTITY_KEY, maxAgesMs: config.referenceData.maxAgeMs
    }, { log })
  })

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    redis.disconnect()
    await dropKeys(admin, prefix).catch(() => undefined)
    admin.disconnect()
  })

  const loadedFields = [
    'seller.riskTier', 'seller.ageDays', 'seller.knownConsignor', 'ioss.registered', 'ioss.boundToSeller',
    'watchlist.sellerHit', 'watchlist.consigneeHit', 'watchlist.matchScore'
  ]
  const loadedDeclaration = (): ParcelDeclaration =>
    makeDeclaration({ sellerId: 'it-seller-1', iossNumber: 'IM2769999999', declaredAt: Date.now() })

  it('reports data sets that were never loaded as missing, not as empty', async () => {
    const [r] = await store.enrichBatch([loadedDeclaration()], Date.now(), loadedFields)
    expect(r?.status).toBe('DEGRADED')
    expect(r?.missing).toEqual(['seller', 'watchlist', 'ioss'])
    // Not "no profile", not "not registered", not "no hit": nothing at all.
    expect(r?.record).toEqual({})
  })

  it('reads back profiles loaded from NDJSON and CSV files by `profiles load`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-profiles-'))
    const ndjson = join(dir, 'profiles.ndjson')
    writeFileSync(ndjson, [
      update({
        kind: 'SELLER',
        seller: {
          sellerId: 'it-seller-1', platformId: null, country: 'CN', firstSeenAt: Date.now() - 3 * DAY,
          knownConsignor: true, violationCount: 0, lastViolationAt: null, flags: [], attributes: {}
        }
      }),
      update({
        kind: 'IOSS',
        iossRegistry: { iossNumber: 'IM2769999999', valid: true, sellerId: 'it-seller-1', platformId: null }
      })
    ].map((u) => JSON.stringify(u)).join('\n'))
    const csv = join(dir, 'watchlist.csv')
    writeFileSync(csv, 'listId,entityType,value,reason\ndnl-parties,PARTY_NAME,"MUSTERMANN, ERIKA",intel-1\n')
    const out: string[] = []
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } }
    expect(await profiles(['load', ndjson, csv, '--redis', services.redisUrl, '--prefix', prefix], io)).toBe(0)
    expect(out.join('')).toMatch(/2 updates \(SELLER 1, IOSS 1\) → applied 2/)
    expect(out.join('')).toMatch(/marked loaded: seller \(1\), ioss \(1\), watchlist \(1\)/)
    const markers = await readMarkers(admin, prefix)
    expect(markers.get('ioss')).toMatchObject({ source: 'profiles.ndjson', entries: 1 })
    expect(markers.get('watchlist')).toMatchObject({ source: 'watchlist.csv', entries: 1 })
    expect(Date.now() - (markers.get('seller')?.loadedAt ?? 0)).toBeLessThan(60_000)

    const [r] = await store.enrichBatch([loadedDeclaration()], Date.now(), loadedFields)
    expect(r?.status).toBe('OK')
    expect(r?.record.seller).toMatchObject({ riskTier: 'LOW', ageDays: 3, knownConsignor: true })
    expect(r?.record.ioss).toEqual({ registered: true, boundToSeller: true })
    expect(r?.record.watchlist).toEqual({
      sellerHit: false, consigneeHit: true, sellerMatchScore: 0, consigneeMatchScore: 1, matchScore: 1
    })
  })

  it('warms the read path at start-up: nothing counted, nothing written, the cache emptied', async () => {
    const fields = [...loadedFields, 'aggregates.sellerCount24h']
    const live = (sellerId: string): ParcelDeclaration => makeDeclaration({
      sellerId, declarationId: `${prefix}${randomUUID()}`, declaredAt: Date.now()
    })
    const seller = `${prefix}warm-seller`
    const late = `${prefix}warm-late`
    const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-profiles-'))
    const loadSeller = async (sellerId: string): Promise<void> => {
      const ndjson = join(dir, `${sellerId === seller ? 'seller' : 'late'}.ndjson`)
      writeFileSync(ndjson, JSON.stringify(update({
        kind: 'SELLER',
        seller: {
          sellerId, platformId: null, country: 'CN', firstSeenAt: Date.now() - 3 * DAY,
          knownConsignor: true, violationCount: 0, lastViolationAt: null, flags: [], attributes: {}
        }
      })))
      const io = { stdout: { write: () => {} }, stderr: { write: () => {} } }
      expect(await profiles(['load', ndjson, '--redis', services.redisUrl, '--prefix', prefix], io)).toBe(0)
    }
    // Sellers are a loaded data set from here on, so an absent profile is known to be absent.
    await loadSeller(seller)
    const [first] = await store.enrichBatch([live(seller)], Date.now(), fields)
    const counted = first?.record.aggregates?.sellerCount24h as number
    const snapshot = async (): Promise<Array<[string, Buffer | null]>> => {
      const names = [...await keysMatching(admin, `${prefix}*`), ...await keysMatching(admin, `{${prefix}}*`)].sort()
      return await Promise.all(names.map(async (k): Promise<[string, Buffer | null]> => [k, await admin.dumpBuffer(k)]))
    }
    const before = await snapshot()
    const trips = store.roundTrips()
    // Five parcels of a seller with counters, one of a seller without a profile: 3 chunks of 2.
    await store.warm([...Array.from({ length: 5 }, () => live(seller)), live(late)], fields, 2)
    expect(store.roundTrips() - trips).toBe(1 + 3 * aggregateTrips)
    expect(await snapshot()).toEqual(before)
    // The next live parcel sees the first one counted, none of the warm-up's.
    const [next] = await store.enrichBatch([live(seller)], Date.now(), fields)
    expect(next?.record.aggregates?.sellerCount24h).toBe(counted + 1)
    // The warm-up read `late` as unknown; a profile loaded since is seen at once: not cached.
    await loadSeller(late)
    const [seen] = await store.enrichBatch([live(late)], Date.now(), fields)
    expect(seen?.record.seller).toMatchObject({ knownConsignor: true })
  })

  it('`profiles status` exits 1 naming what the ruleset reads and is missing; ' +
    '`--partial` leaves marks alone, `--empty` sets them', async () => {
    const out: string[] = []
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } }
    const status = async (...extra: string[]): Promise<number> => {
      out.length = 0
      return await profiles(
        ['status', '--redis', services.redisUrl, '--prefix', prefix, '--rules', 'rules/eu-lvc', ...extra], io
      )
    }
    expect(await status()).toBe(1)
    expect(out.join('')).toMatch(/^ioss +yes +fresh +1 /m)
    expect(out.join('')).toMatch(/^aeo +yes +missing +- /m)
    expect(out.join('')).toContain('not usable for rules/eu-lvc: aeo (missing), consignee (missing)')
    expect(await status('--json')).toBe(1)
    const json = JSON.parse(out.join('')) as {
      ok: boolean, dataSets: Array<{ dataSet: string, state: string, read: boolean }>
    }
    expect(json.ok).toBe(false)
    expect(json.dataSets.filter((d) => d.read && d.state !== 'fresh').map((d) => d.dataSet))
      .toEqual(['aeo', 'consignee'])
    // Listed, never loaded, but not read by the ruleset: they do not make the status fail.
    const unread = json.dataSets.filter((d) => !d.read)
    expect(unread.map((d) => `${d.dataSet} ${d.state}`)).toEqual(['hsCode missing', 'route missing'])

    const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-profiles-'))
    const change = join(dir, 'ioss-change.ndjson')
    writeFileSync(change, JSON.stringify(update({
      kind: 'IOSS',
      iossRegistry: { iossNumber: 'IM2760000001', valid: true, sellerId: 'it-seller-2', platformId: null }
    })))
    const before = (await readMarkers(admin, prefix)).get('ioss')
    const redisArgs = ['--redis', services.redisUrl, '--prefix', prefix]
    expect(await profiles(['load', change, ...redisArgs, '--partial'], io)).toBe(0)
    expect((await readMarkers(admin, prefix)).get('ioss')).toEqual(before)
    expect(await profiles(['load', ...redisArgs, '--empty', 'aeo,consignee'], io)).toBe(0)
    expect((await readMarkers(admin, prefix)).get('consignee')).toMatchObject({ source: 'empty', entries: 0 })
    expect(await status()).toBe(0)
    expect(await profiles(['load', ...redisArgs, '--empty', 'iosss'], io)).toBe(2)
  })

  it('treats a data set whose marker is gone (Redis lost it) as unknown at once, cached lookups included', async () => {
    // As in the processor, the batch goes to Redis (the aggregates), and the markers with it.
    const sellerOnly = ['seller.riskTier', 'ioss.registered', 'aggregates.sellerCount24h']
    const [before] = await store.enrichBatch([loadedDeclaration()], Date.now(), sellerOnly)
    expect(before?.record.ioss).toEqual({ registered: true, boundToSeller: true })
    const saved = await admin.hget(syncKey(prefix), 'ioss')
    await admin.hdel(syncKey(prefix), 'ioss')
    try {
      // The IOSS entry is in the in-process cache (TTL 60 s); the markers come with the batch.
      const [after] = await store.enrichBatch([loadedDeclaration()], Date.now(), sellerOnly)
      expect(after?.missing).toEqual(['ioss'])
      expect(after?.record.ioss).toBeUndefined()
      expect(after?.record.seller?.riskTier).toBe('LOW')
    } finally {
      await admin.hset(syncKey(prefix), 'ioss', saved ?? '')
    }
    const [again] = await store.enrichBatch([loadedDeclaration()], Date.now(), sellerOnly)
    expect(again?.status).toBe('OK')
  })

  it('treats a data set whose last complete load is older than its limit as unknown', async () => {
    const stalePrefix = `${prefix}stale:`
    const strict = createRedisProfileStore(redis, {
      ...config.redis,
      keyPrefix: stalePrefix,
      identityKey: IDENTITY_KEY,
      maxAgesMs: { ...config.referenceData.maxAgeMs, ioss: 60_000 }
    }, { log })
    const iossKey = keyLayout(stalePrefix, cluster).ioss('IM2769999999')
    await admin.hset(iossKey, 'updatedAt', '1', 'valid', '1', 'sellerId', 'it-seller-1', 'platformId', '')
    const d = makeDeclaration({ sellerId: 'it-seller-1', iossNumber: 'IM2769999999', declaredAt: Date.now() })
    const mark = { loadedAt: Date.now() - 59_000, source: 'ioss.ndjson', entries: 1 }
    await writeMarkers(admin, stalePrefix, new Map([['ioss', mark]]))
    const enriched = await strict.enrichBatch([d], Date.now(), ['ioss.registered'])
    expect(enriched[0]?.record.ioss).toEqual({ registered: true, boundToSeller: true })
    // Two seconds later the same load is 61 s old: over the limit.
    const [stale] = await strict.enrichBatch([d], Date.now() + 2_000, ['ioss.registered'])
    expect(stale?.status).toBe('DEGRADED')
    expect(stale?.missing).toEqual(['ioss'])
    expect(stale?.record.ioss).toBeUndefined()
  })

  describe('profile-updates topic', () => {
    const topic = `it-profile-updates-${randomUUID()}`
    let kadmin: Admin
    let producer: Producer
    let consumer: ProfileConsumer

    beforeAll(async () => {
      kadmin = kafka.admin()
      producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
      await Promise.all([kadmin.connect(), producer.connect()])
      await kadmin.createTopics({
        topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
        waitForLeaders: true
      })
      consumer = await startProfileConsumer(
        { topic, groupId: `it-enrich-${randomUUID()}`, keyPrefix: prefix, maxRecordBytes: 1 << 20 },
        {
          kafka: createKafka(config.kafka, log), registry: createRegistry(config.registry), redis, log,
          onApplied: (keys) => { for (const k of keys) store.invalidate(k) }
        })
    })

    afterAll(async () => {
      await consumer.stop()
      await producer.disconnect()
      await kadmin.deleteTopics({ topics: [topic] }).catch(() => undefined)
      await kadmin.disconnect()
    })

    const sendJson = async (key: string, u: ProfileUpdate | null): Promise<void> => {
      const value = u === null ? null : Buffer.from(JSON.stringify(u))
      await producer.send({ topic, messages: [{ key, value, headers: { 'content-type': 'application/json' } }] })
    }
    const declaration = (): ParcelDeclaration => makeDeclaration({ aeoCertRef: 'CN9988776655', declaredAt: Date.now() })
    const aeoOf = async () =>
      (await store.enrichBatch([declaration()], Date.now(), ['seller.aeo.status']))[0]?.record.seller?.aeo

    it('applies an Avro AEO record, then its suspension, ' +
      'and the next enrichment no longer shows an active AEO', async () => {
      const schema = readSchema('ProfileUpdate')
      const id = await createRegistry(config.registry).register(`${topic}-value`, schema)
      const encoded = createEncoder<ProfileUpdate>(avroType(schema), id).encode(aeoUpdate('ACTIVE', Date.now() - 1_000))
      if (!encoded.ok) throw encoded.error
      await producer.send({ topic, messages: [{ key: 'aeo:CN9988776655', value: encoded.value }] })
      // The first record waits for the consumer's first group join. On the three-broker stack,
      // right after the leader-kill suite moved the coordinators, that join once took ~20 s
      // (the next test, which needs the record read, passed at once after it): 45 s for it.
      const active = await waitFor('active AEO', async () => {
        const a = await aeoOf()
        return a?.status === 'ACTIVE' ? a : undefined
      }, 45_000)
      expect(active).toEqual({
        programme: 'AEOS', status: 'ACTIVE', mraApplicable: true, stale: false, matchesSeller: true
      })

      await sendJson('aeo:CN9988776655', aeoUpdate('SUSPENDED', Date.now()))
      const suspended = await waitFor('suspended AEO', async () => {
        const a = await aeoOf()
        return a?.status === 'SUSPENDED' ? a : undefined
      })
      expect(suspended?.status).toBe('SUSPENDED')
      // An older ACTIVE update arriving late does not undo the suspension.
      await sendJson('aeo:CN9988776655', aeoUpdate('ACTIVE', Date.now() - 60_000))
      await sendJson('seller:it-marker', update({
        kind: 'SELLER',
        seller: {
          sellerId: 'it-marker', platformId: null, country: null, firstSeenAt: 0, knownConsignor: false,
          violationCount: 0, lastViolationAt: null, flags: [], attributes: {}
        }
      }))
      await waitFor('marker', async () => (await admin.exists(keys.seller('it-marker'))) === 1 ? true : undefined)
      expect((await aeoOf())?.status).toBe('SUSPENDED')
    }, 90_000)

    it('marks the data sets the topic carried as loaded once the group has read it to the end', async () => {
      const marked = await waitFor('topic marks', async () =>
        (await readMarkers(admin, prefix)).get('aeo')?.source === `topic:${topic}` ? true : undefined)
      expect(marked).toBe(true)
      const before = (await readMarkers(admin, prefix)).get('aeo')?.loadedAt ?? 0
      // Caught up: a check renews the marks; the IOSS registry came from a file and keeps its mark.
      expect(await consumer.mark()).toBe(true)
      const after = await readMarkers(admin, prefix)
      expect(after.get('aeo')?.loadedAt).toBeGreaterThanOrEqual(before)
      expect(after.get('ioss')?.source).toBe('profiles.ndjson')
    })

    it('adds a watchlist entry and removes it again by tombstone', async () => {
      const entry = update({
        kind: 'WATCHLIST',
        watchlist: {
          listId: 'dnl-sellers', op: 'ADD', entityType: 'SELLER_ID', value: 'seller-000042',
          reason: null, expiresAt: null
        }
      })
      const hit = async () => {
        const d = makeDeclaration({ declaredAt: Date.now() })
        return (await store.enrichBatch([d], Date.now(), ['watchlist.sellerHit']))[0]?.record.watchlist?.sellerHit
      }
      await sendJson('watchlist:dnl-sellers:SELLER_ID:SELLER000042', entry)
      // The watchlist is known (not missing) once the group has read the topic to its end and
      // marked the data sets it carried: until then a lookup answers nothing, never "not listed".
      const listed = await waitFor('listed', async () => {
        await consumer.mark()
        return (await hit()) === true ? true : undefined
      })
      expect(listed).toBe(true)
      await sendJson('watchlist:dnl-sellers:SELLER_ID:SELLER000042', null)
      expect(await waitFor('unlisted', async () => (await hit()) === false ? false : undefined)).toBe(false)
    })
  })

  it('keeps exact 24 h and 7 d aggregates on a generated stream, unchanged by a replay, ' +
    'in one round trip per batch (two on a cluster)', async () => {
    // Six days back: a parcel whose buckets would already have expired (older than 7 d) is
    // read but never counted, which a stream of live traffic never meets.
    // Hour-aligned, so the last hour of the stream always holds several parcels (4), whatever
    // the clock says when the test runs.
    const start = Math.floor((Date.now() - 6 * DAY) / HOUR_MS) * HOUR_MS
    const recurring = makeDeclaration({
      consignee: {
        name: 'Jürgen Müller', address: { street: 'Hauptstraße 5', city: 'Köln', postcode: '50667', country: 'DE' }
      }
    }).consignee
    const variant = {
      ...recurring, name: 'MULLER, Jurgen', address: { ...recurring.address, street: 'Hauptstr. 5', city: 'KOLN' }
    }
    const generated = [...take(generateDeclarations({ seed: 7, startMs: start }), 600)].map((g, i) => ({
      ...g.declaration,
      declarationId: `${prefix}${g.declaration.declarationId}`,
      // Spread over 6 days so both windows matter; one consignee recurs, spelled two ways.
      declaredAt: start + Math.floor(i * (6 * DAY) / 600),
      consignee: i % 14 === 0 ? variant : i % 7 === 0 ? recurring : g.declaration.consignee,
      sellerId: `s${i % 5}`
    }))
    const hash = createIdentityHasher(IDENTITY_KEY)
    const identity = new Map(generated.map((d) => [d, hash(d.consignee)]))
    const expected = (d: ParcelDeclaration, counted: readonly ParcelDeclaration[]): [number, number] => {
      const h = Math.floor(d.declaredAt / HOUR_MS)
      const q = Math.floor(d.declaredAt / QUARTER_MS)
      const id = identity.get(d)
      let c24 = 0
      let c7 = 0
      for (const o of counted) {
        if (o === d || identity.get(o) !== id) continue
        const oh = Math.floor(o.declaredAt / HOUR_MS)
        const oq = Math.floor(o.declaredAt / QUARTER_MS)
        if (oh <= h && oh > h - 24) c24++
        if (oq <= q && oq > q - 28) c7++
      }
      return [c24, c7]
    }
    const fields = ['aggregates.consigneeCount24h', 'aggregates.consigneeCount7d', 'aggregates.sellerCount7d']
    const runAll = async (): Promise<Array<[number, number]>> => {
      const out: Array<[number, number]> = []
      for (let i = 0; i < generated.length; i += 50) {
        const before = store.roundTrips()
        const results = await store.enrichBatch(generated.slice(i, i + 50), Date.now(), fields)
        expect(store.roundTrips() - before).toBe(aggregateTrips)
        for (const r of results) {
          out.push([r.record.aggregates?.consigneeCount24h ?? -1, r.record.aggregates?.consigneeCount7d ?? -1])
        }
      }
      return out
    }
    const first = await runAll()
    expect(first).toEqual(generated.map((d, i) => expected(d, generated.slice(0, i + 1))))
    expect(Math.max(...first.map(([, c7]) => c7))).toBeGreaterThan(10)
    // A replay counts nothing twice: every counter hash is exactly what it was. Its readings
    // are the first pass's answers, not the final counts (which include the later parcels).
    const snapshot = async (): Promise<Record<string, Record<string, string>>> => {
      const out: Record<string, Record<string, string>> = {}
      for (const key of (await keysMatching(admin, `${keys.aggregatePrefix}agg:*`)).sort()) {
        out[key] = await admin.hgetall(key)
      }
      return out
    }
    const before = await snapshot()
    // Hour buckets that left the 24 h window are gone, also for kinds no rule reads (IOSS here).
    expect(Object.keys(before).some((key) => key.startsWith(`${keys.aggregatePrefix}agg:i:`))).toBe(true)
    for (const [key, hash] of Object.entries(before)) {
      const hours = Object.keys(hash).map(Number).filter((f) => f % 4 < 2).map((f) => Math.floor(f / 4))
      expect(Math.max(...hours) - Math.min(...hours), key).toBeLessThan(24)
    }
    // Every counter hash and answers hash expires, within 7 d + one bucket of its newest parcel.
    const answerKeys = await keysMatching(admin, `${keys.aggregatePrefix}answers:*`)
    expect(answerKeys.length).toBeGreaterThan(0)
    for (const key of [...Object.keys(before), ...answerKeys]) {
      const ttl = await admin.pttl(key)
      expect(ttl, key).toBeGreaterThan(0)
      expect(ttl, key).toBeLessThanOrEqual(7 * DAY + 2 * QUARTER_MS)
    }
    const replay = await runAll()
    expect(await snapshot()).toEqual(before)
    expect(replay).toEqual(first)
    // The final counts differ from the first answers, so the equality above is not vacuous.
    const final = generated.map((d) => expected(d, generated))
    expect(final.filter(([, c7], i) => c7 !== first[i]?.[1]).length).toBeGreaterThan(10)
    // The recurring consignee and its spelling variants are one identity.
    expect(new Set(generated.filter((_d, i) => i % 7 === 0).map((d) => hash(d.consignee))).size).toBe(1)
  })

  const fields = ['aggregates.consigneeCount24h', 'seller.riskTier']
  const outageDeclaration = (name: string) => (id: string): ParcelDeclaration =>
    makeDeclaration({
      declarationId: `${prefix}${name}-${id}`, declaredAt: Date.now(), consignee: { name: `${name} Tester` }
    })
  // A one-record round trip's budget is 300 ms + 0.5 ms; a timeout is retried with twice that.
  const expectDegradedWithinTimeout = async (d: (id: string) => ParcelDeclaration): Promise<void> => {
    for (let i = 1; i <= 4; i++) {
      const started = performance.now()
      const [r] = await store.enrichBatch([d(String(i))], Date.now(), fields)
      expect(performance.now() - started).toBeLessThan(3 * 301 + 150)
      expect(r?.status).toBe('DEGRADED')
      expect(r?.missing).toEqual(['aggregates', 'amendments'])
    }
    expect(store.breakerState()).toBe('open')
    expect(store.pendingCatchUp()).toBe(4)
  }

  it('answers a round trip that overran its budget by sending it once more: OK, counted once, ' +
    'breaker closed', async () => {
    const d = outageDeclaration('Slow')
    expect((await store.enrichBatch([d('0')], Date.now(), fields))[0]?.status).toBe('OK')
    // Redis answers nothing for 450 ms: the first send overruns its 301 ms budget, the second
    // (602 ms) gets the answer. Both reach Redis; the parcel is counted once.
    await pauseRedis(admin, 450)
    const sent = store.roundTrips()
    const [slow] = await store.enrichBatch([d('1')], Date.now(), fields)
    // The first send and its retry (then, on a cluster, the per-entity step).
    expect(store.roundTrips() - sent).toBe(1 + aggregateTrips)
    expect(slow?.status).toBe('OK')
    expect(slow?.record.aggregates?.consigneeCount24h).toBe(1)
    expect(store.breakerState()).toBe('closed')
    const [next] = await store.enrichBatch([d('2')], Date.now(), fields)
    expect(next?.record.aggregates?.consigneeCount24h).toBe(2)
  })

  it('degrades within the timeout while Redis does not answer (CLIENT PAUSE) and catches up ' +
    'without counting twice', async () => {
    const d = outageDeclaration('Pause')
    expect((await store.enrichBatch([d('0')], Date.now(), fields))[0]?.status).toBe('OK')
    // Requests sent before the breaker opened still run once the pause ends; the catch-up
    // sends them again, and the answers hashes keep them from counting twice. The pause
    // outlasts two batches' first sends and retries (2 × 903 ms), so the breaker opens.
    await pauseRedis(admin, 4000)
    await expectDegradedWithinTimeout(d)
    const [recovered] = await waitFor('recovery', async () => {
      const results = await store.enrichBatch([d('5')], Date.now(), fields)
      return results[0]?.status === 'OK' ? results : undefined
    })
    expect(store.pendingCatchUp()).toBe(0)
    expect(recovered?.record.aggregates?.consigneeCount24h).toBe(5)
  })

  it('degrades within the timeout while redis-server is stopped and recovers by itself, ' +
    'counting the missed parcels', async () => {
    // Only where the test run controls Redis (the local stack); elsewhere the pause test above covers degradation.
    if (!services.redisControllable) return
    const d = outageDeclaration('Outage')
    expect((await store.enrichBatch([d('0')], Date.now(), fields))[0]?.status).toBe('OK')
    try {
      await down(['redis'])
      await expectDegradedWithinTimeout(d)
    } finally {
      await up(['redis'])
    }
    const [recovered] = await waitFor('recovery', async () => {
      const results = await store.enrichBatch([d('5')], Date.now(), fields)
      return results[0]?.status === 'OK' ? results : undefined
    })
    expect(store.breakerState()).toBe('closed')
    expect(store.pendingCatchUp()).toBe(0)
    // Redis kept its data across the restart (append-only file): the parcel counted before the
    // outage and the 4 caught up; the profiles and their markers are still there.
    expect(recovered?.record.aggregates?.consigneeCount24h).toBe(5)
    expect(recovered?.record.seller?.riskTier).toBe('UNKNOWN')
    expect((await readMarkers(admin, prefix)).get('ioss')?.source).toBe('profiles.ndjson')
    expect(unhandled).toEqual([])
  })
})

function * take<T> (items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return
  for (const item of items) {
    yield item
    if (--n <= 0) return
  }
}
