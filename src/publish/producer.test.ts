import { describe, expect, it } from 'vitest'
import {
  KafkaJSConnectionError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError, KafkaJSRequestTimeoutError, type ProducerBatch, type RecordMetadata
} from 'kafkajs'
import { ParcelRiskError } from '../errors.ts'
import {
  createPublisher, isRetriable, javaPartitioner, publishError, sendWith, topicMessages, unacknowledged
} from './producer.ts'

const topics = { decisions: 'risk-decisions', dlq: 'declarations-dlq', shadow: 'risk-decisions-shadow' }
const decision = {
  key: 'decl-1',
  value: Buffer.from([1, 2, 3]),
  headers: { 'content-type': 'application/vnd.parcel-risk.decision+avro' }
}
const deadLetter = {
  key: Buffer.from('k'),
  value: Buffer.from([0xff]),
  headers: { 'parcel-risk.error.code': 'E_DECODE_MAGIC_BYTE' }
}

// kafkajs builds protocol errors from its table of broker error codes; these mirror two rows.
const notEnoughReplicas = new KafkaJSProtocolError({
  type: 'NOT_ENOUGH_REPLICAS',
  code: 19,
  retriable: true,
  message: 'Messages are rejected since there are fewer in-sync replicas than required'
} as unknown as string)
const tooLarge = new KafkaJSProtocolError({
  type: 'MESSAGE_TOO_LARGE',
  code: 10,
  retriable: false,
  message: 'The request included a message larger than the max message size the server will accept'
} as unknown as string)
// What kafkajs' retrier rejects with when it will not retry: new KafkaJSNonRetriableError(e, { cause: e.cause || e }).
const wrapped = (e: Error, cause: Error): Error => Object.assign(new KafkaJSNonRetriableError(e), { cause })
const exhausted = (cause: Error) => new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 3000 })

const recordingSender = (fail?: unknown) => {
  const calls: ProducerBatch[] = []
  return {
    calls,
    sendBatch: async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
      calls.push(batch)
      if (fail !== undefined) throw fail
      return [{ topicName: 'risk-decisions', partition: 0, errorCode: 0, baseOffset: '0' }]
    }
  }
}

