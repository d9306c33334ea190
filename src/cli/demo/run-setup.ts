// What one demo or benchmark run sets up against the stack, and takes away again: its own
// topics, consumer group and Redis key prefix (so runs never see each other's records), the
// synthetic stream's profiles in Redis, and the environment the processor runs with.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Config } from '../../config.ts'
import { loadConfig } from '../../config-load.ts'
import { connectRedis } from '../../enrich/redis-client.ts'
import { createKafka } from '../../kafka/client.ts'
import { keyLayout } from '../../enrich/keys.ts'
import { writeFor, type ProfileWrite } from '../../enrich/profile-write.ts'
import { createProfileWriter } from '../../enrich/redis-writer.ts'
import { DATA_SETS, markersOfLoad, writeMarkers } from '../../enrich/reference-data.ts'
import { generateProfiles } from '../../generate/stream.ts'
import { createLogger } from '../../logger.ts'

export interface Services {
  readonly KAFKA_BROKERS: string
  readonly SCHEMA_REGISTRY_URL: string
  readonly REDIS_URL: string
}

export interface RunNames {
  readonly runId: string
  readonly groupId: string
  readonly redisPrefix: string
  readonly topics: {
    readonly declarations: string
    readonly decisions: string
    readonly dlq: string
    readonly shadow: string
    readonly profileUpdates: string
    readonly inspectionOutcomes: string
    readonly outcomesDlq: string
    readonly consoleAudit: string
    readonly consoleDlq: string
  }
}

/** Names unique to this run: `<kind>-<time><random>-<topic>`. */
export const runNames = (
  kind: string, now: number = Date.now(), random: string = randomBytes(2).toString('hex')
): RunNames => {
  const runId = `${kind}-${now.toString(36)}${random}`
  const topic = (name: string): string => `${runId}-${name}`
  return {
    runId,
    groupId: runId,
    redisPrefix: `${runId}:`,
    topics: {
      declarations: topic('declarations'),
      decisions: topic('risk-decisions'),
      dlq: topic('declarations-dlq'),
      shadow: topic('risk-decisions-shadow'),
      profileUpdates: topic('profile-updates'),
      inspectionOutcomes: topic('inspection-outcomes'),
      outcomesDlq: topic('inspection-outcomes-dlq'),
      consoleAudit: topic('console-audit'),
      consoleDlq: topic('console-dlq')
    }
  }
}

/** The processor's environment for this run (see the README's configuration table). */
export const processorEnv = (
  services: Services, names: RunNames, rulesetDir: string, identityKey: string
): Record<string, string> => ({
  ...services,
  PARCEL_RISK_KAFKA_GROUP_ID: names.groupId,
  PARCEL_RISK_TOPIC_DECLARATIONS: names.topics.declarations,
  PARCEL_RISK_TOPIC_DECISIONS: names.topics.decisions,
  PARCEL_RISK_TOPIC_DLQ: names.topics.dlq,
  PARCEL_RISK_TOPIC_SHADOW: names.topics.shadow,
  PARCEL_RISK_TOPIC_PROFILE_UPDATES: names.topics.profileUpdates,
  PARCEL_RISK_TOPIC_INSPECTION_OUTCOMES: names.topics.inspectionOutcomes,
  PARCEL_RISK_TOPIC_OUTCOMES_DLQ: names.topics.outcomesDlq,
  PARCEL_RISK_CONSOLE_AUDIT_TOPIC: names.topics.consoleAudit,
  PARCEL_RISK_CONSOLE_DLQ_TOPIC: names.topics.consoleDlq,
  PARCEL_RISK_REDIS_KEY_PREFIX: names.redisPrefix,
  PARCEL_RISK_REDIS_IDENTITY_KEY: identityKey,
  PARCEL_RISK_RULES_DIR: rulesetDir
})

export const quietLog = createLogger({ level: 'silent' })

/** Tools' own clients wait longer than the processor's hot path would. */
const TOOL_TIMEOUT_MS = 30_000

/** The configuration of a run against `services` (every other key at its default). */
export const servicesConfig = (services: Services): Config => loadConfig({ env: { ...services } })

