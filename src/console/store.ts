// The console's store, in Redis (with the stack's append-only file it survives a restart of
// Redis and of the console; a new consumer group can rebuild it from the topics). Fed by
// intake.ts, read by the pages. Keys, all under <redis.keyPrefix>console:
//
//   parcel:<id>        hash: version, decision (JSON), summary (decision|action), lane, rules,
//                      z (queue order), decidedAt, status open|controlled|released,
//                      seller, route, consignee (from the declaration), idx (its queue indexes)
//   decl:<id>          hash: version, seller, route, consignee key, json (the declaration)
//   q, q:lane:<a>, q:rule:<r>, q:seller:<s>, q:route:<c>
//                      sorted sets of the open holds, by z = score·10¹³ + (10¹³ − decidedAt):
//                      highest score first, then oldest first
//   claim:<id>         the officer working the parcel
//   outcomes:<id>      list of the inspection outcomes received (JSON)
//   party:s:<seller>, party:c:<consignee key>   recent parcels of a party, by decidedAt
//   shadow:<id>        the challenger's decision; disagree: ids where it differs, by decidedAt
//   ov:<second>        per-second counters: n, held, degraded, lane:<a>, lat:<bucket>, dlq:<code>
//   rulesets, shadow-rulesets   "id@version#digest" → last decidedAt seen
//   dlq                dead letters by code, all time
//   trend:<rule>       "<hour>|hits|holds|controls|positives" → count
//   seen:d|o|x:…       markers: this decision, outcome or dead letter was applied (idempotence)
//   users, session:<sha256>   auth.ts
// On Redis Cluster the prefix is a hash tag, `{<redis.keyPrefix>console}:` (consolePrefix):
// every console key is in one slot, so the scripts may touch the keys they compute and the
// pages' pipelines and MULTI keep to one node. One slot fits the console's volume (one record
// per decision, a few reads per page); the processors' keys spread over the cluster.
// Each script declares the prefix as its one key, so a cluster client routes it to that slot.
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { RedisClient } from '../enrich/redis-client.ts'
import type { InspectionOutcome, ParcelDeclaration, RiskDecision } from '../declaration.ts'
import { outcomeId, POSITIVE_RESULTS } from '../outcomes/tally.ts'
import {
  CLAIM_LUA, DEAD_LETTER_LUA, DECISION_LUA, DECLARATION_LUA, OUTCOME_LUA, SHADOW_LUA, UNCLAIM_LUA
} from './store-scripts.ts'

export interface StoreConfig {
  readonly prefix: string
  /** How long a held parcel (and its declaration, outcomes and markers) is kept. */
  readonly retentionMs: number
  /** How long a released parcel and a declaration not (yet) held are kept. */
  readonly releasedTtlMs: number
}

/** The console's key prefix: under one hash tag on a Redis Cluster (header). */
export const consolePrefix = (keyPrefix: string, cluster: boolean): string =>
  cluster ? `{${keyPrefix}console}:` : `${keyPrefix}console:`

export interface DeadLetterSeen { readonly marker: string, readonly code: string, readonly atMs: number }

/** Latency buckets: ×1.25 apart, so a percentile read from them is within 12 % of the truth. */
const LATENCY_BASE = 1.25
export const latencyBucket = (micros: number): number =>
  Math.max(0, Math.floor(Math.log(Math.max(1, micros)) / Math.log(LATENCY_BASE)))
export const bucketMicros = (bucket: number): number => Math.round(LATENCY_BASE ** (bucket + 0.5))

const ORDER_SPAN = 1e13
export const queueOrder = (score: number, decidedAt: number): number => score * ORDER_SPAN + (ORDER_SPAN - decidedAt)

export const HOUR_MS = 3_600_000

/** Consignees are people: their history is keyed by a digest of name, postcode and country. */
export const consigneeKey = (d: Pick<ParcelDeclaration, 'consignee'>): string =>
  createHash('sha256')
    .update([d.consignee.name.trim().toLowerCase(), d.consignee.address.postcode ?? '', d.consignee.address.country]
      .join('\u0000'))
    .digest('hex')
    .slice(0, 24)

/** Countries a parcel passes: origin, transit, destination, without repeats. */
export const routeOf = (d: Pick<ParcelDeclaration, 'originCountry' | 'route' | 'destinationCountry'>): string[] =>
  [...new Set([d.originCountry, ...d.route, d.destinationCountry])]

/** Values that end up in key names: no separators of ours, bounded length. */
export const keyPart = (value: string): string => value.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 100)

