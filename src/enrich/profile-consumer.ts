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
import type { Consumer, Kafka } from 'kafkajs'
import type { Redis } from 'ioredis'
import { createDecoder } from '../codec/decoder.ts'
import type { Registry } from '../codec/registry.ts'
import type { ProfileUpdate } from '../declaration.ts'
import type { Logger } from '../logger.ts'
import { keyLayout } from './keys.ts'
import { profileUpdateType } from './profile-files.ts'
import { writeFor, writeForTombstone, type ProfileWrite } from './profile-write.ts'
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
}

export interface ProfileConsumerDeps {
  /** Clients from the one factory of each service (src/kafka/client.ts, src/codec/registry.ts). */
  readonly kafka: Kafka
  readonly registry: Registry
  readonly redis: Redis
  readonly log: Logger
  /** Called with the Redis keys and watchlist fields just written, e.g. to drop them from a cache. */
  readonly onApplied?: OnApplied
}

export interface ProfileConsumer {
  readonly stop: () => Promise<void>
  /** Writes applied so far (including stale ones skipped by Redis). */
  readonly processed: () => number
}

/** Called with the Redis keys and watchlist fields just written, e.g. to drop them from a cache. */
export type OnApplied = (keys: readonly string[]) => void

const touched = (w: ProfileWrite): string => w.kind === 'watch' ? w.field : w.key

export const startProfileConsumer = async (config: ProfileConsumerConfig, deps: ProfileConsumerDeps): Promise<ProfileConsumer> => {
  const { kafka, registry, redis, log, onApplied } = deps
  const keys = keyLayout(config.keyPrefix)
  const writer = createProfileWriter(redis, config.keyPrefix)
  const decoder = createDecoder<ProfileUpdate>({ readerType: profileUpdateType(), registry, maxRecordBytes: config.maxRecordBytes })
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    ...(config.sessionTimeoutMs === undefined ? {} : { sessionTimeout: config.sessionTimeoutMs }),
    ...(config.heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: config.heartbeatIntervalMs })
  })
  const mlog = log.child({ module: 'profile-consumer', topic: config.topic })
  let processed = 0

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
          if (w === undefined) mlog.warn({ partition: batch.partition, offset: m.offset }, 'tombstone with an unknown entity key skipped')
          else writes.push(w)
          continue
        }
        const result = decoded[d++]
        // The registry could not be asked: fail the batch so kafkajs fetches it again later,
        // rather than skip an update that is fine.
        if (result !== undefined && !result.ok && result.error.disposition === 'retry') throw result.error
        if (result === undefined || !result.ok) {
          mlog.warn({ partition: batch.partition, offset: m.offset, code: result?.error.code ?? 'E_ENRICH_PROFILE_INVALID' }, 'profile update skipped')
          continue
        }
        const w = writeFor(result.value, keys)
        if (w === undefined) mlog.warn({ partition: batch.partition, offset: m.offset, code: 'E_ENRICH_PROFILE_INVALID' }, 'profile update without its payload skipped')
        else writes.push(w)
      }
      if (writes.length > 0) {
        const counts = await writer.write(writes)
        processed += writes.length
        onApplied?.(writes.map(touched))
        mlog.debug({ partition: batch.partition, ...counts }, 'profile updates applied')
      }
      await heartbeat()
    }
  })
  return {
    stop: async () => { await consumer.disconnect() },
    processed: () => processed
  }
}
