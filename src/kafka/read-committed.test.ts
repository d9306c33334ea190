import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { filterFetchResponse, markAborted, type AbortedTransaction, type FetchedRecord } from './read-committed.ts'

// One record per record batch, as a transactional producer sending one record per partition writes them.
const data = (offset: number, producerId: string, key = `k${offset}`): FetchedRecord => ({
  offset: String(offset), key: Buffer.from(key), isControlRecord: false,
  batchContext: {
    producerId, firstOffset: String(offset), lastOffsetDelta: 0, inTransaction: true, isControlBatch: false
  }
})
const marker = (offset: number, producerId: string, type: 'abort' | 'commit'): FetchedRecord => ({
  offset: String(offset), key: Buffer.from([0, 0, 0, type === 'abort' ? 0 : 1]), isControlRecord: true,
  batchContext: {
    producerId, firstOffset: String(offset), lastOffsetDelta: 0, inTransaction: true, isControlBatch: true
  }
})
const plain = (offset: number): FetchedRecord => ({
  offset: String(offset), key: Buffer.from(`p${offset}`), isControlRecord: false,
  batchContext: { producerId: '-1', firstOffset: String(offset), lastOffsetDelta: 0, inTransaction: false }
})

// Two producers (1 and 2) write interleaved transactions into one partition: 1's first
// transaction (offsets 0, 2, 5, 7) is aborted at 8, 2's first (1, 3) at 4, 2's second (6)
// commits at 10; 9 is not transactional. The broker lists aborted transactions in the order
// they ended: 2's before 1's.
const partition = (): FetchedRecord[] => [
  data(0, '1'), data(1, '2'), data(2, '1'), data(3, '2'), marker(4, '2', 'abort'),
  data(5, '1'), data(6, '2'), data(7, '1'), marker(8, '1', 'abort'), plain(9), marker(10, '2', 'commit')
]
const aborted: AbortedTransaction[] = [{ producerId: '2', firstOffset: '1' }, { producerId: '1', firstOffset: '0' }]
const visible = (records: readonly FetchedRecord[]): string[] =>
  records.filter((r) => r.isControlRecord !== true).map((r) => r.offset)

describe('kafka > read_committed filter', () => {
  it('drops every record of every aborted transaction, whatever order the broker lists them in', () => {
    const records = partition()
    expect(markAborted(records, aborted)).toBe(6)
    expect(visible(records)).toEqual(['6', '9'])
  })

  it('keeps the committed transactions of a producer after its abort marker', () => {
    const records = [data(0, '1'), marker(1, '1', 'abort'), data(2, '1'), marker(3, '1', 'commit'), data(4, '2')]
    markAborted(records, [{ producerId: '1', firstOffset: '0' }])
    expect(visible(records)).toEqual(['2', '4'])
  })

  it('opens an aborted transaction that began before the fetched records', () => {
    const records = [data(10, '2'), data(11, '1'), marker(12, '2', 'abort')]
    markAborted(records, [{ producerId: '1', firstOffset: '3' }, { producerId: '2', firstOffset: '5' }])
    expect(visible(records)).toEqual([])
  })

  it('leaves non-transactional records and responses without aborted transactions alone', () => {
    const records = [plain(0), plain(1)]
    expect(markAborted(records, [{ producerId: '1', firstOffset: '0' }])).toBe(0)
    const response = { responses: [{ partitions: [{ abortedTransactions: [], messages: partition() }] }] }
    filterFetchResponse(response)
    expect(visible(response.responses[0]?.partitions[0]?.messages ?? [])).toHaveLength(8)
  })

  it('filters a fetch response in place and empties its list, so kafkajs filters nothing more', () => {
    const response = { responses: [{ partitions: [{ abortedTransactions: aborted, messages: partition() }] }] }
    filterFetchResponse(response)
    const p = response.responses[0]?.partitions[0]
    expect(p?.abortedTransactions).toEqual([])
    expect(visible(p?.messages ?? [])).toEqual(['6', '9'])
  })

  it('does what kafkajs 2.2.4 alone does not (its filter shows aborted records of this partition)', () => {
    const require = createRequire(import.meta.url)
    type Filter = (a: { messages: FetchedRecord[], abortedTransactions: AbortedTransaction[] }) => FetchedRecord[]
    const kafkajsFilter = require('kafkajs/src/consumer/filterAbortedMessages.js') as Filter
    const shown = visible(kafkajsFilter({ messages: partition(), abortedTransactions: aborted }))
    expect(shown).not.toEqual(['6', '9'])
  })
})
