// A plain (non-transactional) Kafka writer for feeding a topic from a tool, e.g.
// `parcel-risk generate --to-topic`. Creates the topic when missing, buffers messages and
// sends them in batches of `batchSize`, one producer.send per batch.
// Broker outages: connecting, creating the topic and every send are retried with a doubling
// back-off (0.5 s up to 5 s, src/retry.ts) as long as the failure is retriable, for at most `retryForMs`
// per step; then the writer gives up with E_KAFKA_UNAVAILABLE (the CLI exits 4). A batch
// resent after a lost acknowledgement may be written twice: consumers of declarations are
// idempotent per declarationId and version.
import { classifyRefusal } from '../refusals.ts'
import type { Kafka, Message, Producer } from 'kafkajs'
import { isParcelRiskError, ParcelRiskError } from '../errors.ts'
import { retryPolicy } from '../retry.ts'
import { checkAcknowledged, isRetriable, javaPartitioner } from './producer.ts'

export interface TopicWriterConfig {
  readonly topic: string
  /** Partitions when the topic has to be created. */
  readonly partitions: number
  readonly replicationFactor: number
  readonly batchSize: number
  /** Longest one step (connect, topic set-up, one send) keeps retrying a broker outage; default 120 s. */
  readonly retryForMs?: number
  /** Told about each retry, e.g. to print a line. */
  readonly onRetry?: (what: string, err: unknown, delayMs: number) => void
}

/**
 * A broker outage, bounded by time (`retryForMs`), not by attempts. A refusal (wrong password,
 * missing ACL, untrusted certificate) does not heal by waiting; a batch a partition's moving
 * leader left unacknowledged does.
 */
const brokerRetry = retryPolicy({
  attempts: Infinity,
  backoff: { firstMs: 500, growth: 'exponential', maxMs: 5_000 },
  retryable: (err) =>
    (isRetriable(err) || (isParcelRiskError(err) && err.disposition === 'retry')) && classifyRefusal(err) === undefined
})

/** Runs `step` until it succeeds, retrying retriable Kafka failures for at most `forMs`. */
export const withBrokerRetry = async <T>(
  what: string, step: () => Promise<T>, forMs: number, onRetry?: TopicWriterConfig['onRetry']
): Promise<T> => {
  const until = Date.now() + forMs
  for (let attempt = 1; ; attempt++) {
    try {
      return await step()
    } catch (err) {
      if (!brokerRetry.again(err, attempt)) throw err
      const delayMs = brokerRetry.delayMs(attempt)
      if (Date.now() + delayMs > until) {
        throw new ParcelRiskError('E_KAFKA_UNAVAILABLE',
          `${what}: Kafka did not answer within ${Math.round(forMs / 1000)} s: ${(err as Error).message}`,
          { cause: err })
      }
      onRetry?.(what, err, delayMs)
      await brokerRetry.sleep(delayMs)
    }
  }
}

export interface TopicWriter {
  /** Buffers one message; resolves once any batch it completed is acknowledged. */
  readonly write: (key: string, value: Buffer) => Promise<void>
  /** Sends what is buffered. */
  readonly flush: () => Promise<void>
  readonly close: () => Promise<void>
}

/** `kafka` comes from the one client factory (src/kafka/client.ts). */
export const openTopicWriter = async (kafka: Kafka, config: TopicWriterConfig): Promise<TopicWriter> => {
  const retryForMs = config.retryForMs ?? 120_000
  const retrying = async <T>(what: string, step: () => Promise<T>): Promise<T> =>
    await withBrokerRetry(what, step, retryForMs, config.onRetry)
  await retrying(`creating topic ${config.topic}`, async () => {
    const admin = kafka.admin()
    await admin.connect()
    try {
      const existing = await admin.listTopics()
      if (!existing.includes(config.topic)) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [{
            topic: config.topic, numPartitions: config.partitions, replicationFactor: config.replicationFactor
          }]
        })
      }
    } finally {
      await admin.disconnect()
    }
  })
  // Java's partitioner remembers where each message went, for the acknowledgement check.
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: javaPartitioner })
  await retrying('connecting', async () => {
    await producer.connect()
  })
  let buffered: Message[] = []
  const flush = async (): Promise<void> => {
    if (buffered.length === 0) return
    const messages = buffered
    buffered = []
    // kafkajs can resolve a send that left out a partition whose leader moved mid-send
    // (see unacknowledged in producer.ts): such a batch is sent again, not lost.
    await retrying(`sending ${messages.length} records to ${config.topic}`, async () => {
      const acks = await producer.send({ topic: config.topic, acks: -1, messages })
      checkAcknowledged([{ topic: config.topic, messages }], acks)
    })
  }
  return {
    write: async (key, value) => {
      buffered.push({ key, value })
      if (buffered.length >= config.batchSize) await flush()
    },
    flush,
    close: async () => {
      try {
        await flush()
      } finally {
        await producer.disconnect()
      }
    }
  }
}
