// The pipeline's send step in either delivery mode. at-least-once: one producer.sendBatch per
// chunk, and ingest commits the offsets once it resolved. exactly-once: one transaction per
// chunk that commits the chunk's offsets together with its output (transactional.ts).
import type { Kafka, Producer } from 'kafkajs'
import type { KafkaConfig } from '../config.ts'
import type { Logger } from '../logger.ts'
import { createProducer, createPublisher, topicMessages, type PublishBatch } from './producer.ts'
import { createTransactionalPublisher, type TransactionalConfig } from './transactional.ts'

export interface ChunkSender {
  readonly send: (batch: PublishBatch, source: { topic: string, partition: number, nextOffset: string }) => Promise<void>
  readonly close: () => Promise<void>
}

export type SenderConfig = TransactionalConfig & Pick<KafkaConfig, 'deliveryMode' | 'topics' | 'publishTimeoutMs'>

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
  const publisher = createPublisher({ producer, topics: config.topics, publishTimeoutMs: config.publishTimeoutMs })
  return {
    send: async (batch) => { await publisher.publishBatch(batch) },
    close: async () => { await producer.disconnect() }
  }
}