describe('publish > producer', () => {
  it('groups a batch by topic and leaves empty groups out', () => {
    expect(topicMessages(topics, { decisions: [decision], deadLetters: [deadLetter], shadow: [] })).toEqual([
      { topic: 'risk-decisions', messages: [decision] },
      { topic: 'declarations-dlq', messages: [deadLetter] }
    ])
    expect(topicMessages(topics, { decisions: [], deadLetters: [], shadow: [decision] }))
      .toEqual([{ topic: 'risk-decisions-shadow', messages: [decision] }])
  })

  it('sends decisions, shadow decisions and dead letters in one sendBatch with acks from all replicas', async () => {
    const sender = recordingSender()
    const publisher = createPublisher({ producer: sender, topics, publishTimeoutMs: 1234 })
    await publisher.publishBatch({ decisions: [decision], deadLetters: [deadLetter], shadow: [decision] })
    expect(sender.calls).toHaveLength(1)
    expect(sender.calls[0]?.acks).toBe(-1)
    expect(sender.calls[0]?.timeout).toBe(1234)
    expect(sender.calls[0]?.topicMessages?.map((t) => t.topic))
      .toEqual(['risk-decisions', 'risk-decisions-shadow', 'declarations-dlq'])
  })

  it('sends nothing for an empty batch', async () => {
    const sender = recordingSender()
    expect(await sendWith(sender, topics, { decisions: [], deadLetters: [] }, 1000)).toEqual([])
    expect(sender.calls).toHaveLength(0)
  })

  it.each([
    ['a connection error', new KafkaJSConnectionError('Connection error: ECONNREFUSED'), true],
    ['a request timeout', new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'), true],
    ['a retriable broker error', notEnoughReplicas, true],
    ['retries exhausted on a retriable broker error', exhausted(notEnoughReplicas), true],
    ['retries exhausted on a connection error', exhausted(new KafkaJSConnectionError('closed')), true],
    ['a non-retriable broker error', tooLarge, false],
    ['retries exhausted on a non-retriable error', exhausted(tooLarge), false],
    ['a non-retriable client error', new KafkaJSNonRetriableError('Invalid topic'), false],
    [
      'a reconnect that gave up while the broker is down, wrapped by the send',
      wrapped(
        exhausted(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')),
        new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')
      ),
      true
    ],
    ['a non-retriable wrapper of a non-retriable broker error', wrapped(tooLarge, tooLarge), false],
    ['a generic retriable kafkajs error', new KafkaJSError('The producer is disconnected'), true],
    ['a programming error', new TypeError('cannot read properties of undefined'), false]
  ])('judges %s retriable: %s', (_name, err, retriable) => {
    expect(isRetriable(err)).toBe(retriable)
  })

  it.each([
    [exhausted(notEnoughReplicas), 'E_PUBLISH_BROKER_UNAVAILABLE', 'retry', 'NOT_ENOUGH_REPLICAS'],
    [new KafkaJSConnectionError('Connection error: ECONNREFUSED'),
      'E_PUBLISH_BROKER_UNAVAILABLE', 'retry', 'ECONNREFUSED'],
    [tooLarge, 'E_PUBLISH_REJECTED', 'crash', 'MESSAGE_TOO_LARGE'],
    [exhausted(tooLarge), 'E_PUBLISH_REJECTED', 'crash', 'MESSAGE_TOO_LARGE']
  ])('codes %s as %s (%s)', async (err, code, disposition, mentions) => {
    const publisher = createPublisher({ producer: recordingSender(err), topics, publishTimeoutMs: 1000 })
    const failure = await publisher.publishBatch({ decisions: [decision], deadLetters: [] }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(ParcelRiskError)
    expect((failure as ParcelRiskError).code).toBe(code)
    expect((failure as ParcelRiskError).disposition).toBe(disposition)
    expect((failure as ParcelRiskError).message).toContain(mentions)
    expect((failure as ParcelRiskError).message).toContain('1 to risk-decisions')
    expect((failure as ParcelRiskError).cause).toBe(err)
  })

  it('passes a programming error through uncoded', () => {
    const err = new TypeError('x is not a function')
    expect(publishError(err, 'a batch')).toBe(err)
  })

  // A sender that partitions as kafkajs does (javaPartitioner over six partitions) and
  // acknowledges only the partitions `acked` lets through, as kafkajs 2.2.4 resolves a send
  // whose moved partitions it never sent.
  const partitioningSender = (acked: (partition: number) => boolean) => ({
    sendBatch: async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
      const partitionMetadata = [0, 1, 2, 3, 4, 5].map((partitionId) => ({
        partitionErrorCode: 0, partitionId, leader: 1, replicas: [1], isr: [1]
      }))
      const partition = javaPartitioner()
      const out = new Map<string, RecordMetadata>()
      for (const { topic, messages } of batch.topicMessages ?? []) {
        for (const message of messages) {
          const p = partition({ topic, partitionMetadata, message })
          if (acked(p)) out.set(`${topic}:${p}`, { topicName: topic, partition: p, errorCode: 0, baseOffset: '0' })
        }
      }
      return [...out.values()]
    }
  })
  const decisions = Array.from({ length: 40 }, (_, i) => ({ ...decision, key: `decl-${i}` }))

  it('resolves when every partition written to is acknowledged', async () => {
    const acks = await sendWith(partitioningSender(() => true), topics, { decisions, deadLetters: [] }, 1000)
    expect(acks.length).toBeGreaterThan(1)
    expect(unacknowledged([{ topic: topics.decisions, messages: decisions }], acks)).toEqual([])
  })

  it('fails the batch as retriable when a partition written to was not acknowledged ' +
    '(moved leader, send resolved)', async () => {
    const failure = await sendWith(partitioningSender((p) => p !== 3), topics, { decisions, deadLetters: [] }, 1000)
      .catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(ParcelRiskError)
    expect((failure as ParcelRiskError).code).toBe('E_PUBLISH_BROKER_UNAVAILABLE')
    expect((failure as ParcelRiskError).disposition).toBe('retry')
    expect((failure as ParcelRiskError).message).toContain('risk-decisions[3]')
  })
})
