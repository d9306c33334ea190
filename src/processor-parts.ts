// Two parts of the processor's composition, opened for main.ts `startProcessor`: the rulesets
// in force (with their metrics) and the enrichment side (the hot path's Redis connection and
// store, the profile-updates consumer on its own connection, the reference data monitor).
// Composition like main.ts: the stage folders they wire do not know each other.
import type { Registry } from './codec/registry.ts'
import type { Config } from './config.ts'
import { startProfileConsumer, type ProfileConsumer } from './enrich/profile-consumer.ts'
import { connectRedisClient, type RedisClient } from './enrich/redis-client.ts'
import { createRedisProfileStore, type RedisProfileStore } from './enrich/redis-store.ts'
import { roundTripBudgetMs } from './enrich/round-trip.ts'
import { startReferenceMonitor, type ReferenceMonitor } from './enrich/reference-monitor.ts'
import { inputBounds } from './engine/bounds.ts'
import { openRuleset, type RulesetInForce, type RulesetRole } from './engine/in-force.ts'
import type { CostGate } from './engine/load.ts'
import type { createKafka } from './kafka/client.ts'
import type { Logger } from './logger.ts'
import type { Readiness } from './observe/http.ts'
import type { Metrics } from './observe/metrics.ts'
import { reportReferenceData } from './observe/reference-data.ts'
import { defaultLimits } from './validate/limits.ts'

export interface Rulesets {
  readonly active: RulesetInForce
  readonly shadow: RulesetInForce | null
}

/**
 * The active ruleset and the shadow one, when configured. A ruleset that does not compile, or
 * is over the cost budget for the largest declarations validation lets through, throws here,
 * before any client connects.
 */
export const openRulesets = async (config: Config, metrics: Metrics, log: Logger): Promise<Rulesets> => {
  const gate: CostGate = { budgetMicrosPerKib: config.rules.costBudgetMicrosPerKib, bounds: inputBounds(defaultLimits) }
  const rulesetIn = async (dir: string, role: RulesetRole): Promise<RulesetInForce> => await openRuleset({
    dir, watch: config.rules.watch, gate, role, log: log.child({ module: 'rules' }),
    onLoaded: (r) => {
      metrics.rulesetLoaded(role, { id: r.id, version: r.version, digest: r.digest }, r.rules.map((rule) => rule.id))
    },
    onOverrun: (reverted) => { metrics.scoringOverrun(role, reverted) },
    onReload: (result) => { metrics.rulesetReload(role, result) }
  })
  const active = await rulesetIn(config.rules.dir, 'active')
  const shadow = config.rules.shadowDir === undefined ? null : await rulesetIn(config.rules.shadowDir, 'shadow')
  return { active, shadow }
}

export interface Enrichment {
  /** The hot path's connection: the store's round trips and the seat counters. */
  readonly redis: RedisClient
  readonly store: RedisProfileStore
  /** The profile writer's and the reference monitor's connection. */
  readonly profilesRedis: RedisClient
  /** Joined beside the declarations consumer (main.ts awaits both together). */
  readonly profilesStarting: Promise<ProfileConsumer>
  readonly reference: ReferenceMonitor
}

export interface EnrichmentDeps {
  /** redis.identityKey, checked before any connection was opened. */
  readonly identityKey: string
  readonly kafka: ReturnType<typeof createKafka>
  readonly registry: Registry
  /** The enrichment fields of the ruleset in force, as it is now. */
  readonly fields: () => readonly string[]
  readonly metrics: Metrics
  readonly readiness: Readiness
  readonly log: Logger
}

/** Opens the enrichment side; the store is ready (`readiness.redis`) when this returns. */
export const openEnrichment = async (config: Config, deps: EnrichmentDeps): Promise<Enrichment> => {
  const { kafka: kafkaConfig, redis: redisConfig } = config
  const { log } = deps
  // The store bounds each round trip itself; the client's own per-command bound only has to
  // be above the longest budget (a retried chunk of maxBatchRecords plus a catch-up share).
  const longestBudgetMs = 2 * roundTripBudgetMs(redisConfig, kafkaConfig.maxBatchRecords + redisConfig.catchUpPerBatch)
  const redis = await connectRedisClient(redisConfig, log.child({ module: 'redis' }), longestBudgetMs)
  const store = createRedisProfileStore(redis, {
    ...redisConfig, identityKey: deps.identityKey, maxAgesMs: config.referenceData.maxAgeMs
  }, { log: log.child({ module: 'enrich' }) })
  deps.readiness.redis = 'reachable'

  // Profile updates (compacted topic) keep Redis current. Instances share one group, so each update is written
  // once; the instance that wrote it drops it from its cache at once, the others within redis.cacheTtlMs. Its own
  // connection: writes may take longer than the hot path's timeout allows.
  const profilesRedis = await connectRedisClient(
    redisConfig, log.child({ module: 'redis-profiles' }), Math.max(5_000, redisConfig.commandTimeoutMs)
  )
  // Joined beside the declarations consumer, not before it: each join may wait out the
  // session of a dead predecessor, and in a row those waits would add up.
  const profilesStarting = startProfileConsumer({
    topic: kafkaConfig.topics.profileUpdates, groupId: `${kafkaConfig.groupId}-profiles`,
    keyPrefix: redisConfig.keyPrefix, maxRecordBytes: config.codec.maxRecordBytes,
    sessionTimeoutMs: kafkaConfig.sessionTimeoutMs, heartbeatIntervalMs: kafkaConfig.heartbeatIntervalMs
  }, {
    kafka: deps.kafka,
    registry: deps.registry,
    redis: profilesRedis,
    log,
    onApplied: (keys) => { keys.forEach(store.invalidate) }
  })
  profilesStarting.catch(() => {})

  // Readiness and metrics follow the reference data markers (the hot path reads them itself).
  const reference = startReferenceMonitor({
    redis: profilesRedis, prefix: redisConfig.keyPrefix, maxAgesMs: config.referenceData.maxAgeMs, intervalMs: 2_000,
    fields: deps.fields, log: log.child({ module: 'reference-data' }),
    onStatus: reportReferenceData(deps.readiness, deps.metrics, config.referenceData.readiness === 'require')
  })
  // Not being able to read them now leaves /readyz unready (unchecked), not start-up failed.
  await reference.refresh().catch((err: unknown) => {
    log.warn({ err }, 'reference data markers could not be read')
  })
  return { redis, store, profilesRedis, profilesStarting, reference }
}
