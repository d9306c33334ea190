import { describe, expect, it } from 'vitest'
import { aggEntry, HOUR_MS } from './buckets.ts'
import { aggregatesOf, applyCalls, decideCalls, decisionsOf, type Sent } from './cluster-aggregates.ts'
import { keyLayout } from './keys.ts'
import { slotGroups } from './node-pipelines.ts'

const keys = keyLayout('pr:', true)
const at = 491_000 * HOUR_MS + 60_000
const entry = (member: string, ids: readonly [string, string, string], cents = 1000) =>
  aggEntry(member, at, cents, ids, at, true)

describe('enrich > cluster aggregates', () => {
  it('decides in the declaration\'s slot, for the entries that count only', () => {
    const sent: Sent[] = [
      { entry: entry('D1#1', ['C1', 'S1', '']), mode: 1 },
      { entry: entry('D2#3', ['C2', 'S1', 'IM1']), mode: 2 },
      { entry: entry('D3#1', ['C3', 'S1', '']), mode: 0 }
    ]
    const calls = decideCalls(sent, keys, slotGroups)
    expect(calls.flatMap((c) => c.keys).sort()).toEqual(['pr:history:{D1}', 'pr:history:{D2}'])
    const d2 = calls.find((c) => c.keys[0] === 'pr:history:{D2}')
    const qNo = Math.floor(at / (6 * HOUR_MS))
    expect(d2?.args).toEqual(['3', 491_000, qNo, 1000, 'C2', 'S1', 'IM1', sent[1]?.entry.keyExpireAtMs])
  })

  it('moves an amended parcel: taken out of the earlier consignee, counted at the new one, read there', () => {
    const v2 = entry('D1#2', ['C2', 'S1', ''], 3000)
    const sent: Sent[] = [{ entry: v2, mode: 1 }]
    const earlier = JSON.stringify(['1', '490999', '81833', '2000', 'C1', 'S1', ''])
    const { calls, ops } = applyCalls(sent, [earlier], 'cs', keys, slotGroups)
    const byKey = new Map(calls.flatMap((c) =>
      c.parts.map((o, j) => [c.keys[2 * j], [ops[o], c.args.slice(j * 12, j * 12 + 12)]])))
    // The earlier consignee: taken out only, no answer of the parcel's.
    expect(byKey.get('pr:agg:c:{C1}')).toEqual([
      { sent: 0, kind: 0, answers: false },
      ['D1#2', 1, 0, v2.hourNo, v2.qNo, 0, 3000, '490999', '81833', '2000', v2.keyExpireAtMs, v2.answersExpireAtMs]
    ])
    // The new consignee: counted and read.
    expect(byKey.get('pr:agg:c:{C2}')?.[1]).toEqual(
      ['D1#2', 1, 1, v2.hourNo, v2.qNo, 1, 3000, '', '', '', v2.keyExpireAtMs, v2.answersExpireAtMs])
    // The same seller: the earlier value out and the new one in, in one operation.
    expect(byKey.get('pr:agg:s:{S1}')?.[1]).toEqual(
      ['D1#2', 1, 1, v2.hourNo, v2.qNo, 1, 3000, '490999', '81833', '2000', v2.keyExpireAtMs, v2.answersExpireAtMs])
    expect(ops).toHaveLength(3)
    // Answers land at their kind's place; the taking out answers nothing.
    const replies = calls.map((c) => c.parts.map((o) => {
      const op = ops[o]
      return op?.answers === true ? `${op.kind + 1},${op.kind + 10},0,0` : '0,0,0,0'
    }))
    expect(aggregatesOf(sent, 0, calls, ops, replies)).toEqual([1, 10, 0, 0, 2, 11, 0, 0, 0, 0, 0, 0])
  })

  it('counts nothing for a version not newer than the one counted, and reads it', () => {
    const sent: Sent[] = [{ entry: entry('D1#1', ['C1', '', '']), mode: 1 }]
    const decisions = decisionsOf([{ keys: [], args: [], parts: [0] }], [['-']])
    const { calls } = applyCalls(sent, decisions, 'c', keys, slotGroups)
    expect(calls.map((c) => c.args.slice(0, 6))).toEqual([['D1#1', 1, 1, sent[0]?.entry.hourNo, sent[0]?.entry.qNo, 0]])
  })
})
