import { describe, expect, it } from 'vitest'
import { createSummary, ranked, recordDeadLetter, recordDecision, tick, view, type DecisionSeen } from './summary.ts'

const decision = (overrides: Partial<DecisionSeen> = {}): DecisionSeen =>
  ({ action: 'RELEASE', decision: 'RELEASE', ruleIds: [], degraded: false, latencyMs: 10, ...overrides })

describe('cli > demo > summary', () => {
  it('counts decisions by action, holds, rule hits and degraded enrichments', () => {
    const s = createSummary(0)
    s.sent = 5
    recordDecision(s, decision())
    recordDecision(s, decision({ action: 'SCREEN_NII', decision: 'HOLD', ruleIds: ['IND-A', 'IND-B'] }))
    recordDecision(s, decision({ action: 'SCREEN_NII', decision: 'HOLD', ruleIds: ['IND-A'], degraded: true }))
    recordDeadLetter(s, { code: 'E_DECODE_MAGIC_BYTE', latencyMs: 30 })
    const v = view(s, 2_000)
    expect(v).toMatchObject({ sent: 5, decisions: 3, deadLetters: 1, pending: 1, degraded: 1, holdRate: 2 / 3, meanOutcomesPerS: 2, elapsedS: 2 })
    expect(v.byAction).toEqual([{ name: 'SCREEN_NII', count: 2, share: 2 / 3 }, { name: 'RELEASE', count: 1, share: 1 / 3 }])
    expect(v.topRules).toEqual([{ name: 'IND-A', count: 2, share: 2 / 3 }, { name: 'IND-B', count: 1, share: 1 / 3 }])
    expect(v.deadLettersByCode).toEqual([{ name: 'E_DECODE_MAGIC_BYTE', count: 1, share: 1 }])
  })

  it('measures latency over decisions and dead letters together', () => {
    const s = createSummary(0)
    for (let i = 1; i <= 99; i++) recordDecision(s, decision({ latencyMs: i }))
    recordDeadLetter(s, { code: 'E_DECODE_TRUNCATED', latencyMs: 500 })
    expect(view(s, 1_000).latencyMs).toEqual({ p50: 50, p99: 99, max: 500 })
  })

  it('shows no latency and no shares before the first outcome', () => {
    const v = view(createSummary(0), 0)
    expect(v).toMatchObject({ latencyMs: {}, holdRate: 0, meanOutcomesPerS: 0, byAction: [], pending: 0 })
  })

  it('rates outcomes per second between ticks', () => {
    const s = createSummary(0)
    for (let i = 0; i < 30; i++) recordDecision(s, decision())
    tick(s, 1_000)
    for (let i = 0; i < 10; i++) recordDeadLetter(s, { code: 'E_X', latencyMs: 1 })
    tick(s, 1_500)
    expect(view(s, 1_500).outcomesPerS).toBe(20)
  })

  it('pending never goes below zero (a replayed record counted twice)', () => {
    const s = createSummary(0)
    s.sent = 1
    recordDecision(s, decision())
    recordDecision(s, decision())
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
