// The enrichment store on a Redis Cluster (three primaries, three replicas): profiles written
// through the profile writer land under the cluster layout on several primaries; one batch's
// round trip reads them with one pipeline per primary touched and gives every declaration its
// own profile back (replies merged in order), with the aggregates and the history of the
// same batch (the aggregates' per-entity step a second round trip); a script flushed from
// every node (as on a replica promoted after a failover) is loaded again without the batch
// noticing.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { run as profilesCli } from '../../src/cli/profiles.ts'
import { loadConfig } from '../../src/config-load.ts'
import type { ProfileUpdate } from '../../src/declaration.ts'
import { keyLayout } from '../../src/enrich/keys.ts'
import { pipelineFor, slotOf } from '../../src/enrich/node-pipelines.ts'
import { NO_PAYLOAD } from '../../src/enrich/profile-write.ts'
import { connectRedisClient, isCluster, type RedisClient } from '../../src/enrich/redis-client.ts'
import { createRedisProfileStore, type RedisProfileStore } from '../../src/enrich/redis-store.ts'
import { createProfileWriter } from '../../src/enrich/redis-writer.ts'
import { writeMarkers } from '../../src/enrich/reference-data.ts'
import { writeFor } from '../../src/enrich/profile-write.ts'
import { createLogger } from '../../src/logger.ts'
import { makeDeclaration } from '../fixtures/declarations/make.ts'
import { adminClient, dropKeys, redisEnv, withRedisEnv } from '../integration/redis-admin.ts'

const services = inject('services')
const prefix = `it-rc-${randomUUID()}:`
const log = createLogger({ level: 'silent' })
const config = loadConfig({
  env: { ...redisEnv(services), PARCEL_RISK_REDIS_KEY_PREFIX: prefix, PARCEL_RISK_REDIS_COMMAND_TIMEOUT_MS: '2000' }
})
const admin = adminClient(services) as Cluster
const keys = keyLayout(prefix, true)
const DAY = 86_400_000
const SELLERS = Array.from({ length: 12 }, (_v, i) => `rc-seller-${i}`)
const FIELDS = [
  'seller.knownConsignor', 'seller.ageDays', 'aggregates.sellerCount24h', 'aggregates.consigneeCount24h'
]

const sellerUpdate = (sellerId: string, i: number): ProfileUpdate => ({
  kind: 'SELLER',
  updatedAt: Date.now(),
  sourceSystem: 'it',
  ...NO_PAYLOAD,
  seller: {
    sellerId, platformId: null, country: 'CN', firstSeenAt: Date.now() - (i + 1) * DAY,
    knownConsignor: i % 2 === 0, violationCount: 0, lastViolationAt: null, flags: [], attributes: {}
  }
})

/** The primary (host:port) that owns a key's slot. */
const primaryOf = (key: string): string => admin.slots[slotOf(key)]?.[0] ?? 'unknown'

