// Keeps Redis current from the compacted `profile-updates` topic. Values are ProfileUpdate in
// the Confluent wire format (Avro through the schema registry) or JSON with header
// `content-type: application/json`, decoded by the codec (src/codec/decoder.ts). A record
// with a null value is a tombstone: the entity named by its key is deleted (a watchlist key
// removes that entry from that list). Each fetched batch becomes one decode and one
// pipelined write (redis-writer.ts); offsets are committed by kafkajs after the batch
// handler returns, so a Redis failure makes the batch come again (writes are idempotent:
// an update never overwrites a newer one).
// A new consumer group reads the topic from the beginning, which on a compacted topic is
// the latest state of every entity.
//
// Sync markers (reference-data.ts): a compacted topic read to its end holds every entity it
// carries. Each check compares the group's committed offsets with the end offsets the
// previous check saw (the first check: the current ones, so a stream that never pauses still
// counts as read); when every partition has got there, the data sets this topic carries are
// marked loaded as of that previous check (source `topic:{name}`): those it applied records
// of since start, and those whose marker already names this topic (after a restart that
// resumes at the end). Checked every second while a data set waits for its first mark, else
// every markIntervalMs; a consumer that stops or falls behind stops renewing the marks and
// they go stale. A data set this topic never carried keeps the mark of its file loads.
import type { Consumer, Kafka } from 'kafkajs'
import { createDecoder } from '../codec/decoder.ts'
import type { Registry } from '../codec/registry.ts'
import type { ProfileUpdate } from '../declaration.ts'
import type { Logger } from '../logger.ts'
import { keyLayout } from './keys.ts'
import { DATA_SETS, dataSetOfKind, readMarkers, writeMarkers, type DataSet, type SyncMarker } from './reference-data.ts'
import { profileUpdateType } from './profile-files.ts'
import { writeFor, writeForTombstone, type ProfileWrite } from './profile-write.ts'
import { isCluster, type RedisClient } from './redis-client.ts'
import { createProfileWriter } from './redis-writer.ts'

/** Settings under their config-table names (kafka.topics.profileUpdates, redis.keyPrefix, …). */
export interface ProfileConsumerConfig {
  readonly topic: string
  readonly groupId: string
  readonly keyPrefix: string
  readonly maxRecordBytes: number
  /**
   * Group session and heartbeat; the processor passes its own, so a restarted instance does not
   * wait out a longer session of its dead predecessor here (kafkajs' default is 30 s).
   */
  readonly sessionTimeoutMs?: number
  readonly heartbeatIntervalMs?: number
  /** How often the sync markers are renewed while the group is caught up (default 60 s). */
  readonly markIntervalMs?: number
}

export interface ProfileConsumerDeps {
  /** Clients from the one factory of each service (src/kafka/client.ts, src/codec/registry.ts). */
  readonly kafka: Kafka
  readonly registry: Registry
  readonly redis: RedisClient
  readonly log: Logger
  /** Called with the Redis keys and watchlist fields just written, e.g. to drop them from a cache. */
  readonly onApplied?: OnApplied
}

export interface ProfileConsumer {
  readonly stop: () => Promise<void>
  /** Writes applied so far (including stale ones skipped by Redis). */
  readonly processed: () => number
  /** Checks now whether the group is caught up and, if so, renews the markers; true when it did. */
  readonly mark: () => Promise<boolean>
}

/** Called with the Redis keys and watchlist fields just written, e.g. to drop them from a cache. */
export type OnApplied = (keys: readonly string[]) => void

const touched = (w: ProfileWrite): string[] => w.kind === 'watch' ? [w.field, ...w.fuzzy] : [w.key]

