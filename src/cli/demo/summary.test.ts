import { describe, expect, it } from 'vitest'
import {
  createSummary, ranked, recordDeadLetter, recordDecision, view, WARMUP_MS, type DecisionSeen
} from './summary.ts'

const decision = (overrides: Partial<DecisionSeen> = {}): DecisionSeen =>
  ({ action: 'RELEASE', decision: 'RELEASE', ruleIds: [], degraded: false, latencyMs: 10, ...overrides })

describe('cli > demo > summary', () => {
  it('counts decisions by action, holds, rule hits and degraded enrichments', () => {
    const s = createSummary(0)
    s.sent = 5
    recordDecision(s, decision(), 100)
    recordDecision(s, decision({ action: 'SCREEN_NII', decision: 'HOLD', ruleIds: ['IND-A', 'IND-B'] }), 200)
    recordDecision(s, decision({ action: 'SCREEN_NII', decision: 'HOLD', ruleIds: ['IND-A'], degraded: true }), 300)
    recordDeadLetter(s, { code: 'E_DECODE_MAGIC_BYTE', latencyMs: 30 }, 400)
    const v = view(s, 2_000)
    expect(v).toMatchObject({
      sent: 5, decisions: 3, deadLetters: 1, pending: 1, degraded: 1, holdRate: 2 / 3, meanOutcomesPerS: 2, elapsedS: 2
    })
    expect(v.byAction).toEqual([
      { name: 'SCREEN_NII', count: 2, share: 2 / 3 }, { name: 'RELEASE', count: 1, share: 1 / 3 }
    ])
    expect(v.topRules).toEqual([{ name: 'IND-A', count: 2, share: 2 / 3 }, { name: 'IND-B', count: 1, share: 1 / 3 }])
    expect(v.deadLettersByCode).toEqual([{ name: 'E_DECODE_MAGIC_BYTE', count: 1, share: 1 }])
  })

  it('measures latency over decisions and dead letters together', () => {
    const s = createSummary(0)
    for (let i = 1; i <= 99; i++) recordDecision(s, decision({ latencyMs: i }), 500)
    recordDeadLetter(s, { code: 'E_DECODE_TRUNCATED', latencyMs: 500 }, 600)
    expect(view(s, 1_000).latencyMs).toEqual({ p50: 50, p99: 99, max: 500 })
  })

  it('shows no latency and no shares before the first outcome', () => {
    const v = view(createSummary(0), 0)
    expect(v).toMatchObject({ latencyMs: {}, holdRate: 0, meanOutcomesPerS: 0, byAction: [], pending: 0 })
  })

  it('splits latency into the warm-up (first 10 s) and the steady state after it', () => {
    const s = createSummary(1_000)
    for (let i = 0; i < 50; i++) recordDecision(s, decision({ latencyMs: 400 }), 1_000 + WARMUP_MS - 1)
    for (let i = 0; i < 100; i++) recordDecision(s, decision({ latencyMs: 5 }), 1_000 + WARMUP_MS)
    const v = view(s, 1_000 + WARMUP_MS + 1)
    expect(v.warmupLatencyMs).toEqual({ p50: 400, p99: 400, max: 400 })
    expect(v.steadyLatencyMs).toEqual({ p50: 5, p99: 5, max: 5 })
    expect(v.latencyMs).toEqual({ p50: 5, p99: 400, max: 400 })
  })

  it('shows the last 10 completed seconds next to the totals: rate, hold rate and latency of now', () => {
    const s = createSummary(0)
    // A slow start (seconds 0-4: 500 ms), then 20 s of fast decisions, a tenth of them held.
    for (let t = 0; t < 5; t++) {
      for (let i = 0; i < 10; i++) recordDecision(s, decision({ latencyMs: 500 }), t * 1_000 + i)
    }
    for (let t = 5; t < 25; t++) {
      for (let i = 0; i < 10; i++) {
        recordDecision(s, decision({ latencyMs: 4, decision: i === 0 ? 'HOLD' : 'RELEASE' }), t * 1_000 + i)
      }
    }
    const v = view(s, 25_500)
    expect(v.window).toEqual({ seconds: 10, outcomesPerS: 10, holdRate: 0.1, latencyMs: { p50: 4, p99: 4, max: 4 } })
    expect(v.latencyMs.max).toBe(500)
  })

  it('pending never goes below zero (a replayed record counted twice)', () => {
    const s = createSummary(0)
    s.sent = 1
    recordDecision(s, decision(), 0)
    recordDecision(s, decision(), 0)
    expect(view(s, 1).pending).toBe(0)
  })

  it.each([
    [new Map([['b', 2], ['a', 2], ['c', 5]]), 9, 2, ['c', 'a']],
    [new Map([['x', 1]]), 0, 5, ['x']]
  ])('ranks largest first, ties by name, up to the limit', (map, total, limit, names) => {
    const rows = ranked(map, total, limit)
    expect(rows.map((r) => r.name)).toEqual(names)
    expect(rows.every((r) => r.share === (total === 0 ? 0 : r.count / total))).toBe(true)
  })
})
