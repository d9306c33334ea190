import { describe, expect, it } from 'vitest'
import { createLatencyHistogram } from './latency.ts'

describe('cli > demo > latency', () => {
  it('has no percentile, max or mean before any value', () => {
    const h = createLatencyHistogram()
    expect([h.count(), h.percentile(0.5), h.max(), h.mean()]).toEqual([0, undefined, undefined, undefined])
  })

  it.each([
    [0.5, 50], [0.9, 90], [0.99, 99], [0.999, 100], [1, 100], [0.001, 1]
  ])('percentile %s of 1..100 ms is %s (nearest rank)', (q, expected) => {
    const h = createLatencyHistogram()
    for (let v = 100; v >= 1; v--) h.record(v)
    expect(h.percentile(q)).toBe(expected)
  })

  it('rounds to whole milliseconds and counts negative values (clock skew) as 0', () => {
    const h = createLatencyHistogram()
    h.record(-3)
    h.record(2.4)
    h.record(2.6)
    expect([h.percentile(0.33), h.percentile(0.66), h.percentile(1), h.mean()]).toEqual([0, 2, 3, 5 / 3])
  })

  it('keeps values beyond 60 s exactly, above every smaller one', () => {
    const h = createLatencyHistogram()
    for (let i = 0; i < 97; i++) h.record(10)
    h.record(90_000)
    h.record(61_000)
    h.record(75_500)
    expect([h.percentile(0.97), h.percentile(0.98), h.percentile(0.99), h.percentile(1), h.max()])
      .toEqual([10, 61_000, 75_500, 90_000, 90_000])
  })
})
