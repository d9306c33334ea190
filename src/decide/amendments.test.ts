import { describe, expect, it } from 'vitest'
import { AMENDED, HOLD_RELEASED, SUPERSEDED, UNCHECKED, type StandingDecision } from '../amendment.ts'
import type { Action, Reason, RiskDecision } from '../declaration.ts'
import { annotateAmendment, supersededAnswer } from './amendments.ts'

const reason = (ruleId: string, tier: 'GATE' | 'INDICATOR', contribution: number): Reason =>
  ({ ruleId, title: ruleId, tier, contribution, values: [] })

const decision = (version: number, action: Action, reasons: Reason[] = []): RiskDecision => ({
  declarationId: 'D-1',
  version,
  decision: action === 'RELEASE' || action === 'RELEASE_POST_AUDIT' ? 'RELEASE' : 'HOLD',
  action,
  score: 10,
  reasons, gates: reasons.filter((r) => r.tier === 'GATE').map((r) => r.ruleId), errors: [], randomSelection: false,
  ruleset: { id: 'eu-lvc', version: '2', digest: 'ab' }, enrichment: { status: 'OK', missing: [] }, rejections: [],
  timings: { receivedAt: 1, decidedAt: 2, latencyMicros: 1000 }, inputDigest: 'cd'
})

const standing = (version: number, action: Action, rules: string[] = []): StandingDecision => ({
  version,
  decision: action === 'RELEASE' ? 'RELEASE' : 'HOLD',
  action,
  score: 75,
  rules,
  ruleset: { id: 'eu-lvc', version: '1', digest: 'ef' }
})

const valuesOf = (r: Reason | undefined): Record<string, string> =>
  Object.fromEntries((r?.values ?? []).map((v) => [v.name, v.value]))

describe('decide > amendments: what an amendment changed', () => {
  it.each([
    // earlier,                                 now,           reason id
    [standing(1, 'SCREEN_NII', ['IND-A']), 'RELEASE' as Action, HOLD_RELEASED],
    [standing(1, 'REJECT_DATA'), 'RELEASE_POST_AUDIT' as Action, HOLD_RELEASED],
    [standing(1, 'SCREEN_NII'), 'REQUEST_INFO' as Action, AMENDED],
    [standing(1, 'RELEASE'), 'PHYSICAL_EXAM' as Action, AMENDED],
    [standing(1, 'RELEASE'), 'RELEASE' as Action, AMENDED]
  ])('%o then %s: %s', (earlier, action, id) => {
    const out = annotateAmendment(decision(2, action), earlier, false)
    expect(out.reasons.map((r) => r.ruleId)).toEqual([id])
    expect(out.action).toBe(action)
    expect(valuesOf(out.reasons[0])).toMatchObject({
      previousVersion: '1', previousAction: earlier.action, previousDecision: earlier.decision
    })
  })

  it('names the lane change and the rules that stopped and started firing', () => {
    const now = decision(3, 'REQUEST_INFO', [reason('IND-B', 'INDICATOR', 40)])
    const out = annotateAmendment(now, standing(2, 'SCREEN_NII', ['GATE-X', 'IND-B']), false)
    const amended = out.reasons.find((r) => r.ruleId === AMENDED)
    expect(amended?.title).toBe('Amends version 2 (SCREEN_NII → REQUEST_INFO)')
    expect(valuesOf(amended)).toEqual({
      previousVersion: '2', previousDecision: 'HOLD', previousAction: 'SCREEN_NII', previousScore: '75',
      lane: 'SCREEN_NII → REQUEST_INFO', rulesNoLongerFiring: 'GATE-X', rulesNowFiring: '(none)'
    })
  })

  it('says a released hold in its title, never only in its values', () => {
    const out = annotateAmendment(decision(2, 'RELEASE'), standing(1, 'SCREEN_NII', ['IND-A']), false)
    expect(out.reasons[0]?.title).toBe('Amendment releases the hold of version 1 (SCREEN_NII)')
    expect(valuesOf(out.reasons[0]).rulesNoLongerFiring).toBe('IND-A')
  })

  it('keeps the reasons ordered: gates, points added, the amendment, then discounts', () => {
    const reasons = [reason('GATE-G', 'GATE', 0), reason('IND-A', 'INDICATOR', 30), reason('MIT-AEO', 'INDICATOR', -20)]
    const out = annotateAmendment(decision(2, 'SCREEN_NII', reasons), standing(1, 'SCREEN_NII'), false)
    expect(out.reasons.map((r) => r.ruleId)).toEqual(['GATE-G', 'IND-A', AMENDED, 'MIT-AEO'])
    expect(out.gates).toEqual(['GATE-G'])
  })

  it.each([
    // version, earlier known, history unknown, reasons added
    [1, false, false, []],
    [2, false, false, []],
    [1, false, true, []],
    [2, false, true, [UNCHECKED]]
  ])('version %i, earlier known %s, history unknown %s: adds %o', (version, known, unknown, ids) => {
    const out = annotateAmendment(decision(version, 'RELEASE'), known ? standing(1, 'SCREEN_NII') : null, unknown)
    expect(out.reasons.map((r) => r.ruleId)).toEqual(ids)
  })
})

describe('decide > amendments: the answer to a superseded version', () => {
  it('repeats the standing decision under the older version, with one reason naming the newer one', () => {
    const newer = standing(3, 'SCREEN_NII', ['IND-A', 'IND-B'])
    const ctx = { nowMs: 5_000, receivedAtMs: 4_000, inputDigest: '00', enrichmentMissing: [] }
    const out = supersededAnswer({ declarationId: 'D-1', version: 2 }, newer, ctx)
    expect(out).toMatchObject({
      declarationId: 'D-1', version: 2, decision: 'HOLD', action: 'SCREEN_NII', score: 75,
      gates: [], errors: [], rejections: [],
      ruleset: newer.ruleset, enrichment: { status: 'OK', missing: [] }, inputDigest: '00',
      timings: { receivedAt: 4_000, decidedAt: 5_000, latencyMicros: 1_000_000 }
    })
    expect(out.reasons.map((r) => [r.ruleId, r.tier, r.contribution])).toEqual([[SUPERSEDED, 'GATE', 0]])
    expect(valuesOf(out.reasons[0])).toEqual({
      supersededByVersion: '3',
      standingDecision: 'HOLD',
      standingAction: 'SCREEN_NII',
      standingScore: '75',
      standingRules: 'IND-A, IND-B'
    })
  })

  it('says DEGRADED when enrichment was incomplete', () => {
    const ctx = { nowMs: 1, enrichmentMissing: ['seller'] }
    const out = supersededAnswer({ declarationId: 'D-1', version: 1 }, standing(2, 'RELEASE'), ctx)
    expect(out.enrichment).toEqual({ status: 'DEGRADED', missing: ['seller'] })
  })
})
