import { describe, expect, it } from 'vitest'
import { KafkaJSConnectionError, KafkaJSNonRetriableError } from 'kafkajs'
import { isParcelRiskError } from '../errors.ts'
import type { Kafka } from 'kafkajs'
import { openTopicWriter, withBrokerRetry } from './topic-writer.ts'

describe('publish > topic writer > broker retry', () => {
  it('retries a connection error with back-off and returns once the broker answers', async () => {
    let calls = 0
    const retries: number[] = []
    const value = await withBrokerRetry('sending', async () => {
      calls++
      if (calls < 3) throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')
      return 'sent'
    }, 10_000, (_what, _err, delayMs) => { retries.push(delayMs) })
    expect(value).toBe('sent')
    expect(calls).toBe(3)
    expect(retries).toEqual([500, 1_000])
  })

  it('gives up with E_KAFKA_UNAVAILABLE once the next back-off would overrun its window', async () => {
    let calls = 0
    const err = await withBrokerRetry('sending', async () => {
      calls++
      throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')
    }, 700)
      .then(() => undefined, (e: unknown) => e)
    expect(isParcelRiskError(err) && err.code).toBe('E_KAFKA_UNAVAILABLE')
    expect((err as Error).message).toMatch(/^sending: Kafka did not answer within 1 s: Connection error/)
    expect(calls).toBe(2)
  })

  it('does not retry an error that retrying cannot help', async () => {
    let calls = 0
    const refused = new KafkaJSNonRetriableError('Invalid topic')
    const step = async (): Promise<never> => {
      calls++
      throw refused
    }
    await expect(withBrokerRetry('sending', step, 10_000)).rejects.toBe(refused)
    expect(calls).toBe(1)
  })
})

describe('publish > topic writer > acknowledgements', () => {
  it('sends a batch again when a partition of it was not acknowledged, instead of counting it written', async () => {
    const sends: number[] = []
    let partitionOf: (m: { key: string }) => number = () => 0
    const kafka = {
      admin: () => ({
        connect: async () => {},
        disconnect: async () => {},
        listTopics: async () => ['t'],
        createTopics: async () => true
      }),
      producer: (options: { createPartitioner: () => (args: object) => number }) => {
        const partitioner = options.createPartitioner()
        const metadata = [0, 1].map((partitionId) => ({
          partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1]
        }))
        partitionOf = (message) => partitioner({ topic: 't', partitionMetadata: metadata, message })
        return {
          connect: async () => {},
          disconnect: async () => {},
          // The first send acknowledges only partition 0, as kafkajs does when the other
          // partition's leader moved to a broker that had answered already.
          send: async ({ messages }: { messages: Array<{ key: string }> }) => {
            const partitions = [...new Set(messages.map(partitionOf))]
            sends.push(messages.length)
            const acked = sends.length === 1 ? partitions.filter((p) => p === 0) : partitions
            return acked.map((partition) => ({ topicName: 't', partition, errorCode: 0 }))
          }
        }
      }
    }
    const retries: string[] = []
    const writer = await openTopicWriter(kafka as unknown as Kafka, {
      topic: 't',
      partitions: 2,
      replicationFactor: 1,
      batchSize: 100,
      onRetry: (_what, err) => {
        retries.push((err as { code?: string }).code ?? '')
      }
    })
    for (let i = 0; i < 20; i++) await writer.write(`key-${i}`, Buffer.from('v'))
    await writer.close()
    expect(new Set(Array.from({ length: 20 }, (_, i) => partitionOf({ key: `key-${i}` })))).toEqual(new Set([0, 1]))
    expect(sends).toEqual([20, 20])
    expect(retries).toEqual(['E_PUBLISH_BROKER_UNAVAILABLE'])
  })
})
