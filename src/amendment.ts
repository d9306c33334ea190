// Amendments: what is known of a declarationId's earlier decisions, shared by the stage that
// reads and keeps it (enrich/: Redis or memory) and the stage that answers with it (decide/).
//
// A filer amends a declaration by sending it again with a higher `version`. Per declarationId
// the store keeps the standing decision (the highest version decided) and the one it
// replaced, so that:
//   version  > standing   an amendment: scored again, its decision says what changed
//   version == standing   the same version again (at-least-once redelivery): decided again,
//                         compared with the same earlier decision, so the answer is the same
//   version  < standing   superseded: answered with the standing decision, not re-decided
// The reasons an amendment adds to a decision carry ids a rule cannot have (rule ids never
// contain a colon), so they never collide with a ruleset's own.

import { actionSymbols, type Action, type Decision, type RiskDecision, type RulesetRef } from './declaration.ts'

/** What is kept of one decision: enough to say what an amendment changed. */
export interface StandingDecision {
  readonly version: number
  readonly decision: Decision
  readonly action: Action
  readonly score: number
  /** Ids of the rules that fired (the decision's reasons, amendment reasons left out). */
  readonly rules: readonly string[]
  readonly ruleset: RulesetRef
}

/** The standing decision of a declarationId and the one it replaced (null for the first). */
export interface DeclarationHistory {
  readonly current: StandingDecision
  readonly previous: StandingDecision | null
}

/**
 * What the store knows of a declarationId: its history, null when nothing was decided
 * under it (or it expired), undefined when the store could not be read (DEGRADED).
 */
export type History = DeclarationHistory | null | undefined

/** The enrichment group named in a DEGRADED decision when the history could not be read. */
export const HISTORY_GROUP = 'amendments'

/** Reason ids of amendments; the colon keeps them apart from every rule id. */
export const AMENDED = 'amendment:AMENDED'
/** An amendment that turned an earlier HOLD into a RELEASE: said on its own, never implied. */
export const HOLD_RELEASED = 'amendment:HOLD_RELEASED'
/** The answer to a version older than the standing one. */
export const SUPERSEDED = 'amendment:SUPERSEDED_BY_VERSION'
/** An amended version decided while the history could not be read. */
export const UNCHECKED = 'amendment:UNCHECKED'

export const isAmendmentReason = (ruleId: string): boolean => ruleId.startsWith('amendment:')

/** A superseded answer is kept out of the history: it decides nothing. */
export const isSupersededAnswer = (d: RiskDecision): boolean =>
  d.reasons.length === 1 && d.reasons[0]?.ruleId === SUPERSEDED

export const standingOf = (d: RiskDecision): StandingDecision => ({
  version: d.version,
  decision: d.decision,
  action: d.action,
  score: d.score,
  rules: d.reasons.filter((r) => !isAmendmentReason(r.ruleId)).map((r) => r.ruleId),
  ruleset: { id: d.ruleset.id, version: d.ruleset.version, digest: d.ruleset.digest }
})

/** The history once `next` is decided: a higher version becomes standing, anything else changes nothing. */
export const advance = (history: History, next: StandingDecision): DeclarationHistory => {
  if (history === null || history === undefined) return { current: next, previous: null }
  if (next.version <= history.current.version) return history
  return { current: next, previous: history.current }
}

/** The standing decision that supersedes `version`, or null when `version` is not older than it. */
export const supersededBy = (version: number, history: History): StandingDecision | null =>
  history !== null && history !== undefined && version < history.current.version ? history.current : null

/**
 * The earlier decision an amended `version` is compared with: the standing one when `version`
 * is newer, the one before it when `version` is the standing one redelivered; null when
 * there is none (a first version, or a history that expired).
 */
export const earlierThan = (version: number, history: History): StandingDecision | null => {
  if (history === null || history === undefined) return null
  if (version > history.current.version) return history.current
  if (version === history.current.version && history.previous !== null && history.previous.version < version) {
    return history.previous
  }
  return null
}

/** Text form kept in the store (one JSON object a decision; small, read once per declaration). */
export const encodeStanding = (s: StandingDecision): string => JSON.stringify(s)

const ACTIONS: ReadonlySet<string> = new Set(actionSymbols)

/** Null for anything that is not a stored decision (a foreign or damaged value is no history). */
export const decodeStanding = (text: string | null | undefined): StandingDecision | null => {
  if (text === null || text === undefined || text === '') return null
  try {
    const v = JSON.parse(text) as Partial<StandingDecision>
    const r = v.ruleset
    const decided = v.decision === 'HOLD' || v.decision === 'RELEASE'
    if (typeof v.version !== 'number' || !decided || !ACTIONS.has(v.action as string) ||
      typeof v.score !== 'number' || !Array.isArray(v.rules) || typeof r !== 'object' || r === null) return null
    const ruleset = { id: String(r.id), version: String(r.version), digest: String(r.digest) }
    return {
      version: v.version,
      decision: v.decision,
      action: v.action as Action,
      score: v.score,
      rules: v.rules.map(String),
      ruleset
    }
  } catch {
    return null
  }
}
