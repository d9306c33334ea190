import { describe, expect, it } from 'vitest'
import { controllable } from '../actions.ts'
import type { InspectionOutcome, RiskDecision } from '../declaration.ts'
import { shardOf, yieldKeys, YIELD_SHARDS } from './keys.ts'
import {
  decisionIncrements, decisionRecord, isoWeek, outcomeId, outcomeIncrements, outcomeProblem, revenueUnits
} from './tally.ts'

const decision = (over: Partial<RiskDecision> = {}): RiskDecision => ({
  declarationId: 'D-1', version: 1, decision: 'HOLD', action: 'SCREEN_NII', score: 75,
  reasons: [
    { ruleId: 'r-a', title: 'a', tier: 'INDICATOR', contribution: 40, values: [] },
    { ruleId: 'r-b', title: 'b', tier: 'INDICATOR', contribution: 35, values: [] }
  ],
  gates: [], errors: [], randomSelection: false,
  ruleset: { id: 'eu-lvc', version: '1.0.0', digest: 'ab'.repeat(32) },
  enrichment: { status: 'OK', missing: [] }, rejections: [],
  timings: { receivedAt: 1, decidedAt: 2, latencyMicros: 3 }, inputDigest: 'cd'.repeat(32),
  ...over
})

const outcome = (over: Partial<InspectionOutcome> = {}): InspectionOutcome => ({
  declarationId: 'D-1', version: 1, result: 'REVENUE', inspectedAt: 1_770_000_000_000, method: 'NII',
  ruleIds: [], revenueAmount: '12.5', revenueCurrency: 'EUR', notes: null, niiResult: null, imageRef: null, ...over
})

