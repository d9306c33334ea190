// The yield statistics in Redis (key layout: keys.ts; what is counted: tally.ts). Every write
// is one EVALSHA of APPLY_LUA: it sets the marker of the decision or outcome (NX, with a TTL)
// and only if that marker was new increments the counters, atomically, in the marker's own
// hash slot. A decision or outcome seen again (a producer retry, a replayed topic, a batch
// kafkajs hands over again after a failure) therefore changes nothing while its marker lives.
// One pipelined round trip per batch.
// Offences (src/enrich/offences.ts): a positive outcome also records an offence on the seller's
// and the consignee's profile hash, one EVALSHA of OFFENCE_LUA each in the same pipeline. That
// script is idempotent on its own (it keeps the outcome ids it listed) and touches one key, so
// it runs on Redis Cluster too and is sent again with every redelivery of its outcome: an
// outcome whose yield marker was set just before a failure still gets its offences.
// On Redis Cluster every script's keys share a slot (keys.ts), and each batch's pipeline is
// sent as one pipeline per primary (node-pipelines.ts); the profiles and the declaration
// histories are named by the cluster layout the processor writes them under.
import type { Redis } from 'ioredis'
import { keyLayout } from '../enrich/keys.ts'
import { pipelineFor, type PipelineLike } from '../enrich/node-pipelines.ts'
import { isCluster, type RedisClient } from '../enrich/redis-client.ts'
import { OFFENCE_LUA, OFFENCE_MAX, OFFENCE_WINDOW_MS, decodeParties, type Parties } from '../enrich/offences.ts'
import type { DecisionRecord, Increments } from './tally.ts'
import { YIELD_SHARDS, shardOf, yieldKeys } from './keys.ts'

// KEYS[1] counters hash, KEYS[2] marker; ARGV[1] marker TTL in ms, then field, amount pairs.
// Returns 1 when counted, 0 when the marker was already there.
export const APPLY_LUA = `
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 0 end
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1`

export interface DecisionWrite {
  readonly declarationId: string
  readonly version: number
  readonly record: DecisionRecord
  /** Kept for the join only when a control can follow (tally.ts controllable). */
  readonly keep: boolean
  readonly increments: Increments
}

export interface OutcomeWrite {
  readonly declarationId: string
  readonly outcomeId: string
  readonly record: DecisionRecord
  readonly increments: Increments
  /** A positive control of a decision whose parties are known: the offence to record, at inspectedAt. */
  readonly offence?: { readonly parties: Parties, readonly at: number }
}

/** A decision record as the join reads it, with the parties the processor kept for it (null: none kept). */
export interface JoinedDecision extends DecisionRecord {
  readonly parties: Parties | null
}

export interface OutcomesRecorded {
  /** Per write, whether it was counted for the first time. */
  readonly fresh: boolean[]
  /** Offences listed on profiles for the first time (two per positive outcome: seller and consignee). */
  readonly offences: number
}

export interface RulesetCounts {
  readonly id: string
  readonly version: string
  readonly digests: readonly string[]
  /** Counter field → sum over the shards. */
  readonly counts: ReadonlyMap<string, number>
}

export interface YieldStore {
  /** Counts decisions (once each) and keeps the records outcomes join to; returns, per write, whether it was new. */
  readonly recordDecisions: (writes: readonly DecisionWrite[]) => Promise<boolean[]>
  /** The decision record of each (declarationId, version), undefined where none is kept. */
  readonly readDecisions: (
    refs: ReadonlyArray<{ declarationId: string, version: number }>
  ) => Promise<Array<JoinedDecision | undefined>>
  /** Counts outcomes (once each) and records the offences of positive ones (once each). */
  readonly recordOutcomes: (writes: readonly OutcomeWrite[], nowMs?: number) => Promise<OutcomesRecorded>
  /** Every ruleset version's counters, summed over the shards. */
  readonly readCounts: () => Promise<RulesetCounts[]>
}

export interface YieldStoreConfig {
  readonly keyPrefix: string
  readonly decisionTtlMs: number
  readonly outcomeTtlMs: number
}

type YieldPipeline = ReturnType<Redis['pipeline']> & {
  prYieldApply: (counts: string, marker: string, ...args: Array<string | number>) => unknown
  /** OFFENCE_LUA: the profile hash, outcome id, offence time, window start, most kept. */
  prOffence: (profile: string, ...args: Array<string | number>) => unknown
}

const replies = async (pipeline: PipelineLike): Promise<unknown[]> => {
  const out = await pipeline.exec()
  if (out === null) throw new Error('yield pipeline discarded')
  return out.map(([err, reply]) => {
    if (err !== null) throw err
    return reply
  })
}

const flat = (increments: Increments): Array<string | number> => increments.flatMap(([field, by]) => [field, by])

const isRecord = (value: unknown): value is DecisionRecord =>
  typeof value === 'object' && value !== null && typeof (value as DecisionRecord).rulesetId === 'string' &&
  typeof (value as DecisionRecord).action === 'string' && Array.isArray((value as DecisionRecord).rules)

