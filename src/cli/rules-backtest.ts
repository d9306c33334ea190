// `parcel-risk rules backtest`: scores one input with two rulesets (the champion in force and
// a challenger, run as the processor runs its shadow: src/cli/offline-pipeline.ts) and reports
// what the change would do: hold rate and decisions per action, hits per rule, the inspection
// load against each side's lane capacity (src/cli/backtest-capacity.ts), and every declaration
// whose action changed. Both see the same enrichment.

import { readFileSync, writeFileSync } from 'node:fs'
import type { RiskDecision } from '../declaration.ts'
import { ACTIONS_BY_SEVERITY } from '../actions.ts'
import type { CompiledRuleset } from '../engine/ruleset.ts'
import { EXIT_OK, parseCommand, processIo, usageError } from './args.ts'
import type { Io } from './args.ts'
import { createLoadCounter, loadRows, loadWindows, type CapacityLoad } from './backtest-capacity.ts'
import {
  countYield, emptyYield, parseLabels, yieldFigures, type Labels, type Yield, type YieldFigures
} from './backtest-labels.ts'
import { BATCH_LINES, offlinePipeline } from './offline-pipeline.ts'
import { LOCATION_NAME } from '../engine/capacity.ts'
import { compileOrReport, findRulesetDirs } from './rulesets.ts'
import { loadEnrichment, unknownRead, warnUnknown } from './score.ts'

const USAGE = `usage: parcel-risk rules backtest --champion DIR --challenger DIR --input FILE
                                [--profiles FILE] [--empty SETS] [--now ISO] [--json FILE] [--show N]
                                [--outcomes FILE] [--location NAME]

Scores every declaration of FILE (NDJSON) with both rulesets and prints, side by side, the
hold rate, decisions per action and hits per rule, the inspection load against capacity
when either ruleset has a 'capacity:' section, then the declarations whose action changed.

  --champion DIR    the ruleset in force
  --challenger DIR  the candidate ruleset
  --input FILE      declarations, NDJSON
  --profiles FILE   ProfileUpdate NDJSON to enrich from (see 'parcel-risk score --help')
  --empty SETS      data sets complete with what --profiles carries of them, even nothing
  --now ISO         decision time (default: the current time)
  --json FILE       also write the full report, every changed decision included, as JSON
  --show N          changed decisions to list in the table (default 20)
  --outcomes FILE   labelled outcomes of the input's controls, InspectionOutcome NDJSON (e.g.
                    'parcel-risk generate outcomes --decisions ... --output FILE'): adds, per
                    side, holds with a known outcome, positives among them (hit rate), positives
                    held of all known (recall) and holds whose outcome is unknown
  --location NAME   control location whose lane capacities to measure the load against
                    (ruleset.yaml capacity.locations; default 'default'): per lane, holds per
                    window against seats, never-moved holds, holds that would move down (and
                    where) and seats overbooked, each side seated with its own capacity;
                    a declaration counts in the window of its declaredAt
  -h, --help        this text

Exit codes: 0 report written, 2 usage error, unreadable file or a ruleset that does not compile.
`

const spec = {
  name: 'rules backtest',
  usage: USAGE,
  options: {
    champion: { type: 'string' }, challenger: { type: 'string' }, input: { type: 'string' },
    profiles: { type: 'string' },
    empty: { type: 'string' }, now: { type: 'string' }, json: { type: 'string' }, show: { type: 'string' },
    outcomes: { type: 'string' }, location: { type: 'string' }
  },
  maxPositionals: 0
} as const

export interface Side {
  readonly id: string
  readonly version: string
  readonly digest: string
  declarations: number
  held: number
  readonly actions: Record<string, number>
  readonly ruleHits: Record<string, number>
  readonly yield: Yield
}

export interface Change {
  readonly declarationId: string
  readonly champion: { readonly action: string, readonly score: number, readonly rules: readonly string[] }
  readonly challenger: { readonly action: string, readonly score: number, readonly rules: readonly string[] }
}

type Measured = Omit<Side, 'yield'> & {
  readonly holdRate: number
  readonly yield?: YieldFigures
  /** Inspection load against the lane capacity; absent when neither ruleset limits a lane at the location. */
  readonly capacity?: CapacityLoad
}

export interface BacktestReport {
  readonly champion: Measured
  readonly challenger: Measured
  /** Labelled outcomes read, and how many of them were positive; absent without --outcomes. */
  readonly labels?: { readonly labelled: number, readonly positive: number }
  readonly changed: number
  readonly scoreOnlyChanged: number
  readonly changes: readonly Change[]
}

const side = (r: CompiledRuleset): Side => ({
  id: r.id, version: r.version, digest: r.digest, declarations: 0, held: 0,
  actions: Object.fromEntries(ACTIONS_BY_SEVERITY.map((a) => [a, 0])),
  ruleHits: Object.fromEntries(r.rules.map((rule) => [rule.id, 0])),
  yield: emptyYield()
})

