// The yield report: the counters of store.ts turned into the figures a targeting centre reads
// per rule and per lane, and printed as a table, JSON or CSV. Pure: no I/O.
//   hits       decisions the rule fired on            holds      of those, held
//   controls   outcomes received for those decisions  positives  controls that found something
//   hit rate   positives ÷ controls, with a 95 % Wilson score interval (sound at small counts
//              and at rates near 0 or 1, where the normal approximation is not)
//   lift       hit rate ÷ the hit rate of the random-selection slice (all its controls)
//   revenue    duty and taxes assessed, per currency
//   nii        scans among the controls: what they showed, anomalies a physical exam confirmed,
//              and positives the scan did not flag (missed)
//   trend      per ISO week of the decision: hits, holds, controls, positives, hit rate
import type { RulesetCounts } from './store.ts'
import { ALL_RULES, WEEK_SCOPE, type Scope } from './tally.ts'

export const ALL_LANES = '*'

export interface Figures {
  readonly hits: number
  readonly holds: number
  readonly controls: number
  readonly positives: number
  /** Controls by InspectionResult. */
  readonly results: Readonly<Record<string, number>>
  readonly hitRate: number | null
  /** 95 % Wilson score interval of the hit rate. */
  readonly hitRateLow: number | null
  readonly hitRateHigh: number | null
  readonly lift: number | null
  /** Currency → amount as a decimal string. */
  readonly revenue: Readonly<Record<string, string>>
  readonly nii: NiiFigures
}

/** Non-intrusive scans among the controls (outcomes with a niiResult). */
export interface NiiFigures {
  readonly scanned: number
  readonly clear: number
  readonly anomaly: number
  readonly inconclusive: number
  /** Anomalies a physical exam confirmed (a positive control). */
  readonly confirmed: number
  /** Positive controls whose scan was clear or inconclusive. */
  readonly missed: number
}

/** One ISO week of a rule's decisions and the controls that answered them. */
export interface TrendPoint {
  readonly week: string
  readonly hits: number
  readonly holds: number
  readonly controls: number
  readonly positives: number
  readonly hitRate: number | null
}

export interface Row extends Figures {
  readonly ruleId: string
  /** The decisions' action, or * for all lanes. */
  readonly lane: string
}

export interface RulesetReport {
  readonly rulesetId: string
  readonly version: string
  readonly digests: readonly string[]
  /** Every decision of the version, all lanes. */
  readonly total: Figures
  /** The random-selection slice, all lanes: the baseline of lift. */
  readonly random: Figures
  /** Per rule: the all-lanes row first, then one row per lane; rules by id. */
  readonly rules: readonly Row[]
  /** Every decision per lane. */
  readonly lanes: readonly Row[]
  /** Per rule (and * for every decision): one point per ISO week, oldest first. */
  readonly trend: Readonly<Record<string, readonly TrendPoint[]>>
}

const Z = 1.959963984540054