export const startProfileConsumer = async (
  config: ProfileConsumerConfig, deps: ProfileConsumerDeps
): Promise<ProfileConsumer> => {
  const { kafka, registry, redis, log, onApplied } = deps
  const keys = keyLayout(config.keyPrefix, isCluster(redis))
  const writer = createProfileWriter(redis, config.keyPrefix)
  const decoder = createDecoder<ProfileUpdate>({
    readerType: profileUpdateType(), registry, maxRecordBytes: config.maxRecordBytes
  })
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    ...(config.sessionTimeoutMs === undefined ? {} : { sessionTimeout: config.sessionTimeoutMs }),
    ...(config.heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: config.heartbeatIntervalMs })
  })
  const mlog = log.child({ module: 'profile-consumer', topic: config.topic })
  let processed = 0
  const markIntervalMs = config.markIntervalMs ?? 60_000
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  let checking = false
  const schedule = (delayMs: number): void => {
    if (stopped) return
    clearTimeout(timer)
    timer = setTimeout(() => {
      void tick()
    }, delayMs)
    timer.unref()
  }
  const hurry = (): void => {
    if (!checking) schedule(1_000)
  }
  const tick = async (): Promise<void> => {
    checking = true
    let delayMs = 1_000
    try {
      if (await mark() && [...applied.keys()].every((set) => marked.has(set))) delayMs = markIntervalMs
    } catch (err) {
      mlog.warn({ err }, 'reference data marks not renewed; retrying')
    } finally {
      checking = false
    }
    schedule(delayMs)
  }
  // Records applied per data set since the last mark.
  const applied = new Map<DataSet, number>()
  // Data sets marked from this topic at least once; a new one is checked for within a second.
  const marked = new Set<DataSet>()
  const hurried = new Set<DataSet>()
  const count = (set: DataSet | undefined): void => {
    if (set === undefined) return
    applied.set(set, (applied.get(set) ?? 0) + 1)
    if (!marked.has(set) && !hurried.has(set)) {
      hurried.add(set)
      hurry()
    }
  }
  const source = `topic:${config.topic}`
  const admin = kafka.admin()
  let previous: { readonly at: number, readonly ends: ReadonlyMap<number, bigint> } | undefined

  const mark = async (): Promise<boolean> => {
    const checkedAt = Date.now()
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(config.topic),
      admin.fetchOffsets({ groupId: config.groupId, topics: [config.topic] })
    ])
    const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]))
    const target = previous ?? { at: checkedAt, ends: new Map(ends.map((e) => [e.partition, BigInt(e.high)])) }
    previous = { at: checkedAt, ends: new Map(ends.map((e) => [e.partition, BigInt(e.high)])) }
    const behind = ends.some((e) => {
      const c = at.get(e.partition)
      return (c === undefined || c < 0n ? BigInt(e.low) : c) < (target.ends.get(e.partition) ?? BigInt(e.high))
    })
    if (behind) return false
    const current = await readMarkers(redis, config.keyPrefix)
    const now = target.at
    const marks = new Map<DataSet, SyncMarker>()
    for (const set of DATA_SETS) {
      const n = applied.get(set) ?? 0
      const m = current.get(set)
      const ours = m?.source === source
      if (n > 0 || ours) marks.set(set, { loadedAt: now, source, entries: (ours ? m.entries : 0) + n })
    }
    await writeMarkers(redis, config.keyPrefix, marks)
    applied.clear()
    for (const set of marks.keys()) marked.add(set)
    if (marks.size > 0) mlog.debug({ dataSets: [...marks.keys()] }, 'reference data marked loaded from the topic')
    return true
  }

  await admin.connect()
  await consumer.connect()
  await consumer.subscribe({ topic: config.topic, fromBeginning: true })
  await consumer.run({
    eachBatch: async ({ batch, heartbeat }) => {
      const withValue = batch.messages.filter((m) => m.value !== null)
      const decoded = await decoder.decodeBatch(withValue.map((m) => ({ value: m.value, headers: m.headers })))
      const writes: ProfileWrite[] = []
      let d = 0
      for (const m of batch.messages) {
        if (m.value === null) {
          const w = writeForTombstone(m.key?.toString('utf8') ?? '', keys)
          if (w === undefined) {
            mlog.warn({ partition: batch.partition, offset: m.offset }, 'tombstone with an unknown entity key skipped')
          } else {
            writes.push(w)
            count(DATA_SETS.find((set) => m.key?.toString('utf8').startsWith(`${set}:`)))
          }
          continue
        }
        const result = decoded[d++]
        // The registry could not be asked: fail the batch so kafkajs fetches it again later,
        // rather than skip an update that is fine.
        if (result !== undefined && !result.ok && result.error.disposition === 'retry') throw result.error
        if (result === undefined || !result.ok) {
          const code = result?.error.code ?? 'E_ENRICH_PROFILE_INVALID'
          mlog.warn({ partition: batch.partition, offset: m.offset, code }, 'profile update skipped')
          continue
        }
        const w = writeFor(result.value, keys)
        if (w === undefined) {
          const at = { partition: batch.partition, offset: m.offset, code: 'E_ENRICH_PROFILE_INVALID' }
          mlog.warn(at, 'profile update without its payload skipped')
        } else {
          writes.push(w)
          count(dataSetOfKind[result.value.kind])
        }
      }
      if (writes.length > 0) {
        const counts = await writer.write(writes)
        processed += writes.length
        onApplied?.(writes.flatMap(touched))
        mlog.debug({ partition: batch.partition, ...counts }, 'profile updates applied')
      }
      await heartbeat()
    }
  })
  schedule(1_000)
  return {
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await consumer.disconnect()
      await admin.disconnect()
    },
    processed: () => processed,
    mark
  }
}
