// Amendments in the decide stage (src/amendment.ts says how versions relate): the answer to a
// superseded version, and the reason an amended version's decision carries.
//
// Both speak through reasons, so the decision schema stays as it is:
//   amendment:AMENDED                 this version amends an earlier one: its version, decision,
//                                     action and score, the lane change, the rules that no
//                                     longer fire and those that now do
//   amendment:HOLD_RELEASED           the same, when an earlier HOLD became a RELEASE: never
//                                     implied, always said
//   amendment:UNCHECKED               an amended version (version > 1) decided while the history
//                                     could not be read: it may undo a hold nobody saw
//   amendment:SUPERSEDED_BY_VERSION   the only reason of the answer to an older version: it
//                                     repeats the standing decision (decision, action, score,
//                                     ruleset) and names its version; nothing is scored
// The first three are informative (tier INDICATOR, contribution 0, after the reasons that
// added points and before the discounts); the fourth decides the answer on its own (GATE).

import { AMENDED, HOLD_RELEASED, SUPERSEDED, UNCHECKED, type StandingDecision } from '../amendment.ts'
import type { Reason, ReasonValue, RiskDecision } from '../declaration.ts'
import type { ScoreContext } from '../evaluation.ts'

const field = (d: unknown, name: string): unknown =>
  typeof d === 'object' && d !== null ? (d as Record<string, unknown>)[name] : undefined

const listed = (ids: readonly string[]): string => ids.length === 0 ? '(none)' : ids.join(', ')

const ruleIdsOf = (d: RiskDecision): string[] => d.reasons.map((r) => r.ruleId)

/** What changed between the earlier decision and this one, as reason values. */
const laneChange = (earlier: StandingDecision, d: RiskDecision): string =>
  earlier.action === d.action ? `unchanged (${d.action})` : `${earlier.action} → ${d.action}`

const changeValues = (earlier: StandingDecision, d: RiskDecision): ReasonValue[] => {
  const now = new Set(ruleIdsOf(d))
  const before = new Set(earlier.rules)
  return [
    { name: 'previousVersion', value: String(earlier.version) },
    { name: 'previousDecision', value: earlier.decision },
    { name: 'previousAction', value: earlier.action },
    { name: 'previousScore', value: String(earlier.score) },
    { name: 'lane', value: laneChange(earlier, d) },
    { name: 'rulesNoLongerFiring', value: listed(earlier.rules.filter((id) => !now.has(id))) },
    { name: 'rulesNowFiring', value: listed(ruleIdsOf(d).filter((id) => !before.has(id))) }
  ]
}

const amendedReason = (earlier: StandingDecision, d: RiskDecision): Reason => {
  const released = earlier.decision === 'HOLD' && d.decision === 'RELEASE'
  const lane = earlier.action === d.action ? `lane unchanged, ${d.action}` : `${earlier.action} → ${d.action}`
  return {
    ruleId: released ? HOLD_RELEASED : AMENDED,
    title: released
      ? `Amendment releases the hold of version ${earlier.version} (${earlier.action})`
      : `Amends version ${earlier.version} (${lane})`,
    tier: 'INDICATOR',
    contribution: 0,
    values: changeValues(earlier, d)
  }
}

const uncheckedReason = (d: RiskDecision): Reason => ({
  ruleId: UNCHECKED,
  title: 'Amended version decided without its earlier decision: the amendment history could not be read',
  tier: 'INDICATOR',
  contribution: 0,
  values: [{ name: 'version', value: String(d.version) }]
})

/** Reasons stay in order: gates, then contributions descending; a 0 goes after the last non-negative one. */
const goesBeforeZero = (r: Reason): boolean => r.tier === 'GATE' || r.contribution >= 0

const withReason = (d: RiskDecision, reason: Reason): RiskDecision => {
  let at = 0
  while (at < d.reasons.length && goesBeforeZero(d.reasons[at] as Reason)) at++
  return { ...d, reasons: [...d.reasons.slice(0, at), reason, ...d.reasons.slice(at)] }
}

/**
 * The decision of an amended version with what changed since `earlier` (null: no earlier
 * decision known). `unchecked`: the history could not be read.
 */
export const annotateAmendment = (
  d: RiskDecision, earlier: StandingDecision | null, unchecked: boolean
): RiskDecision => {
  if (earlier !== null) return withReason(d, amendedReason(earlier, d))
  if (unchecked && d.version > 1) return withReason(d, uncheckedReason(d))
  return d
}

/** The answer to a version older than `newer`, the standing decision: repeated, and named. */
export const supersededAnswer = (declaration: unknown, newer: StandingDecision, ctx: ScoreContext): RiskDecision => {
  const id = field(declaration, 'declarationId')
  const version = field(declaration, 'version')
  const missing = ctx.enrichmentMissing
  const receivedAt = ctx.receivedAtMs ?? ctx.nowMs
  return {
    declarationId: typeof id === 'string' ? id : '',
    version: typeof version === 'number' ? version : 0,
    decision: newer.decision,
    action: newer.action,
    score: newer.score,
    reasons: [{
      ruleId: SUPERSEDED,
      title: `Superseded by version ${newer.version}, decided ${newer.decision} (${newer.action}); ` +
        'this version is not decided again',
      tier: 'GATE',
      contribution: 0,
      values: [
        { name: 'supersededByVersion', value: String(newer.version) },
        { name: 'standingDecision', value: newer.decision },
        { name: 'standingAction', value: newer.action },
        { name: 'standingScore', value: String(newer.score) },
        { name: 'standingRules', value: listed(newer.rules) }
      ]
    }],
    gates: [],
    errors: [],
    randomSelection: false,
    ruleset: { ...newer.ruleset },
    enrichment: missing !== undefined && missing.length > 0
      ? { status: 'DEGRADED', missing: [...missing] }
      : { status: 'OK', missing: [] },
    rejections: [],
    timings: {
      receivedAt, decidedAt: ctx.nowMs, latencyMicros: Math.max(0, Math.round((ctx.nowMs - receivedAt) * 1000))
    },
    inputDigest: ctx.inputDigest ?? ''
  }
}
