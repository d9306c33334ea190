// The decision vocabulary and the RiskDecision record (schemas/risk-decision.avsc).

export const ACTIONS = [
  'RELEASE', 'RELEASE_POST_AUDIT', 'REQUEST_INFO', 'REDIRECT_FULL_DECLARATION',
  'REJECT_DATA', 'SCREEN_NII', 'PHYSICAL_EXAM', 'DO_NOT_LOAD'
] as const
export type Action = typeof ACTIONS[number]
export type Decision = 'RELEASE' | 'HOLD'

/**
 * Severity, least to most: when several sources propose an action (gates, the score band,
 * the degraded-enrichment fallback, a rule error, random selection) the most severe wins.
 * It is the order of ACTIONS above.
 */
export const severity = (action: Action): number => ACTIONS.indexOf(action)

export const decisionOf = (action: Action): Decision =>
  action === 'RELEASE' || action === 'RELEASE_POST_AUDIT' ? 'RELEASE' : 'HOLD'

export interface Reason {
  readonly ruleId: string
  readonly title: string
  readonly tier: string
  readonly contribution: number
  readonly values: Readonly<Record<string, string>>
}

// Placeholder until schemas/risk-decision.avsc lands; then this mirrors it field for field.
export interface RiskDecision {
  readonly declarationId: string
  readonly declarationVersion: number
  readonly decision: Decision
  readonly action: Action
  readonly score: number
  readonly reasons: readonly Reason[]
  readonly gatesHit: readonly string[]
  readonly rulesetId: string
  readonly rulesetVersion: string
  readonly rulesetDigest: string
}
