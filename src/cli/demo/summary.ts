// What the demo has seen so far, aggregated from the decisions and dead letters it consumes:
// counts by action, rule hits, dead letters by code, degraded enrichments and the end-to-end
// latency (the declaration's produce timestamp to the moment the outcome was consumed),
// in total, over the last WINDOW_S seconds, and split into the warm-up (outcomes seen in the
// first WARMUP_MS after the feed started) and the steady state after it.
// Pure: the caller passes the clock; view() turns the state into the numbers shown.
import { createLatencyHistogram, type LatencyHistogram } from './latency.ts'
import { createRollingWindow, type RollingWindow, type WindowView } from './window.ts'

/** Outcomes seen this long after the start count as warm-up in the final summary. */
export const WARMUP_MS = 10_000

export interface DecisionSeen {
  readonly action: string
  readonly decision: 'RELEASE' | 'HOLD'
  readonly ruleIds: readonly string[]
  readonly degraded: boolean
  readonly latencyMs: number
}

export interface DeadLetterSeen {
  readonly code: string
  readonly latencyMs: number
}

export interface Summary {
  readonly startedMs: number
  sent: number
  poisonSent: number
  decisions: number
  holds: number
  deadLetters: number
  degraded: number
  readonly byAction: Map<string, number>
  readonly ruleHits: Map<string, number>
  readonly deadLettersByCode: Map<string, number>
  readonly latency: LatencyHistogram
  readonly warmupLatency: LatencyHistogram
  readonly steadyLatency: LatencyHistogram
  readonly window: RollingWindow
}

export const createSummary = (startedMs: number): Summary => ({
  startedMs, sent: 0, poisonSent: 0, decisions: 0, holds: 0, deadLetters: 0, degraded: 0,
  byAction: new Map(), ruleHits: new Map(), deadLettersByCode: new Map(),
  latency: createLatencyHistogram(), warmupLatency: createLatencyHistogram(), steadyLatency: createLatencyHistogram(),
  window: createRollingWindow(startedMs)
})

const recordLatency = (s: Summary, nowMs: number, latencyMs: number, hold: boolean | undefined): void => {
  s.latency.record(latencyMs)
  if (nowMs - s.startedMs < WARMUP_MS) s.warmupLatency.record(latencyMs)
  else s.steadyLatency.record(latencyMs)
  s.window.record(nowMs, latencyMs, hold)
}

const bump = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1)
}

/** `nowMs`: when the outcome was seen. */
export const recordDecision = (s: Summary, d: DecisionSeen, nowMs: number): void => {
  s.decisions++
  if (d.decision === 'HOLD') s.holds++
  if (d.degraded) s.degraded++
  bump(s.byAction, d.action)
  for (const id of d.ruleIds) bump(s.ruleHits, id)
  recordLatency(s, nowMs, d.latencyMs, d.decision === 'HOLD')
}

export const recordDeadLetter = (s: Summary, d: DeadLetterSeen, nowMs: number): void => {
  s.deadLetters++
  bump(s.deadLettersByCode, d.code)
  recordLatency(s, nowMs, d.latencyMs, undefined)
}

export interface Share { readonly name: string, readonly count: number, readonly share: number }

export interface SummaryView {
  readonly elapsedS: number
  readonly sent: number
  readonly poisonSent: number
  readonly decisions: number
  readonly deadLetters: number
  /** Sent but neither decided nor dead-lettered yet. */
  readonly pending: number
  readonly meanOutcomesPerS: number
  /** HOLD decisions / decisions. */
  readonly holdRate: number
  readonly byAction: readonly Share[]
  readonly topRules: readonly Share[]
  readonly deadLettersByCode: readonly Share[]
  readonly degraded: number
  /** Every outcome since the start. */
  readonly latencyMs: Percentiles
  /** Outcomes seen in the first WARMUP_MS, and after it. */
  readonly warmupLatencyMs: Percentiles
  readonly steadyLatencyMs: Percentiles
  /** The last WINDOW_S completed seconds: what "now" looks like. */
  readonly window: WindowView
}

export interface Percentiles { readonly p50?: number, readonly p99?: number, readonly max?: number }

const percentiles = (h: LatencyHistogram): Percentiles => {
  const p50 = h.percentile(0.5)
  const p99 = h.percentile(0.99)
  const max = h.max()
  return {
    ...(p50 === undefined ? {} : { p50 }),
    ...(p99 === undefined ? {} : { p99 }),
    ...(max === undefined ? {} : { max })
  }
}

/** Largest first, ties by name; `share` is of `total`. */
export const ranked = (map: ReadonlyMap<string, number>, total: number, limit = Infinity): Share[] =>
  [...map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit)
    .map(([name, count]) => ({ name, count, share: total === 0 ? 0 : count / total }))

export const view = (s: Summary, nowMs: number, topRules = 8): SummaryView => {
  const elapsedS = Math.max(0, (nowMs - s.startedMs) / 1000)
  const outcomes = s.decisions + s.deadLetters
  return {
    elapsedS,
    sent: s.sent,
    poisonSent: s.poisonSent,
    decisions: s.decisions,
    deadLetters: s.deadLetters,
    pending: Math.max(0, s.sent - outcomes),
    meanOutcomesPerS: elapsedS === 0 ? 0 : outcomes / elapsedS,
    holdRate: s.decisions === 0 ? 0 : s.holds / s.decisions,
    byAction: ranked(s.byAction, s.decisions),
    topRules: ranked(s.ruleHits, s.decisions, topRules),
    deadLettersByCode: ranked(s.deadLettersByCode, s.deadLetters),
    degraded: s.degraded,
    latencyMs: percentiles(s.latency),
    warmupLatencyMs: percentiles(s.warmupLatency),
    steadyLatencyMs: percentiles(s.steadyLatency),
    window: s.window.view(nowMs)
  }
}
