// The Redis-backed ProfileStore. Per batch, ONE pipeline (one network round trip) carries:
//   HMGET per distinct seller / AEO / consignee / IOSS key not in the local cache (only the
//   families some rule reads), one HMGET of the watchlist hash for every uncached party
//   value the watchlist index (watch-index.ts) holds (every one while it is not loaded), one
//   XRANGE of the watchlist's change log, and one EVALSHA of the aggregate script (buckets.ts)
//   with every declaration of the batch, which counts and reads the windowed counters atomically.
// Slow-changing families (seller, AEO, IOSS, watchlist) are cached in-process (lru.ts);
// consignee profiles and aggregates never are. The custom attributes a ruleset reads
// (ruleset.yaml `attributes:`) are more fields of the same HMGET: no extra command; those of
// commodity codes and routes are HMGETs of their profiles in the same pipeline (an item's
// code and its prefixes, cached as sellers are). The
// same pipeline reads each declarationId's history (history.ts: one script call for the
// batch, never cached), so every batch makes its round trip; `remember` writes the decisions
// back as the standing ones with a second round trip (one script call), sent beside the Kafka
// send.
//
// Time budget: a round trip may take `redis.commandTimeoutMs` plus
// `redis.commandTimeoutPerRecordUs` for every declaration and catch-up parcel it carries, so a
// 500-record catch-up chunk after a fault is not held to the budget of a 5-record chunk. A
// round trip that overruns its budget is sent once more with twice the budget (safe: the reads
// are reads, and the aggregate script answers a parcel it already counted with the values it
// gave it the first time). A connection error (refused, reset, not connected) is not retried:
// it is what an outage looks like.
// Degradation: only a round trip that failed that way (error, or timeout after its retry)
// counts as a failure for the circuit breaker (breaker.ts), and only then is the batch
// enriched DEGRADED; while the breaker is open no request is made. DEGRADED results name the
// families they lack, and what the cache holds is still used. Parcels that could not be
// counted wait in a bounded catch-up queue and are counted (idempotently) with the next
// batches once Redis answers again.
//
// Reference data (reference-data.ts): the same pipeline reads the sync markers (one HMGET of
// one hash), so a Redis that restarted empty is noticed by the very batch that finds it
// empty. A batch served wholly from the cache uses the markers read within cacheTtlMs, else
// it makes the round trip for them. A data set whose marker is missing or older than its
// limit is reported missing: its lookups are not used and not cached, so while it is unknown
// every batch asks again and sees a load as soon as it lands.
//
// Redis Cluster (keys.ts, the cluster layout): the same commands, sent as one pipeline per node
// they touch, all at once (node-pipelines.ts); the batch waits for the slowest node and the
// time budget covers them together. Each script is one call per primary its keys touch
// (crossSlot, node-pipelines.ts; one call on one server). The aggregates spread per entity
// and per declaration (cluster-aggregates.ts): the round trip carries the decision step, and
// a second round trip (same budget rules) the per-entity step, whose answers are the batch's
// aggregates; either failing fails the batch.
//
// Here: the batch's path (cache, round trip, follow-up, results), the breaker and catch-up, and
// the decisions kept. Elsewhere: what the cache answers, the pipeline and its replies
// (batch-read.ts); the watchlist index's part (watch-read.ts); the scripts and sending within
// the time budget (script-pipeline.ts).
import { scriptArgs } from './node-pipelines.ts'
import { isCluster, type RedisClient } from './redis-client.ts'
import { controllable } from '../actions.ts'
import type { RedisConfig } from '../config.ts'
import type { ParcelDeclaration, RiskDecision } from '../declaration.ts'
import type { Logger } from '../logger.ts'
import { OUTPUT_STRIDE, QUARTER_MS, WINDOW_7D_MS, type AggEntry } from './buckets.ts'
import { createBatchRead, type Answer, type Asked, type Trip } from './batch-read.ts'
import { createBreaker, type Breaker, type BreakerState } from './breaker.ts'
import { defaultFxToEur, type FxToEur } from './fx.ts'
import { aggregatesOf, applyCalls, decideCalls, decisionsOf, type Sent, type SlotCall } from './cluster-aggregates.ts'
import { keyLayout, type Family, type FetchPlan } from './keys.ts'
import { historyWrites, type HistoryWrite } from './history.ts'
import { createLru, type Lru } from './lru.ts'
import { consigneeKeyOf, encodeParties } from './offences.ts'
import { DATA_SETS, syncKey, unknownDataSets, type DataSet, type MaxAges, type SyncMarker } from './reference-data.ts'
import { createIdentityHasher } from './normalise.ts'
import type { Hash } from './hash-values.ts'
import {
  buildRecord, createSellerWatchMemo, declarationKeys, defaultRecordConfig, type DeclarationKeys, type Fetched,
  type RecordConfig
} from './record.ts'
import { commodityHashes, HASH_FAMILIES, roundTripBudgetMs } from './round-trip.ts'
import { createScriptPipelines } from './script-pipeline.ts'
import { createWatchIndex } from './watch-index.ts'
import { createListedOf, createReadChanged, watchOf } from './watch-read.ts'
import { entryOf, ownOf, planOf, resultOf, type EnrichmentResult, type ProfileStore } from './store.ts'

