// read_committed as Kafka defines it, for every kafkajs consumer of the process.
//
// A read_committed fetch returns the records below the last stable offset together with the
// list of aborted transactions (producer id, first offset) that overlap them; the client must
// drop the records of those transactions. kafkajs 2.2.4 (consumer/filterAbortedMessages.js)
// takes the list as sorted by first offset and opens at most one aborted transaction per
// record it reads. The broker lists them in the order they ended, and with several producers
// writing transactions into one partition (exactly-once mode: one producer per input
// partition, all writing to every decisions partition) aborted transactions overlap: records of
// an aborted transaction then reach the application, and records of a committed transaction
// of a producer whose abort was opened late are dropped until its next abort marker. After a
// partition leader died, a read_committed reader saw 1,563 aborted decisions as duplicates.
//
// The fix is the Java consumer's algorithm (Fetcher: consumeAbortedTransactionsUpTo): the list
// sorted by first offset; at each transactional record batch, every aborted transaction that
// starts at or before the batch's last offset is opened for its producer; an abort marker
// closes it; a transactional record of a producer with an open aborted transaction is dropped.
// It runs on each fetch response, before kafkajs builds its batches: the dropped records are
// marked as control records (kafkajs hides those but still counts their offsets, so the
// consumer moves past them), and the list is emptied so kafkajs's own filter does nothing.
import { createRequire } from 'node:module'

export interface AbortedTransaction {
  readonly producerId: string
  readonly firstOffset: string
}

/** A record as kafkajs decodes it from a fetch response (the fields read here). */
export interface FetchedRecord {
  readonly offset: string
  readonly key?: Buffer | null
  isControlRecord?: boolean
  readonly batchContext?: {
    readonly producerId: string
    readonly firstOffset: string
    readonly lastOffsetDelta: number
    readonly inTransaction: boolean
    readonly isControlBatch?: boolean
  }
}

// A control record's key: version (int16) and type (int16); type 0 is ABORT, 1 is COMMIT.
const isAbortMarker = (r: FetchedRecord): boolean =>
  r.key !== undefined && r.key !== null && r.key.length >= 4 && r.key.readInt16BE(2) === 0

/**
 * Marks the records of aborted transactions as control records (so kafkajs hides them);
 * returns how many were marked. `records` are one partition's, in offset order.
 */
export const markAborted = (records: readonly FetchedRecord[], aborted: readonly AbortedTransaction[]): number => {
  if (aborted.length === 0) return 0
  const queue = aborted.map((t) => ({ producerId: t.producerId, firstOffset: BigInt(t.firstOffset) }))
    .sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0))
  const open = new Set<string>()
  let marked = 0
  for (const r of records) {
    const batch = r.batchContext
    if (batch === undefined || !batch.inTransaction) continue
    const batchLast = BigInt(batch.firstOffset) + BigInt(batch.lastOffsetDelta)
    while (queue.length > 0 && (queue[0] as { firstOffset: bigint }).firstOffset <= batchLast) {
      open.add((queue.shift() as { producerId: string }).producerId)
    }
    if (r.isControlRecord === true || batch.isControlBatch === true) {
      if (isAbortMarker(r)) open.delete(batch.producerId)
      continue
    }
    if (open.has(batch.producerId)) {
      r.isControlRecord = true
      marked++
    }
  }
  return marked
}

interface FetchPartition { abortedTransactions?: AbortedTransaction[] | null, messages?: FetchedRecord[] }
interface FetchResponse { responses?: Array<{ partitions?: FetchPartition[] }> }

/** Applies markAborted to every partition of a fetch response, in place. */
export const filterFetchResponse = (response: FetchResponse): void => {
  for (const topic of response.responses ?? []) {
    for (const partition of topic.partitions ?? []) {
      const aborted = partition.abortedTransactions
      if (aborted === undefined || aborted === null || aborted.length === 0) continue
      markAborted(partition.messages ?? [], aborted)
      partition.abortedTransactions = []
    }
  }
}

let installed = false

/** Installs the filter on kafkajs's broker fetch, once per process. */
export const installReadCommittedFilter = (): void => {
  if (installed) return
  const require = createRequire(import.meta.url)
  const Broker = require('kafkajs/src/broker/index.js') as {
    prototype: { fetch?: (...args: unknown[]) => Promise<FetchResponse> }
  }
  const original = Broker.prototype.fetch
  if (typeof original !== 'function') {
    throw new Error('kafkajs: Broker.prototype.fetch not found; the read_committed filter cannot be installed')
  }
  Broker.prototype.fetch = async function fetch (this: unknown, ...args: unknown[]): Promise<FetchResponse> {
    const response = await original.apply(this, args)
    filterFetchResponse(response)
    return response
  }
  installed = true
}
