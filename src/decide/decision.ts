// The decision vocabulary. RiskDecision itself is generated from schemas/risk-decision.avsc
// into src/declaration.ts; this file adds what the schema cannot say: how severe each action
// is, and which actions release the parcel.

import type { Action, Decision } from '../declaration.ts'

export type { Action, DataRejection, Decision, Reason, ReasonValue, RiskDecision } from '../declaration.ts'

/**
 * Least to most severe. When several sources propose an action (gates, the score band, the
 * degraded-enrichment fallback, a rule error, random selection) the most severe one wins.
 */
export const ACTIONS_BY_SEVERITY: readonly Action[] = Object.freeze([
  'RELEASE', 'RELEASE_POST_AUDIT', 'REQUEST_INFO', 'REDIRECT_FULL_DECLARATION',
  'REJECT_DATA', 'SCREEN_NII', 'PHYSICAL_EXAM', 'DO_NOT_LOAD'
] as const)

export const severity = (action: Action): number => ACTIONS_BY_SEVERITY.indexOf(action)

export const isAction = (value: unknown): value is Action =>
  typeof value === 'string' && (ACTIONS_BY_SEVERITY as readonly string[]).includes(value)

export const decisionOf = (action: Action): Decision =>
  action === 'RELEASE' || action === 'RELEASE_POST_AUDIT' ? 'RELEASE' : 'HOLD'