/**
 * The redis slice under its config-table names (redis.keyPrefix, redis.commandTimeoutMs, …),
 * with the identity key already checked present by main.ts. Defaults live in the config schema.
 * A round trip's budget: commandTimeoutMs plus commandTimeoutPerRecordUs per record it carries.
 */
export type RedisStoreConfig = Pick<RedisConfig,
  'keyPrefix' | 'commandTimeoutMs' | 'commandTimeoutPerRecordUs' | 'breakerFailureThreshold' | 'breakerCooldownMs' |
  'cacheMaxEntries' | 'cacheTtlMs' | 'catchUpMax' | 'catchUpPerBatch' | 'historyTtlMs' | 'watchlistIndexMaxFields'> & {
  /** Secret key of the consignee identity HMAC. */
  readonly identityKey: string
  /** Freshness limit of each reference data set; older (or never loaded) counts as unknown. */
  readonly maxAgesMs: MaxAges
}

export interface RedisStoreDeps {
  readonly log: Logger
  readonly fx?: FxToEur
  readonly record?: RecordConfig
  readonly now?: () => number
}

export interface RedisProfileStore extends ProfileStore {
  /** Drops a cached profile (e.g. after the consumer applied an update): a Redis key or watchlist field. */
  readonly invalidate: (key: string) => void
  readonly breakerState: () => BreakerState
  /** Pipelines sent (round trips), for tests and benchmarks. */
  readonly roundTrips: () => number
  /** Parcels waiting to be counted after an outage. */
  readonly pendingCatchUp: () => number
  /**
   * For start-up, so the first real batch pays for neither: one round trip that loads the
   * aggregate and history scripts (ioredis checks and loads a pipeline's scripts on its first
   * use) with calls that change nothing; then `declarations`, if any, go through the read path
   * a batch takes (cache, the pipeline, the replies, the records) in chunks of `chunk` (default 4,
   * as a quiet stream's chunks: the per-batch code is what must run often enough to tier up). They
   * are dated past every window, so the aggregate script reads them and counts nothing; the
   * cache is emptied afterwards. Stops at the first chunk Redis does not answer.
   */
  readonly warm: (
    declarations?: readonly ParcelDeclaration[], fields?: readonly string[], chunk?: number
  ) => Promise<void>
  /** The sync markers last read with a batch (empty before the first). */
  readonly markers: () => ReadonlyMap<DataSet, SyncMarker>
  /** The watchlist index (watch-index.ts): loaded or not, and the fields it holds. */
  readonly watchIndex: () => { readonly ready: boolean, readonly fields: number }
}

