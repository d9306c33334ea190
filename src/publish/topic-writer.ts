// A plain (non-transactional) Kafka writer for feeding a topic from a tool, e.g.
// `parcel-risk generate --to-topic`. Creates the topic when missing, buffers messages and
// sends them in batches of `batchSize`, one producer.send per batch.
import type { Kafka, Message, Producer } from 'kafkajs'

export interface TopicWriterConfig {
  readonly topic: string
  /** Partitions when the topic has to be created. */
  readonly partitions: number
  readonly replicationFactor: number
  readonly batchSize: number
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
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = await admin.listTopics()
    if (!existing.includes(config.topic)) {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: config.topic, numPartitions: config.partitions, replicationFactor: config.replicationFactor }] })
    }
  } finally {
    await admin.disconnect()
  }
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  let buffered: Message[] = []
  const flush = async (): Promise<void> => {
    if (buffered.length === 0) return
    const messages = buffered
    buffered = []
    await producer.send({ topic: config.topic, acks: -1, messages })
  }
  return {
    write: async (key, value) => {
      buffered.push({ key, value })
      if (buffered.length >= config.batchSize) await flush()
    },
    flush,
    close: async () => {
      try { await flush() } finally { await producer.disconnect() }
    }
  }
}
