// The Redis-backed ProfileStore. Per batch, ONE pipeline (one network round trip) carries:
//   HMGET per distinct seller / AEO / consignee / IOSS key not in the local cache (only the
//   families some rule reads), one HMGET of the watchlist index for every uncached party
//   value, and one EVALSHA of the aggregate script (buckets.ts) with every declaration of the
//   batch, which counts and reads the windowed counters atomically.
// Slow-changing families (seller, AEO, IOSS, watchlist) are cached in-process (lru.ts);
// consignee profiles and aggregates never are.
//
// Degradation: the batch waits at most `timeoutMs`. A timeout or an error counts as a
// failure for the circuit breaker (breaker.ts); while it is open no request is made. Either
// way the batch gets DEGRADED results naming the families it lacks, and what the cache
// holds is still used. Parcels that could not be counted wait in a bounded catch-up queue and
// are counted (idempotently) with the next batches once Redis answers again.
import type { Redis } from 'ioredis'
import type { ParcelDeclaration } from '../declaration.ts'
import type { Logger } from '../logger.ts'
import { AGGREGATE_LUA, entryArgs, OUTPUT_STRIDE, type AggEntry } from './buckets.ts'
import { createBreaker, type Breaker, type BreakerState } from './breaker.ts'
import { defaultFxToEur, type FxToEur } from './fx.ts'
import { CACHED_FAMILIES, keyLayout, PROFILE_FIELDS, type Family } from './keys.ts'
import { createLru, type Lru } from './lru.ts'
import { createIdentityHasher } from './normalise.ts'
import { buildRecord, declarationKeys, defaultRecordConfig, type DeclarationKeys, type Fetched, type Hash, type RecordConfig } from './record.ts'
import { entryOf, ownOf, planOf, resultOf, type EnrichmentResult, type ProfileStore } from './store.ts'

export interface RedisStoreConfig {
  readonly prefix: string
  /** Secret key of the consignee identity HMAC. */
  readonly identityKey: string
  /** Longest a batch waits for Redis before it is enriched DEGRADED. */
  readonly timeoutMs: number
  readonly failureThreshold: number
  readonly coolDownMs: number
  readonly cacheMaxEntries: number
  readonly cacheTtlMs: number
  /** Uncounted parcels kept for catch-up after an outage (oldest dropped first). */
  readonly catchUpMax: number
  /** Catch-up parcels sent along with one batch, so a backlog never makes one call slow. */
  readonly catchUpPerBatch: number
  readonly fx?: FxToEur
  readonly record?: RecordConfig
  readonly now?: () => number
}

export const defaultRedisStoreConfig: RedisStoreConfig = {
  prefix: 'pr:', identityKey: '', timeoutMs: 100, failureThreshold: 3, coolDownMs: 1_000,
  cacheMaxEntries: 100_000, cacheTtlMs: 30_000, catchUpMax: 100_000, catchUpPerBatch: 2_000
}

export interface RedisProfileStore extends ProfileStore {
  /** Drops a cached profile (e.g. after the consumer applied an update): a Redis key or watchlist field. */
  readonly invalidate: (key: string) => void
  readonly breakerState: () => BreakerState
  /** Pipelines sent (round trips), for tests and benchmarks. */
  readonly roundTrips: () => number
  /** Parcels waiting to be counted after an outage. */
  readonly pendingCatchUp: () => number
}

type ScriptPipeline = ReturnType<Redis['pipeline']> & { prAggregate: (...args: Array<string | number>) => unknown }

const HASH_FAMILIES = ['seller', 'aeo', 'consignee', 'ioss'] as const
type HashFamily = typeof HASH_FAMILIES[number]

const keyOf = (k: DeclarationKeys, f: HashFamily): string | null =>
  f === 'seller' ? k.seller : f === 'consignee' ? k.consignee : f === 'aeo' ? k.aeo : k.ioss

