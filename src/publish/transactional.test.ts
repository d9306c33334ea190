// The retry of a transaction whose commit went unanswered, against a model of the broker's
// side: output and offsets become visible together, at commit, or not at all. The real
// failover (the coordinator's broker killed mid-stream) is test/cluster/leader-kill.test.ts.
import { describe, expect, it } from 'vitest'
import { KafkaJSConnectionError, type Kafka, type TopicMessages } from 'kafkajs'
import { createLogger } from '../logger.ts'
import { createTransactionalPublisher, type TransactionalConfig } from './transactional.ts'

const config: TransactionalConfig = {
  transactionalIdPrefix: 'pr', groupId: 'g', transactionTimeoutMs: 1_000, transactionAttempts: 3
}
const silent = createLogger({ level: 'silent' })
const output: TopicMessages[] = [{ topic: 'risk-decisions', messages: [{ key: 'd1', value: Buffer.from('x') }] }]
const source = { topic: 'declarations', partition: 0, nextOffset: '10' }

/**
 * What the broker keeps: the committed output and the group's offset. `commits` scripts each
 * commit request in turn: `ok`, `lost-after` (committed, answer lost), `lost-before` (never arrived).
 */
const broker = (commits: Array<'ok' | 'lost-after' | 'lost-before'>) => {
  const state = { log: [] as string[], offset: -1n, sends: 0, producers: 0, fetches: 0 }
  const kafka = {
    producer: () => {
      state.producers++
      let closed = false
      return {
        connect: async () => {},
        disconnect: async () => { closed = true },
        transaction: async () => {
          if (closed) throw new Error('producer used after disconnect')
          let staged: string[] = []
          let offset: bigint | undefined
          let ended = false
          const end = (): void => {
            if (ended) throw new Error('Invalid state transition')
            ended = true
          }
          return {
            sendBatch: async ({ topicMessages }: { topicMessages: TopicMessages[] }) => {
              state.sends++
              staged = topicMessages.flatMap((t) => t.messages.map((m) => String(m.key)))
              return topicMessages.map((t) => ({ topicName: t.topic, partition: 0, errorCode: 0 }))
            },
            sendOffsets: async ({ topics }: { topics: Array<{ partitions: Array<{ offset: string }> }> }) => {
              offset = BigInt(topics[0]?.partitions[0]?.offset ?? '-1')
            },
            commit: async () => {
              end()
              const outcome = commits.shift() ?? 'ok'
              if (outcome !== 'lost-before') {
                state.log.push(...staged)
                if (offset !== undefined) state.offset = offset
              }
              if (outcome !== 'ok') throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')
            },
            // kafkajs refuses an abort after a commit attempt (COMMITTING -> ABORTING).
            abort: async () => { end() }
          }
        }
      }
    },
    admin: () => ({
      connect: async () => {},
      disconnect: async () => {},
      fetchOffsets: async () => {
        state.fetches++
        return [{ topic: source.topic, partitions: [{ partition: 0, offset: String(state.offset) }] }]
      }
    })
  }
  return { kafka: kafka as unknown as Kafka, state }
}

describe('publish > transactional', () => {
  it('commits a chunk once', async () => {
    const { kafka, state } = broker(['ok'])
    const publisher = createTransactionalPublisher(kafka, config, silent)
    await publisher.publish(source, output)
    await publisher.close()
    expect(state).toMatchObject({ log: ['d1'], offset: 10n, sends: 1, producers: 1, fetches: 0 })
  })

  it('does not send again a chunk whose commit landed but went unanswered', async () => {
    const { kafka, state } = broker(['lost-after'])
    const publisher = createTransactionalPublisher(kafka, config, silent)
    await publisher.publish(source, output)
    await publisher.close()
    // A new producer settled the transaction; the committed offset showed it had committed.
    expect(state).toMatchObject({ log: ['d1'], offset: 10n, sends: 1, producers: 2, fetches: 1 })
  })

  it('sends again a chunk whose commit never arrived', async () => {
    const { kafka, state } = broker(['lost-before', 'ok'])
    const publisher = createTransactionalPublisher(kafka, config, silent)
    await publisher.publish(source, output)
    await publisher.close()
    expect(state).toMatchObject({ log: ['d1'], offset: 10n, sends: 2, producers: 2, fetches: 1 })
  })

  it('stops with E_PUBLISH_TRANSACTION_UNCERTAIN when the outcome cannot be learnt', async () => {
    const { kafka, state } = broker(['lost-before'])
    const admin = () => ({
      connect: async () => {
        throw new KafkaJSConnectionError('Connection error')
      },
      disconnect: async () => {}
    })
    const unreachable = { ...kafka, admin } as unknown as Kafka
    const publisher = createTransactionalPublisher(unreachable, { ...config, transactionTimeoutMs: 1_000 }, silent)
    const started = Date.now()
    await expect(publisher.publish(source, output)).rejects.toMatchObject({ code: 'E_PUBLISH_TRANSACTION_UNCERTAIN' })
    // Nothing was sent a second time while the outcome was unknown.
    expect(state.sends).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000)
  }, 60_000)
})