/** Writes the profiles of the synthetic stream with `seed` under `prefix`; returns how many. */
export const loadProfiles = async (services: Services, prefix: string, seed: number): Promise<number> => {
  const redis = await connectRedis(servicesConfig(services).redis, quietLog, TOOL_TIMEOUT_MS)
  try {
    const keys = keyLayout(prefix)
    // The generated world is complete: every data set, consignee histories (none) included.
    const updates = generateProfiles({ seed })
    const writes = updates.map((u) => writeFor(u, keys)).filter((w): w is ProfileWrite => w !== undefined)
    const counts = await createProfileWriter(redis, prefix).write(writes)
    await writeMarkers(redis, prefix, markersOfLoad(updates, `generated:${seed}`, Date.now(), DATA_SETS))
    return counts.applied
  } finally {
    redis.disconnect()
  }
}

/** Fields of Redis INFO persistence, as numbers (absent: NaN). */
const persistence = async (redis: Redis): Promise<(name: string) => number> => {
  const info = await redis.info('persistence')
  const fields = new Map(info.split('\r\n').map((line) => line.split(':') as [string, string]))
  return (name) => Number(fields.get(name) ?? Number.NaN)
}

/**
 * Before the feed: lets a background save or append-only-file rewrite in progress finish,
 * and rewrites the append-only file if it has grown since its last rewrite (the profiles
 * just loaded, the keys of earlier runs deleted). Redis starts a rewrite by itself once the
 * file has doubled (and passed 64 MB); its fork and file switch stall Redis for tens of
 * milliseconds, and one falling in the run showed as 80-120 ms enrichment round trips. A
 * rewrite now makes the next one unlikely within a run. Best effort: a Redis that refuses
 * BGREWRITEAOF (a managed service) is left as it is. Returns what it did, for the demo's log.
 */
export const settleRedisPersistence = async (services: Services): Promise<string | undefined> => {
  const redis = await connectRedis(servicesConfig(services).redis, quietLog, TOOL_TIMEOUT_MS)
  const busy = (f: (name: string) => number): boolean =>
    f('aof_rewrite_in_progress') === 1 || f('aof_rewrite_scheduled') === 1 || f('rdb_bgsave_in_progress') === 1
  const settle = async (): Promise<void> => {
    const until = Date.now() + TOOL_TIMEOUT_MS
    while (busy(await persistence(redis)) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  try {
    await settle()
    const before = await persistence(redis)
    if (before('aof_enabled') !== 1 || !(before('aof_current_size') > before('aof_base_size'))) return undefined
    await redis.bgrewriteaof()
    await settle()
    const after = await persistence(redis)
    const mb = (bytes: number): string => (bytes / 1_048_576).toFixed(1)
    return `rewrote Redis's append-only file before the feed (${mb(before('aof_current_size'))} MB → ` +
      `${mb(after('aof_current_size'))} MB), so no automatic rewrite falls in the run`
  } catch {
    // INFO or BGREWRITEAOF refused (an ACL, a managed service): the run goes ahead as it is.
    return undefined
  } finally {
    redis.disconnect()
  }
}

/** Deletes every key under `prefix` (SCAN + UNLINK); returns how many. */
export const deleteKeys = async (redis: Redis, prefix: string): Promise<number> => {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) deleted += await redis.unlink(...keys)
  } while (cursor !== '0')
  return deleted
}

/** Deletes the run's topics and Redis keys. */
export const cleanUp = async (services: Services, names: RunNames): Promise<void> => {
  const config = servicesConfig(services)
  const admin = createKafka(config.kafka, quietLog).admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const topics = Object.values(names.topics).filter((t) => existing.has(t))
    if (topics.length > 0) await admin.deleteTopics({ topics })
  } finally {
    await admin.disconnect()
  }
  const redis = await connectRedis(config.redis, quietLog, TOOL_TIMEOUT_MS)
  try {
    await deleteKeys(redis, names.redisPrefix)
  } finally {
    redis.disconnect()
  }
}
