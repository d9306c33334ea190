// What one decision and one inspection outcome add to the yield statistics, as plain data:
// the counter fields to increment and the marker that makes the increment happen once. No
// I/O; store.ts applies the increments, intake.ts feeds them.
//
// Counters live per ruleset version (id@version of the decision) and, inside it, per scope,
// rule and lane:
//   scope   all | random   (random: decisions turned into holds by seeded random selection)
//   rule    a rule id from the decision's reasons, or * for every decision of the scope
//   lane    the decision's action (RELEASE, REQUEST_INFO, SCREEN_NII, PHYSICAL_EXAM, …)
//   metric  fired, held                  from the decisions topic, once per declarationId+version
//           controlled, positive,        from the outcomes topic, once per outcome id
//           result:<RESULT>, revenue:<CURRENCY> (ten-thousandths, so sums stay exact integers)
//           nii:scanned, nii:<CLEAR|ANOMALY|INCONCLUSIVE>, nii:confirmed (an anomaly a physical
//           exam confirmed: method PHYSICAL, positive), nii:missed (a clear or inconclusive
//           scan whose control was nonetheless positive)
// Weekly trend, scope `week`, per rule (and *) with the ISO week of the decision in the lane
// place: week|<rule>|<YYYY-Www>|fired, held, controlled, positive. An outcome counts in the week
// of the decision it answers (a cohort), so a week's hit rate settles as its controls come in.
// A rule "fired" on a decision when it is among its reasons (gates and indicators, mitigations
// too). "positive" counts the results that found something: SEIZED, REVENUE, CONTENT_MISMATCH.
import { createHash } from 'node:crypto'
import type { Action, InspectionOutcome, InspectionResult, RiskDecision } from '../declaration.ts'
import { isRuleReason } from '../actions.ts'
import { ParcelRiskError } from '../errors.ts'

export type Scope = 'all' | 'random'
/** The scope of the weekly trend fields. */
export const WEEK_SCOPE = 'week'
export const ALL_RULES = '*'

/** The results that count as a positive control (a finding). */
export const POSITIVE_RESULTS: ReadonlySet<InspectionResult> = new Set(['SEIZED', 'REVENUE', 'CONTENT_MISMATCH'])

/** What the outcome side needs of a decision: kept in Redis per declarationId+version. */
export interface DecisionRecord {
  readonly rulesetId: string
  readonly rulesetVersion: string
  readonly digest: string
  readonly action: Action
  readonly held: boolean
  readonly random: boolean
  readonly rules: readonly string[]
  /** ISO week of the decision (YYYY-Www); absent in records kept before the trend was counted. */
  readonly week?: string
}

export type Increments = ReadonlyArray<readonly [field: string, by: number | string]>

export const counterField = (scope: Scope | typeof WEEK_SCOPE, rule: string, lane: string, metric: string): string =>
  `${scope}|${rule}|${lane}|${metric}`


export const decisionRecord = (d: RiskDecision): DecisionRecord => ({
  rulesetId: d.ruleset.id,
  rulesetVersion: d.ruleset.version,
  digest: d.ruleset.digest,
  action: d.action,
  held: d.decision === 'HOLD',
  random: d.randomSelection,
  // A rule is listed once even if a ruleset reported it twice; the decision stage's own
  // reasons (amendments, capacity) are not rules and have no yield.
  rules: [...new Set(d.reasons.map((r) => r.ruleId).filter(isRuleReason))],
  week: isoWeek(d.timings.decidedAt)
})

/** The ISO 8601 week (YYYY-Www, weeks start on Monday, week 1 holds the year's first Thursday) of a UTC time. */
export const isoWeek = (ms: number): string => {
  const day = new Date(ms)
  const weekday = (day.getUTCDay() + 6) % 7
  // The Thursday of the same week decides the year the week belongs to.
  const thursday = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() - weekday + 3)
  const year = new Date(thursday).getUTCFullYear()
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * 86_400_000))
  return `${year}-W${String(week).padStart(2, '0')}`
}

const scopesOf = (record: Pick<DecisionRecord, 'random'>): readonly Scope[] =>
  record.random ? ['all', 'random'] : ['all']

const spread = (record: DecisionRecord, metrics: ReadonlyArray<readonly [string, number | string]>): Increments => {
  const out: Array<readonly [string, number | string]> = []
  for (const scope of scopesOf(record)) {
    for (const rule of [ALL_RULES, ...record.rules]) {
      for (const [metric, by] of metrics) out.push([counterField(scope, rule, record.action, metric), by])
    }
  }
  return out
}

