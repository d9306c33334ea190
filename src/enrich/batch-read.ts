// A batch's read of the profile store (redis-store.ts), apart from how it is sent
// (script-pipeline.ts): what the local cache already knows of the batch's keys and what must be
// asked of Redis (consultCache), the one pipeline that asks it (pipelineOf), and its replies
// taken, in that pipeline's order, into the batch's answer and the cache (takeReplies). Which
// watchlist fields are asked at all is the watchlist index's (watch-index.ts, watch-read.ts).
import type { DeclarationHistory } from '../amendment.ts'
import { entryArgs, type AggEntry } from './buckets.ts'
import type { SlotCall } from './cluster-aggregates.ts'
import type { Hash } from './hash-values.ts'
import { historyOf } from './history.ts'
import { CACHED_FAMILIES, type Family, type FetchPlan, type KeyLayout } from './keys.ts'
import type { Lru } from './lru.ts'
import { scriptArgs, type Replies } from './node-pipelines.ts'
import type { DeclarationKeys } from './record.ts'
import {
  DATA_SETS, markersOf, unknownDataSets, type DataSet, type MaxAges, type SyncMarker
} from './reference-data.ts'
import { HASH_FAMILIES, keyOf, type HashFamily } from './round-trip.ts'
import type { ScriptPipeline, ScriptPipelines } from './script-pipeline.ts'
import type { LogRead, StreamEntry, WatchIndex } from './watch-index.ts'

export interface BatchReadDeps {
  readonly keys: KeyLayout
  readonly cluster: boolean
  /** The hash of the reference data sync markers (reference-data.ts syncKey). */
  readonly sync: string
  readonly cache: Lru<Hash | string | null>
  /** The cache slot of the attributes a ruleset reads (redis-store.ts). */
  readonly cacheSlot: (names: readonly string[]) => string
  readonly watchIndex: WatchIndex
  /** A seller's watchlist fields the index holds (watch-read.ts createListedOf). */
  readonly listedOf: (index: WatchIndex | null, fields: readonly string[]) => readonly string[]
  readonly pipelines: Pick<ScriptPipelines, 'newPipeline' | 'script'>
  readonly maxAgesMs: MaxAges
  /** Told of the sync markers a batch read, when it read them. */
  readonly markersRead: (markers: ReadonlyMap<DataSet, SyncMarker>) => void
}

export interface BatchRead {
  readonly consultCache: (plan: FetchPlan, ks: readonly DeclarationKeys[]) => Asked
  readonly pipelineOf: (trip: Trip, backlog: readonly AggEntry[], decide: readonly SlotCall[]) => ScriptPipeline
  readonly takeReplies: (
    replies: Replies, trip: Trip, asked: Asked, answer: Answer, nowMs: number, decided: number
  ) => void
}

