// The pipeline's send step in either delivery mode. at-least-once: one producer.sendBatch for
// the chunks handed over together (src/coalesce.ts), and ingest commits each chunk's offsets
// once it resolved. exactly-once: one transaction per chunk that commits the chunk's offsets
// together with its output (transactional.ts).
import type { Kafka, Producer } from 'kafkajs'
import type { KafkaConfig } from '../config.ts'
import { coalesceVoid } from '../coalesce.ts'
import type { Logger } from '../logger.ts'
import { createProducer, createPublisher, topicMessages, type PublishBatch } from './producer.ts'
import { createTransactionalPublisher, type TransactionalConfig } from './transactional.ts'

export interface ChunkSender {
  readonly send: (
    batch: PublishBatch, source: { topic: string, partition: number, nextOffset: string }
  ) => Promise<void>
  readonly close: () => Promise<void>
}

export type SenderConfig = TransactionalConfig & Pick<KafkaConfig, 'deliveryMode' | 'topics' | 'publishTimeoutMs'>

/**
 * kafkajs fetches a topic's partitions on the first send to it, so the first chunk after
 * start-up would wait for that round trip. An empty batch loads them and writes nothing.
 * Best effort: a topic that cannot be described now is described on the first send, as before.
 */
const loadTopicMetadata = async (producer: Producer, topics: readonly string[], log: Logger): Promise<void> => {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error('no answer within 5 s'))
    }, 5_000)
  })
  try {
    const loading = producer.sendBatch({ acks: -1, topicMessages: topics.map((topic) => ({ topic, messages: [] })) })
    loading.catch(() => {}) // past the bound nobody waits for it
    await Promise.race([loading, bound])
    log.debug({ topics, ms: Math.round(performance.now() - started) }, 'output topic metadata loaded')
  } catch (err) {
    log.warn({ err, topics }, 'output topic metadata not loaded; the first chunk loads it')
  } finally {
    clearTimeout(timer)
  }
}

const joined = (batches: readonly PublishBatch[]): PublishBatch => ({
  decisions: batches.flatMap((b) => b.decisions),
  shadow: batches.flatMap((b) => b.shadow ?? []),
  deadLetters: batches.flatMap((b) => b.deadLetters)
})

/** Connects the producer (exactly-once: per input partition, on its first chunk). */
export const openChunkSender = async (kafka: Kafka, config: SenderConfig, log: Logger): Promise<ChunkSender> => {
  if (config.deliveryMode === 'exactly-once') {
    const transactional = createTransactionalPublisher(kafka, config, log)
    return {
      send: async (batch, source) => { await transactional.publish(source, topicMessages(config.topics, batch)) },
      close: async () => { await transactional.close() }
    }
  }
  const producer: Producer = createProducer(kafka)
  await producer.connect()
  await loadTopicMetadata(producer, [config.topics.decisions, config.topics.dlq], log)
  const publisher = createPublisher({ producer, topics: config.topics, publishTimeoutMs: config.publishTimeoutMs })
  // The chunks of one fetch go out in one sendBatch (src/coalesce.ts); each commits its own
  // offsets once it resolved. A failed send fails them all, and each is tried again.
  const sendAll = coalesceVoid<PublishBatch, undefined>(async (batches) => {
    await publisher.publishBatch(batches.length === 1 ? batches[0] as PublishBatch : joined(batches))
  })
  return {
    send: async (batch) => { await sendAll([batch], undefined) },
    close: async () => { await producer.disconnect() }
  }
}
