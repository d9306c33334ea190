import { describe, expect, it } from 'vitest'
import { KafkaJSConnectionError, KafkaJSNonRetriableError } from 'kafkajs'
import { isParcelRiskError } from '../errors.ts'
import { withBrokerRetry } from './topic-writer.ts'

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
    const err = await withBrokerRetry('sending', async () => { calls++; throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED') }, 700)
      .then(() => undefined, (e: unknown) => e)
    expect(isParcelRiskError(err) && err.code).toBe('E_KAFKA_UNAVAILABLE')
    expect((err as Error).message).toMatch(/^sending: Kafka did not answer within 1 s: Connection error/)
    expect(calls).toBe(2)
  })

  it('does not retry an error that retrying cannot help', async () => {
    let calls = 0
    const refused = new KafkaJSNonRetriableError('Invalid topic')
    await expect(withBrokerRetry('sending', async () => { calls++; throw refused }, 10_000)).rejects.toBe(refused)
    expect(calls).toBe(1)
  })
})
