import { describe, expect, it } from 'vitest'
import { oldestAgeSeconds } from './pipeline-metrics.ts'
import type { ConsumedRecord } from '../record.ts'

const at = (timestampMs: number): ConsumedRecord => ({ timestampMs } as unknown as ConsumedRecord)

describe('observe > pipeline-metrics', () => {
  it.each([
    ['the oldest record sets the age', [at(9_000), at(7_500), at(9_900)], 2.5],
    ['a record stamped ahead of the clock counts as 0', [at(10_400)], 0],
    ['an empty chunk is 0', [], 0]
  ] as const)('lag in seconds: %s', (_, records, seconds) => {
    expect(oldestAgeSeconds(records, 10_000)).toBe(seconds)
  })
})