export const rulesetField = (d: RiskDecision): string =>
  `${d.ruleset.id}@${d.ruleset.version}#${d.ruleset.digest.slice(0, 12)}`
export const summaryOf = (d: Pick<RiskDecision, 'decision' | 'action'>): string => `${d.decision}|${d.action}`

type Script = (...args: Array<string | number>) => unknown
type ScriptPipeline = ReturnType<Redis['pipeline']> &
  Record<'prcDecision' | 'prcDeclaration' | 'prcOutcome' | 'prcShadow' | 'prcDeadLetter', Script>

const replies = async (pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> => {
  const out = await pipeline.exec()
  if (out === null) throw new Error('console pipeline discarded')
  return out.map(([err, reply]) => {
    if (err !== null) throw err
    return reply
  })
}

const jsonText = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => typeof v === 'bigint' ? Number(v) : v)

export const defineScripts = (redis: RedisClient): void => {
  const scripts = {
    prcDecision: DECISION_LUA,
    prcDeclaration: DECLARATION_LUA,
    prcOutcome: OUTCOME_LUA,
    prcShadow: SHADOW_LUA,
    prcDeadLetter: DEAD_LETTER_LUA,
    prcClaim: CLAIM_LUA,
    prcUnclaim: UNCLAIM_LUA
  }
  // KEYS[1] is the prefix (routing only); the scripts read it again as ARGV[1].
  for (const [name, lua] of Object.entries(scripts)) redis.defineCommand(name, { lua, numberOfKeys: 1 })
}

export const createWriter = (redis: RedisClient, config: StoreConfig) => {
  const p = config.prefix
  defineScripts(redis)
  const run = async (fill: (pipeline: ScriptPipeline) => void): Promise<number> => {
    const pipeline = redis.pipeline() as ScriptPipeline
    fill(pipeline)
    return (await replies(pipeline)).filter((r) => r === 1).length
  }

  const recordDecisions = async (decisions: readonly RiskDecision[]): Promise<number> => await run((pipeline) => {
    for (const d of decisions) {
      const held = d.decision === 'HOLD'
      const decidedAt = Number(d.timings.decidedAt)
      const rules = [...new Set(d.reasons.map((r) => keyPart(r.ruleId)))].join(',')
      pipeline.prcDecision(p, p, d.declarationId, d.version, config.retentionMs, held ? '1' : '0',
        queueOrder(d.score, decidedAt), d.action, rules, jsonText(d), decidedAt,
        latencyBucket(Number(d.timings.latencyMicros)), d.enrichment.status === 'DEGRADED' ? '1' : '0',
        rulesetField(d), Math.floor(decidedAt / 1000), Math.floor(decidedAt / HOUR_MS) * HOUR_MS, summaryOf(d),
        held ? config.retentionMs : config.releasedTtlMs)
    }
  })

  const recordDeclarations = async (declarations: readonly ParcelDeclaration[]): Promise<number> =>
    await run((pipeline) => {
      for (const d of declarations) {
        pipeline.prcDeclaration(p, p, d.declarationId, d.version, config.releasedTtlMs, keyPart(d.sellerId),
          routeOf(d).map(keyPart).join(','), consigneeKey(d), jsonText(d), config.retentionMs)
      }
    })

  const recordOutcomes = async (outcomes: readonly InspectionOutcome[]): Promise<number> => await run((pipeline) => {
    for (const o of outcomes) {
      const at = Number(o.inspectedAt)
      pipeline.prcOutcome(p, p, o.declarationId, o.version, outcomeId(o), config.retentionMs, jsonText(o),
        Math.floor(at / HOUR_MS) * HOUR_MS, POSITIVE_RESULTS.has(o.result) ? '1' : '0')
    }
  })

  const recordShadow = async (decisions: readonly RiskDecision[]): Promise<number> => await run((pipeline) => {
    for (const d of decisions) {
      pipeline.prcShadow(p, p, d.declarationId, d.version, config.releasedTtlMs, summaryOf(d), jsonText(d),
        Number(d.timings.decidedAt), rulesetField(d))
    }
  })

  const recordDeadLetters = async (letters: readonly DeadLetterSeen[]): Promise<number> => await run((pipeline) => {
    for (const l of letters) {
      pipeline.prcDeadLetter(p, p, l.marker, config.retentionMs, keyPart(l.code), Math.floor(l.atMs / 1000))
    }
  })

  return { recordDecisions, recordDeclarations, recordOutcomes, recordShadow, recordDeadLetters }
}

export type ConsoleWriter = ReturnType<typeof createWriter>