/** The 95 % Wilson score interval of k successes in n trials. */
export const wilson = (k: number, n: number): readonly [number, number] | null => {
  if (n <= 0) return null
  const p = k / n
  const z2 = Z * Z
  const denominator = 1 + z2 / n
  const centre = (p + z2 / (2 * n)) / denominator
  const half = (Z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / denominator
  return [Math.max(0, centre - half), Math.min(1, centre + half)]
}

const units = (n: number): string => {
  const whole = Math.floor(n / 10_000)
  const fraction = String(n % 10_000).padStart(4, '0').replace(/0{1,2}$/, '')
  return `${whole}.${fraction}`
}

interface Parsed {
  readonly scope: Scope
  readonly rule: string
  readonly lane: string
  readonly metric: string
  readonly value: number
}

const parse = (counts: ReadonlyMap<string, number>): Parsed[] => [...counts].flatMap(([field, value]) => {
  const [scope, rule, lane, metric] = field.split('|')
  if ((scope !== 'all' && scope !== 'random') || rule === undefined || lane === undefined || metric === undefined) {
    return []
  }
  return [{ scope, rule, lane, metric, value }]
})

const figures = (entries: readonly Parsed[], baseline: number | null): Figures => {
  const sum = (metric: string): number => entries.reduce((s, e) => e.metric === metric ? s + e.value : s, 0)
  const results: Record<string, number> = {}
  const revenue: Record<string, number> = {}
  for (const e of entries) {
    if (e.metric.startsWith('result:')) results[e.metric.slice(7)] = (results[e.metric.slice(7)] ?? 0) + e.value
    if (e.metric.startsWith('revenue:')) revenue[e.metric.slice(8)] = (revenue[e.metric.slice(8)] ?? 0) + e.value
  }
  const controls = sum('controlled')
  const positives = sum('positive')
  const hitRate = controls > 0 ? positives / controls : null
  const interval = wilson(positives, controls)
  return {
    hits: sum('fired'),
    holds: sum('held'),
    controls,
    positives,
    results,
    hitRate,
    hitRateLow: interval?.[0] ?? null,
    hitRateHigh: interval?.[1] ?? null,
    lift: hitRate !== null && baseline !== null && baseline > 0 ? hitRate / baseline : null,
    revenue: Object.fromEntries(Object.entries(revenue).sort().map(([c, n]) => [c, units(n)])),
    nii: {
      scanned: sum('nii:scanned'),
      clear: sum('nii:CLEAR'),
      anomaly: sum('nii:ANOMALY'),
      inconclusive: sum('nii:INCONCLUSIVE'),
      confirmed: sum('nii:confirmed'),
      missed: sum('nii:missed')
    }
  }
}

const trendOf = (counts: ReadonlyMap<string, number>): Record<string, TrendPoint[]> => {
  const weeks = new Map<string, Map<string, Record<string, number>>>()
  for (const [field, value] of counts) {
    const [scope, rule, week, metric] = field.split('|')
    if (scope !== WEEK_SCOPE || rule === undefined || week === undefined || metric === undefined) continue
    const byWeek = weeks.get(rule) ?? new Map<string, Record<string, number>>()
    const point = byWeek.get(week) ?? {}
    point[metric] = (point[metric] ?? 0) + value
    byWeek.set(week, point)
    weeks.set(rule, byWeek)
  }
  const out: Record<string, TrendPoint[]> = {}
  for (const rule of [...weeks.keys()].sort()) {
    const byWeek = [...(weeks.get(rule) ?? new Map<string, Record<string, number>>())]
    out[rule] = byWeek.sort(([a], [b]) => a.localeCompare(b)).map(([week, m]) => {
      const controls = m.controlled ?? 0
      const positives = m.positive ?? 0
      const hitRate = controls > 0 ? positives / controls : null
      return { week, hits: m.fired ?? 0, holds: m.held ?? 0, controls, positives, hitRate }
    })
  }
  return out
}

export const buildReport = (version: RulesetCounts): RulesetReport => {
  const parsed = parse(version.counts)
  const pick = (scope: Scope, rule: string, lane: string): Parsed[] =>
    parsed.filter((e) => e.scope === scope && e.rule === rule && (lane === ALL_LANES || e.lane === lane))
  const random = figures(pick('random', ALL_RULES, ALL_LANES), null)
  const baseline = random.hitRate
  const lanesOf = (rule: string): string[] =>
    [...new Set(parsed.filter((e) => e.scope === 'all' && e.rule === rule).map((e) => e.lane))].sort()
  const rows = (rule: string): Row[] => [ALL_LANES, ...lanesOf(rule)].map((lane) => ({
    ruleId: rule, lane, ...figures(pick('all', rule, lane), baseline)
  }))
  const ruleIds = [...new Set(parsed.filter((e) => e.rule !== ALL_RULES).map((e) => e.rule))].sort()
  return {
    rulesetId: version.id,
    version: version.version,
    digests: version.digests,
    total: figures(pick('all', ALL_RULES, ALL_LANES), baseline),
    random,
    rules: ruleIds.flatMap(rows),
    lanes: lanesOf(ALL_RULES).map((lane) => ({
      ruleId: ALL_RULES, lane, ...figures(pick('all', ALL_RULES, lane), baseline)
    })),
    trend: trendOf(version.counts)
  }
}
