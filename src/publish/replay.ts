// `parcel-risk dlq replay`, the Kafka side: read the ledger, scan the dead-letter topic, and
// re-drive the chosen dead letters (replay-selection.ts) into the declarations topic.
//
// Idempotency: the ledger is a compacted topic (default `<dead-letter topic>-replayed`, one
// partition) holding one record per re-driven dead letter, keyed by its position. Each chunk of
// re-driven records and their ledger records are written in ONE Kafka transaction, so a dead
// letter is in the ledger exactly when its re-driven copy was committed: a replay that crashes
// part-way leaves either both or neither, and the next replay skips what is in the ledger.
// The transactional id is fixed per dead-letter topic, and the producer initialises it (which
// fences any earlier producer with that id and aborts its open transaction) BEFORE the ledger
// is read. So two replays of one topic can never both re-drive a dead letter: the later one
// sees everything the earlier one committed, and the earlier one cannot commit any more.
// A tombstone in the ledger (key, null value) forgets that key: the dead letter can be
// re-driven again.
//
// Reading "to the end": each partition is read up to its end offset as of the start of the read
// (records appended later wait for the next replay), read_committed, with a throw-away consumer
// group that never commits.
import { randomUUID } from 'node:crypto'
import { type Admin, type Kafka, type KafkaMessage, type Message, type Producer, type Transaction } from 'kafkajs'
import { ParcelRiskError } from '../errors.ts'
import { checkAcknowledged, javaPartitioner } from './producer.ts'
import {
  ledgerKey, redrive, select, deadLetterCode, type DeadLetterRecord, type ReplayFilter, type ReplaySummary
} from './replay-selection.ts'

export interface ReplayConfig {
  readonly dlqTopic: string
  /** Where re-driven records go: the declarations topic. */
  readonly toTopic: string
  readonly ledgerTopic: string
  readonly filter: ReplayFilter
  /** Read and count only: nothing is written, the ledger is not created. */
  readonly dryRun: boolean
  readonly transactionalId: string
  /** Replication factor of the ledger topic when it has to be created. */
  readonly replicationFactor: number
  /** Re-driven records per transaction. */
  readonly chunk: number
  /** Longest one read (ledger or dead-letter topic) may take. */
  readonly readTimeoutMs: number
  readonly now?: () => number
}

const toRecord = (topic: string, partition: number, m: KafkaMessage): DeadLetterRecord => ({
  topic, partition, offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value, headers: m.headers
})

/** Reads every partition of `topic` up to its end offset as of now, batch by batch. */
export const readTopic = async (
  kafka: Kafka, admin: Admin, topic: string, handle: (records: DeadLetterRecord[]) => Promise<void>, timeoutMs: number
): Promise<void> => {
  const remaining = new Map<number, bigint>()
  for (const e of await admin.fetchTopicOffsets(topic)) {
    if (BigInt(e.high) > BigInt(e.low)) remaining.set(e.partition, BigInt(e.high))
  }
  if (remaining.size === 0) return
  const consumer = kafka.consumer({
    groupId: `parcel-risk-dlq-replay-${randomUUID()}`, readUncommitted: false, allowAutoTopicCreation: false
  })
  let settle: (err?: unknown) => void = () => {}
  const finished = new Promise<void>((resolve, reject) => {
    settle = (err) => {
      if (err === undefined) resolve()
      else reject(err)
    }
  })
  let failed = false
  const reached = (partition: number, lastOffset: string): void => {
    const end = remaining.get(partition)
    if (end === undefined || BigInt(lastOffset) + 1n < end) return
    remaining.delete(partition)
    if (remaining.size === 0) settle()
  }
  // Emitted after each batch, also for one holding only transaction markers or aborted records.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === topic) reached(payload.partition, payload.lastOffset)
  })
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) settle(payload.error)
  })
  const timer = setTimeout(() => {
    settle(new ParcelRiskError('E_KAFKA_UNAVAILABLE',
      `reading ${topic} did not reach its end within ${Math.round(timeoutMs / 1000)} s ` +
      `(${remaining.size} partitions short)`))
  }, timeoutMs)
  try {
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = remaining.get(batch.partition)
        // Never thrown back into kafkajs: it would hand the same batch over again.
        if (failed || end === undefined) return
        const records = batch.messages
          .filter((m) => BigInt(m.offset) < end)
          .map((m) => toRecord(topic, batch.partition, m))
        try {
          if (records.length > 0) await handle(records)
        } catch (err) {
          failed = true
          settle(err)
        }
      }
    })
    await finished
  } finally {
    clearTimeout(timer)
    await consumer.disconnect()
  }
}