describe('outcomes > tally', () => {
  it.each([
    ['2026-11-30T00:00:00Z', '2026-W49'], ['2026-11-29T23:59:59Z', '2026-W48'], ['2021-01-03T12:00:00Z', '2020-W53'],
    ['2024-12-30T00:00:00Z', '2025-W01'], ['2026-01-01T00:00:00Z', '2026-W01'], ['1970-01-01T00:00:00Z', '1970-W01']
  ])('puts %s in ISO week %s', (iso, week) => {
    expect(isoWeek(Date.parse(iso))).toBe(week)
  })

  it('counts the rules of a decision, not the reasons the decision stage adds (amendments, capacity)', () => {
    const added = [
      { ruleId: 'amendment:AMENDED', title: 'x', tier: 'INDICATOR' as const, contribution: 0, values: [] },
      { ruleId: 'capacity:DOWNGRADE', title: 'y', tier: 'INDICATOR' as const, contribution: 0, values: [] }
    ]
    expect(decisionRecord(decision({ reasons: [...decision().reasons, ...added] })).rules).toEqual(['r-a', 'r-b'])
  })

  it('counts an outcome of a record kept without a week in the week of the control', () => {
    const { week: _week, ...old } = decisionRecord(decision({ reasons: [] }))
    const inc = outcomeIncrements(old, outcome({ inspectedAt: Date.parse('2026-11-30T10:00:00Z') }))
    expect(inc).toContainEqual(['week|*|2026-W49|controlled', 1])
  })

  it('counts fired and held for every rule of a held decision and for *, in its lane', () => {
    expect(decisionIncrements(decisionRecord(decision()))).toEqual([
      ['all|*|SCREEN_NII|fired', 1], ['all|*|SCREEN_NII|held', 1],
      ['all|r-a|SCREEN_NII|fired', 1], ['all|r-a|SCREEN_NII|held', 1],
      ['all|r-b|SCREEN_NII|fired', 1], ['all|r-b|SCREEN_NII|held', 1],
      ['week|*|1970-W01|fired', 1], ['week|*|1970-W01|held', 1],
      ['week|r-a|1970-W01|fired', 1], ['week|r-a|1970-W01|held', 1],
      ['week|r-b|1970-W01|fired', 1], ['week|r-b|1970-W01|held', 1]
    ])
  })

  it('counts a release as fired only, and keeps no record of it for the join', () => {
    const d = decision({ decision: 'RELEASE', action: 'RELEASE', reasons: [] })
    expect(decisionIncrements(decisionRecord(d))).toEqual([['all|*|RELEASE|fired', 1], ['week|*|1970-W01|fired', 1]])
    expect(controllable(d)).toBe(false)
    expect(controllable(decision({ decision: 'RELEASE', action: 'RELEASE_POST_AUDIT' }))).toBe(true)
  })

  it('counts a randomly selected decision in the random slice as well', () => {
    const inc = decisionIncrements(decisionRecord(decision({
      randomSelection: true, reasons: [], action: 'SCREEN_NII'
    })))
    expect(inc).toEqual([
      ['all|*|SCREEN_NII|fired', 1], ['all|*|SCREEN_NII|held', 1],
      ['random|*|SCREEN_NII|fired', 1], ['random|*|SCREEN_NII|held', 1],
      ['week|*|1970-W01|fired', 1], ['week|*|1970-W01|held', 1]
    ])
  })

  it.each([
    ['REVENUE', true], ['SEIZED', true], ['CONTENT_MISMATCH', true],
    ['NO_FINDING', false], ['DOCUMENTS_INSUFFICIENT', false], ['OTHER', false]
  ] as const)('an outcome %s counts as positive: %s', (result, positive) => {
    const inc = outcomeIncrements(decisionRecord(decision({ reasons: [] })),
      outcome({ result, revenueAmount: null, revenueCurrency: null }))
    expect(inc.some(([f]) => f === 'all|*|SCREEN_NII|positive')).toBe(positive)
    expect(inc).toContainEqual(['all|*|SCREEN_NII|controlled', 1])
    expect(inc).toContainEqual([`all|*|SCREEN_NII|result:${result}`, 1])
  })

  it('adds revenue in ten-thousandths per currency, exactly', () => {
    expect(revenueUnits('12.5')).toBe('125000')
    expect(revenueUnits('0.0001')).toBe('1')
    expect(revenueUnits('999999999999.9999')).toBe('9999999999999999')
    const inc = outcomeIncrements(decisionRecord(decision({ reasons: [] })), outcome())
    expect(inc).toContainEqual(['all|*|SCREEN_NII|revenue:EUR', '125000'])
  })

  it('derives the same outcome id for the same control, another for another control', () => {
    expect(outcomeId(outcome())).toBe(outcomeId(outcome({ result: 'NO_FINDING', notes: 'x' })))
    expect(outcomeId(outcome())).not.toBe(outcomeId(outcome({ method: 'PHYSICAL' })))
    expect(outcomeId(outcome())).not.toBe(outcomeId(outcome({ inspectedAt: 1_770_000_000_001 })))
    expect(outcomeId(outcome())).not.toBe(outcomeId(outcome({ version: 2 })))
  })

  it.each([
    [{ declarationId: ' ' }, 'declarationId'],
    [{ version: 0 }, 'version'],
    [{ revenueAmount: '12,50' }, 'revenueAmount'],
    [{ revenueCurrency: null }, 'revenueCurrency'],
    [{ revenueCurrency: 'eur' }, 'revenueCurrency']
  ] as const)('refuses %j as E_OUTCOME_INVALID at %s', (over, path) => {
    const problem = outcomeProblem(outcome(over))
    expect(problem?.code).toBe('E_OUTCOME_INVALID')
    expect(problem?.path).toBe(path)
  })

  it('accepts a well-formed outcome', () => {
    expect(outcomeProblem(outcome())).toBeUndefined()
  })
})

describe('outcomes > keys', () => {
  it('puts a decision marker, an outcome marker and the counters of one declaration in one hash tag', () => {
    const keys = yieldKeys('pr:')
    const tag = (key: string): string => /\{[^}]*\}/.exec(key)?.[0] ?? ''
    const counts = keys.counts('eu-lvc', '1.0.0', shardOf('D-1'))
    expect(tag(keys.decisionMarker('eu-lvc', '1.0.0', 'D-1', 1))).toBe(tag(counts))
    expect(tag(keys.outcomeMarker('eu-lvc', '1.0.0', 'D-1', 'abc'))).toBe(tag(counts))
    expect(tag(counts)).toBe(`{eu-lvc%401.0.0#${shardOf('D-1')}}`)
  })

  it('keeps a brace in a ruleset version from ending the tag', () => {
    expect(yieldKeys('pr:').counts('a}b', '1{', 3)).toBe('pr:yield:{a%7Db%401%7B#3}:counts')
  })

  it('spreads declaration ids over every shard', () => {
    const seen = new Set(Array.from({ length: 1_000 }, (_, i) => shardOf(`D-${i}`)))
    expect(seen.size).toBe(YIELD_SHARDS)
  })
})