describe('enrich > redis cluster', () => {
  let redis: RedisClient
  let store: RedisProfileStore

  beforeAll(async () => {
    await admin.connect()
    redis = await connectRedisClient(config.redis, log, 5_000)
    store = createRedisProfileStore(redis, {
      ...config.redis, identityKey: 'integration-identity-key', maxAgesMs: config.referenceData.maxAgeMs
    }, { log })
    const writer = createProfileWriter(redis, prefix)
    const counts = await writer.write(SELLERS.map((id, i) => writeFor(sellerUpdate(id, i), keys))
      .filter((w) => w !== undefined))
    expect(counts).toEqual({ applied: SELLERS.length, stale: 0, deleted: 0 })
    await writeMarkers(redis, prefix, new Map([['seller', { loadedAt: Date.now(), source: 'it', entries: 12 }]]))
  })

  afterAll(async () => {
    redis.disconnect()
    await dropKeys(admin, prefix)
    admin.disconnect()
  })

  it('connects as a cluster and writes each seller under its own hash tag, over several primaries', async () => {
    expect(isCluster(redis)).toBe(true)
    for (const id of SELLERS) expect(await admin.hget(`${prefix}seller:{${id}}`, 'knownConsignor')).not.toBeNull()
    expect(new Set(SELLERS.map((id) => primaryOf(keys.seller(id)))).size).toBeGreaterThan(1)
  })

  it('sends one pipeline per primary a batch touches and gives the replies back in the order asked', async () => {
    const cluster = redis as Cluster
    const made = { count: 0 }
    const pipeline = cluster.pipeline.bind(cluster)
    cluster.pipeline = (...args: Parameters<Cluster['pipeline']>) => {
      made.count++
      return pipeline(...args)
    }
    try {
      const p = pipelineFor<ReturnType<Cluster['pipeline']>>(cluster)
      for (const id of SELLERS) p.hget(keys.seller(id), 'firstSeenAt')
      const replies = await p.exec()
      expect(made.count).toBe(new Set(SELLERS.map((id) => primaryOf(keys.seller(id)))).size)
      const direct = await Promise.all(SELLERS.map(async (id) => await admin.hget(keys.seller(id), 'firstSeenAt')))
      expect(replies?.map(([err, v]) => [err, v])).toEqual(direct.map((v) => [null, v]))
    } finally {
      cluster.pipeline = pipeline
    }
  })

  it('answers each declaration of a batch from its own seller, with aggregates and history, in two round trips',
    async () => {
    const nowMs = Date.now()
    const batch = SELLERS.map((sellerId, i) =>
      makeDeclaration({ declarationId: `${prefix}D${i}`, sellerId, declaredAt: nowMs - 1_000 }))
    const before = store.roundTrips()
    const results = await store.enrichBatch(batch, nowMs, FIELDS)
    // The reads with the aggregates' decisions, then the per-entity step (cluster-aggregates.ts).
    expect(store.roundTrips() - before).toBe(2)
    expect(results.map((r) => r.status)).toEqual(SELLERS.map(() => 'OK'))
    expect(results.map((r) => r.record.seller?.knownConsignor)).toEqual(SELLERS.map((_id, i) => i % 2 === 0))
    expect(results.map((r) => r.record.seller?.ageDays)).toEqual(SELLERS.map((_id, i) => i + 1))
    // The counters a parcel reads leave the parcel itself out: none before it.
    expect(results.map((r) => r.record.aggregates?.sellerCount24h)).toEqual(SELLERS.map(() => 0))
    expect(results.map((r) => r.history)).toEqual(SELLERS.map(() => null))
    // The same parcels again (a redelivery): their first answers, nothing counted twice.
    const again = await store.enrichBatch(batch, nowMs, FIELDS)
    expect(again.map((r) => r.record.aggregates?.sellerCount24h)).toEqual(SELLERS.map(() => 0))
    // A second parcel per seller finds the first counted.
    const next = batch.map((d, i) => ({ ...d, declarationId: `${prefix}E${i}` }))
    const counted = await store.enrichBatch(next, nowMs, FIELDS)
    expect(counted.map((r) => r.record.aggregates?.sellerCount24h)).toEqual(SELLERS.map(() => 1))
    // The counters are tagged by their entity (aggregates.test.ts shows them spread).
    expect(await admin.exists(`${prefix}agg:s:{${SELLERS[0] as string}}`)).toBe(1)
  })

  it('keeps the decisions and reads them back as the standing ones', async () => {
    const nowMs = Date.now()
    const d = makeDeclaration({ declarationId: `${prefix}H1`, sellerId: SELLERS[1] as string, declaredAt: nowMs })
    const [first] = await store.enrichBatch([d], nowMs, FIELDS)
    expect(first?.history).toBeNull()
    await store.remember([{
      declarationId: d.declarationId, version: d.version, decision: 'HOLD', action: 'SCREEN_NII', score: 80,
      reasons: [], gates: [], errors: [], randomSelection: false,
      ruleset: { id: 'eu-lvc', version: '1', digest: 'ab'.repeat(32) }, enrichment: { status: 'OK', missing: [] },
      rejections: [], timings: { receivedAt: 0, decidedAt: 0, latencyMicros: 0 }, inputDigest: ''
    }], [d])
    const [second] = await store.enrichBatch([d], nowMs, FIELDS)
    expect(second?.history).toMatchObject({ current: { version: d.version, action: 'SCREEN_NII' }, previous: null })
    expect(await admin.hexists(`${prefix}history:{${d.declarationId}}`, 'cur')).toBe(1)
  })

  it('loads profile files into the cluster with `profiles load`, under the cluster layout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-rc-'))
    const file = join(dir, 'sellers.ndjson')
    writeFileSync(file, `${JSON.stringify(sellerUpdate('rc-loaded', 3))}\n`)
    const out: string[] = []
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } }
    const load = async (): Promise<number> => await profilesCli(['load', file, '--prefix', prefix, '--partial'], io)
    expect(await withRedisEnv(services, load)).toBe(0)
    expect(out.join('')).toMatch(/1 updates \(SELLER 1\) → applied 1/)
    expect(await admin.hget(`${prefix}seller:{rc-loaded}`, 'knownConsignor')).toBe('0')
  })

  it('loads the scripts again on a node that lost them (NOSCRIPT), as on a replica promoted after a failover',
    async () => {
      await Promise.all(admin.nodes('master').map(async (node) => await node.script('FLUSH')))
      const nowMs = Date.now()
      const sellerId = SELLERS[2] as string
      const d = makeDeclaration({ declarationId: `${prefix}N1`, sellerId, declaredAt: nowMs })
      const [r] = await store.enrichBatch([d], nowMs, FIELDS)
      // D2 and E2 before it, and it was counted: the next one finds three.
      expect([r?.status, r?.record.aggregates?.sellerCount24h]).toEqual(['OK', 2])
      const e = makeDeclaration({ declarationId: `${prefix}N2`, sellerId, declaredAt: nowMs })
      const [after] = await store.enrichBatch([e], nowMs, FIELDS)
      expect(after?.record.aggregates?.sellerCount24h).toBe(3)
      expect(store.breakerState()).toBe('closed')
    })
})