const tally = (s: Side, d: RiskDecision, labels: Labels | undefined): void => {
  s.declarations++
  if (labels !== undefined) countYield(s.yield, labels, d)
  if (d.decision === 'HOLD') s.held++
  s.actions[d.action] = (s.actions[d.action] ?? 0) + 1
  for (const r of d.reasons) s.ruleHits[r.ruleId] = (s.ruleHits[r.ruleId] ?? 0) + 1
}

const pct = (n: number, of: number): string => (of === 0 ? '-' : `${(100 * n / of).toFixed(1)} %`)

const rate = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(1)} %`)
const points = (x: number | null, y: number | null): string =>
  (x === null || y === null ? '' : `${((y - x) * 100).toFixed(1)} pt`)
const signed = (n: number): string => `${n >= 0 ? '+' : ''}${n}`

const yieldRows = (a: YieldFigures, b: YieldFigures): Array<[string, string, string, string]> => [
  ['', '', '', ''],
  ['holds with a known outcome', String(a.labelledHolds), String(b.labelledHolds),
    signed(b.labelledHolds - a.labelledHolds)],
  ['positives held', String(a.positives), String(b.positives), signed(b.positives - a.positives)],
  ['hit rate (known outcomes)', rate(a.hitRate), rate(b.hitRate), points(a.hitRate, b.hitRate)],
  ['recall (of known positives)', rate(a.recall), rate(b.recall), points(a.recall, b.recall)],
  ['holds, outcome unknown', String(a.unlabelledHolds), String(b.unlabelledHolds),
    signed(b.unlabelledHolds - a.unlabelledHolds)]
]

export const formatReport = (r: BacktestReport, show: number): string => {
  const a = r.champion
  const b = r.challenger
  const rows: Array<[string, string, string, string]> = [
    ['', `champion ${a.id} ${a.version}`, `challenger ${b.id} ${b.version}`, 'delta'],
    ['declarations', String(a.declarations), String(b.declarations), ''],
    ['hold rate', pct(a.held, a.declarations), pct(b.held, b.declarations),
      `${((b.holdRate - a.holdRate) * 100).toFixed(1)} pt`]
  ]
  for (const action of ACTIONS_BY_SEVERITY) {
    const x = a.actions[action] ?? 0
    const y = b.actions[action] ?? 0
    const delta = `${y - x >= 0 ? '+' : ''}${y - x}`
    rows.push([action, `${x} (${pct(x, a.declarations)})`, `${y} (${pct(y, b.declarations)})`, delta])
  }
  if (a.yield !== undefined && b.yield !== undefined) rows.push(...yieldRows(a.yield, b.yield))
  if (a.capacity !== undefined && b.capacity !== undefined) rows.push(...loadRows(a.capacity, b.capacity))
  rows.push(['', '', '', ''], ['rule hits', '', '', ''])
  const ids = [...new Set([...Object.keys(a.ruleHits), ...Object.keys(b.ruleHits)])].sort()
  for (const id of ids) {
    const x = a.ruleHits[id]
    const y = b.ruleHits[id]
    const delta = (y ?? 0) - (x ?? 0)
    rows.push([
      id, x === undefined ? '(absent)' : String(x), y === undefined ? '(absent)' : String(y),
      `${delta >= 0 ? '+' : ''}${delta}`
    ])
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)))
  const lines = rows.map((row) => row
    .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
    .join('  ')
    .trimEnd())
  lines.push('', `changed decisions: ${r.changed} changed action, ${r.scoreOnlyChanged} changed score only`)
  for (const c of r.changes.slice(0, show)) {
    const gained = c.challenger.rules.filter((id) => !c.champion.rules.includes(id)).map((id) => `+${id}`)
    const lost = c.champion.rules.filter((id) => !c.challenger.rules.includes(id)).map((id) => `-${id}`)
    const ruleChanges = [...gained, ...lost]
    const named = ruleChanges.length > 0 ? `; ${ruleChanges.join(' ')}` : ''
    lines.push(`  ${c.declarationId}  ${c.champion.action} → ${c.challenger.action}  ` +
      `(score ${c.champion.score} → ${c.challenger.score}${named})`)
  }
  if (r.changes.length > show) lines.push(`  … ${r.changes.length - show} more (see --json)`)
  return `${lines.join('\n')}\n`
}

export const run = async (argv: readonly string[], io: Io = processIo): Promise<number> => {
  const args = parseCommand(argv, spec, io)
  if (!args.ok) return args.exitCode
  const { champion, challenger, input, profiles, empty, now, json, outcomes } = args.values
  const location = args.values.location ?? 'default'
  if (!LOCATION_NAME.test(location)) {
    return usageError(spec, io, `--location must match ${String(LOCATION_NAME)}`).exitCode
  }
  if (champion === undefined || challenger === undefined || input === undefined) {
    return usageError(spec, io, '--champion, --challenger and --input are required').exitCode
  }
  const nowMs = now === undefined ? Date.now() : Date.parse(now)
  if (Number.isNaN(nowMs)) return usageError(spec, io, `--now: not an ISO-8601 time: ${now ?? ''}`).exitCode
  const show = args.values.show === undefined ? 20 : Number(args.values.show)
  if (!Number.isSafeInteger(show) || show < 0) {
    return usageError(spec, io, '--show must be a non-negative integer').exitCode
  }
  for (const dir of [champion, challenger]) {
    if (findRulesetDirs(dir)[0] !== dir) {
      return usageError(spec, io, `${dir} is not a ruleset directory (no ruleset.yaml)`).exitCode
    }
  }
  const store = loadEnrichment(profiles, nowMs, empty)
  if (typeof store === 'string') return usageError(spec, io, store).exitCode
  let text: string
  try {
    text = readFileSync(input, 'utf8')
  } catch (err) {
    return usageError(spec, io, `cannot read --input: ${(err as Error).message}`).exitCode
  }
  let labels: Map<string, boolean> | undefined
  if (outcomes !== undefined) {
    let raw: string
    try {
      raw = readFileSync(outcomes, 'utf8')
    } catch (err) {
      return usageError(spec, io, `cannot read --outcomes: ${(err as Error).message}`).exitCode
    }
    const parsed = parseLabels(raw)
    if (typeof parsed === 'string') return usageError(spec, io, parsed).exitCode
    labels = parsed
  }
  const a = await compileOrReport(champion, io)
  const b = await compileOrReport(challenger, io)
  if (a === null || b === null) return usageError(spec, io, 'a ruleset does not compile').exitCode
  warnUnknown(io, unknownRead(store, [a, b]))

  const sa = side(a)
  const sb = side(b)
  const changes: Change[] = []
  let scoreOnly = 0
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  const score = offlinePipeline([a, b], store, nowMs)
  const windows = loadWindows([a, b], location)
  const loads = windows.size === 0
    ? null
    : [createLoadCounter(a, location, windows), createLoadCounter(b, location, windows)] as const
  for (let i = 0; i < lines.length; i += BATCH_LINES) {
    const batch = lines.slice(i, i + BATCH_LINES)
    const { rows } = await score(batch)
    if (loads !== null) {
      const at = batch.map((line) => declaredAtOf(line, nowMs))
      loads[0].observe(rows.map((r) => r[0] as RiskDecision), at)
      loads[1].observe(rows.map((r) => r[1] as RiskDecision), at)
    }
    for (const [da, db] of rows as Array<[RiskDecision, RiskDecision]>) {
      tally(sa, da, labels)
      tally(sb, db, labels)
      if (da.action !== db.action) {
        changes.push({
          declarationId: da.declarationId,
          champion: { action: da.action, score: da.score, rules: da.reasons.map((r) => r.ruleId) },
          challenger: { action: db.action, score: db.score, rules: db.reasons.map((r) => r.ruleId) }
        })
      } else if (da.score !== db.score) scoreOnly++
    }
  }
  const holdRate = (s: Pick<Side, 'held' | 'declarations'>): number =>
    (s.declarations === 0 ? 0 : s.held / s.declarations)
  const measured = ({ yield: y, ...s }: Side, load: CapacityLoad | undefined): Measured => ({
    ...s, holdRate: holdRate(s), ...(labels === undefined ? {} : { yield: yieldFigures(y, labels) }),
    ...(load === undefined ? {} : { capacity: load })
  })
  const report: BacktestReport = {
    champion: measured(sa, loads?.[0].result()),
    challenger: measured(sb, loads?.[1].result()),
    ...(labels === undefined
      ? {}
      : { labels: { labelled: labels.size, positive: [...labels.values()].filter(Boolean).length } }),
    changed: changes.length,
    scoreOnlyChanged: scoreOnly,
    changes
  }
  io.stdout.write(formatReport(report, show))
  if (json !== undefined) writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`)
  return EXIT_OK
}

/** A line's declaredAt (epoch ms), the window it is seated in; `fallbackMs` when it has none. */
const declaredAtOf = (line: string, fallbackMs: number): number => {
  try {
    const at = (JSON.parse(line) as { declaredAt?: unknown } | null)?.declaredAt
    return typeof at === 'number' && Number.isFinite(at) ? at : fallbackMs
  } catch {
    return fallbackMs
  }
}

export const main = async (argv: readonly string[]): Promise<number> => await run(argv)