const weekly = (record: DecisionRecord, week: string, metrics: readonly string[]): Increments =>
  [ALL_RULES, ...record.rules].flatMap((rule) =>
    metrics.map((metric) => [counterField(WEEK_SCOPE, rule, week, metric), 1] as const))

/** fired (and held) for every rule of the decision, in its lane, and in the decision's week. */
export const decisionIncrements = (record: DecisionRecord): Increments => {
  const metrics = record.held ? ['fired', 'held'] : ['fired']
  const lanes = spread(record, metrics.map((m) => [m, 1] as const))
  return record.week === undefined ? lanes : [...lanes, ...weekly(record, record.week, metrics)]
}

/** What a scan showed and whether the control confirmed it; nothing when the parcel was not scanned. */
const niiMetrics = (outcome: InspectionOutcome, positive: boolean): string[] => {
  if (outcome.niiResult === null) return []
  const metrics = ['nii:scanned', `nii:${outcome.niiResult}`]
  if (outcome.niiResult === 'ANOMALY' && positive && outcome.method === 'PHYSICAL') metrics.push('nii:confirmed')
  if (outcome.niiResult !== 'ANOMALY' && positive) metrics.push('nii:missed')
  return metrics
}

/**
 * Money in ten-thousandths of the unit, as integer text: the schema allows 4 decimals and 12
 * integer digits, more than a double holds exactly, so the amount is never a JS number here.
 * Redis adds them as 64-bit integers; the report reads sums exactly up to 2^53 ten-thousandths
 * (about 900 billion per currency and ruleset version).
 */
export const revenueUnits = (amount: string): string => {
  const [whole = '0', fraction = ''] = amount.split('.')
  return String(BigInt(whole) * 10_000n + BigInt(fraction.padEnd(4, '0')))
}

export const outcomeIncrements = (record: DecisionRecord, outcome: InspectionOutcome): Increments => {
  const positive = POSITIVE_RESULTS.has(outcome.result)
  const metrics: Array<readonly [string, number | string]> = [['controlled', 1], [`result:${outcome.result}`, 1]]
  if (positive) metrics.push(['positive', 1])
  for (const metric of niiMetrics(outcome, positive)) metrics.push([metric, 1])
  if (outcome.revenueAmount !== null && outcome.revenueCurrency !== null) {
    const units = revenueUnits(outcome.revenueAmount)
    if (units !== '0') metrics.push([`revenue:${outcome.revenueCurrency}`, units])
  }
  // Records kept before the trend was counted have no week: the control's own week stands in.
  const week = record.week ?? isoWeek(outcome.inspectedAt)
  return [...spread(record, metrics), ...weekly(record, week, positive ? ['controlled', 'positive'] : ['controlled'])]
}

/**
 * The schema carries no outcome id. One is derived from what identifies a control: the
 * declaration and version controlled, when the control was completed and how. The same
 * outcome sent twice (a producer retry, a replay of the topic) gets the same id; a second
 * control of the same parcel (an NII scan, then a physical exam) gets its own.
 */
export const outcomeId = (o: Pick<InspectionOutcome, 'declarationId' | 'version' | 'inspectedAt' | 'method'>): string =>
  createHash('sha256')
    .update(JSON.stringify([o.declarationId, o.version, o.inspectedAt, o.method]))
    .digest('base64url')
    .slice(0, 22)

const MONEY = /^(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?$/
const CURRENCY = /^[A-Z]{3}$/

/** Checks what decoding cannot: returns E_OUTCOME_INVALID naming the first bad field, or undefined. */
export const outcomeProblem = (o: InspectionOutcome): ParcelRiskError | undefined => {
  const bad = (path: string, message: string): ParcelRiskError =>
    new ParcelRiskError('E_OUTCOME_INVALID', message, { path })
  if (o.declarationId.trim() === '') return bad('declarationId', 'declarationId is blank')
  if (!(o.version > 0)) return bad('version', `version must be positive (got ${o.version})`)
  if (!Number.isSafeInteger(o.inspectedAt) || o.inspectedAt <= 0) {
    return bad('inspectedAt', 'inspectedAt is not a timestamp')
  }
  if (o.revenueAmount !== null && !MONEY.test(o.revenueAmount)) {
    return bad('revenueAmount', 'revenueAmount is not a decimal string such as "12.50"')
  }
  if (o.revenueAmount !== null && o.revenueCurrency === null) {
    return bad('revenueCurrency', 'revenueAmount without revenueCurrency')
  }
  if (o.revenueCurrency !== null && !CURRENCY.test(o.revenueCurrency)) {
    return bad('revenueCurrency', 'revenueCurrency is not an ISO 4217 code')
  }
  return undefined
}
