// The yield report: the counters of store.ts turned into the figures a targeting centre reads
// per rule and per lane, and printed as a table, JSON or CSV. Pure: no I/O.
//   hits       decisions the rule fired on            holds      of those, held
//   controls   outcomes received for those decisions  positives  controls that found something
//   hit rate   positives ÷ controls, with a 95 % Wilson score interval (sound at small counts
//              and at rates near 0 or 1, where the normal approximation is not)
//   lift       hit rate ÷ the hit rate of the random-selection slice (all its controls)
//   revenue    duty and taxes assessed, per currency
import type { RulesetCounts } from './store.ts'
import { ALL_RULES, type Scope } from './tally.ts'

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

interface Parsed { readonly scope: Scope, readonly rule: string, readonly lane: string, readonly metric: string, readonly value: number }

const parse = (counts: ReadonlyMap<string, number>): Parsed[] => [...counts].flatMap(([field, value]) => {
  const [scope, rule, lane, metric] = field.split('|')
  if ((scope !== 'all' && scope !== 'random') || rule === undefined || lane === undefined || metric === undefined) return []
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
    revenue: Object.fromEntries(Object.entries(revenue).sort().map(([c, n]) => [c, units(n)]))
  }
}

export const buildReport = (version: RulesetCounts): RulesetReport => {
  const parsed = parse(version.counts)
  const pick = (scope: Scope, rule: string, lane: string): Parsed[] =>
    parsed.filter((e) => e.scope === scope && e.rule === rule && (lane === ALL_LANES || e.lane === lane))
  const random = figures(pick('random', ALL_RULES, ALL_LANES), null)
  const baseline = random.hitRate
  const lanesOf = (rule: string): string[] => [...new Set(parsed.filter((e) => e.scope === 'all' && e.rule === rule).map((e) => e.lane))].sort()
  const rows = (rule: string): Row[] => [ALL_LANES, ...lanesOf(rule)].map((lane) => ({ ruleId: rule, lane, ...figures(pick('all', rule, lane), baseline) }))
  const ruleIds = [...new Set(parsed.filter((e) => e.rule !== ALL_RULES).map((e) => e.rule))].sort()
  return {
    rulesetId: version.id,
    version: version.version,
    digests: version.digests,
    total: figures(pick('all', ALL_RULES, ALL_LANES), baseline),
    random,
    rules: ruleIds.flatMap(rows),
    lanes: lanesOf(ALL_RULES).map((lane) => ({ ruleId: ALL_RULES, lane, ...figures(pick('all', ALL_RULES, lane), baseline) }))
  }
}

// --- output --------------------------------------------------------------------------------
const pct = (x: number | null): string => x === null ? '—' : `${(100 * x).toFixed(1)} %`
const interval = (f: Figures): string => f.hitRateLow === null || f.hitRateHigh === null ? '—' : `${(100 * f.hitRateLow).toFixed(1)}–${(100 * f.hitRateHigh).toFixed(1)} %`
const money = (f: Figures): string => Object.entries(f.revenue).map(([c, a]) => `${a} ${c}`).join(', ') || '—'
const lift = (f: Figures): string => f.lift === null ? '—' : `${f.lift.toFixed(2)}×`

const HEAD = ['rule', 'lane', 'hits', 'holds', 'controls', 'positives', 'hit rate', '95 % CI', 'lift', 'revenue']

const cells = (label: string, lane: string, f: Figures): string[] =>
  [label, lane, String(f.hits), String(f.holds), String(f.controls), String(f.positives), pct(f.hitRate), interval(f), lift(f), money(f)]

const table = (rows: readonly string[][]): string => {
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  const line = (r: readonly string[]): string => r.map((c, i) => i < 2 || i === r.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)).join('  ').trimEnd()
  return rows.map(line).join('\n')
}

export const formatTable = (reports: readonly RulesetReport[]): string => {
  if (reports.length === 0) return 'no decisions counted yet (is `parcel-risk outcomes` running against these topics and this Redis prefix?)\n'
  return reports.map((r) => {
    const rows = [HEAD]
    rows.push(cells('(all decisions)', 'all', r.total))
    rows.push(cells('(random slice)', 'all', r.random))
    for (const row of r.rules) rows.push(cells(row.lane === ALL_LANES ? row.ruleId : '', row.lane === ALL_LANES ? 'all' : row.lane, row))
    for (const row of r.lanes) rows.push(cells('(lane)', row.lane, row))
    return `ruleset ${r.rulesetId} ${r.version} (digest ${r.digests.map((d) => d.slice(0, 12)).join(', ')})\n${table(rows)}\n`
  }).join('\n')
}

export const formatJson = (reports: readonly RulesetReport[]): string => `${JSON.stringify({ rulesets: reports }, null, 2)}\n`

const CSV_HEAD = ['rulesetId', 'version', 'rule', 'lane', 'hits', 'holds', 'controls', 'positives', 'hitRate', 'hitRateLow', 'hitRateHigh', 'lift', 'revenue']

const csvCell = (value: string): string => /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value

export const formatCsv = (reports: readonly RulesetReport[]): string => {
  const num = (x: number | null): string => x === null ? '' : String(Number(x.toFixed(6)))
  const rows = [CSV_HEAD]
  for (const r of reports) {
    const row = (rule: string, lane: string, f: Figures): string[] => [r.rulesetId, r.version, rule, lane, String(f.hits), String(f.holds), String(f.controls), String(f.positives),
      num(f.hitRate), num(f.hitRateLow), num(f.hitRateHigh), num(f.lift), Object.entries(f.revenue).map(([c, a]) => `${a} ${c}`).join('; ')]
    rows.push(row('(all decisions)', ALL_LANES, r.total), row('(random slice)', ALL_LANES, r.random))
    for (const x of [...r.rules, ...r.lanes]) rows.push(row(x.ruleId, x.lane, x))
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`
}
