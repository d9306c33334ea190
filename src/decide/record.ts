// Builds the RiskDecision record (schemas/risk-decision.avsc, every field filled) from an
// Evaluation. Reasons are explained only for the rules that fired: each such rule is run
// once more in recording mode to collect the values it read, so the hot path never pays
// for them.

import type { Evaluation, RuleInfo, ScoreContext } from '../engine/ruleset.ts'
import { OUTCOME_ERROR, OUTCOME_HIT } from '../engine/ruleset.ts'
import type { DataRejection, Reason, ReasonValue, RiskDecision } from './decision.ts'

/** More values than this in one reason are cut: a reason is for reading, not for replay. */
export const MAX_REASON_VALUES = 20

export interface RulesetIdentity { readonly id: string, readonly version: string, readonly digest: string }

export type Explain = (d: unknown, e: unknown, now: number) => string[]

const pairs = (flat: readonly string[]): ReasonValue[] => {
  const out: ReasonValue[] = []
  next: for (let i = 0; i + 1 < flat.length && out.length < MAX_REASON_VALUES; i += 2) {
    const name = flat[i] as string
    // A rule may read a field twice; a handful of values makes a linear scan the cheapest.
    for (let j = 0; j < out.length; j++) if ((out[j] as ReasonValue).name === name) continue next
    out.push({ name, value: flat[i + 1] as string })
  }
  return out
}

const field = (d: unknown, name: string): unknown =>
  typeof d === 'object' && d !== null ? (d as Record<string, unknown>)[name] : undefined

export const buildDecision = (
  ruleset: RulesetIdentity, rules: readonly RuleInfo[], explain: readonly Explain[],
  ev: Evaluation, d: unknown, e: unknown, ctx: ScoreContext
): RiskDecision => {
  const gates: Reason[] = []
  const scored: Reason[] = []
  const gateIds: string[] = []
  const errors: string[] = []
  const rejections: DataRejection[] = []
  for (let i = 0; i < rules.length; i++) {
    const outcome = ev.outcomes[i]
    const rule = rules[i] as RuleInfo
    if (outcome === OUTCOME_ERROR) { errors.push(rule.id); continue }
    if (outcome !== OUTCOME_HIT) continue
    let values: ReasonValue[]
    try {
      values = pairs((explain[i] as Explain)(d, e, ctx.nowMs))
    } catch (err) {
      values = [{ name: 'explanation failed', value: (err as Error).message }]
    }
    if (rule.tier === 'gate') {
      gateIds.push(rule.id)
      gates.push({ ruleId: rule.id, title: rule.title, tier: 'GATE', contribution: 0, values })
      if (rule.action === 'REJECT_DATA') {
        rejections.push({ code: 'E_RULES_REJECT_DATA', path: values[0]?.name ?? '', message: rule.title })
      }
    } else {
      const contribution = Math.round(rule.tier === 'mitigation' ? -rule.weight : rule.weight)
      scored.push({ ruleId: rule.id, title: rule.title, tier: 'INDICATOR', contribution, values })
    }
  }
  if (!ev.inForce) errors.push(`ruleset ${ruleset.id} is not in force on ${new Date(ev.dateMs).toISOString()}`)
  if (scored.length > 1) scored.sort((a, b) => b.contribution - a.contribution)
  const missing = ctx.enrichmentMissing ?? []
  const receivedAt = ctx.receivedAtMs ?? ctx.nowMs
  const id = field(d, 'declarationId')
  const version = field(d, 'version')
  return {
    declarationId: typeof id === 'string' ? id : '',
    version: typeof version === 'number' ? version : 0,
    decision: ev.decision,
    action: ev.action,
    score: ev.score,
    reasons: gates.length === 0 ? scored : scored.length === 0 ? gates : gates.concat(scored),
    gates: gateIds,
    errors,
    randomSelection: ev.randomlySelected,
    ruleset: { id: ruleset.id, version: ruleset.version, digest: ruleset.digest },
    enrichment: missing.length > 0 ? { status: 'DEGRADED', missing: [...missing] } : { status: 'OK', missing: [] },
    rejections: ev.action === 'REJECT_DATA' ? rejections : [],
    timings: { receivedAt, decidedAt: ctx.nowMs, latencyMicros: Math.max(0, Math.round((ctx.nowMs - receivedAt) * 1000)) },
    inputDigest: ctx.inputDigest ?? ''
  }
}
