// Turns the rule outcomes of one declaration into a score and an action (rules/README.md §7):
// indicators sum and clamp to 0–100, mitigations lower only that indicator part, bands map
// the score to an action, and the most severe of {band, gates, error, fallback} wins.
// Gates are never offset. A rule error, or a declaration dated outside the ruleset's window,
// fails closed with the error action. A release may then be turned into a hold by seeded
// random selection. Runs on the hot path: no allocation.

import type { Evaluation } from '../engine/ruleset.ts'
import { ACTIONS_BY_SEVERITY, decisionOf, severity } from './decision.ts'
import type { Action } from './decision.ts'
import { randomSelector } from './selection.ts'

export interface Band { readonly min: number, readonly action: Action }

export interface DecisionPlan {
  /** Ascending by min; the first starts at 0. */
  readonly bands: readonly Band[]
  readonly fallbackAction: Action
  readonly errorAction: Action
  readonly randomSelection: { readonly rate: number, readonly seed: string, readonly action: Action } | null
  readonly effectiveFromMs: number | null
  readonly effectiveToMs: number | null
}

export type Finisher = (ev: Evaluation, declarationId: unknown) => void

export const makeFinisher = (plan: DecisionPlan): Finisher => {
  const bandMins = plan.bands.map((b) => b.min)
  const bandSeverities = plan.bands.map((b) => severity(b.action))
  const errorSeverity = severity(plan.errorAction)
  const fallbackSeverity = severity(plan.fallbackAction)
  const random = plan.randomSelection
  const selected = random === null || random.rate <= 0 ? null : randomSelector(random.seed, random.rate)
  const from = plan.effectiveFromMs ?? -Infinity
  const to = plan.effectiveToMs ?? Infinity

  return (ev, declarationId) => {
    const indicators = Math.min(100, Math.max(0, ev.indicatorPoints))
    const score = Math.round(Math.min(100, Math.max(0, indicators - ev.mitigationPoints)))
    let band = 0
    for (let i = 1; i < bandMins.length; i++) if (score >= (bandMins[i] as number)) band = i
    let sev = Math.max(bandSeverities[band] ?? 0, ev.gateSeverity)
    ev.inForce = ev.dateMs >= from && ev.dateMs < to
    if (ev.errors > 0 || !ev.inForce) sev = Math.max(sev, errorSeverity)
    ev.fellBack = ev.degraded && ev.needsFallback && fallbackSeverity > sev
    if (ev.fellBack) sev = fallbackSeverity
    let action = ACTIONS_BY_SEVERITY[sev] as Action
    ev.randomlySelected = false
    if (selected !== null && random !== null && decisionOf(action) === 'RELEASE' &&
      typeof declarationId === 'string' && selected(declarationId)) {
      action = random.action
      ev.randomlySelected = true
    }
    ev.score = score
    ev.action = action
    ev.decision = decisionOf(action)
  }
}
