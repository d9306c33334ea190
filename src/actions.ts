// The action vocabulary the engine and the decision stage both speak: the actions from least
// to most severe, which of them release the parcel, and the manifest's decision policy
// (bands, fallback, error action, random selection). Action and Decision themselves are
// generated from schemas/risk-decision.avsc into src/declaration.ts; this file adds what the
// schema cannot say. The engine reads it to check rule files and to rank gate actions;
// decide/ reads it to turn an evaluation into an action.

import type { Action, Decision } from './declaration.ts'

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

/**
 * The holds that send a parcel to a control of its goods or documents: an information
 * request, a scan, an exam, do-not-load. A data rejection or a redirect holds the declaration,
 * not the parcel, and has no control to report an outcome of.
 */
export const CONTROL_ACTIONS: ReadonlySet<Action> = new Set<Action>(['REQUEST_INFO', 'SCREEN_NII', 'PHYSICAL_EXAM', 'DO_NOT_LOAD'])

/** A score band: from `min` (inclusive) up to the next band's min, this action. */
export interface Band { readonly min: number, readonly action: Action }

export interface RandomSelection { readonly rate: number, readonly seed: string, readonly action: Action }

/** How a ruleset turns its evaluation into an action (ruleset.yaml; rules/README.md §7). */
export interface DecisionPolicy {
  /** Ascending by min; the first starts at 0. */
  readonly bands: readonly Band[]
  readonly fallbackAction: Action
  readonly errorAction: Action
  readonly randomSelection: RandomSelection | null
}
