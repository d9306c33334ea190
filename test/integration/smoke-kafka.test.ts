import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs'

const services = inject('services')
const kafka = new Kafka({ clientId: 'smoke', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.WARN })

describe('stack > kafka', () => {
  const topic = `smoke-${randomUUID()}`
  const groupId = `smoke-group-${randomUUID()}`
  const count = 1000
  let admin: Admin
  let producer: Producer
  const consumers: Consumer[] = []

  beforeAll(async () => {
    admin = kafka.admin()
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await Promise.all([admin.connect(), producer.connect()])
  })

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()))
    await producer.disconnect()
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
    await admin.disconnect()
  })

  const consumeUntil = async (consumer: Consumer, want: number, timeoutMs: number): Promise<Map<string, string>> => {
    const seen = new Map<string, string>()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() =>
        reject(new Error(`received ${seen.size} of ${want} within ${timeoutMs} ms`)), timeoutMs)
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.set(message.key?.toString() ?? '', message.value?.toString() ?? '')
          if (seen.size >= want) {
            clearTimeout(timer)
            resolve()
          }
        }
      })
    })
    return seen
  }

  it('creates a topic with the requested partitions', async () => {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true
    })
    expect(created).toBe(true)
    const meta = await admin.fetchTopicMetadata({ topics: [topic] })
    expect(meta.topics[0]?.partitions).toHaveLength(3)
  })

  it('round-trips 1,000 keyed messages through a consumer group and commits their offsets', async () => {
    const messages = Array.from({ length: count }, (_, i) => ({
      key: `key-${i}`, value: `value-${i}-${'x'.repeat(i % 50)}`
    }))
    await producer.send({ topic, acks: -1, messages })

    const consumer = kafka.consumer({ groupId })
    consumers.push(consumer)
    await consumer.connect()
    const seen = await consumeUntil(consumer, count, 30_000)
    expect(seen.size).toBe(count)
    for (const { key, value } of messages) expect(seen.get(key)).toBe(value)
    await consumer.stop()

    // Committed offsets cover every message: the group's committed positions add up to the
    // number produced, partition by partition they equal the high watermarks.
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] })
    const ends = await admin.fetchTopicOffsets(topic)
    const total = committed[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0)
    expect(total).toBe(count)
    for (const end of ends) {
      expect(committed[0]?.partitions.find((p) => p.partition === end.partition)?.offset).toBe(end.high)
    }
  })
})