export const createBatchRead = (deps: BatchReadDeps): BatchRead => {
  const { keys, cluster, sync, cache, cacheSlot, watchIndex, listedOf, maxAgesMs, markersRead } = deps
  const { newPipeline, script } = deps.pipelines

  /** What the cache knows of a batch's keys, and what must be asked of Redis. */
  const consultCache = (plan: FetchPlan, ks: readonly DeclarationKeys[]): Asked => {
    const fam = plan.families
    const known = new Map<string, Hash | string | null>()
    const ask = new Map<Family, string[]>()
    const asked = new Set<string>()
    const consigneeWatch: string[] = []
    const slots: Partial<Record<Family, string>> = {
      // A seller hash read with its offences is laid out differently: its own slot.
      seller: cacheSlot(plan.offences.seller ? ['~offences', ...plan.attributes.seller] : plan.attributes.seller),
      hsCode: cacheSlot(plan.attributes.hsCode),
      route: cacheSlot(plan.attributes.route)
    }
    const slot = (family: Family, key: string): string => key + (slots[family] ?? '')
    const want = (family: Family, key: string): void => {
      if (known.has(key) || asked.has(key)) return
      const cached = CACHED_FAMILIES.has(family) ? cache.get(slot(family, key)) : undefined
      if (cached !== undefined) {
        known.set(key, cached)
        return
      }
      asked.add(key)
      let list = ask.get(family)
      if (list === undefined) {
        list = []
        ask.set(family, list)
      }
      list.push(key)
    }
    // With the watchlist index loaded, only the fields it holds are asked for.
    const index = watchIndex.ready() ? watchIndex : null
    // Per declaration: whether one of its watchlist fields was looked up at all.
    const watchLooked: boolean[] = []
    for (const k of ks) {
      for (const f of HASH_FAMILIES) {
        const key = keyOf(k, f)
        if (fam.has(f) && key !== null) want(f, key)
      }
      for (const [, lookups] of k.hsCodes) for (const key of lookups) want('hsCode', key)
      if (!fam.has('watchlist')) continue
      let looked = false
      for (const field of listedOf(index, k.sellerWatch)) {
        looked = true
        want('watchlist', field)
      }
      // Consignee values rarely recur: caching them would only push sellers out of the cache.
      for (const field of k.consigneeWatch) {
        if (index !== null && !index.has(field)) continue
        looked = true
        if (asked.has(field)) continue
        asked.add(field)
        consigneeWatch.push(field)
      }
      watchLooked.push(looked)
    }
    return { known, ask, consigneeWatch, slot, watchLooked }
  }

  /** The batch's one pipeline: markers, profile hashes, watchlist fields, aggregates, histories. */
  const pipelineOf = (trip: Trip, backlog: readonly AggEntry[], decide: readonly SlotCall[]): ScriptPipeline => {
    const { plan, order, watch, entries, historyKeys } = trip
    const pipeline = newPipeline()
    if (trip.readsReference) pipeline.hmget(sync, ...DATA_SETS)
    trip.profileGroups.forEach((groupsOf, i) => {
      const [f, list] = order[i] as readonly [HashFamily, readonly string[]]
      for (const group of groupsOf) {
        pipeline.prProfiles(...scriptArgs(cluster, group.map((g) => list[g] as string), plan.hashFields[f]))
      }
    })
    if (watch.length > 0) pipeline.hmget(keys.watchlist, ...watch)
    if (trip.logRead !== null) pipeline.xrange(...trip.logRead.args)
    if (entries.length > 0 && !cluster) {
      const args: Array<string | number> = [keys.aggregatePrefix, backlog.length + entries.length, plan.aggregateMask]
      for (const e of backlog) entryArgs(e, 2, args)
      for (const e of entries) entryArgs(e, e.mode, args)
      pipeline.prAggregate(...args)
    }
    for (const call of decide) script(pipeline.prAggDecide.bind(pipeline), call)
    for (const group of trip.historyGroups) {
      pipeline.prHistoryRead(...scriptArgs(cluster, group.map((g) => historyKeys[g] as string), []))
    }
    return pipeline
  }

  /** Takes the replies, in pipelineOf's order, into `answer` and the cache. */
  const takeReplies = (
    replies: Array<[Error | null, unknown]>, trip: Trip, asked: Asked, answer: Answer, nowMs: number, decided: number
  ): void => {
    let r = 0
    if (trip.readsReference) {
      const markers = markersOf(replies[r++]?.[1] as Array<string | null>)
      markersRead(markers)
      answer.markersRead = true
      answer.unknown = unknownDataSets(markers, nowMs, maxAgesMs)
    }
    trip.profileGroups.forEach((groupsOf, i) => {
      const [f, list] = trip.order[i] as readonly [HashFamily, readonly string[]]
      // An unknown data set's answers are no answers: not used, and not cached, so a
      // load that follows is seen at once.
      const use = !answer.unknown.has(f)
      const n = trip.plan.hashFields[f].length
      for (const group of groupsOf) {
        const flat = replies[r++]?.[1] as Array<string | null>
        if (!use) continue
        group.forEach((g, j) => {
          const key = list[g] as string
          const values = flat.slice(j * n, j * n + n)
          const h: Hash = values.every((v) => v === null) ? null : values
          asked.known.set(key, h)
          if (CACHED_FAMILIES.has(f)) cache.set(asked.slot(f, key), h)
        })
      }
    })
    if (trip.watch.length > 0) {
      const values = replies[r++]?.[1] as Array<string | null>
      const cachedUpTo = trip.watch.length - asked.consigneeWatch.length
      if (!answer.unknown.has('watchlist')) {
        trip.watch.forEach((field, i) => {
          const v = values[i] ?? null
          asked.known.set(field, v)
          if (i < cachedUpTo) cache.set(field, v)
        })
      }
    }
    if (trip.logRead !== null) {
      // A field written since: its cached value (a seller's) is stale.
      const continued = watchIndex.apply(trip.logRead, replies[r++]?.[1] as StreamEntry[], (field) => {
        cache.delete(field)
        answer.watchChanged.add(field)
      })
      if (!continued) answer.watchAll = true
    }
    if (trip.entries.length > 0 && !cluster) answer.aggregates = replies[r++]?.[1] as number[]
    r += decided
    for (const group of trip.historyGroups) {
      const values = replies[r++]?.[1] as Array<string | null>
      group.forEach((g, j) => {
        answer.histories.set(trip.ids[g] as string, historyOf(values[2 * j], values[2 * j + 1]))
      })
    }
  }

  return { consultCache, pipelineOf, takeReplies }
}

/** A batch's keys after the cache: known values, and per family the keys to ask for. */
export interface Asked {
  readonly known: Map<string, Hash | string | null>
  readonly ask: ReadonlyMap<Family, string[]>
  /** Consignee watchlist fields, asked for but never cached. */
  readonly consigneeWatch: readonly string[]
  /** Per declaration (watchlist read): false when the index holds none of its fields. */
  readonly watchLooked: readonly boolean[]
  /** The cache key of a profile: its key and the slot of the attributes this ruleset reads. */
  readonly slot: (family: Family, key: string) => string
}

/** What one round trip carries. */
export interface Trip {
  readonly plan: FetchPlan
  readonly readsReference: boolean
  readonly order: ReadonlyArray<readonly [HashFamily, readonly string[]]>
  /** Per family of `order`, its keys' indices: a group per script call (per primary on a cluster). */
  readonly profileGroups: ReadonlyArray<ReadonlyArray<readonly number[]>>
  readonly watch: readonly string[]
  /** The watchlist change log read with the batch (watch-index.ts); null when not indexed. */
  readonly logRead: LogRead | null
  readonly entries: readonly AggEntry[]
  readonly ids: readonly string[]
  readonly historyKeys: readonly string[]
  /** The history keys' indices, one group per script call (per primary on a cluster). */
  readonly historyGroups: ReadonlyArray<readonly number[]>
}

/** What the round trip brought back, or that it failed. */
export interface Answer {
  failed: boolean
  /** Watchlist fields written since the index's last read of its log (watch-index.ts). */
  readonly watchChanged: Set<string>
  /** The watchlist could not be completed (the follow-up read of changed fields failed). */
  watchFailed: boolean
  /** The index lost track of its log: any field may have changed. */
  watchAll: boolean
  unknown: ReadonlySet<Family>
  markersRead: boolean
  aggregates?: number[]
  readonly histories: Map<string, DeclarationHistory | null>
}
