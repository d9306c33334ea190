// Turns the rule outcomes of one declaration into a score and an action (rules/README.md §7):
// indicators sum and clamp to 0–100, mitigations lower only that indicator part, bands map
// the score to an action, and the most severe of {band, gates, error, fallback} wins.
// Gates are never offset. A rule error, or a declaration dated outside the ruleset's window,
// fails closed with the error action. A release may then be turned into a hold by seeded
// random selection. Runs on the hot path: no allocation (the verdict is reused per call).

import { ACTIONS_BY_SEVERITY, decisionOf, severity } from '../actions.ts'
import type { DecisionPolicy } from '../actions.ts'
import type { Action, Decision } from '../declaration.ts'
import type { Evaluation } from '../evaluation.ts'
import { randomSelector } from './selection.ts'

export interface DecisionPlan extends DecisionPolicy {
  readonly effectiveFromMs: number | null
  readonly effectiveToMs: number | null
}

/** What the finisher makes of an evaluation. Reused between calls. */
export interface Verdict {
  score: number
  action: Action
  decision: Decision
  /** Degraded enrichment made the fallback action apply. */
  fellBack: boolean
  randomlySelected: boolean
  /** The declaration date lies inside the ruleset's own effective window. */
  inForce: boolean
}

export type Finisher = (ev: Evaluation, declarationId: unknown, degraded: boolean) => Verdict

export const makeFinisher = (plan: DecisionPlan): Finisher => {
  const bandMins = plan.bands.map((b) => b.min)
  const bandSeverities = plan.bands.map((b) => severity(b.action))
  const errorSeverity = severity(plan.errorAction)
  const fallbackSeverity = severity(plan.fallbackAction)
  const random = plan.randomSelection
  const selected = random === null || random.rate <= 0 ? null : randomSelector(random.seed, random.rate)
  const from = plan.effectiveFromMs ?? -Infinity
  const to = plan.effectiveToMs ?? Infinity
  const verdict: Verdict = {
    score: 0, action: 'RELEASE', decision: 'RELEASE', fellBack: false, randomlySelected: false, inForce: true
  }

  return (ev, declarationId, degraded) => {
    const indicators = Math.min(100, Math.max(0, ev.indicatorPoints))
    const score = Math.round(Math.min(100, Math.max(0, indicators - ev.mitigationPoints)))
    let band = 0
    for (let i = 1; i < bandMins.length; i++) if (score >= (bandMins[i] as number)) band = i
    let sev = Math.max(bandSeverities[band] ?? 0, ev.gateSeverity)
    verdict.inForce = ev.dateMs >= from && ev.dateMs < to
    if (ev.errors > 0 || !verdict.inForce) sev = Math.max(sev, errorSeverity)
    verdict.fellBack = degraded && ev.needsFallback && fallbackSeverity > sev
    if (verdict.fellBack) sev = fallbackSeverity
    let action = ACTIONS_BY_SEVERITY[sev] as Action
    verdict.randomlySelected = false
    if (selected !== null && random !== null && decisionOf(action) === 'RELEASE' &&
      typeof declarationId === 'string' && selected(declarationId)) {
      action = random.action
      verdict.randomlySelected = true
    }
    verdict.score = score
    verdict.action = action
    verdict.decision = decisionOf(action)
    return verdict
  }
}