export const createYieldStore = (redis: RedisClient, config: YieldStoreConfig): YieldStore => {
  const keys = yieldKeys(config.keyPrefix)
  const profiles = keyLayout(config.keyPrefix, isCluster(redis))
  redis.defineCommand('prYieldApply', { lua: APPLY_LUA, numberOfKeys: 2 })
  redis.defineCommand('prOffence', { lua: OFFENCE_LUA, numberOfKeys: 1 })

  const recordDecisions = async (writes: readonly DecisionWrite[]): Promise<boolean[]> => {
    if (writes.length === 0) return []
    const pipeline = pipelineFor<YieldPipeline>(redis)
    const rulesets = new Set<string>()
    for (const w of writes) {
      const { rulesetId, rulesetVersion, digest } = w.record
      rulesets.add(JSON.stringify([rulesetId, rulesetVersion, digest]))
      pipeline.prYieldApply(keys.counts(rulesetId, rulesetVersion, shardOf(w.declarationId)),
        keys.decisionMarker(rulesetId, rulesetVersion, w.declarationId, w.version), config.decisionTtlMs,
        ...flat(w.increments))
      // The record is rewritten on a repeat: the same decision gives the same record.
      if (w.keep) {
        const key = keys.decisionRecord(w.declarationId, w.version)
        pipeline.set(key, JSON.stringify(w.record), 'PX', config.decisionTtlMs)
      }
    }
    pipeline.sadd(keys.rulesets, ...rulesets)
    const out = await replies(pipeline)
    const fresh: boolean[] = []
    let i = 0
    for (const w of writes) {
      fresh.push(out[i++] === 1)
      if (w.keep) i++
    }
    return fresh
  }

  const readDecisions = async (
    refs: ReadonlyArray<{ declarationId: string, version: number }>
  ): Promise<Array<JoinedDecision | undefined>> => {
    if (refs.length === 0) return []
    const pipeline = pipelineFor<ReturnType<Redis['pipeline']>>(redis)
    for (const r of refs) {
      pipeline.get(keys.decisionRecord(r.declarationId, r.version))
      // The parties the processor kept in the declaration history (history.ts), same round trip.
      pipeline.hget(profiles.history(r.declarationId), `p:${r.version}`)
    }
    const out = await replies(pipeline)
    return refs.map((_r, i) => {
      const raw = out[2 * i]
      if (typeof raw !== 'string') return undefined
      try {
        const parsed: unknown = JSON.parse(raw)
        if (!isRecord(parsed)) return undefined
        const parties = out[2 * i + 1]
        return { ...parsed, parties: decodeParties(typeof parties === 'string' ? parties : null) }
      } catch {
        return undefined
      }
    })
  }

  const recordOutcomes = async (writes: readonly OutcomeWrite[], nowMs = Date.now()): Promise<OutcomesRecorded> => {
    if (writes.length === 0) return { fresh: [], offences: 0 }
    const pipeline = pipelineFor<YieldPipeline>(redis)
    const from = nowMs - OFFENCE_WINDOW_MS
    for (const w of writes) {
      const { rulesetId, rulesetVersion } = w.record
      pipeline.prYieldApply(keys.counts(rulesetId, rulesetVersion, shardOf(w.declarationId)),
        keys.outcomeMarker(rulesetId, rulesetVersion, w.declarationId, w.outcomeId), config.outcomeTtlMs,
        ...flat(w.increments))
      if (w.offence !== undefined) {
        const { parties, at } = w.offence
        pipeline.prOffence(profiles.seller(parties.sellerId), w.outcomeId, at, from, OFFENCE_MAX)
        pipeline.prOffence(profiles.consignee(parties.consigneeKey), w.outcomeId, at, from, OFFENCE_MAX)
      }
    }
    const out = await replies(pipeline)
    const fresh: boolean[] = []
    let offences = 0
    let i = 0
    for (const w of writes) {
      fresh.push(out[i++] === 1)
      if (w.offence === undefined) continue
      if (out[i++] === 1) offences++
      if (out[i++] === 1) offences++
    }
    return { fresh, offences }
  }

  const readCounts = async (): Promise<RulesetCounts[]> => {
    const members = await redis.smembers(keys.rulesets)
    const versions = new Map<string, { id: string, version: string, digests: string[] }>()
    for (const member of members) {
      const [id, version, digest] = JSON.parse(member) as [string, string, string]
      const entry = versions.get(`${id}@${version}`) ?? { id, version, digests: [] }
      entry.digests.push(digest)
      versions.set(`${id}@${version}`, entry)
    }
    const list = [...versions.values()].sort((a, b) => a.id.localeCompare(b.id) || a.version.localeCompare(b.version))
    const pipeline = pipelineFor<ReturnType<Redis['pipeline']>>(redis)
    for (const v of list) {
      for (let shard = 0; shard < YIELD_SHARDS; shard++) pipeline.hgetall(keys.counts(v.id, v.version, shard))
    }
    const hashes = await replies(pipeline) as Array<Record<string, string>>
    return list.map((v, n) => {
      const counts = new Map<string, number>()
      for (const hash of hashes.slice(n * YIELD_SHARDS, (n + 1) * YIELD_SHARDS)) {
        for (const [field, value] of Object.entries(hash)) counts.set(field, (counts.get(field) ?? 0) + Number(value))
      }
      return { id: v.id, version: v.version, digests: v.digests.sort(), counts }
    })
  }

  return { recordDecisions, readDecisions, recordOutcomes, readCounts }
}
