import { describe, expect, it } from 'vitest'
import type { CapacityPolicy, SeatGrant, SeatRequest } from '../actions.ts'
import type { Action, RiskDecision } from '../declaration.ts'
import type { RuleInfo } from '../evaluation.ts'
import { createMemorySeats } from '../enrich/memory-seats.ts'
import {
  CAPACITY_DOWNGRADE, CAPACITY_OVERBOOKED, CAPACITY_UNCHECKED, createSeater, lanesAt, showWindow
} from './capacity.ts'
import type { SeatingRuleset } from './capacity.ts'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 30, 8, 0, 0)
const BANDS = [
  { min: 0, action: 'RELEASE' as const }, { min: 25, action: 'RELEASE_POST_AUDIT' as const },
  { min: 40, action: 'REQUEST_INFO' as const },
  { min: 70, action: 'SCREEN_NII' as const }, { min: 90, action: 'PHYSICAL_EXAM' as const }
]
const rule = (
  id: string, tags: string[], tier: RuleInfo['tier'] = 'indicator', action: Action | null = null
): RuleInfo =>
  ({ id, title: id, description: '', tier, weight: 10, action, tags, owner: '' }) as unknown as RuleInfo
const RULES = [
  rule('IND-PLAIN', ['valuation']), rule('IND-WATCHLIST-FUZZY', ['watchlist']),
  rule('GATE-KP', ['sanctions', 'prohibition'], 'gate'),
  rule('GATE-IOSS', ['data-quality'], 'gate', 'REJECT_DATA'), rule('GATE-EXAM', ['security'], 'gate', 'PHYSICAL_EXAM'),
  rule('GATE-NII', ['security'], 'gate', 'SCREEN_NII')
]

const ruleset = (
  capacity: Partial<CapacityPolicy> | null, fallbackAction: Action = 'REQUEST_INFO'
): SeatingRuleset => ({
  capacity: capacity === null
    ? null
    : { lanes: {}, locations: {}, protectTags: ['watchlist', 'prohibition', 'restriction'], ...capacity },
  policy: { bands: BANDS, fallbackAction },
  rules: RULES
})

const hit = (ruleId: string, tier: 'GATE' | 'INDICATOR'): RiskDecision['reasons'][number] =>
  ({ ruleId, title: ruleId, tier, contribution: tier === 'GATE' ? 0 : 95, values: [] })

let n = 0
const decision = (score: number, over: Partial<RiskDecision> = {}): RiskDecision => {
  const action = over.action ?? BANDS.reduce<Action>((a, b) => score >= b.min ? b.action : a, 'RELEASE')
  return {
    declarationId: `d-${String(++n).padStart(4, '0')}`, version: 1, decision: 'HOLD', action, score,
    reasons: [{ ruleId: 'IND-PLAIN', title: 'plain', tier: 'INDICATOR', contribution: score, values: [] }],
    gates: [], errors: [], randomSelection: false, ruleset: { id: 'r', version: '1', digest: 'x' },
    enrichment: { status: 'OK', missing: [] }, rejections: [],
    timings: { receivedAt: T0 + 60_000, decidedAt: T0 + 60_001, latencyMicros: 1_000 }, inputDigest: '',
    ...over
  }
}

/** The seat script's rule, in memory (src/enrich/memory-seats.ts): the counters live across calls. */
const counters = (): { serve: (r: SeatRequest) => SeatGrant } => ({ serve: createMemorySeats() })

type Seater = NonNullable<ReturnType<typeof createSeater>>
type Serve = (r: SeatRequest) => SeatGrant | null
const run = (seater: Seater, decisions: RiskDecision[], serve: Serve): RiskDecision[] => {
  const request = seater.request(decisions)
  return request === null ? decisions : seater.apply(decisions, request, serve(request))
}

const EXAM_2 = { lanes: { PHYSICAL_EXAM: { perWindow: 2, reserve: 0, windowMs: HOUR } } }
const BOTH = { lanes: { ...EXAM_2.lanes, SCREEN_NII: { perWindow: 1, reserve: 0, windowMs: HOUR } } }

