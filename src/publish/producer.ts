// Publishing one processed batch: its decisions (keyed by declarationId), its shadow
// decisions and its dead letters go out in ONE producer.sendBatch with acks = -1, so the
// promise resolves only when every in-sync replica has every record, and offsets may then be
// committed. The record-building (topicMessages) and the send-and-classify step (sendWith)
// take any kafkajs Sender, so the exactly-once path passes a Transaction instead of the
// producer and shares everything else.
import {
  Partitioners, type ICustomPartitioner, type Kafka, type Message, type Producer, type RecordMetadata, type Sender,
  type TopicMessages
} from 'kafkajs'
import type { TopicsConfig } from '../config.ts'
import { ParcelRiskError } from '../errors.ts'
import type { OutgoingRecord } from '../record.ts'

export interface PublishBatch {
  /** Encoded RiskDecisions, keyed by declarationId. */
  readonly decisions: readonly OutgoingRecord[]
  /** Built with buildDeadLetter(): original key and bytes, reason in headers. */
  readonly deadLetters: readonly OutgoingRecord[]
  /** Decisions of the challenger ruleset, when one runs. */
  readonly shadow?: readonly OutgoingRecord[]
}

export type PublishTopics = Pick<TopicsConfig, 'decisions' | 'dlq' | 'shadow'>

export interface Publisher {
  /** Resolves with the brokers' acknowledgements; rejects with an E_PUBLISH_* ParcelRiskError. */
  readonly publishBatch: (batch: PublishBatch) => Promise<RecordMetadata[]>
}

// kafkajs only reads the messages; the cast saves copying every array on the hot path.
const asMessages = (records: readonly OutgoingRecord[]): Message[] => records as Message[]

/** The batch as kafkajs topic messages, empty groups left out. */
export const topicMessages = (topics: PublishTopics, batch: PublishBatch): TopicMessages[] => {
  const out: TopicMessages[] = []
  if (batch.decisions.length > 0) out.push({ topic: topics.decisions, messages: asMessages(batch.decisions) })
  if (batch.shadow !== undefined && batch.shadow.length > 0) {
    out.push({ topic: topics.shadow, messages: asMessages(batch.shadow) })
  }
  if (batch.deadLetters.length > 0) out.push({ topic: topics.dlq, messages: asMessages(batch.deadLetters) })
  return out
}

interface KafkaLikeError {
  readonly name?: unknown
  readonly message?: unknown
  readonly type?: unknown
  readonly retriable?: unknown
  readonly cause?: unknown
  readonly errors?: unknown
}

const asKafkaError = (err: unknown): KafkaLikeError | undefined =>
  typeof err === 'object' && err !== null && typeof (err as KafkaLikeError).name === 'string' &&
  ((err as KafkaLikeError).name as string).startsWith('KafkaJS')
    ? err as KafkaLikeError
    : undefined

/**
 * Whether trying again later can help. Exhausted client retries are judged by the error that
 * was being retried: a leader election that outlasted the retries is still retriable.
 */
export const isRetriable = (err: unknown): boolean => {
  const e = asKafkaError(err)
  if (e === undefined) return false
  if (e.name === 'KafkaJSNumberOfRetriesExceeded') return isRetriable(e.cause)
  // kafkajs' retrier wraps an error it will not retry itself (e.g. the reconnect inside a send
  // that exhausted its own retries while the broker is down) and keeps the original as cause.
  if (e.name === 'KafkaJSNonRetriableError' && e.cause !== undefined && e.cause !== err) return isRetriable(e.cause)
  if (e.name === 'KafkaJSAggregateError' && Array.isArray(e.errors)) {
    return e.errors.length > 0 && e.errors.every(isRetriable)
  }
  return e.retriable === true
}

/** The broker's error type (e.g. MESSAGE_TOO_LARGE) behind wrappers, when there is one. */
const brokerType = (err: unknown): string | undefined => {
  const e = asKafkaError(err)
  if (e === undefined) return undefined
  if (typeof e.type === 'string') return e.type
  if (Array.isArray(e.errors)) return e.errors.map(brokerType).find((t) => t !== undefined)
  return brokerType(e.cause)
}

/**
 * A kafkajs failure as a coded error; anything else (a TypeError: a defect) is returned as is,
 * since retrying a programming error cannot help.
 */
