// The yield report (report.ts) as text: a table for the terminal, JSON and CSV with the same
// figures, and the weekly trend as a table. Pure: no I/O.
import { ALL_LANES, type Figures, type RulesetReport } from './report.ts'

const pct = (x: number | null): string => x === null ? '—' : `${(100 * x).toFixed(1)} %`
const interval = (f: Figures): string =>
  f.hitRateLow === null || f.hitRateHigh === null
    ? '—'
    : `${(100 * f.hitRateLow).toFixed(1)}–${(100 * f.hitRateHigh).toFixed(1)} %`
const money = (f: Figures): string => Object.entries(f.revenue).map(([c, a]) => `${a} ${c}`).join(', ') || '—'
const lift = (f: Figures): string => f.lift === null ? '—' : `${f.lift.toFixed(2)}×`

const HEAD = ['rule', 'lane', 'hits', 'holds', 'controls', 'positives', 'hit rate', '95 % CI', 'lift', 'revenue']
const NII_HEAD = ['NII scans', 'lane', 'scanned', 'clear', 'anomaly', 'inconclusive', 'confirmed', 'missed']
const TREND_HEAD = ['rule', 'week', 'hits', 'holds', 'controls', 'positives', 'hit rate']

const cells = (label: string, lane: string, f: Figures): string[] =>
  [
    label, lane, String(f.hits), String(f.holds), String(f.controls), String(f.positives), pct(f.hitRate), interval(f),
    lift(f), money(f)
  ]

const niiCells = (lane: string, f: Figures): string[] => {
  const n = f.nii
  return [
    '', lane, String(n.scanned), String(n.clear), String(n.anomaly), String(n.inconclusive), String(n.confirmed),
    String(n.missed)
  ]
}

/** Columns: the first two and the last text (left-aligned), the rest numbers (right-aligned). */
const table = (rows: readonly string[][], textLast = true): string => {
  const columns = rows[0]?.length ?? 0
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  const left = (i: number): boolean => i < 2 || (textLast && i === columns - 1)
  const line = (r: readonly string[]): string =>
    r.map((c, i) => left(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)).join('  ').trimEnd()
  return rows.map(line).join('\n')
}

const heading = (r: RulesetReport): string =>
  `ruleset ${r.rulesetId} ${r.version} (digest ${r.digests.map((d) => d.slice(0, 12)).join(', ')})`

/** Scans per lane, printed only when some control carried a scan result. */
const niiTable = (r: RulesetReport): string => {
  if (r.total.nii.scanned === 0) return ''
  const rows = [NII_HEAD, niiCells('all', r.total)]
  for (const row of r.lanes) if (row.nii.scanned > 0) rows.push(niiCells(row.lane, row))
  return `\n${table(rows, false)}\n`
}

export const formatTable = (reports: readonly RulesetReport[]): string => {
  if (reports.length === 0) {
    return 'no decisions counted yet (is `parcel-risk outcomes` running against these topics and this Redis prefix?)\n'
  }
  return reports.map((r) => {
    const rows = [HEAD]
    rows.push(cells('(all decisions)', 'all', r.total))
    rows.push(cells('(random slice)', 'all', r.random))
    for (const row of r.rules) {
      const first = row.lane === ALL_LANES
      rows.push(cells(first ? row.ruleId : '', first ? 'all' : row.lane, row))
    }
    for (const row of r.lanes) rows.push(cells('(lane)', row.lane, row))
    return `${heading(r)}\n${table(rows)}\n${niiTable(r)}`
  }).join('\n')
}

/** Per rule, one row per ISO week of the decisions: how its hit rate moves. */
export const formatTrend = (reports: readonly RulesetReport[]): string => {
  if (reports.length === 0) return formatTable(reports)
  return reports.map((r) => {
    const rows = [TREND_HEAD]
    for (const [rule, points] of Object.entries(r.trend)) {
      points.forEach((p, i) => {
        const label = i > 0 ? '' : rule === '*' ? '(all decisions)' : rule
        rows.push([
          label, p.week, String(p.hits), String(p.holds), String(p.controls), String(p.positives), pct(p.hitRate)
        ])
      })
    }
    return `${heading(r)}\n${table(rows, false)}\n`
  }).join('\n')
}

export const formatJson = (reports: readonly RulesetReport[]): string =>
  `${JSON.stringify({ rulesets: reports }, null, 2)}\n`

const CSV_HEAD = [
  'rulesetId', 'version', 'rule', 'lane', 'hits', 'holds', 'controls', 'positives', 'hitRate', 'hitRateLow',
  'hitRateHigh', 'lift', 'revenue', 'niiScanned', 'niiAnomaly', 'niiConfirmed', 'niiMissed'
]

const csvCell = (value: string): string => /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value

export const formatCsv = (reports: readonly RulesetReport[]): string => {
  const num = (x: number | null): string => x === null ? '' : String(Number(x.toFixed(6)))
  const rows = [CSV_HEAD]
  for (const r of reports) {
    const row = (rule: string, lane: string, f: Figures): string[] => [
      r.rulesetId, r.version, rule, lane, String(f.hits), String(f.holds), String(f.controls), String(f.positives),
      num(f.hitRate), num(f.hitRateLow), num(f.hitRateHigh), num(f.lift),
      Object.entries(f.revenue).map(([c, a]) => `${a} ${c}`).join('; '),
      String(f.nii.scanned), String(f.nii.anomaly), String(f.nii.confirmed), String(f.nii.missed)
    ]
    rows.push(row('(all decisions)', ALL_LANES, r.total), row('(random slice)', ALL_LANES, r.random))
    for (const x of [...r.rules, ...r.lanes]) rows.push(row(x.ruleId, x.lane, x))
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`
}