export const createRedisProfileStore = (redis: Redis, options: Partial<RedisStoreConfig>, log: Logger): RedisProfileStore => {
  const config: RedisStoreConfig = { ...defaultRedisStoreConfig, ...options }
  if (config.identityKey === '') throw new Error('identityKey is required')
  const now = config.now ?? Date.now
  const keys = keyLayout(config.prefix)
  const hash = createIdentityHasher(config.identityKey)
  const fx = config.fx ?? defaultFxToEur
  const recordConfig = config.record ?? defaultRecordConfig
  const breaker: Breaker = createBreaker({ failureThreshold: config.failureThreshold, coolDownMs: config.coolDownMs, now })
  const cache: Lru<Hash | string | null> = createLru({ maxEntries: config.cacheMaxEntries, ttlMs: config.cacheTtlMs, now })
  const catchUp: AggEntry[] = []
  let trips = 0
  redis.defineCommand('prAggregate', { lua: AGGREGATE_LUA, numberOfKeys: 0 })

  const remember = (entries: readonly AggEntry[]): void => {
    for (const e of entries) if (e.mode === 1) catchUp.push(e)
    const over = catchUp.length - config.catchUpMax
    if (over > 0) {
      catchUp.splice(0, over)
      log.warn({ dropped: over }, 'aggregate catch-up queue full; oldest parcels will not be counted')
    }
  }

  const exec = async (pipeline: ScriptPipeline): Promise<Array<[Error | null, unknown]>> => {
    trips++
    let timer: NodeJS.Timeout | undefined
    const sent = pipeline.exec() as Promise<Array<[Error | null, unknown]> | null>
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`redis did not answer within ${config.timeoutMs} ms`)) }, config.timeoutMs)
    })
    sent.catch(() => {})
    try {
      const replies = await Promise.race([sent, timeout])
      if (replies === null) throw new Error('pipeline discarded')
      for (const [err] of replies) if (err !== null) throw err
      return replies
    } finally {
      clearTimeout(timer)
    }
  }

  const enrichBatch = async (declarations: readonly ParcelDeclaration[], nowMs: number, fields?: readonly string[]): Promise<EnrichmentResult[]> => {
    const plan = planOf(fields)
    const fam = plan.families
    const ks = declarations.map((d) => declarationKeys(d, keys, hash, plan))
    // What the cache already knows; what must be asked.
    const known = new Map<string, Hash | string | null>()
    const ask = new Map<Family, string[]>()
    const asked = new Set<string>()
    const consigneeWatch: string[] = []
    const wantUncached = (field: string): void => {
      if (asked.has(field)) return
      asked.add(field)
      consigneeWatch.push(field)
    }
    const want = (family: Family, key: string): void => {
      if (known.has(key) || asked.has(key)) return
      const cached = CACHED_FAMILIES.has(family) ? cache.get(key) : undefined
      if (cached !== undefined) { known.set(key, cached); return }
      asked.add(key)
      let list = ask.get(family)
      if (list === undefined) { list = []; ask.set(family, list) }
      list.push(key)
    }
    for (const k of ks) {
      for (const f of HASH_FAMILIES) {
        const key = keyOf(k, f)
        if (fam.has(f) && key !== null) want(f, key)
      }
      if (fam.has('watchlist')) {
        for (const field of k.sellerWatch) want('watchlist', field)
        // Consignee values rarely recur: caching them would only push sellers out of the cache.
        for (const field of k.consigneeWatch) wantUncached(field)
      }
    }
    const entries = fam.has('aggregates') ? declarations.map((d, i) => entryOf(d, ks[i] as DeclarationKeys, fx, nowMs)) : []

    let aggregates: number[] | undefined
    let failed = false
    if (ask.size > 0 || entries.length > 0) {
      if (!breaker.allow()) failed = true
      else {
        const pipeline = redis.pipeline() as ScriptPipeline
        const order: Array<[Family, string[]]> = []
        for (const f of HASH_FAMILIES) {
          for (const key of ask.get(f) ?? []) pipeline.hmget(key, ...PROFILE_FIELDS[f])
          order.push([f, ask.get(f) ?? []])
        }
        const watch = [...ask.get('watchlist') ?? [], ...consigneeWatch]
        if (watch.length > 0) pipeline.hmget(keys.watchlist, ...watch)
        const backlog = entries.length > 0 ? catchUp.splice(0, config.catchUpPerBatch) : []
        if (entries.length > 0) {
          const args: Array<string | number> = [config.prefix, backlog.length + entries.length, plan.aggregateMask]
          for (const e of backlog) entryArgs(e, 2, args)
          for (const e of entries) entryArgs(e, e.mode, args)
          pipeline.prAggregate(...args)
        }
        try {
          const replies = await exec(pipeline)
          breaker.success()
          let r = 0
          for (const [f, list] of order) {
            for (const key of list) {
              const values = replies[r++]?.[1] as Array<string | null>
              const h: Hash = values.every((v) => v === null) ? null : values
              known.set(key, h)
              if (CACHED_FAMILIES.has(f)) cache.set(key, h)
            }
          }
          if (watch.length > 0) {
            const values = replies[r++]?.[1] as Array<string | null>
            const cachedUpTo = watch.length - consigneeWatch.length
            watch.forEach((field, i) => { const v = values[i] ?? null; known.set(field, v); if (i < cachedUpTo) cache.set(field, v) })
          }
          if (entries.length > 0) aggregates = replies[r]?.[1] as number[]
        } catch (err) {
          failed = true
          catchUp.unshift(...backlog)
          breaker.failure()
          log.error({ err, breaker: breaker.state() }, 'profile store unavailable; enrichment degraded')
        }
      }
    }
    if (failed) remember(entries)

    return declarations.map((d, i) => {
      const k = ks[i] as DeclarationKeys
      const get = (key: string | null): Hash | undefined => key === null ? null : known.get(key) as Hash | undefined
      const fetched: Fetched = {
        seller: get(k.seller),
        aeo: get(k.aeo),
        consignee: get(k.consignee),
        ioss: get(k.ioss),
        watch: fam.has('watchlist') ? watchValues(k, known) : undefined,
        aggregates,
        aggregatesOffset: i * OUTPUT_STRIDE,
        own: ownOf(entries[i])
      }
      const missing: string[] = []
      return resultOf(buildRecord(d, k, fetched, plan, nowMs, recordConfig, missing), missing)
    })
  }

  return {
    enrichBatch,
    invalidate: (key) => { cache.delete(key) },
    breakerState: () => breaker.state(),
    roundTrips: () => trips,
    pendingCatchUp: () => catchUp.length,
    close: async () => { cache.clear() }
  }
}

const watchValues = (k: DeclarationKeys, known: ReadonlyMap<string, Hash | string | null>): Array<string | null> | undefined => {
  const out: Array<string | null> = []
  for (const field of k.sellerWatch) { const v = known.get(field); if (v === undefined) return undefined; out.push(v as string | null) }
  for (const field of k.consigneeWatch) { const v = known.get(field); if (v === undefined) return undefined; out.push(v as string | null) }
  return out
}