export const createRedisProfileStore = (
  redis: RedisClient, config: RedisStoreConfig, deps: RedisStoreDeps
): RedisProfileStore => {
  const { log } = deps
  if (config.identityKey === '') throw new Error('identityKey is required')
  const now = deps.now ?? Date.now
  const cluster = isCluster(redis)
  const keys = keyLayout(config.keyPrefix, cluster)
  const hash = createIdentityHasher(config.identityKey)
  const sellers = createSellerWatchMemo()
  const fx = deps.fx ?? defaultFxToEur
  const recordConfig = deps.record ?? defaultRecordConfig
  const breaker: Breaker = createBreaker({
    failureThreshold: config.breakerFailureThreshold, coolDownMs: config.breakerCooldownMs, now
  })
  // Back from an outage: probe with the next batch rather than a cool-down later.
  redis.on('ready', () => {
    breaker.probeNow()
  })
  const cache: Lru<Hash | string | null> = createLru({
    maxEntries: config.cacheMaxEntries, ttlMs: config.cacheTtlMs, now: deps.now
  })
  const watchIndex = createWatchIndex(redis, {
    watchlist: keys.watchlist, maxFields: config.watchlistIndexMaxFields, log, now
  })
  const catchUp: AggEntry[] = []
  let markers: ReadonlyMap<DataSet, SyncMarker> = new Map()
  let markersReadAt = Number.NEGATIVE_INFINITY
  const pipelines = createScriptPipelines(redis, config, log)
  const { newPipeline, groups, script, exec, roundTrip } = pipelines
  // A cached seller, commodity code or route hash holds the attributes of the ruleset that read
  // it; a ruleset reading other attributes caches its own copy under its own slot (key + slot),
  // and an update drops them all.
  const slots = new Set<string>()
  const cacheSlot = (names: readonly string[]): string => {
    if (names.length === 0) return ''
    const s = `#${names.join(',')}`
    slots.add(s)
    return s
  }
  const { consultCache, pipelineOf, takeReplies } = createBatchRead({
    keys, cluster, sync: syncKey(config.keyPrefix), cache, cacheSlot, watchIndex, listedOf: createListedOf(), pipelines,
    maxAgesMs: config.maxAgesMs,
    markersRead: (read) => {
      markers = read
      markersReadAt = now()
    }
  })
  const readChanged = createReadChanged({ keys, pipelines, log })

  const remember = (entries: readonly AggEntry[]): void => {
    for (const e of entries) if (e.mode === 1) catchUp.push(e)
    const over = catchUp.length - config.catchUpMax
    if (over > 0) {
      catchUp.splice(0, over)
      log.warn({ dropped: over }, 'aggregate catch-up queue full; oldest parcels will not be counted')
    }
  }

  /**
   * The round trip, through the breaker, with up to catchUpPerBatch parcels of earlier batches
   * still to be counted; a failure sets `answer.failed` and queues them again.
   */
  const fetchBatch = async (
    trip: Trip, asked: Asked, answer: Answer, nowMs: number, records: number
  ): Promise<void> => {
    if (!breaker.allow()) {
      answer.failed = true
      return
    }
    const backlog = trip.entries.length > 0 ? catchUp.splice(0, config.catchUpPerBatch) : []
    // On a cluster, the aggregates' decision step (cluster-aggregates.ts) rides with the reads.
    const sent: Sent[] = !cluster ? [] : [
      ...backlog.map((e) => ({ entry: e, mode: 2 as const })), ...trip.entries.map((e) => ({ entry: e, mode: e.mode }))
    ]
    const decide = decideCalls(sent, keys, groups)
    try {
      const replies = await roundTrip(() => pipelineOf(trip, backlog, decide), records + backlog.length)
      const at = replies.length - trip.historyGroups.length - decide.length
      if (sent.length > 0) {
        await applyStep(sent, backlog.length, trip.plan.aggregateMask, decide, replies.slice(at), answer)
      }
      breaker.success()
      takeReplies(replies, trip, asked, answer, nowMs, decide.length)
    } catch (err) {
      answer.failed = true
      catchUp.unshift(...backlog)
      breaker.failure()
      log.error({ err, breaker: breaker.state() }, 'profile store unavailable; enrichment degraded')
    }
  }

  /** The per-entity step on a cluster: a second round trip, after the decisions it applies. */
  const applyStep = async (
    sent: readonly Sent[], backlog: number, mask: string, decide: readonly SlotCall[],
    replies: Array<[Error | null, unknown]>, answer: Answer
  ): Promise<void> => {
    const decisions = decisionsOf(decide, replies.map(([, v]) => v))
    const { calls, ops } = applyCalls(sent, decisions, mask, keys, groups)
    const applied = await roundTrip(() => {
      const pipeline = newPipeline()
      for (const call of calls) script(pipeline.prAggApply.bind(pipeline), call)
      return pipeline
    }, sent.length)
    answer.aggregates = aggregatesOf(sent, backlog, calls, ops, applied.map(([, v]) => v))
  }

  const enrichBatch = async (
    declarations: readonly ParcelDeclaration[], nowMs: number, fields?: readonly string[]
  ): Promise<EnrichmentResult[]> => {
    const plan = planOf(fields)
    const fam = plan.families
    if (fam.has('watchlist')) watchIndex.ensure()
    const ks = declarations.map((d) => declarationKeys(d, keys, hash, plan, sellers))
    const readsReference = DATA_SETS.some((set) => fam.has(set))
    const markersCurrent = now() - markersReadAt <= config.cacheTtlMs
    const asked = consultCache(plan, ks)
    const entries = fam.has('aggregates')
      ? declarations.map((d, i) => entryOf(d, ks[i] as DeclarationKeys, fx, nowMs))
      : []
    const ids = [...new Set(declarations.map((d) => d.declarationId))]
    const answer: Answer = {
      failed: false, watchChanged: new Set(), watchFailed: false, watchAll: false, unknown: NO_FAMILIES,
      markersRead: false, histories: new Map()
    }
    const { ask, consigneeWatch } = asked
    // Consignee watchlist fields are never cached, so asking for them alone is a round trip too.
    const needed = ask.size > 0 || consigneeWatch.length > 0 || entries.length > 0 || ids.length > 0 ||
      (readsReference && !markersCurrent)
    if (needed) {
      const order = HASH_FAMILIES.map((f) => [f, ask.get(f) ?? []] as const)
      const historyKeys = ids.map((id) => keys.history(id))
      const trip: Trip = {
        plan,
        readsReference,
        order,
        profileGroups: order.map(([, list]) => groups(list)),
        watch: [...ask.get('watchlist') ?? [], ...consigneeWatch],
        logRead: fam.has('watchlist') ? watchIndex.read() : null,
        entries,
        ids,
        historyKeys,
        historyGroups: groups(historyKeys)
      }
      await fetchBatch(trip, asked, answer, nowMs, declarations.length)
      const changed = answer.watchChanged.size > 0 || answer.watchAll
      if (changed && !answer.failed) await readChanged(ks, trip, asked, answer)
    }
    if (answer.failed) remember(entries)
    // Not read with this batch (cache only, or Redis down): the last markers read, by their age.
    if (readsReference && !answer.markersRead) answer.unknown = unknownDataSets(markers, nowMs, config.maxAgesMs)
    return declarations.map((d, i) => resultFor(d, ks[i] as DeclarationKeys, i, plan, asked, answer, entries, nowMs))
  }

  /** One declaration's result from what the cache and the round trip gave. */
  const resultFor = (
    d: ParcelDeclaration, k: DeclarationKeys, i: number, plan: FetchPlan, asked: Asked, answer: Answer,
    entries: readonly AggEntry[], nowMs: number
  ): EnrichmentResult => {
    const { known } = asked
    const { unknown } = answer
    const fam = plan.families
    const get = (f: DataSet, key: string | null): Hash | undefined =>
      key === null ? null : unknown.has(f) ? undefined : known.get(key) as Hash | undefined
    const fetched: Fetched = {
      seller: get('seller', k.seller),
      aeo: get('aeo', k.aeo),
      consignee: get('consignee', k.consignee),
      ioss: get('ioss', k.ioss),
      route: get('route', k.route),
      hsCodes: fam.has('hsCode') && !unknown.has('hsCode') ? commodityHashes(k, known) : undefined,
      watch: fam.has('watchlist') && !unknown.has('watchlist') && !answer.watchFailed
        ? watchOf(k, i, asked, answer)
        : undefined,
      aggregates: answer.aggregates,
      aggregatesOffset: i * OUTPUT_STRIDE,
      own: ownOf(entries[i])
    }
    const missing: string[] = []
    const history = answer.failed ? undefined : answer.histories.get(d.declarationId) ?? null
    return resultOf(buildRecord(d, k, fetched, plan, nowMs, recordConfig, missing), missing, history)
  }

  // Not through the breaker's probe: a write is no test of whether enrichment may resume. A
  // failed write loses only this: a later older version is decided again instead of being
  // answered as superseded, and a later amendment is compared with an older decision.
  // The parties of a decision a control can follow go with it (offences.ts): the identity
  // HMAC is paid for those only.
  const partiesOf = (decisions: readonly RiskDecision[], declarations: Declarations) => (i: number): string => {
    const d = declarations?.[i]
    const decision = decisions[i]
    if (d === undefined || decision === undefined || !controllable(decision)) return ''
    return encodeParties({ sellerId: d.sellerId, consigneeKey: consigneeKeyOf(d, hash) })
  }

  const rememberDecisions = async (decisions: readonly RiskDecision[], declarations?: Declarations): Promise<void> => {
    const writes = historyWrites(decisions, partiesOf(decisions, declarations))
    if (writes.length === 0) return
    if (breaker.state() !== 'closed') {
      log.warn({ decisions: writes.length }, 'profile store unavailable; decisions not kept in the declaration history')
      return
    }
    try {
      const historyKeys = writes.map((w) => keys.history(w.declarationId))
      const calls = groups(historyKeys).map((group) => {
        const args: Array<string | number> = [config.historyTtlMs]
        for (const g of group) {
          const w = writes[g] as HistoryWrite
          args.push(w.version, w.standing, w.parties)
        }
        return scriptArgs(cluster, group.map((g) => historyKeys[g] as string), args)
      })
      await roundTrip(() => {
        const pipeline = newPipeline()
        for (const args of calls) pipeline.prHistory(...args)
        return pipeline
      }, writes.length)
    } catch (err) {
      log.error({ err, decisions: writes.length }, 'declaration history not written')
    }
  }

  return {
    enrichBatch,
    remember: rememberDecisions,
    invalidate: (key) => {
      cache.delete(key)
      for (const s of slots) cache.delete(key + s)
    },
    breakerState: () => breaker.state(),
    warm: async (declarations = [], fields = undefined, chunk = 4) => {
      if (planOf(fields).families.has('watchlist')) await watchIndex.load()
      const pipeline = newPipeline()
      if (cluster) {
        pipeline.prAggDecide(...scriptArgs(cluster, [], []))
        pipeline.prAggApply(...scriptArgs(cluster, [], []))
      } else {
        pipeline.prAggregate(keys.aggregatePrefix, 0, '')
      }
      pipeline.prHistoryRead(...scriptArgs(cluster, [], []))
      pipeline.prProfiles(...scriptArgs(cluster, [], []))
      pipeline.prHistory(...scriptArgs(cluster, [], [config.historyTtlMs]))
      await exec(pipeline, roundTripBudgetMs(config, 0) * 10)
      const nowMs = now()
      const uncounted = nowMs - UNCOUNTED_AGE_MS
      for (let i = 0; i < declarations.length; i += chunk) {
        const batch = declarations.slice(i, i + chunk).map((d) => ({ ...d, declaredAt: uncounted }))
        const results = await enrichBatch(batch, nowMs, fields)
        // An unknown history (undefined, not null) is a round trip that failed.
        if (results.some((r) => r.history === undefined)) break
      }
      cache.clear()
    },
    roundTrips: pipelines.trips,
    pendingCatchUp: () => catchUp.length,
    markers: () => markers,
    watchIndex: () => ({ ready: watchIndex.ready(), fields: watchIndex.size() }),
    close: async () => { cache.clear() }
  }
}

const NO_FAMILIES: ReadonlySet<Family> = new Set()

/** The age at which a parcel's buckets have left every window: the script reads it, never counts it (mode 0). */
const UNCOUNTED_AGE_MS = WINDOW_7D_MS + 2 * QUARTER_MS

type Declarations = ReadonlyArray<ParcelDeclaration | undefined> | undefined
