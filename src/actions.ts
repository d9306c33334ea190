// The action vocabulary the engine and the decision stage both speak: the actions from least
// to most severe, which of them release the parcel, and the manifest's decision policy
// (bands, fallback, error action, random selection). Action and Decision themselves are
// generated from schemas/risk-decision.avsc into src/declaration.ts; this file adds what the
// schema cannot say. The engine reads it to check rule files and to rank gate actions;
// decide/ reads it to turn an evaluation into an action.

import type { Action, Decision, RiskDecision } from './declaration.ts'

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
export const CONTROL_ACTIONS: ReadonlySet<Action> =
  new Set<Action>(['REQUEST_INFO', 'SCREEN_NII', 'PHYSICAL_EXAM', 'DO_NOT_LOAD'])

/**
 * Decisions a control can follow: holds, and releases for post-audit. The outcome intake keeps
 * a record of these for the join, and the processor keeps their parties (for offences).
 */
export const controllable = (d: Pick<RiskDecision, 'decision' | 'action'>): boolean =>
  d.decision === 'HOLD' || d.action === 'RELEASE_POST_AUDIT'

/**
 * Whether a reason of a decision is a rule of its ruleset, not one the decision stage adds
 * (amendments, capacity): theirs carry a colon, which a rule id cannot.
 */
export const isRuleReason = (ruleId: string): boolean => !ruleId.includes(':')

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

/**
 * Lanes a ruleset may give a capacity (ruleset.yaml `capacity:`, rules/README.md), most
 * severe first. An indicator-driven hold that finds its lane full falls to the next lane, and
 * below the last one to BELOW_CAPACITY_LANES.
 */
export const CAPACITY_LANES = Object.freeze(['PHYSICAL_EXAM', 'SCREEN_NII'] as const)
export type CapacityLane = typeof CAPACITY_LANES[number]
export const BELOW_CAPACITY_LANES: Action = 'RELEASE_POST_AUDIT'

export const isCapacityLane = (action: Action): action is CapacityLane =>
  (CAPACITY_LANES as readonly string[]).includes(action)

/**
 * Seats of one lane per fixed window (windows aligned on the Unix epoch, UTC). `reserve` of
 * them are kept for holds that are never moved: the others stop at perWindow − reserve.
 */
export interface LaneCapacity { readonly perWindow: number, readonly windowMs: number, readonly reserve: number }
export type LaneCapacities = Readonly<Partial<Record<CapacityLane, LaneCapacity>>>

export interface CapacityPolicy {
  /** Every control location's lanes. */
  readonly lanes: LaneCapacities
  /** Per control location, lane by lane over `lanes`. */
  readonly locations: Readonly<Record<string, LaneCapacities>>
  /** A hold with a reason from a rule carrying one of these tags is never moved down. */
  readonly protectTags: readonly string[]
}

/** One counter of seats: a lane of a location in one window. */
export interface SeatCounter {
  readonly lane: CapacityLane
  readonly perWindow: number
  /** Seats only forced candidates may take: the others stop at perWindow − reserve. */
  readonly reserve: number
  readonly windowMs: number
  readonly windowStartMs: number
}

/** A decision of the batch that wants a seat. */
export interface SeatCandidate {
  /** Index of the decision in the batch. */
  readonly decision: number
  /** `declarationId#version`: a holder takes at most one seat per window, however often it is replayed. */
  readonly holder: string
  /**
   * Never moved down (gates, protected tags, random selection, fail-closed): may take the
   * reserve, and a seat even over capacity.
   */
  readonly forced: boolean
  /** Counters to try in order: its own lane's, then those of the lanes below that have a capacity. */
  readonly counters: readonly number[]
  /** Its action when none of them has a seat. */
  readonly fallback: Action
}

/** A batch's claim on seats, candidates in the order they are served (forced, then by score descending). */
export interface SeatRequest {
  readonly location: string
  readonly counters: readonly SeatCounter[]
  readonly candidates: readonly SeatCandidate[]
}

/** What the shared counters answered. */
export interface SeatGrant {
  /** Per candidate: the index of the counter that gave it a seat, or -1 (none: its fallback). */
  readonly seats: readonly number[]
  /**
   * Per candidate: its place in the counter, 1 for the window's first seat (0: no seat). A place
   * beyond perWindow is an overbooked seat, only ever a forced candidate's; a replay gets the
   * place it had.
   */
  readonly places: readonly number[]
  /** Per counter: seats taken in its window once the batch is served. */
  readonly taken: readonly number[]
  /** Per counter: of those, seats taken by forced candidates. */
  readonly forcedTaken: readonly number[]
}
