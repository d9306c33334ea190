// The decide stage: after scoring, the RiskDecision of one declaration from the engine's
// evaluation of it. The ruleset's policy (bands, fallback, error action, random selection)
// and its window turn the score parts into an action (outcome.ts); the rules that fired,
// with the values the evaluation carries, become the reasons (record.ts). Nothing here
// runs a rule: decide/ knows the ruleset only as the data below, which the engine's
// CompiledRuleset has.

import type { DecisionPolicy } from '../actions.ts'
import type { RiskDecision } from '../declaration.ts'
import type { EnrichmentRecord } from '../enrichment.ts'
import type { Evaluation, RuleInfo, ScoreContext } from '../evaluation.ts'
import { makeFinisher } from './outcome.ts'
import { decisionBuilder } from './record.ts'

/** What deciding needs of a ruleset (src/engine/ruleset.ts CompiledRuleset has it). */
export interface DecidingRuleset {
  readonly id: string
  readonly version: string
  readonly digest: string
  readonly effectiveFromMs: number | null
  readonly effectiveToMs: number | null
  readonly rules: readonly RuleInfo[]
  readonly policy: DecisionPolicy
}

/** The decision for one evaluation; call it before the ruleset evaluates the next declaration. */
export type Decide = (evaluation: Evaluation, declaration: unknown, context: ScoreContext) => RiskDecision

const declarationIdOf = (d: unknown): unknown =>
  typeof d === 'object' && d !== null ? (d as { declarationId?: unknown }).declarationId : undefined

/** Built once per ruleset (per hot reload), used for every declaration it scores. */
export const createDecider = (ruleset: DecidingRuleset): Decide => {
  const finish = makeFinisher({
    ...ruleset.policy, effectiveFromMs: ruleset.effectiveFromMs, effectiveToMs: ruleset.effectiveToMs
  })
  const build = decisionBuilder(ruleset, ruleset.rules)
  return (ev, d, ctx) => {
    const missing = ctx.enrichmentMissing
    return build(ev, finish(ev, declarationIdOf(d), missing !== undefined && missing.length > 0), d, ctx)
  }
}

/** A ruleset that scores (src/engine/ruleset.ts CompiledRuleset). */
export interface ScoringRuleset extends DecidingRuleset {
  evaluate (declaration: unknown, enrichment: EnrichmentRecord | null, context: ScoreContext): Evaluation
}

export type ScoreAndDecide = (
  declaration: unknown, enrichment: EnrichmentRecord | null, context: ScoreContext
) => RiskDecision

/**
 * Score, then decide, in one call: for the offline commands (score, rules test, backtest)
 * that take a declaration to its decision one at a time. The processor runs the two as
 * separate stages (src/pipeline.ts).
 */
export const scoreAndDecide = (ruleset: ScoringRuleset): ScoreAndDecide => {
  const decide = createDecider(ruleset)
  return (d, e, ctx) => decide(ruleset.evaluate(d, e, ctx), d, ctx)
}
