// The declarations consumer: a kafkajs consumer group driving the pipeline batch by batch.
//
// Offsets: autoCommit is off. A chunk's offsets are committed only after the handler has
// resolved, i.e. after its decisions and dead letters are acknowledged by Kafka, so a crash
// at any point replays (at-least-once) and never skips.
// Commits are coalesced: a finished chunk records its partition's next offset and the next
// chunk starts at once; at most every COMMIT_INTERVAL_MS one OffsetCommit carries every
// partition's latest offset. Awaiting a commit per chunk cost ~5 ms each (the group
// coordinator of Kafka 4 lingers group.coordinator.append.linger.ms = 5 before appending,
// and the broker answers one request per connection at a time, so a commit also holds up
// the next fetch): a fetch spanning 12 partitions took ~60 ms, the end-to-end latency floor
// (one kafkajs hop at 1,000/s over 12 partitions: p50 60 ms with a commit per batch, 1 ms
// without). A crash replays at most the last interval's records. When stopping, a chunk
// waits for its commit, and stop() waits for the last one before leaving the group.
// Batch size adapts to load on its own: a fetch returns what has arrived (small batches
// when the stream is quiet, for latency; up to maxBytesPerPartition under load), and long
// fetches are cut into chunks of at most maxBatchRecords, with a heartbeat between chunks.
// Fencing: a member paused past its session (SIGSTOP, a long GC, a frozen VM) goes on with
// the fetch it holds when it wakes, unaware that its partitions have moved. Before a chunk is
// published the handler calls `fence()`: a heartbeat (sent only when the last one is older
// than heartbeatIntervalMs, so it costs nothing at steady state; after a pause it always goes
// out) and a check that the consumer still runs and the partition was not sought. A
// coordinator answer of UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION or REBALANCE_IN_PROGRESS means
// the partition may have a new owner: the chunk is dropped unpublished and kafkajs rejoins.
// What can still be published twice is the chunk that was already past its fence when the
// pause began: at most one chunk per partition in flight. Exactly-once mode additionally
// relies on transactional fencing (one transactional id per input partition).
// Failures: the handler throws a ParcelRiskError. `retry` → seek the partition back to the
// chunk's first offset, pause it, resume after an exponential back-off (src/retry.ts) with up
// to 20 % jitter, so the partitions of every instance paused through one broker or registry
// outage do not all fetch again at the same moment. Anything else is fatal: the consumer
// stops and `onFatal` decides (main exits non-zero).
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs'
import type { KafkaConfig } from '../config.ts'
import { isParcelRiskError, ParcelRiskError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { ConsumedRecord } from '../record.ts'
import { retryPolicy } from '../retry.ts'

/**
 * The kafka slice under its config-table names, plus the topic to read. kafka.deliveryMode
 * `at-least-once`: the consumer commits a chunk's offsets after the handler resolved.
 * `exactly-once`: the handler commits them inside its Kafka transaction, using
 * `ChunkContext.nextOffset`. A new group reads the topic from the beginning.
 */
export type IngestConfig = Pick<KafkaConfig,
  'groupId' | 'partitionsConsumedConcurrently' | 'maxBatchRecords' | 'maxBytesPerPartition' |
  'maxWaitTimeMs' | 'sessionTimeoutMs' | 'heartbeatIntervalMs' | 'deliveryMode'> & {
  readonly topic: string
}

/**
 * Back-off of a partition whose chunk failed with a `retry` error: 100 ms doubling, without end
 * (the partition stays paused only while the outage lasts). Capped low: a partition paused
 * through a broker or registry outage resumes within 2 s of its end.
 */
const chunkRetry = retryPolicy({
  attempts: Infinity,
  backoff: { firstMs: 100, growth: 'exponential', maxMs: 2_000 },
  jitter: 0.2,
  retryable: (err) => isParcelRiskError(err) && err.disposition === 'retry'
})

export interface ChunkContext {
  readonly topic: string
  readonly partition: number
  /**
   * Records not yet consumed on this partition after this fetch (the broker's high watermark
   * minus the last offset).
   */
  readonly lag: number
  /** The offset to commit once this chunk is done (last offset + 1). */
  readonly nextOffset: string
  /**
   * Resolves when this instance still owns the partition in the current generation; throws
   * E_INGEST_PARTITION_LOST otherwise. Call it right before publishing the chunk's output.
   */
  readonly fence: () => Promise<void>
}

/** Processes one chunk; resolves once its output is acknowledged. Throws ParcelRiskError. */
export type ChunkHandler = (records: readonly ConsumedRecord[], context: ChunkContext) => Promise<void>

export interface Ingest {
  start (): Promise<void>
  /** Stops fetching, lets the in-flight chunks finish and commit, leaves the group. */
  stop (): Promise<void>
  /** True between joining the group and stopping. */
  joined (): boolean
}

export interface IngestDeps {
  readonly kafka: Kafka
  readonly config: IngestConfig
  readonly handle: ChunkHandler
  readonly log: Logger
  readonly onFatal: (err: unknown) => void
}

/** The one place a kafkajs message becomes the record every later stage reads. */
const consumed = (topic: string, partition: number, m: KafkaMessage): ConsumedRecord => ({
  topic,
  partition,
  offset: m.offset,
  timestampMs: Number(m.timestamp),
  key: m.key,
  value: m.value,
  headers: m.headers
})

/** Shortest gap between two offset commits (see the header). */
const COMMIT_INTERVAL_MS = 100

const next = (offset: string): string => (BigInt(offset) + 1n).toString()

// Coordinator answers that mean this member's assignment is no longer current.
const MEMBERSHIP_LOST = new Set([
  'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID'
])

const partitionLost = (topic: string, partition: number, reason: string, cause?: unknown): ParcelRiskError =>
  new ParcelRiskError('E_INGEST_PARTITION_LOST',
    `${topic}[${partition}]: ${reason}; the chunk is left to the partition's owner`,
    cause === undefined ? undefined : { cause })

/** The kafkajs error a membership loss came from, to hand back to kafkajs so it rejoins. */
const membershipCause = (err: ParcelRiskError): unknown => {
  const cause = err.cause as { type?: string } | undefined
  return cause !== undefined && MEMBERSHIP_LOST.has(cause.type ?? '') ? cause : undefined
}

export const createIngest = (deps: IngestDeps): Ingest => {
  const { kafka, config, handle, log, onFatal } = deps
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: config.heartbeatIntervalMs,
    maxBytesPerPartition: config.maxBytesPerPartition,
    maxWaitTimeInMs: config.maxWaitTimeMs,
    allowAutoTopicCreation: false
  })
  let isJoined = false
  let stopping = false
  // Offsets acknowledged but not yet committed, per partition; the chain keeps commits in order.
  const pending = new Map<string, { topic: string, partition: number, offset: string }>()
  let committing: Promise<void> = Promise.resolve()
  let commitQueued = false
  let lastCommitAt = 0
  const commitPending = (): Promise<void> => {
    if (commitQueued) return committing
    commitQueued = true
    committing = committing.then(async () => {
      const wait = lastCommitAt + COMMIT_INTERVAL_MS - Date.now()
      if (wait > 0 && !stopping) await new Promise((resolve) => setTimeout(resolve, wait))
      commitQueued = false
      lastCommitAt = Date.now()
      const offsets = [...pending.values()]
      pending.clear()
      if (offsets.length === 0) return
      try {
        await consumer.commitOffsets(offsets)
      } catch (err) {
        // Not lost: a later commit of the same partition covers it, or a restart replays it.
        log.warn({ err, partitions: offsets.length }, 'offset commit failed')
      }
    })
    return committing
  }
  const failures = new Map<string, number>()
  const resumeTimers = new Set<NodeJS.Timeout>()

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    isJoined = true
    log.info({ memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined consumer group')
  })
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    isJoined = false
    if (!payload.restart) {
      log.error({ err: payload.error }, 'consumer crashed and will not restart')
      onFatal(payload.error)
    }
  })

  const backOff = (payload: EachBatchPayload, firstOffset: string, err: unknown): void => {
    const { topic, partition } = payload.batch
    const key = `${topic}:${partition}`
    const attempt = (failures.get(key) ?? 0) + 1
    failures.set(key, attempt)
    const delayMs = chunkRetry.delayMs(attempt)
    const code = isParcelRiskError(err) ? err.code : undefined
    log.warn({ topic, partition, offset: firstOffset, attempt, delayMs, code, err }, 'batch failed, pausing partition')
    consumer.seek({ topic, partition, offset: firstOffset })
    const resume = payload.pause()
    const timer = setTimeout(() => {
      resumeTimers.delete(timer)
      resume()
    }, delayMs)
    resumeTimers.add(timer)
  }

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch, heartbeat, isRunning, isStale, resolveOffset } = payload
    const { topic, partition, messages } = batch
    const lag = Number(batch.offsetLag())
    for (let start = 0; start < messages.length; start += config.maxBatchRecords) {
      if (!isRunning() || isStale()) return
      const chunk = messages.slice(start, start + config.maxBatchRecords)
      const records = chunk.map((m) => consumed(topic, partition, m))
      const first = records[0] as ConsumedRecord
      const last = records[records.length - 1] as ConsumedRecord
      const fence = async (): Promise<void> => {
        try {
          await heartbeat()
        } catch (err) {
          if (MEMBERSHIP_LOST.has((err as { type?: string }).type ?? '')) {
            throw partitionLost(topic, partition, (err as Error).message, err)
          }
          // Ownership cannot be confirmed (coordinator unreachable, e.g. the broker is down):
          // publish nothing, back off and try the chunk again.
          throw new ParcelRiskError('E_INGEST_COORDINATOR_UNAVAILABLE',
            `${topic}[${partition}]: the group coordinator could not confirm the assignment: ${(err as Error).message}`,
            { cause: err })
        }
        if (!isRunning()) throw partitionLost(topic, partition, 'the consumer is stopping')
        if (isStale()) throw partitionLost(topic, partition, 'the partition was sought elsewhere')
      }
      try {
        await handle(records, { topic, partition, lag, nextOffset: next(last.offset), fence })
      } catch (err) {
        if (isParcelRiskError(err) && err.code === 'E_INGEST_PARTITION_LOST') {
          log.warn({ topic, partition, offset: first.offset, records: records.length, err },
            'partition lost before publishing; chunk dropped')
          // kafkajs rejoins the group when its own membership error reaches it.
          const cause = membershipCause(err)
          if (cause !== undefined) throw cause
          return
        }
        if (chunkRetry.retryable(err) && !stopping) {
          backOff(payload, first.offset, err)
          return
        }
        log.error({ err, topic, partition, offset: first.offset }, 'batch failed with a fatal error')
        onFatal(err)
        return
      }
      failures.delete(`${topic}:${partition}`)
      resolveOffset(last.offset)
      if (config.deliveryMode === 'at-least-once') {
        pending.set(`${topic}:${partition}`, { topic, partition, offset: next(last.offset) })
        const committed = commitPending()
        if (stopping || !isRunning()) await committed
      }
      await heartbeat()
    }
  }

  return {
    start: async () => {
      await consumer.connect()
      await consumer.subscribe({ topics: [config.topic], fromBeginning: true })
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
        eachBatch
      })
    },
    stop: async () => {
      stopping = true
      for (const timer of resumeTimers) clearTimeout(timer)
      resumeTimers.clear()
      await committing
      await consumer.disconnect()
      isJoined = false
    },
    joined: () => isJoined
  }
}
