// The demo's terminal output: a panel redrawn every second on a terminal, one line per
// second when the output is a file or a pipe, and the same panel as the final summary.
import { WARMUP_MS, type Percentiles, type Share, type SummaryView } from './summary.ts'

const int = (n: number): string => Math.round(n).toLocaleString('en-US')
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`
const ms = (n: number | undefined): string => (n === undefined ? '–' : `${int(n)} ms`)

const lat = (p: Percentiles): string => `p50 ${ms(p.p50)}  p99 ${ms(p.p99)}  max ${ms(p.max)}`

const bar = (share: number, width: number): string =>
  '█'.repeat(Math.round(Math.min(1, share) * width)).padEnd(width, '·')

const table = (title: string, rows: readonly Share[], empty: string): string[] => {
  if (rows.length === 0) return [title, `  ${empty}`]
  const width = Math.max(...rows.map((r) => r.name.length))
  const countWidth = Math.max(...rows.map((r) => int(r.count).length))
  return [title, ...rows.map((r) => `  ${r.name.padEnd(width)}  ${int(r.count).padStart(countWidth)}  ` +
    `${pct(r.share).padStart(7)}  ${bar(r.share, 20)}`)]
}

export interface PanelContext {
  readonly title: string
  /** e.g. "rate 200/s, seed 1, poison 0.5 %" */
  readonly settings: string
}

export const renderPanel = (v: SummaryView, context: PanelContext): string[] => [
  `${context.title} — ${v.elapsedS.toFixed(0)} s — ${context.settings}`,
  '',
  `sent ${int(v.sent)} (poison ${int(v.poisonSent)})   decisions ${int(v.decisions)}   ` +
    `dead letters ${int(v.deadLetters)}   pending ${int(v.pending)}`,
  `last ${v.window.seconds} s     ${int(v.window.outcomesPerS)}/s   hold rate ${pct(v.window.holdRate)}   ` +
    `latency ${lat(v.window.latencyMs)}`,
  `since start  ${int(v.meanOutcomesPerS)}/s   hold rate ${pct(v.holdRate)}   latency ${lat(v.latencyMs)}`,
  `  warm-up (first ${WARMUP_MS / 1000} s) ${lat(v.warmupLatencyMs)}   steady state ${lat(v.steadyLatencyMs)}`,
  `enrichment degraded ${int(v.degraded)}`,
  '',
  ...table('decisions by action', v.byAction, 'none yet'),
  '',
  ...table('top rules (hits per decision)', v.topRules, 'none yet'),
  '',
  ...table('dead letters by code', v.deadLettersByCode, 'none yet')
]

/** One line per second for output that is not a terminal. */
export const renderLine = (v: SummaryView): string =>
  `[${v.elapsedS.toFixed(0).padStart(4)} s] sent ${int(v.sent)}  decided ${int(v.decisions)}  ` +
  `dlq ${int(v.deadLetters)}  ` +
  `last ${v.window.seconds} s: ${int(v.window.outcomesPerS)}/s  hold ${pct(v.window.holdRate)}  ` +
  `${lat(v.window.latencyMs)}  |  ` +
  `total: hold ${pct(v.holdRate)}  p50 ${ms(v.latencyMs.p50)}  p99 ${ms(v.latencyMs.p99)}  degraded ${int(v.degraded)}`

/** ANSI: move to the top-left and clear the screen below, then the panel. */
export const redraw = (lines: readonly string[]): string => `\x1b[H\x1b[J${lines.join('\n')}\n`