export const publishError = (err: unknown, what: string): unknown => {
  const e = asKafkaError(err)
  if (e === undefined) return err
  const type = brokerType(err)
  const detail = `${type === undefined ? '' : `${type}: `}${String(e.message)}`
  return isRetriable(err)
    ? new ParcelRiskError('E_PUBLISH_BROKER_UNAVAILABLE', `Kafka did not acknowledge ${what}: ${detail}`,
      { cause: err })
    : new ParcelRiskError('E_PUBLISH_REJECTED', `Kafka refused ${what}: ${detail}`, { cause: err })
}

const describeBatch = (messages: readonly TopicMessages[]): string =>
  messages.map((m) => `${m.messages.length} to ${m.topic}`).join(', ')

// The partition each message was sent to, as the partitioner chose it (see unacknowledged).
const sentTo = new WeakMap<object, number>()

/**
 * Java's partitioner (murmur2 of the key), so a declaration's decisions land on the partition
 * a Java or librdkafka producer would pick; it remembers each message's partition for the
 * acknowledgement check.
 */
export const javaPartitioner: ICustomPartitioner = () => {
  const java = Partitioners.DefaultPartitioner()
  return (args) => {
    const partition = java(args)
    sentTo.set(args.message, partition)
    return partition
  }
}

/**
 * The partitions of `messages` (sent through a javaPartitioner producer) that no broker
 * acknowledged. kafkajs 2.2.4 retries a send by leader, and a leader that answered the first
 * attempt is not asked again (producer/sendMessages.js: brokersWithoutResponse): when a
 * partition's leader dies mid-send and the partition moves to a broker that has already
 * answered, its messages are never sent, yet the send resolves. Every partition written to
 * must be in the acknowledgements; one that is not was not written.
 */
export const unacknowledged = (messages: readonly TopicMessages[], acks: readonly RecordMetadata[]): string[] => {
  const acked = new Set(acks.map((a) => `${a.topicName}[${a.partition}]`))
  const missing = new Set<string>()
  for (const { topic, messages: list } of messages) {
    for (const m of list) {
      const partition = sentTo.get(m)
      if (partition !== undefined && !acked.has(`${topic}[${partition}]`)) missing.add(`${topic}[${partition}]`)
    }
  }
  return [...missing]
}

/** Throws E_PUBLISH_BROKER_UNAVAILABLE when a partition of the batch was not acknowledged. */
export const checkAcknowledged = (messages: readonly TopicMessages[], acks: readonly RecordMetadata[]): void => {
  const missing = unacknowledged(messages, acks)
  if (missing.length === 0) return
  throw new ParcelRiskError('E_PUBLISH_BROKER_UNAVAILABLE',
    `Kafka did not acknowledge ${missing.join(', ')} of a batch (${describeBatch(messages)}): ` +
    'the partition\'s leader moved during the send')
}

/** Sends one batch through a producer or a transaction; acks from all in-sync replicas. */
export const sendWith = async (
  sender: Pick<Sender, 'sendBatch'>, topics: PublishTopics, batch: PublishBatch, timeoutMs: number
): Promise<RecordMetadata[]> => {
  const messages = topicMessages(topics, batch)
  if (messages.length === 0) return []
  let acks: RecordMetadata[]
  try {
    acks = await sender.sendBatch({ topicMessages: messages, acks: -1, timeout: timeoutMs })
  } catch (err) {
    throw publishError(err, `a batch (${describeBatch(messages)})`)
  }
  checkAcknowledged(messages, acks)
  return acks
}

export interface PublisherOptions {
  readonly producer: Pick<Producer, 'sendBatch'>
  readonly topics: PublishTopics
  /** How long the brokers may take to acknowledge. */
  readonly publishTimeoutMs: number
}

export const createPublisher = (options: PublisherOptions): Publisher => {
  const { producer, topics, publishTimeoutMs } = options
  return { publishBatch: async (batch) => await sendWith(producer, topics, batch, publishTimeoutMs) }
}

/**
 * The at-least-once producer: Java's partitioner (javaPartitioner); no topic auto-creation,
 * so a typo in a topic name fails instead of creating a stray topic.
 */
export const createProducer = (kafka: Kafka): Producer =>
  kafka.producer({ createPartitioner: javaPartitioner, allowAutoTopicCreation: false })
