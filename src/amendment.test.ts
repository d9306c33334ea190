import { describe, expect, it } from 'vitest'
import {
  advance, AMENDED, decodeStanding, earlierThan, encodeStanding, isSupersededAnswer, standingOf, SUPERSEDED,
  supersededBy, type DeclarationHistory, type StandingDecision
} from './amendment.ts'
import type { RiskDecision } from './declaration.ts'

const s = (version: number): StandingDecision =>
  ({
    version, decision: 'HOLD', action: 'SCREEN_NII', score: 70, rules: ['IND-A'],
    ruleset: { id: 'eu-lvc', version: '1', digest: 'ab' }
  })

const h = (current: number, previous: number | null): DeclarationHistory =>
  ({ current: s(current), previous: previous === null ? null : s(previous) })

type Row = [number, DeclarationHistory | null | undefined, number | null, number | null]

describe('amendment > versions', () => {
  it.each([
    // version, history,        superseded by, compared with
    [1, null, null, null],
    [2, null, null, null],
    [1, undefined, null, null],
    [2, h(1, null), null, 1],
    [2, h(2, 1), null, 1],
    [1, h(2, 1), 2, null],
    [1, h(1, null), null, null],
    [3, h(2, 1), null, 2],
    [1, h(3, 2), 3, null],
    [2, h(3, 2), 3, null]
  ] as Row[])('version %i with %o: superseded by %o, compared with %o', (version, history, newer, earlier) => {
    expect(supersededBy(version, history)?.version ?? null).toBe(newer)
    expect(earlierThan(version, history)?.version ?? null).toBe(earlier)
  })

  it('advances to a higher version only, keeping the one it replaced', () => {
    expect(advance(null, s(1))).toEqual(h(1, null))
    expect(advance(undefined, s(1))).toEqual(h(1, null))
    expect(advance(h(1, null), s(2))).toEqual(h(2, 1))
    expect(advance(h(2, 1), s(2))).toEqual(h(2, 1))
    expect(advance(h(2, 1), s(1))).toEqual(h(2, 1))
    expect(advance(h(2, 1), s(5))).toEqual(h(5, 2))
  })

  it('keeps a decision as its rules, amendment reasons left out; reads back what it wrote, and nothing else', () => {
    const d = {
      version: 2, decision: 'RELEASE', action: 'RELEASE', score: 5, ruleset: { id: 'r', version: '1', digest: 'x' },
      reasons: [{ ruleId: 'IND-A' }, { ruleId: AMENDED }]
    } as unknown as RiskDecision
    const standing = standingOf(d)
    expect(standing).toEqual({
      version: 2, decision: 'RELEASE', action: 'RELEASE', score: 5, rules: ['IND-A'],
      ruleset: { id: 'r', version: '1', digest: 'x' }
    })
    expect(decodeStanding(encodeStanding(standing))).toEqual(standing)
    const badValues = [
      null, '', 'not json', '{}',
      '{"version":1,"decision":"MAYBE","action":"RELEASE","score":1,"rules":[],"ruleset":{}}'
    ]
    for (const bad of badValues) {
      expect(decodeStanding(bad)).toBeNull()
    }
    expect(isSupersededAnswer({ reasons: [{ ruleId: SUPERSEDED }] } as unknown as RiskDecision)).toBe(true)
    expect(isSupersededAnswer(d)).toBe(false)
  })
})
