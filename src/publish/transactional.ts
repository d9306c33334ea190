// Exactly-once publishing: consume-transform-produce in one Kafka transaction per chunk.
// The chunk's decisions and dead letters and the consumer group's offsets are committed
// together, so a read_committed consumer sees each declaration's output exactly once
// across crashes and rebalances.
//
// One transactional producer per input partition (transactionalId = prefix + topic +
// partition): when a partition moves to another instance, that instance's producer with
// the same id fences this one off, so a zombie can never commit. kafkajs allows one
// transaction at a time per producer, and partitions are processed one chunk at a time, so
// the per-partition producer is never shared by concurrent chunks (kafkajs#430).
//
// The retry of a failed transaction stays a loop, because each failed attempt must abort its
// transaction (or learn how an unanswered commit ended) before the next; whether to try again
// and how long to wait come from the project's one retry policy (src/retry.ts), not
// cockatiel's: on the path every chunk takes (success at the first attempt) cockatiel's retry
// ran 0.24× as fast as the loop (1.5 M/s against 6.3 M/s, npm run bench -- commodity).
import type { Admin, Kafka, Producer, TopicMessages, Transaction } from 'kafkajs'
import type { KafkaConfig } from '../config.ts'
import { isParcelRiskError, ParcelRiskError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { retryPolicy, type RetryPolicy } from '../retry.ts'
import { checkAcknowledged, isRetriable, javaPartitioner } from './producer.ts'

/**
 * The kafka slice under its config-table names; kafka.transactionAttempts bounds the attempts
 * of a transaction that fails with a retriable broker error (e.g. CONCURRENT_TRANSACTIONS).
 */
export type TransactionalConfig =
  Pick<KafkaConfig, 'transactionalIdPrefix' | 'groupId' | 'transactionTimeoutMs' | 'transactionAttempts'>

export interface TransactionalPublisher {
  /** Sends the chunk's output and commits `nextOffset` for the partition, atomically. */
  publish (
    source: { topic: string, partition: number, nextOffset: string }, output: readonly TopicMessages[]
  ): Promise<void>
  close (): Promise<void>
}

// A broker error worth another attempt: kafkajs's own retries exhausted on a retriable cause
// (a leader election outlasting them) counts, as does a partition the send left unacknowledged.
const retriable = (err: unknown): boolean =>
  isRetriable(err) || (isParcelRiskError(err) && err.disposition === 'retry')

/** A retriable failure: tried again after 50 ms more per attempt, kafka.transactionAttempts in all. */
const transactionRetry = (attempts: number): RetryPolicy => retryPolicy({
  attempts,
  backoff: { firstMs: 50, growth: 'linear', maxMs: Infinity },
  retryable: retriable
})

/**
 * An unanswered commit: its outcome is asked again after 100 ms more per attempt, at most 2 s
 * apart; the loop bounds the asking by time (twice the transaction timeout), not by attempts.
 */
const commitOutcome = retryPolicy({
  attempts: Infinity,
  backoff: { firstMs: 100, growth: 'linear', maxMs: 2_000 },
  retryable: () => true
})

export const createTransactionalPublisher = (
  kafka: Kafka, config: TransactionalConfig, log: Logger
): TransactionalPublisher => {
  const producers = new Map<string, Promise<Producer>>()
  const retry = transactionRetry(config.transactionAttempts)

  const producerFor = (topic: string, partition: number): Promise<Producer> => {
    const id = `${config.transactionalIdPrefix}-${topic}-${partition}`
    let producer = producers.get(id)
    if (producer === undefined) {
      const created = kafka.producer({
        transactionalId: id,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: config.transactionTimeoutMs,
        createPartitioner: javaPartitioner
      })
      producer = created.connect().then(() => created)
      producers.set(id, producer)
      producer.catch(() => producers.delete(id))
    }
    return producer
  }

  /**
   * Drops the producer of a transaction that could not be aborted (its coordinator was gone):
   * kafkajs keeps such a producer in the middle of a transaction. The next attempt starts a
   * new producer with the same id, whose initialisation aborts the open transaction.
   */
  const discard = (source: { topic: string, partition: number }, producer: Producer): void => {
    const id = `${config.transactionalIdPrefix}-${source.topic}-${source.partition}`
    producers.delete(id)
    producer.disconnect().catch(() => undefined)
  }

  const failed = (source: { topic: string, partition: number }, err: unknown): ParcelRiskError =>
    new ParcelRiskError(retriable(err) ? 'E_PUBLISH_TRANSACTION_RETRY' : 'E_PUBLISH_TRANSACTION_FAILED',
      `transaction for ${source.topic}[${source.partition}] failed: ${(err as Error).message}`, { cause: err })

  let admin: Admin | undefined
  /** The group's committed offset of the partition (-1 when none). */
  const committedOffset = async (source: { topic: string, partition: number }): Promise<bigint> => {
    if (admin === undefined) {
      const created = kafka.admin()
      await created.connect()
      admin = created
    }
    const [topic] = await admin.fetchOffsets({ groupId: config.groupId, topics: [source.topic] })
    const found = topic?.partitions.find((p) => p.partition === source.partition)
    return BigInt(found?.offset ?? '-1')
  }

  const publish: TransactionalPublisher['publish'] = async (source, output) => {
    // A commit whose answer was lost (its coordinator died after receiving it) may have
    // committed: the coordinator that takes over completes a transaction prepared to commit.
    // Sending the chunk again would then answer it twice, so the outcome is learnt first.
    let unsure = false
    let unsureSince = 0
    for (let attempt = 1; ; attempt++) {
      let producer: Producer | undefined
      let transaction: Transaction | undefined
      let committing = false
      try {
        // A new producer finds the transaction coordinator and initialises its id first; that
        // initialisation waits until an earlier transaction of the id is completed or aborted.
        producer = await producerFor(source.topic, source.partition)
        transaction = await producer.transaction()
        if (unsure) {
          const committed = await committedOffset(source)
          unsure = false
          if (committed >= BigInt(source.nextOffset)) {
            await transaction.abort() // nothing was added to it: ends it locally, sends nothing
            log.warn({ topic: source.topic, partition: source.partition, nextOffset: source.nextOffset },
              'the transaction whose commit went unanswered had committed; not sent again')
            return
          }
        }
        if (output.length > 0) {
          checkAcknowledged(output, await transaction.sendBatch({ topicMessages: [...output], acks: -1 }))
        }
        await transaction.sendOffsets({
          consumerGroupId: config.groupId,
          topics: [{ topic: source.topic, partitions: [{ partition: source.partition, offset: source.nextOffset }] }]
        })
        committing = true
        await transaction.commit()
        return
      } catch (err) {
        if (committing) {
          // kafkajs cannot abort a transaction after a commit attempt; a new producer's
          // initialisation settles it on the broker, and the committed offset tells which way.
          if (!unsure) unsureSince = Date.now()
          unsure = true
          if (producer !== undefined) discard(source, producer)
        } else if (transaction !== undefined && producer !== undefined) {
          const open = producer
          await transaction.abort().catch((abortErr: unknown) => {
            log.warn({ err: abortErr }, 'transaction abort failed; the producer is replaced')
            discard(source, open)
          })
        }
        if (unsure) {
          // Until the outcome is known the chunk can neither be sent again nor given up: the
          // broker settles an unanswered commit within the transaction timeout at the latest;
          // twice that leaves its coordinator the time to move.
          if (Date.now() - unsureSince < 2 * config.transactionTimeoutMs) {
            log.warn({ err, attempt, topic: source.topic, partition: source.partition },
              'transaction commit unanswered; learning its outcome')
            await commitOutcome.sleep(commitOutcome.delayMs(attempt))
            continue
          }
          throw new ParcelRiskError('E_PUBLISH_TRANSACTION_UNCERTAIN',
            `transaction for ${source.topic}[${source.partition}]: the outcome of its commit could not be learnt: ` +
            (err as Error).message, { cause: err })
        }
        // CONCURRENT_TRANSACTIONS right after a commit (kafkajs#1068) and other retriable
        // broker errors: the previous transaction is still completing; try again shortly.
        if (retry.again(err, attempt)) {
          log.warn({ err, attempt, topic: source.topic, partition: source.partition }, 'transaction failed, retrying')
          await retry.sleep(retry.delayMs(attempt))
          continue
        }
        throw failed(source, err)
      }
    }
  }

  return {
    publish,
    close: async () => {
      const all = [...producers.values()]
      producers.clear()
      await Promise.all(all.map(async (p) => {
        await (await p).disconnect()
      }))
      await admin?.disconnect()
    }
  }
}