/** Ledger keys of every dead letter already re-driven. */
const readLedger = async (kafka: Kafka, admin: Admin, config: ReplayConfig): Promise<Set<string>> => {
  const replayed = new Set<string>()
  await readTopic(kafka, admin, config.ledgerTopic, async (records) => {
    for (const r of records) {
      if (r.key === null) continue
      if (r.value === null) replayed.delete(r.key.toString())
      else replayed.add(r.key.toString())
    }
  }, config.readTimeoutMs)
  return replayed
}

export const emptySummary = (): ReplaySummary => ({ scanned: 0, matched: 0, redriven: 0, alreadyReplayed: 0 })

/**
 * Runs one replay, counting into `summary` as it goes (so a caller can report how far a replay
 * that failed part-way got: what it counted as re-driven is committed).
 */
export const replayDeadLetters = async (
  kafka: Kafka, config: ReplayConfig, summary: ReplaySummary = emptySummary()
): Promise<ReplaySummary> => {
  const now = config.now ?? Date.now
  const admin = kafka.admin()
  let producer: Producer | null = null
  let transaction: Transaction | null = null
  const pending: DeadLetterRecord[] = []
  let partitions = 0

  // One transaction: the re-driven records of `pending` and their ledger records.
  const flush = async (): Promise<void> => {
    if (transaction === null || producer === null || pending.length === 0) return
    const at = now()
    const messages: Message[] = pending.map((r) => {
      const d = redrive(r, at)
      // Back to the partition it was consumed from when that is the same topic, so it stays in
      // line with the other records of its producer; otherwise by key.
      const partition = d.sourceTopic === config.toTopic && d.sourcePartition !== undefined &&
        d.sourcePartition < partitions
        ? d.sourcePartition
        : undefined
      return { key: d.key, value: d.value, headers: d.headers, ...(partition === undefined ? {} : { partition }) }
    })
    const ledger: Message[] = pending.map((r) => ({
      key: ledgerKey(r),
      value: JSON.stringify({ replayedAt: new Date(at).toISOString(), code: deadLetterCode(r), to: config.toTopic })
    }))
    const topicMessages = [{ topic: config.toTopic, messages }, { topic: config.ledgerTopic, messages: ledger }]
    // A partition left out of a send whose leader moved (see unacknowledged in producer.ts)
    // fails the replay here; the open transaction is aborted and a rerun re-drives the rest.
    checkAcknowledged(topicMessages, await transaction.sendBatch({ acks: -1, topicMessages }))
    const committing = transaction
    transaction = null
    await committing.commit()
    summary.redriven += pending.length
    pending.length = 0
    transaction = await producer.transaction()
  }

  await admin.connect()
  try {
    const topics = new Set(await admin.listTopics())
    const missing = [config.dlqTopic, ...(config.dryRun ? [] : [config.toTopic])].filter((t) => !topics.has(t))
    if (missing.length > 0) throw new ParcelRiskError('E_CONFIG_INVALID', `no such topic: ${missing.join(', ')}`)
    if (!config.dryRun) {
      if (!topics.has(config.ledgerTopic)) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [{
            topic: config.ledgerTopic,
            numPartitions: 1,
            replicationFactor: config.replicationFactor,
            configEntries: [{ name: 'cleanup.policy', value: 'compact' }]
          }]
        })
      }
      partitions = (await admin.fetchTopicMetadata({ topics: [config.toTopic] })).topics[0]?.partitions.length ?? 0
      producer = kafka.producer({
        transactionalId: config.transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: javaPartitioner
      })
      await producer.connect()
      // Initialises the transactional id: from here on, earlier replays of this topic are fenced.
      transaction = await producer.transaction()
    }
    const replayed = topics.has(config.ledgerTopic) || !config.dryRun
      ? await readLedger(kafka, admin, config)
      : new Set<string>()

    await readTopic(kafka, admin, config.dlqTopic, async (records) => {
      const chosen = select(records, config.filter, replayed, summary)
      if (config.dryRun) {
        summary.redriven += chosen.length
        return
      }
      for (const r of chosen) {
        pending.push(r)
        if (pending.length >= config.chunk) await flush()
      }
    }, config.readTimeoutMs)
    await flush()
    return summary
  } finally {
    // An open transaction holds nothing committed; abort it so the next replay need not wait for it.
    const open = transaction as Transaction | null
    if (open !== null) await open.abort().catch(() => {})
    await Promise.allSettled([admin.disconnect(), producer?.disconnect()])
  }
}