describe('decide > capacity', () => {
  it('limits nothing without a capacity section, or without a lane at the location', () => {
    expect(createSeater(ruleset(null), 'LGG')).toBeNull()
    expect(createSeater(ruleset({ locations: { AMS: EXAM_2.lanes } }), 'LGG')).toBeNull()
    expect(createSeater(ruleset({ locations: { AMS: EXAM_2.lanes } }), 'AMS')).not.toBeNull()
  })

  it('reads a location\'s lanes over the ruleset-wide ones, lane by lane', () => {
    const nine = { PHYSICAL_EXAM: { perWindow: 9, reserve: 0, windowMs: HOUR } }
    const policy = { lanes: BOTH.lanes, locations: { LGG: nine }, protectTags: [] }
    expect(lanesAt(policy, 'LGG')).toEqual({ ...nine, SCREEN_NII: { perWindow: 1, reserve: 0, windowMs: HOUR } })
    expect(lanesAt(policy, 'toString')).toEqual(BOTH.lanes)
  })

  it('asks for no seat (no round trip) when no decision is in a limited lane', () => {
    const seater = createSeater(ruleset(EXAM_2), 'LGG')!
    expect(seater.request([decision(10), decision(75), decision(50)])).toBeNull()
  })

  it('moves the lowest scores of a batch down when the lane is full, and says why', () => {
    const seater = createSeater(ruleset(EXAM_2), 'LGG')!
    const batch = [decision(91), decision(99), decision(95), decision(40)]
    const out = run(seater, batch, counters().serve)
    expect(out.map((d) => [d.score, d.action, d.decision])).toEqual([
      [91, 'SCREEN_NII', 'HOLD'], [99, 'PHYSICAL_EXAM', 'HOLD'],
      [95, 'PHYSICAL_EXAM', 'HOLD'], [40, 'REQUEST_INFO', 'HOLD']
    ])
    const reason = out[0]!.reasons.at(-1)!
    expect(reason.ruleId).toBe(CAPACITY_DOWNGRADE)
    expect(Object.fromEntries(reason.values.map((v) => [v.name, v.value]))).toEqual({
      lane: 'PHYSICAL_EXAM', capacity: '2', reserve: '0', window: '1h', location: 'LGG', action: 'SCREEN_NII',
      windowStart: '2026-11-30T08:00:00.000Z', windowEnd: '2026-11-30T09:00:00.000Z'
    })
    expect(out[1]!.reasons.map((r) => r.ruleId)).toEqual(['IND-PLAIN'])
  })

  it.each<[string, Partial<RiskDecision>]>([
    ['a gate fired', { gates: ['GATE-KP'], reasons: [hit('GATE-KP', 'GATE')] }],
    ['a watchlist indicator fired', { reasons: [hit('IND-WATCHLIST-FUZZY', 'INDICATOR')] }],
    ['random selection chose it', { randomSelection: true }],
    ['a rule failed (fail closed)', { errors: ['IND-X'] }]
  ])('never moves a hold down when %s, and seats it even over capacity', (_why, over) => {
    const seater = createSeater(ruleset(EXAM_2), 'LGG')!
    const { serve } = counters()
    run(seater, [decision(99), decision(99)], serve)
    const kept = decision(95, over)
    const out = run(seater, [decision(96), kept], serve)
    expect(out.map((d) => d.action)).toEqual(['SCREEN_NII', 'PHYSICAL_EXAM'])
    expect(out[1]!.reasons.some((r) => r.ruleId === CAPACITY_DOWNGRADE)).toBe(false)
  })

  it('moves a hold whose gate demands less than its lane down, never below the gate\'s action', () => {
    const ioss = (score: number): RiskDecision =>
      decision(score, { gates: ['GATE-IOSS'], reasons: [hit('GATE-IOSS', 'GATE'), hit('IND-PLAIN', 'INDICATOR')] })
    const examOnly = createSeater(ruleset(EXAM_2), 'LGG')!
    const exam = counters()
    run(examOnly, [decision(99), decision(99)], exam.serve)
    // Only the exam lane is limited: below it SCREEN_NII, above what the gate asks.
    expect(run(examOnly, [ioss(95)], exam.serve).map((d) => d.action)).toEqual(['SCREEN_NII'])
    const both = createSeater(ruleset(BOTH), 'LGG')!
    const seats = counters()
    run(both, [decision(99), decision(99), decision(80)], seats.serve)
    // Both lanes full: RELEASE_POST_AUDIT is below REJECT_DATA, so it lands on the gate's action.
    const out = run(both, [ioss(95)], seats.serve)
    expect(out.map((d) => [d.action, d.decision])).toEqual([['REJECT_DATA', 'HOLD']])
    const to = out[0]!.reasons.filter((r) => r.ruleId === CAPACITY_DOWNGRADE)
      .map((r) => r.values.find((v) => v.name === 'action')?.value)
    expect(to).toEqual(['REJECT_DATA', 'REJECT_DATA'])
  })

  it('never moves a hold whose gate demands its lane, or a limited lane below it', () => {
    const both = createSeater(ruleset(BOTH), 'LGG')!
    const { serve } = counters()
    run(both, [decision(99), decision(99), decision(80)], serve)
    const examGate = decision(95, { gates: ['GATE-EXAM'], reasons: [hit('GATE-EXAM', 'GATE')] })
    const niiGate = decision(95, { gates: ['GATE-NII'], reasons: [hit('GATE-NII', 'GATE')] })
    const out = run(both, [examGate, niiGate], serve)
    expect(out.map((d) => d.action)).toEqual(['PHYSICAL_EXAM', 'PHYSICAL_EXAM'])
    expect(out.flatMap((d) => d.reasons).filter((r) => r.ruleId === CAPACITY_OVERBOOKED)).toHaveLength(2)
  })

  it('never moves an action the score band did not give (a gate or fallback raised it)', () => {
    const seater = createSeater(ruleset(EXAM_2), 'LGG')!
    const { serve } = counters()
    run(seater, [decision(99), decision(99)], serve)
    const raised = decision(30, { action: 'PHYSICAL_EXAM', enrichment: { status: 'DEGRADED', missing: ['seller'] } })
    expect(run(seater, [raised], serve)[0]!.action).toBe('PHYSICAL_EXAM')
  })

  it('moves a degraded hold whose score band gave it the lane, like any indicator-driven hold', () => {
    const seater = createSeater(ruleset(EXAM_2), 'LGG')!
    const { serve } = counters()
    run(seater, [decision(99), decision(99)], serve)
    const degraded = decision(95, { enrichment: { status: 'DEGRADED', missing: ['seller'] } })
    const out = run(seater, [degraded], serve)[0]!
    expect(out.action).toBe('SCREEN_NII')
    expect(out.reasons.at(-1)!.ruleId).toBe(CAPACITY_DOWNGRADE)
  })

  it.each<[string, Action, string[]]>([
    ['REQUEST_INFO, not below it, past every full lane', 'REQUEST_INFO',
      ['PHYSICAL_EXAM', 'PHYSICAL_EXAM', 'SCREEN_NII', 'REQUEST_INFO']],
    ['RELEASE_POST_AUDIT like any hold when the fallback is no stricter', 'RELEASE',
      ['PHYSICAL_EXAM', 'PHYSICAL_EXAM', 'SCREEN_NII', 'RELEASE_POST_AUDIT']],
    ['nowhere when the fallback is a limited lane (the hold is never moved, served first)', 'SCREEN_NII',
      ['PHYSICAL_EXAM', 'SCREEN_NII', 'RELEASE_POST_AUDIT', 'PHYSICAL_EXAM']]
  ])('moves a degraded hold down to the fallback action at the lowest: %s', (_what, fallbackAction, actions) => {
    const seater = createSeater(ruleset(BOTH, fallbackAction), 'LGG')!
    const degraded = { enrichment: { status: 'DEGRADED' as const, missing: ['watchlist'] } }
    const out = run(seater, [decision(99), decision(98), decision(97), decision(95, degraded)], counters().serve)
    expect(out.map((d) => d.action)).toEqual(actions)
    expect(out[3]!.decision).toBe(actions[3] === 'RELEASE_POST_AUDIT' ? 'RELEASE' : 'HOLD')
    if (actions[3] === 'REQUEST_INFO') {
      const full = out[3]!.reasons.filter((r) => r.ruleId === CAPACITY_DOWNGRADE)
      const to = full.map((r) => r.values.find((v) => v.name === 'action')?.value)
      expect(to).toEqual(['REQUEST_INFO', 'REQUEST_INFO'])
    }
  })

  const RESERVED = { lanes: { PHYSICAL_EXAM: { perWindow: 5, reserve: 2, windowMs: HOUR } } }
  const gated = (score: number): RiskDecision =>
    decision(score, { gates: ['GATE-KP'], reasons: [hit('GATE-KP', 'GATE')] })

  it('stops indicator-driven holds at capacity − reserve; holds that are never moved take the reserve', () => {
    const seater = createSeater(ruleset(RESERVED), 'LGG')!
    const { serve } = counters()
    const first = run(seater, [decision(99), decision(98), decision(97), decision(96)], serve)
    expect(first.map((d) => d.action)).toEqual(['PHYSICAL_EXAM', 'PHYSICAL_EXAM', 'PHYSICAL_EXAM', 'SCREEN_NII'])
    const late = run(seater, [gated(92), gated(91), decision(99)], serve)
    expect(late.map((d) => d.action)).toEqual(['PHYSICAL_EXAM', 'PHYSICAL_EXAM', 'SCREEN_NII'])
    expect(late.flatMap((d) => d.reasons).some((r) => r.ruleId === CAPACITY_OVERBOOKED)).toBe(false)
  })

  it('lets never-moved holds that came first take ordinary seats, the lane total staying at capacity', () => {
    const seater = createSeater(ruleset(RESERVED), 'LGG')!
    const { serve } = counters()
    run(seater, [gated(92), gated(91), gated(90)], serve)
    const out = run(seater, [decision(99), decision(98), decision(97)], serve)
    expect(out.map((d) => d.action)).toEqual(['PHYSICAL_EXAM', 'PHYSICAL_EXAM', 'SCREEN_NII'])
  })

  it('holds never-moved holds beyond the reserve anyway, each with a CAPACITY_OVERBOOKED reason and its seat', () => {
    const seater = createSeater(ruleset(RESERVED), 'LGG')!
    const { serve } = counters()
    run(seater, [decision(99), decision(98), decision(97)], serve)
    const batch = [gated(92), gated(91), gated(90)]
    const out = run(seater, batch, serve)
    expect(out.map((d) => d.action)).toEqual(['PHYSICAL_EXAM', 'PHYSICAL_EXAM', 'PHYSICAL_EXAM'])
    const over = out.map((d) => d.reasons.filter((r) => r.ruleId === CAPACITY_OVERBOOKED))
    expect(over.map((r) => r.length)).toEqual([0, 0, 1])
    expect(Object.fromEntries(over[2]![0]!.values.map((v) => [v.name, v.value]))).toMatchObject({
      lane: 'PHYSICAL_EXAM', capacity: '5', reserve: '2', seat: '6', location: 'LGG'
    })
    // A replay says the same: the seat keeps its place.
    expect(run(seater, batch, serve)).toEqual(out)
  })

  it('serves forced holds before the batch\'s indicator-driven ones, so the latter are moved', () => {
    const seater = createSeater(ruleset(EXAM_2), 'LGG')!
    const gated = { gates: ['GATE-KP'] }
    const out = run(seater, [decision(99), decision(98), decision(91, gated), decision(92, gated)], counters().serve)
    expect(out.map((d) => d.action)).toEqual(['SCREEN_NII', 'SCREEN_NII', 'PHYSICAL_EXAM', 'PHYSICAL_EXAM'])
  })

  it('keeps the random slice held in its lane, ahead of the batch\'s indicator-driven holds', () => {
    const lanes = { SCREEN_NII: { perWindow: 2, reserve: 0, windowMs: HOUR } }
    const seater = createSeater(ruleset({ lanes }), 'LGG')!
    const random = decision(5, { action: 'SCREEN_NII', randomSelection: true })
    const out = run(seater, [decision(80), decision(75), random], counters().serve)
    expect(out.map((d) => d.action)).toEqual(['SCREEN_NII', 'RELEASE_POST_AUDIT', 'SCREEN_NII'])
    expect(out[1]!.decision).toBe('RELEASE')
  })

  it('falls through every full limited lane to RELEASE_POST_AUDIT, one reason per full lane', () => {
    const seater = createSeater(ruleset(BOTH), 'LGG')!
    const out = run(seater, [decision(99), decision(98), decision(97), decision(96)], counters().serve)
    expect(out.map((d) => d.action)).toEqual(['PHYSICAL_EXAM', 'PHYSICAL_EXAM', 'SCREEN_NII', 'RELEASE_POST_AUDIT'])
    expect(out[3]!.decision).toBe('RELEASE')
    const full = out[3]!.reasons.filter((r) => r.ruleId === CAPACITY_DOWNGRADE)
    expect(full.map((r) => r.values[0]!.value)).toEqual(['PHYSICAL_EXAM', 'SCREEN_NII'])
  })

  it('moves a full PHYSICAL_EXAM to SCREEN_NII when only the exam lane is limited', () => {
    const lanes = { PHYSICAL_EXAM: { perWindow: 0, reserve: 0, windowMs: HOUR } }
    const seater = createSeater(ruleset({ lanes }), 'LGG')!
    expect(run(seater, [decision(99)], counters().serve)[0]!.action).toBe('SCREEN_NII')
  })

  it('gives a replayed batch the same seats, not second ones', () => {
    const seater = createSeater(ruleset(EXAM_2), 'LGG')!
    const { serve } = counters()
    const batch = [decision(99), decision(95), decision(91)]
    const first = run(seater, batch, serve)
    const again = run(seater, batch, serve)
    expect(again.map((d) => d.action)).toEqual(first.map((d) => d.action))
    expect(serve(seater.request(batch)!).taken).toEqual([2])
  })

  it('counts each window apart, by the record timestamp', () => {
    const seater = createSeater(ruleset(EXAM_2), 'LGG')!
    const late = { receivedAt: T0 + HOUR + 5, decidedAt: 0, latencyMicros: 0 }
    const batch = [decision(99), decision(98), decision(97), decision(96, { timings: late })]
    const out = run(seater, batch, counters().serve)
    expect(out.map((d) => d.action)).toEqual(['PHYSICAL_EXAM', 'PHYSICAL_EXAM', 'SCREEN_NII', 'PHYSICAL_EXAM'])
  })

  it('keeps every hold, with a CAPACITY_UNCHECKED reason, when the counters cannot be reached', () => {
    const seater = createSeater(ruleset(BOTH), 'LGG')!
    const batch = [decision(99), decision(98), decision(97), decision(75)]
    const out = run(seater, batch, () => null)
    expect(out.map((d) => d.action)).toEqual(batch.map((d) => d.action))
    expect(out.map((d) => d.reasons.at(-1)!.ruleId)).toEqual(Array(4).fill(CAPACITY_UNCHECKED))
    expect(out[3]!.reasons.at(-1)!.values[0]).toEqual({ name: 'lane', value: 'SCREEN_NII' })
  })

  it('orders the request: forced first, then by score descending, ties by holder', () => {
    const seater = createSeater(ruleset(BOTH), 'LGG')!
    const batch = [decision(91), decision(99), decision(75, { randomSelection: true }), decision(99)]
    const request = seater.request(batch)!
    const [first, second] = request.candidates
    const order = request.candidates.map((c) => [c.decision, c.forced])
    expect(order).toEqual([[2, true], [1, false], [3, false], [0, false]])
    expect(second!.counters.map((i) => request.counters[i]!.lane)).toEqual(['PHYSICAL_EXAM', 'SCREEN_NII'])
    expect(second!.fallback).toBe('RELEASE_POST_AUDIT')
    expect(first!.holder).toBe(`${batch[2]!.declarationId}#1`)
  })

  const windows = [[60_000, '1m'], [HOUR, '1h'], [86_400_000, '1d'], [90 * 60_000, '90m']] as const
  it.each(windows)('shows a window of %i ms as %s', (ms, text) => {
    expect(showWindow(ms)).toBe(text)
  })
})
