// What the score stage hands the decide stage for one declaration: which rules fired, the
// score parts they add up to, and the values each fired rule read. The engine (src/engine/)
// writes it; decide/ turns it into the RiskDecision; neither imports the other, both import
// this file (as enrich/ and engine/ share src/enrichment.ts).

import type { Action } from './declaration.ts'

export type Tier = 'gate' | 'indicator' | 'mitigation'

export interface RuleInfo {
  readonly id: string
  readonly title: string
  readonly description: string
  readonly tier: Tier
  /** Points added (indicator) or removed (mitigation); 0 for gates. */
  readonly weight: number
  /** Gate action; null for indicators and mitigations. */
  readonly action: Action | null
  readonly tags: readonly string[]
  readonly owner: string
  readonly effectiveFromMs: number | null
  readonly effectiveToMs: number | null
  readonly file: string
  readonly line: number
}

/** What one declaration is scored and decided with. */
export interface ScoreContext {
  /** Decision time, epoch ms. Rules and list entries in force on the declaration date apply. */
  readonly nowMs: number
  /** When the record was consumed, epoch ms; latencyMicros = (nowMs - receivedAtMs) * 1000. */
  readonly receivedAtMs?: number
  /** SHA-256 hex of the declaration bytes, copied into the decision for audit. */
  readonly inputDigest?: string
  /** Enrichment groups that could not be fetched; non-empty means DEGRADED. */
  readonly enrichmentMissing?: readonly string[]
}

/** Outcome of one rule for one declaration, in the evaluation's `outcomes` array. */
export const OUTCOME_NOT_HIT = 0
export const OUTCOME_HIT = 1
export const OUTCOME_ERROR = 2
export const OUTCOME_NOT_IN_FORCE = 3

/**
 * One declaration's evaluation. Reused between calls (written in place, fixed shape): read it
 * before the next evaluation, copy what you keep.
 */
export interface Evaluation {
  /** Per rule (same order as `ruleset.rules`): OUTCOME_* constants. */
  readonly outcomes: Uint8Array
  /** Per rule: 1 when it compared or read a missing value. */
  readonly sawMissing: Uint8Array
  /** Sum of the weights of the indicators that fired (before clamping). */
  indicatorPoints: number
  /** Sum of the weights of the mitigations that fired. */
  mitigationPoints: number
  /** Highest severity (src/actions.ts) among the gate actions that fired, -1 when none did. */
  gateSeverity: number
  gateHits: number
  errors: number
  /** A rule that did not fire read a missing enrichment value. */
  needsFallback: boolean
  /** The declaration date the effective dates were tested against (epoch ms). */
  dateMs: number
  /**
   * The values a fired rule read, in the order it read them (what made it fire: of a
   * quantifier, only the elements that decided it): for rule i with outcomes[i] ===
   * OUTCOME_HIT, entries valueStart[i] up to valueEnd[i] of the three arrays below. Other
   * rules' slots hold stale numbers.
   */
  readonly valueStart: Uint32Array
  readonly valueEnd: Uint32Array
  /** As the rule names the value: `totalValue`, `items[2].hsCode`, `enrichment.seller.ageDays`, `count(items)`. */
  readonly valueNames: string[]
  /** The value as read (a money amount as its decimal string), undefined or null when missing. */
  readonly values: unknown[]
  /** True where the value is a timestamp (epoch ms), shown as ISO-8601. */
  readonly valueIsTimestamp: boolean[]
}
